#!/usr/bin/python3
"""Plots a fleetsim run directory: utilization and power per cluster, and job waits.

Usage: /usr/bin/python3 scripts/plot_run.py RESULTS_DIR
Reads only utilization.csv and jobs.csv (schemas: results/README.md); writes
RESULTS_DIR/utilization.png and RESULTS_DIR/waits.png and prints their paths.
"""
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def main(d):
    util = pd.read_csv(os.path.join(d, "utilization.csv"))
    jobs = pd.read_csv(os.path.join(d, "jobs.csv"))
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True)
    for cluster, g in util.groupby("cluster", sort=True):
        t_d = g["time_s"] / 86400.0
        ax1.step(t_d, g["utilization"], where="post", label=cluster)
        ax2.step(t_d, g["power_w"] / 1e3, where="post", label=cluster)
    ax1.set_ylabel("utilization (busy / online accelerators)")
    ax1.set_ylim(-0.02, 1.02)
    ax1.legend(loc="upper right", fontsize=8)
    ax2.set_ylabel("IT power (kW)")
    ax2.set_xlabel("simulated time (days)")
    ax1.set_title("fleetsim: utilization and power per cluster")
    fig.tight_layout()
    p1 = os.path.join(d, "utilization.png")
    fig.savefig(p1, dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4.5))
    started = jobs.dropna(subset=["wait_s"])
    for cluster, g in started.groupby("cluster", sort=True):
        w = g["wait_s"].sort_values() / 3600.0
        ax.step(w, (pd.Series(range(1, len(w) + 1)) / len(w)).values, where="post", label=cluster)
    ax.set_xlabel("wait (hours)")
    ax.set_ylabel("fraction of jobs (CDF)")
    ax.set_title("fleetsim: job wait time distribution")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    p2 = os.path.join(d, "waits.png")
    fig.savefig(p2, dpi=110)
    plt.close(fig)
    print("plots: %s %s" % (p1, p2))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        sys.exit(2)
    main(sys.argv[1])
