#!/usr/bin/python3
"""Plots a fleetsim run directory.

Usage: /usr/bin/python3 scripts/plot_run.py RESULTS_DIR
Reads utilization.csv and jobs.csv, and serving_series.csv and replicas.csv when the run had
inference streams (schemas: results/README.md). Writes into RESULTS_DIR and prints the paths:
  utilization.png  utilization, training vs serving accelerators and IT power, per vendor
  waits.png        CDF of training-job waits per vendor
  serving.png      per stream: output tokens/s, mean queue; active replicas per model;
                   output tokens/s by vendor (serving_sites.csv)
  power_sites.png  facility and committed power against the cap in force, for the sites whose
                   cap bound (enforcement acted, power came within 10% of the cap, or a cap
                   step), at most 6 (site_power.csv)
"""
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


VENDOR_COLORS = {"NVIDIA": "tab:green", "AMD": "tab:red", "Cerebras": "tab:orange"}


def vendor_color(v):
    return VENDOR_COLORS.get(v, "tab:gray")


class InputError(Exception):
    """Bad or missing input: reported as one line, exit status 2."""


def read(d, name, columns):
    """Reads d/name as CSV and checks that it has `columns`."""
    path = os.path.join(d, name)
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise InputError("%s: file not found" % path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise InputError("%s: malformed CSV: %s" % (path, str(e).strip().splitlines()[0]))
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError("%s: line 1: missing column %s" % (path, missing[0]))
    return frame


def save(fig, d, name):
    """Writes fig as d/name (PNG, atomically: temporary file + rename), closes it, returns the
    path."""
    fig.tight_layout()
    p = os.path.join(d, name)
    tmp = os.path.join(d, ".%s.tmp.png" % name)
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, p)
    return p


def step_sum(util, by, col):
    """Sums a per-cluster step function over the clusters of each `by` group.

    Returns a frame indexed by time_s (every sample instant), one column per group."""
    wide = util.pivot_table(index="time_s", columns="cluster", values=col, aggfunc="last")
    wide = wide.sort_index().ffill().fillna(0.0)
    groups = util.groupby("cluster")[by].first()
    return wide.T.groupby(groups).sum().T


def plot_utilization(d, util):
    busy = step_sum(util, "vendor", "busy_accelerators")
    online = step_sum(util, "vendor", "online_accelerators")
    serving = step_sum(util, "vendor", "serving_accelerators")
    power = step_sum(util, "vendor", "power_w")
    t_d = busy.index / 86400.0
    fig, (ax1, ax2, ax3) = plt.subplots(3, 1, figsize=(10, 9), sharex=True)
    for v in busy.columns:
        u = (busy[v] / online[v].where(online[v] > 0)).fillna(0.0)
        ax1.step(t_d, u, where="post", label=v, color=vendor_color(v))
    ax1.set_ylabel("utilization\n(busy / online accelerators)")
    ax1.set_ylim(-0.02, 1.02)
    ax1.legend(loc="lower right", fontsize=8, ncol=4)
    train = busy.sum(axis=1) - serving.sum(axis=1)
    ax2.stackplot(t_d, train, serving.sum(axis=1), step="post",
                  labels=["training", "inference replicas"], alpha=0.8)
    ax2.step(t_d, online.sum(axis=1), where="post", color="k", lw=1, label="online")
    ax2.set_ylabel("accelerators")
    ax2.legend(loc="lower right", fontsize=8)
    ax3.stackplot(t_d, *[power[v] / 1e6 for v in power.columns], step="post",
                  labels=list(power.columns), colors=[vendor_color(v) for v in power.columns],
                  alpha=0.8)
    ax3.set_ylabel("IT power (MW)")
    ax3.set_xlabel("simulated time (days)")
    ax3.legend(loc="lower right", fontsize=8, ncol=4)
    ax1.set_title("fleetsim: utilization, accelerators and power by vendor")
    return save(fig, d, "utilization.png")


def plot_waits(d, util, jobs):
    vendor_of = util.groupby("cluster")["vendor"].first()
    started = jobs[jobs["start_s"] >= 0].copy()
    started["vendor"] = started["cluster"].map(vendor_of)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for vendor, g in started.groupby("vendor", sort=True):
        w = g["wait_s"].sort_values() / 3600.0
        ax.step(w, (pd.Series(range(1, len(w) + 1)) / len(w)).values, where="post",
                label="%s (%d jobs)" % (vendor, len(w)), color=vendor_color(vendor))
    ax.set_xlabel("wait (hours)")
    ax.set_ylabel("fraction of started jobs (CDF)")
    ax.set_title("fleetsim: training-job wait time by vendor")
    ax.legend(loc="lower right", fontsize=8)
    return save(fig, d, "waits.png")


def stream_labels(latency):
    """Stream -> legend label; a latency tier adds its TPOT bound and attainment."""
    labels = {}
    if latency is None:
        return labels
    for _, r in latency.iterrows():
        tier = r.get("tpot_max_s", 0)
        if pd.notna(tier) and tier > 0:
            labels[r["stream"]] = "%s (tier TPOT <= %g ms: %.1f%% met)" % (
                r["stream"], tier * 1e3, 100 * r["tier_attainment"])
    return labels


def plot_serving(d, series, replicas, sites, end_s, latency=None):
    fig, (ax1, ax2, ax3, ax4) = plt.subplots(4, 1, figsize=(10, 10), sharex=True)
    labels = stream_labels(latency)
    for stream, g in series.groupby("stream", sort=True):
        t_d = g["bin_start_s"] / 86400.0
        ax1.step(t_d, g["tokens_per_s"] / 1e3, where="post", label=labels.get(stream, stream))
        ax2.step(t_d, g["queue_mean"], where="post", label=stream)
    ax1.set_ylabel("output tokens/s (thousands)")
    ax1.legend(loc="upper right", fontsize=8)
    ax2.set_ylabel("mean requests waiting")
    ax2.set_yscale("symlog")
    placed = replicas[replicas["start_s"] >= 0]
    for model, g in placed.groupby("model", sort=True):
        ends = g["end_s"].where(g["end_s"] >= 0, end_s)
        ev = pd.concat([pd.Series(1, index=g["start_s"]), pd.Series(-1, index=ends)])
        ev = ev.groupby(level=0).sum().sort_index().cumsum()
        ax3.step(ev.index / 86400.0, ev.values, where="post", label=model)
    ax3.set_ylabel("active replicas")
    ax3.set_yscale("symlog")  # small low-latency pools stay visible beside large ones
    ax3.legend(loc="upper right", fontsize=8)
    # Output tokens/s by vendor, per serving tick (serving_sites.csv).
    by = sites.pivot_table(index="time_s", columns="vendor", values="output_tokens_per_s",
                           aggfunc="sum").fillna(0.0).sort_index()
    if len(by):
        start = (by.index - sites.groupby("time_s")["interval_s"].first().reindex(by.index)) / 86400.0
        ax4.stackplot(start, *[by[v] / 1e3 for v in by.columns], step="post",
                      labels=list(by.columns), colors=[vendor_color(v) for v in by.columns],
                      alpha=0.8)
        ax4.legend(loc="upper right", fontsize=8)
    ax4.set_ylabel("output tokens/s by vendor\n(thousands)")
    ax4.set_xlabel("simulated time (days)")
    ax1.set_title("fleetsim: inference streams (bins of serving.bin_s)")
    return save(fig, d, "serving.png")


def plot_power_sites(d, sp, end_s):
    """Power against cap for the sites where the cap mattered; None if there is none."""
    picked = []
    for site, g in sp.groupby("site", sort=True):
        cap = g["power_cap_w"]
        acted = (g[["shed_jobs_total", "dvfs_changes_total", "throttle_changes_total"]].max() > 0).any()
        close = (cap.notna() & (g["committed_power_w"] >= 0.9 * cap)).any()
        stepped = cap.nunique(dropna=False) > 1
        if acted or close or stepped:
            picked.append(site)
    if not picked:
        return None
    picked = picked[:6]
    fig, axes = plt.subplots(len(picked), 1, figsize=(10, 2.6 * len(picked) + 0.6), squeeze=False)
    for ax, site in zip(axes[:, 0], picked):
        g = sp[sp["site"] == site].sort_values("time_s", kind="stable")
        t = list(g["time_s"] / 3600) + [end_s / 3600]

        def steps(col):
            v = list(g[col] / 1e6)
            return v + [v[-1]]

        ax.step(t, steps("facility_power_w"), where="post", label="facility (measured)",
                color="tab:blue")
        ax.step(t, steps("committed_power_w"), where="post", label="committed", color="tab:purple",
                linestyle="--", linewidth=1)
        ax.step(t, steps("power_cap_w"), where="post", label="cap in force", color="tab:red")
        ax2 = ax.twinx()
        ax2.step(t, list(g["jobs_running"]) + [g["jobs_running"].iloc[-1]], where="post",
                 color="tab:gray", alpha=0.5, label="jobs running")
        ax2.step(t, list(g["jobs_slowed"]) + [g["jobs_slowed"].iloc[-1]], where="post",
                 color="tab:orange", alpha=0.8, label="jobs slowed (DVFS)")
        ax2.set_ylabel("jobs")
        last = g.iloc[-1]
        ax.set_title("%s: %d shed, %d DVFS changes, %d throttle changes"
                     % (site, last["shed_jobs_total"], last["dvfs_changes_total"],
                        last["throttle_changes_total"]))
        ax.set_ylabel("MW")
        ax.set_ylim(bottom=0)
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, loc="lower right", fontsize=7, ncol=2)
    axes[-1, 0].set_xlabel("simulated time (h)")
    return save(fig, d, "power_sites.png")


def main(d):
    # Every input is read and checked before any plot is written.
    util = read(d, "utilization.csv", ["time_s", "cluster", "vendor", "busy_accelerators",
                                       "online_accelerators", "serving_accelerators", "power_w"])
    jobs = read(d, "jobs.csv", ["cluster", "start_s", "wait_s"])
    serving = None
    if os.path.exists(os.path.join(d, "serving_series.csv")):
        serving = (read(d, "serving_series.csv", ["stream", "bin_start_s", "tokens_per_s",
                                                  "queue_mean"]),
                   read(d, "replicas.csv", ["model", "start_s", "end_s"]),
                   read(d, "serving_sites.csv", ["time_s", "interval_s", "vendor",
                                                 "output_tokens_per_s"]))
    site_power = None
    if os.path.exists(os.path.join(d, "site_power.csv")):
        site_power = read(d, "site_power.csv", ["time_s", "site", "facility_power_w",
                                                "committed_power_w", "power_cap_w", "jobs_running",
                                                "jobs_slowed", "shed_jobs_total",
                                                "dvfs_changes_total", "throttle_changes_total"])
    latency = None
    if os.path.exists(os.path.join(d, "serving_latency.csv")):
        latency = read(d, "serving_latency.csv", ["stream"])
    paths = [plot_utilization(d, util)]
    if len(jobs):
        paths.append(plot_waits(d, util, jobs))
    if serving is not None:
        series, replicas, sites = serving
        paths.append(plot_serving(d, series, replicas, sites, util["time_s"].max(), latency))
    if site_power is not None and len(site_power):
        p = plot_power_sites(d, site_power, util["time_s"].max())
        if p:
            paths.append(p)
    print("plots: " + " ".join(paths))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        sys.exit(2)
    try:
        main(sys.argv[1])
    except InputError as e:
        sys.stderr.write("plot_run.py: %s\n" % e)
        sys.exit(2)
