#!/usr/bin/python3
"""Plots a fleetsim run directory.

Usage: /usr/bin/python3 scripts/plot_run.py RESULTS_DIR
Reads utilization.csv, power.csv and jobs.csv, and serving_series.csv, replicas.csv,
serving_sites.csv, serving_latency.csv (and requests.csv if written) when the run had inference
streams (schemas: results/README.md). Writes into RESULTS_DIR and prints the paths:
  utilization.png  utilization, training vs serving accelerators and IT power, per vendor
  fleet.png        busy accelerators stacked by site, by vendor and by provider
  power.png        facility power against its cap, one panel per site
  waits.png        CDF of training-job waits per vendor
  serving.png      per stream: output tokens/s, mean queue; active replicas per model;
                   output tokens/s by vendor (serving_sites.csv)
  power_sites.png  facility and committed power against the cap in force, for the sites whose
                   cap bound (enforcement acted, power came within 10% of the cap, or a cap
                   step), at most 6, with jobs running and slowed (power.csv)
  latency.png      per stream: TTFT and end-to-end latency CDFs (p50/p95/p99 from
                   serving_latency.csv; the sampled requests' full CDF when requests.csv exists)
                   and SLO (and latency-tier) attainment
An interrupted run (summary.json outcome "interrupted") is plotted up to where it stopped, and
every title says so.
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


# Appended to every title: " (interrupted at t = ...)" for a run stopped by a signal.
SUFFIX = ""

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


def time_unit(end_s):
    """(seconds per unit, axis label) for a run that ends at end_s: days, hours or seconds."""
    if end_s >= 3 * 86400:
        return 86400.0, "simulated time (days)"
    if end_s >= 3 * 3600:
        return 3600.0, "simulated time (hours)"
    return 1.0, "simulated time (s)"


def count_unit(peak):
    """(divisor, label suffix) for accelerator counts: thousands when large."""
    return (1e3, " (thousands)") if peak >= 5000 else (1.0, "")


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
    tu, tlabel = time_unit(util["time_s"].max())
    t_d = busy.index / tu
    fig, (ax1, ax2, ax3) = plt.subplots(3, 1, figsize=(10, 9), sharex=True)
    for v in busy.columns:
        u = (busy[v] / online[v].where(online[v] > 0)).fillna(0.0)
        ax1.step(t_d, u, where="post", label=v, color=vendor_color(v))
    ax1.set_ylabel("utilization\n(busy / online accelerators)")
    ax1.set_ylim(-0.02, 1.02)
    ax1.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    train = busy.sum(axis=1) - serving.sum(axis=1)
    ax2.stackplot(t_d, train, serving.sum(axis=1), step="post",
                  labels=["training", "inference replicas"], alpha=0.8)
    ax2.step(t_d, online.sum(axis=1), where="post", color="k", lw=1, label="online")
    ax2.set_ylabel("accelerators")
    ax2.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax3.stackplot(t_d, *[power[v] / 1e6 for v in power.columns], step="post",
                  labels=list(power.columns), colors=[vendor_color(v) for v in power.columns],
                  alpha=0.8)
    ax3.set_ylabel("IT power (MW)")
    ax3.set_xlabel(tlabel)
    ax3.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax1.set_title("fleetsim: utilization, accelerators and power by vendor" + SUFFIX)
    return save(fig, d, "utilization.png")


def plot_fleet(d, util, site_provider):
    """Busy accelerators stacked by site, by vendor and by provider, with the online total."""
    util = util.copy()
    util["provider"] = util["site"].map(site_provider).fillna("?")
    online = step_sum(util, "vendor", "online_accelerators").sum(axis=1)
    tu, tlabel = time_unit(util["time_s"].max())
    cu, clabel = count_unit(online.max())
    fig, axes = plt.subplots(3, 1, figsize=(10, 10.5), sharex=True)
    for ax, by in zip(axes, ["site", "vendor", "provider"]):
        busy = step_sum(util, by, "busy_accelerators")
        busy = busy[sorted(busy.columns, key=lambda c: -busy[c].mean())]  # largest at the bottom
        t_d = busy.index / tu
        colors = ([vendor_color(v) for v in busy.columns] if by == "vendor"
                  else [plt.cm.tab20(i % 20) for i in range(len(busy.columns))])
        ax.stackplot(t_d, *[busy[c] / cu for c in busy.columns], step="post",
                     labels=list(busy.columns), colors=colors, alpha=0.85)
        ax.step(online.index / tu, online / cu, where="post", color="k", lw=1,
                label="online (all)")
        ax.set_ylabel("busy accelerators by %s\n%s" % (by, clabel.strip()))
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7,
                  ncol=1 if len(busy.columns) <= 12 else 2)
    axes[-1].set_xlabel(tlabel)
    axes[0].set_title("fleetsim: busy accelerators (training and inference) stacked by site, "
                      "vendor and provider" + SUFFIX)
    return save(fig, d, "fleet.png")


def plot_power(d, power):
    """Facility power against the site's cap, one small panel per site."""
    sites = sorted(power["site"].unique())
    tu, tlabel = time_unit(power["time_s"].max())
    ncol = 4 if len(sites) > 6 else min(3, len(sites))
    nrow = (len(sites) + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.2 * ncol, 2.3 * nrow + 0.6), sharex=True,
                             squeeze=False)
    for ax in axes.flat[len(sites):]:
        ax.axis("off")
    for ax, site in zip(axes.flat, sites):
        g = power[power["site"] == site].sort_values("time_s", kind="stable")
        ax.step(g["time_s"] / tu, g["facility_power_w"] / 1e6, where="post", lw=1,
                color="tab:blue", label="facility power")
        caps = g["power_cap_w"]
        if caps.notna().any():
            # The cap in force is a step function too (power.caps time series).
            ax.step(g["time_s"] / tu, caps / 1e6, where="post", color="tab:red", ls="--", lw=1,
                    label="cap in force")
            peak = (g["facility_power_w"] / caps).max()
            ax.set_title("%s (peak %.0f%% of cap)" % (site, 100 * peak), fontsize=8)
        else:
            ax.set_title("%s (no cap)" % site, fontsize=8)
        ax.set_ylim(bottom=0)
        ax.tick_params(labelsize=7)
    for ax in axes[:, 0]:
        ax.set_ylabel("MW", fontsize=8)
    for ax in axes[-1, :]:
        ax.set_xlabel(tlabel, fontsize=8)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, loc="upper right", ncol=2)
    fig.suptitle("fleetsim: facility power (IT x PUE) against the site power cap" + SUFFIX,
                 fontsize=10)
    return save(fig, d, "power.png")


def plot_latency(d, latency, requests):
    """TTFT and end-to-end latency CDFs per stream, and SLO / tier attainment."""
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(13, 4.3),
                                        gridspec_kw={"width_ratios": [1, 1, 0.8]})
    qs = [0.5, 0.95, 0.99]
    full = requests is not None and len(requests) > 0
    for i, (_, r) in enumerate(latency.sort_values("stream").iterrows()):
        color = "C%d" % (i % 10)
        for ax, metric in ((ax1, "ttft"), (ax2, "e2e")):
            if requests is not None and (requests["stream"] == r["stream"]).any():
                v = requests.loc[requests["stream"] == r["stream"], metric + "_s"].dropna()
                v = v.sort_values()
                ax.step(v, (pd.Series(range(1, len(v) + 1)) / len(v)).values, where="post",
                        color=color, label="%s (%d sampled requests)" % (r["stream"], len(v)))
            else:
                xs = [r["%s_p50_s" % metric], r["%s_p95_s" % metric], r["%s_p99_s" % metric]]
                ax.plot(xs, qs, marker="o", color=color,
                        label="%s (p50, p95, p99)" % r["stream"])
    for ax, name in ((ax1, "time to first token"), (ax2, "end-to-end latency")):
        ax.set_xscale("log")
        ax.set_xlabel("%s (s, log scale)" % name)
        ax.set_ylabel("fraction of completed requests (CDF)")
        ax.set_ylim(0 if full else 0.45, 1.005)
        ax.grid(alpha=0.3, which="both")
    ax1.legend(fontsize=7, loc="upper left")
    streams = list(latency.sort_values("stream")["stream"])
    y = range(len(streams))
    slo = latency.sort_values("stream")["slo_attainment"].fillna(0.0).values
    ax3.barh([v + 0.2 for v in y], 100 * slo, height=0.4, color="tab:blue", label="SLO met")
    if "tier_attainment" in latency.columns:
        tier = latency.sort_values("stream")["tier_attainment"]
        if tier.notna().any():
            ax3.barh([v - 0.2 for v in y], 100 * tier.fillna(0.0).values, height=0.4,
                     color="tab:orange", label="latency tier met")
    for v, a in zip(y, slo):
        ax3.text(1, v + 0.2, "%.2f%%" % (100 * a), va="center", fontsize=7, color="white")
    if "tier_attainment" in latency.columns:
        for v, a in zip(y, latency.sort_values("stream")["tier_attainment"].values):
            if pd.notna(a):
                ax3.text(1, v - 0.2, "%.2f%%" % (100 * a), va="center", fontsize=7, color="k")
    ax3.set_yticks(list(y))
    ax3.set_yticklabels(streams, fontsize=8)
    ax3.set_xlim(0, 100)
    ax3.set_xlabel("completed requests meeting it (%)")
    ax3.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2)
    fig.suptitle("fleetsim: inference latency and SLO attainment per stream" + SUFFIX,
                 fontsize=10)
    return save(fig, d, "latency.png")


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
    ax.set_title("fleetsim: training-job wait time by vendor" + SUFFIX)
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
    ax1.set_title("fleetsim: inference streams (bins of serving.bin_s)" + SUFFIX)
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
    global SUFFIX
    # Every input is read and checked before any plot is written.
    util = read(d, "utilization.csv", ["time_s", "site", "cluster", "vendor",
                                       "busy_accelerators", "online_accelerators",
                                       "serving_accelerators", "power_w"])
    power = read(d, "power.csv", ["time_s", "site", "provider", "facility_power_w",
                                       "committed_power_w", "power_cap_w", "jobs_running",
                                       "jobs_slowed", "shed_jobs_total", "dvfs_changes_total",
                                       "throttle_changes_total"])
    jobs = read(d, "jobs.csv", ["cluster", "start_s", "wait_s"])
    summary_path = os.path.join(d, "summary.json")
    try:
        with open(summary_path) as f:
            summary = json.load(f)
    except FileNotFoundError:
        raise InputError("%s: file not found" % summary_path)
    except ValueError as e:
        raise InputError("%s: malformed JSON: %s" % (summary_path, e))
    if summary.get("outcome") == "interrupted":
        SUFFIX = "\n(interrupted at t = %.3g s: partial run)" % summary.get("end_time_s", 0)
    serving = None
    if os.path.exists(os.path.join(d, "serving_series.csv")):
        serving = (read(d, "serving_series.csv", ["stream", "bin_start_s", "tokens_per_s",
                                                  "queue_mean"]),
                   read(d, "replicas.csv", ["model", "start_s", "end_s"]),
                   read(d, "serving_sites.csv", ["time_s", "interval_s", "vendor",
                                                 "output_tokens_per_s"]))
    latency = requests = None
    if os.path.exists(os.path.join(d, "serving_latency.csv")):
        latency = read(d, "serving_latency.csv", ["stream", "ttft_p50_s", "ttft_p95_s",
                                                  "ttft_p99_s", "e2e_p50_s", "e2e_p95_s",
                                                  "e2e_p99_s", "slo_attainment"])
    if os.path.exists(os.path.join(d, "requests.csv")):
        requests = read(d, "requests.csv", ["stream", "ttft_s", "e2e_s"])
    site_provider = power.groupby("site")["provider"].first()
    paths = [plot_utilization(d, util), plot_fleet(d, util, site_provider), plot_power(d, power)]
    if len(jobs):
        paths.append(plot_waits(d, util, jobs))
    if serving is not None:
        series, replicas, sites = serving
        paths.append(plot_serving(d, series, replicas, sites, util["time_s"].max(), latency))
    if latency is not None and len(latency):
        paths.append(plot_latency(d, latency, requests))
    p = plot_power_sites(d, power, util["time_s"].max())
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
