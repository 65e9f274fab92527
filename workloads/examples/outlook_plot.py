#!/usr/bin/python3
"""Plots the training-versus-inference split of cost per period (results/README.md,
accounting.csv) for the 2026-2030 outlook: the base run's cost by category, and the inference
share of training + inference cost in every run given, so the crossover of each assumption set
shows where its line crosses 50%.

Usage: outlook_plot.py OUT.png LABEL=RUN_DIR [LABEL=RUN_DIR ...]   (the first is the base)
Also prints, per run, the crossover: the first period from which inference cost exceeds
training cost in every later period (summary.json accounting.inference_cost_crossover_period)."""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def by_period(run_dir):
    a = pd.read_csv(f"{run_dir}/accounting.csv")
    a = a[a.category.isin(["training", "inference", "idle"])]
    p = a.groupby(["period_start_s", "period", "category"], sort=True)["cost_usd"].sum()
    p = p.unstack("category").fillna(0).reset_index().sort_values("period_start_s")
    p["inference_share"] = p.inference / (p.inference + p.training)
    return p


def crossover(p):
    """The first period from which inference cost exceeds training cost in every later one."""
    c = None
    for _, row in p[::-1].iterrows():
        if not row.inference > row.training:
            break
        c = row.period
    return c


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out = sys.argv[1]
    runs = [arg.split("=", 1) for arg in sys.argv[2:]]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(11, 8.5), sharex=True)
    base = by_period(runs[0][1])
    x = range(len(base))
    bottom = [0.0] * len(base)
    for cat, color in [("training", "tab:blue"), ("inference", "tab:orange"), ("idle", "0.8")]:
        ax1.bar(x, base[cat] / 1e6, bottom=bottom, color=color, label=cat)
        bottom = [b + v / 1e6 for b, v in zip(bottom, base[cat])]
    ax1.set_ylabel("cost per quarter (million USD)")
    ax1.set_title(f"{runs[0][0]}: cost by category (electricity + capital, 1% fleet)")
    ax1.legend(loc="upper left")
    for label, d in runs:
        own = by_period(d)  # a run stopped early (interrupted) has fewer periods
        c = crossover(own)
        p = own.set_index("period").reindex(base.period)
        ax2.plot(x, p.inference_share.values, marker="o", ms=3,
                 label=f"{label} (crossover: {c or 'none'})")
        print(f"{label}: crossover {c or 'none'}; inference share in last period "
              f"{own.inference_share.values[-1]:.3f} ({own.period.values[-1]})")
    ax2.axhline(0.5, color="k", lw=0.8, ls="--")
    ax2.set_ylim(0, 1)
    ax2.set_ylabel("inference share of\ntraining + inference cost")
    ax2.set_xticks(list(x))
    ax2.set_xticklabels(base.period, rotation=60, fontsize=8)
    ax2.legend(loc="upper left", fontsize=8)
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
