#!/usr/bin/env python3
"""Summarise polca-oversubscription.sh's runs: one markdown row per server count K, polca.csv and
polca.png (power against the cap and its thresholds; latency cost per priority against K).
Usage: /usr/bin/python3 workloads/examples/polca_report.py OUT_DIR"""
import csv
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SITE = "azure-example"
PROVISIONED = 12  # servers the cap is sized for (full load)


def site_series(d):
    t, w, share = [], [], []
    with open(os.path.join(d, "power.csv")) as f:
        for r in csv.DictReader(f):
            if r["site"] == SITE:
                t.append(float(r["time_s"]))
                w.append(float(r["facility_power_w"]))
                share.append(float(r["serving_power_share"]))
    return t, w, share


def stream(s, name):
    return next(x for x in s["serving"]["streams"] if x["name"] == name)


def main(out):
    rows = []
    ks = sorted(int(n.split("-")[1]) for n in os.listdir(out) if n.startswith("polca-"))
    for k in ks:
        u = json.load(open(os.path.join(out, f"uncapped-{k}", "summary.json")))
        p = json.load(open(os.path.join(out, f"polca-{k}", "summary.json")))
        site = next(x for x in p["sites"] if x["site"] == SITE)
        t, w, share = site_series(os.path.join(out, f"polca-{k}"))
        cap = 140760.0
        _, uw, _ = site_series(os.path.join(out, f"uncapped-{k}"))
        end = p["serving"]["horizon_s"]
        throttled_s = sum((t[i + 1] if i + 1 < len(t) else end) - t[i]
                          for i in range(len(t)) if share[i] < 1)
        row = {"servers": k, "more_servers_pct": 100 * (k - PROVISIONED) / PROVISIONED,
               "uncapped_peak_of_cap": max(uw) / cap, "polca_peak_of_cap": max(w) / cap,
               "throttled_time_frac": throttled_s / end,
               "over_cap_s": site["over_cap_s"], "max_over_cap_kw": site["max_over_cap_w"] / 1e3,
               "over_cap_episodes": site["over_cap_episodes"],
               "over_cap_energy_kwh": site["over_cap_energy_j"] / 3.6e6}
        for name in ("high", "low"):
            a, b = stream(u, name), stream(p, name)
            for q in ("e2e_p50_s", "e2e_p99_s", "ttft_p50_s", "tpot_p50_s"):
                row[f"{name}_{q}_uncapped"] = a[q]
                row[f"{name}_{q}"] = b[q]
                row[f"{name}_{q}_increase_pct"] = 100 * (b[q] / a[q] - 1)
        rows.append(row)
    with open(os.path.join(out, "polca.csv"), "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        wr.writeheader()
        for r in rows:
            wr.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})
    print("| servers (cap for 12) | uncapped peak / cap | policy peak / cap | time throttled | "
          "over cap s | max over kW | episodes | high P50 e2e | high P99 e2e | low P50 e2e | "
          "low P99 e2e |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['servers']} (+{r['more_servers_pct']:.0f}%) | {r['uncapped_peak_of_cap']:.3f} | "
              f"{r['polca_peak_of_cap']:.3f} | {100 * r['throttled_time_frac']:.0f}% | "
              f"{r['over_cap_s']:.0f} | {r['max_over_cap_kw']:.1f} | {r['over_cap_episodes']} | "
              f"{r['high_e2e_p50_s_increase_pct']:+.1f}% | {r['high_e2e_p99_s_increase_pct']:+.1f}% | "
              f"{r['low_e2e_p50_s_increase_pct']:+.1f}% | {r['low_e2e_p99_s_increase_pct']:+.1f}% |")

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.8))
    cap = 140760.0
    for k, color in ((16, "tab:blue"), (18, "tab:red")):
        if k not in ks:
            continue
        tu, wu, _ = site_series(os.path.join(out, f"uncapped-{k}"))
        tp, wp, _ = site_series(os.path.join(out, f"polca-{k}"))
        ax1.step([x / 3600 for x in tu], [x / 1e3 for x in wu], where="post", color=color,
                 alpha=0.35, lw=0.8, label=f"{k} servers, uncapped")
        ax1.step([x / 3600 for x in tp], [x / 1e3 for x in wp], where="post", color=color,
                 lw=1.0, label=f"{k} servers, threshold policy (40 s delay)")
    for f, ls, lab in ((1.0, "-", "cap (12 servers at full load)"), (0.89, "--", "89%: all"),
                       (0.80, ":", "80%: low priority")):
        ax1.axhline(cap * f / 1e3, color="k", ls=ls, lw=1, label=lab)
    ax1.set_ylim(bottom=70)  # room for the legend under the series
    ax1.set_xlabel("simulated hour (ramp to the daily peak)")
    ax1.set_ylabel("measured facility power, kW")
    ax1.set_title("Site power against its cap")
    ax1.legend(fontsize=7, loc="lower right")
    more = [r["more_servers_pct"] for r in rows]
    for name, color in (("high", "tab:green"), ("low", "tab:orange")):
        ax2.plot(more, [r[f"{name}_e2e_p50_s_increase_pct"] for r in rows], "o-", color=color,
                 label=f"{name} priority, P50 end-to-end")
        ax2.plot(more, [r[f"{name}_e2e_p99_s_increase_pct"] for r in rows], "s--", color=color,
                 label=f"{name} priority, P99 end-to-end")
    ax2.axhline(1, color="grey", lw=0.8, ls=":", label="POLCA: high-priority P50 within 1%")
    ax2.axvline(30, color="grey", lw=0.8, ls="--", label="POLCA: +30% servers")
    ax2.set_xlabel("servers beyond what the cap provisions, %")
    ax2.set_ylabel("latency increase vs. the same servers uncapped, %")
    ax2.set_title("Latency cost of the threshold policy")
    ax2.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "polca.png"), dpi=110)


if __name__ == "__main__":
    main(sys.argv[1])
