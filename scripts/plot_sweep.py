#!/usr/bin/python3
"""Plots a metric of a fleetsim sweep against one parameter, with replicate error bars.

Usage: /usr/bin/python3 scripts/plot_sweep.py SWEEP_DIR --x PARAM --metric METRIC
                                              [--hue PARAM | --y PARAM] [--out FILE.png]
Reads SWEEP_DIR/results.csv (written by `fleetsim sweep collect`; schema: results/README.md).
For every value of PARAM (and of --hue, one line each) it draws the mean of METRIC over the done
runs (replicates across seeds and any other parameter) with a 95% confidence interval
(Student t) as error bars (and a shaded band when PARAM is numeric), and the individual runs as faint dots. With --y instead, a heatmap of
the mean of METRIC over the two parameters (each cell annotated with the mean and the run count).
Writes SWEEP_DIR/<METRIC>_vs_<PARAM>[_<Y>].png (or --out) atomically and prints its path. Bad
input (missing file, unknown column, no done runs): one line on stderr, exit status 2, no plot.
"""
import argparse
import math
import os
import sys

# pandas and matplotlib are imported once the arguments are parsed (pandas) and the input is
# checked (matplotlib): bad input is reported fast.

# Two-sided 95% Student t critical values for 1..30 degrees of freedom (as `sweep collect`).
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
        2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
        2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


class InputError(Exception):
    """Bad or missing input: reported as one line, exit status 2."""


def ci95(values):
    n = len(values)
    if n < 2:
        return 0.0
    t = T975[n - 2] if n - 1 <= 30 else 1.96
    return t * values.std(ddof=1) / math.sqrt(n)


def label(name):
    """Axis label: the column name with its unit suffix spelled out."""
    for suffix, unit in (("_per_s", "1/s"), ("_s", "s"), ("_j", "J"), ("_w", "W")):
        if name.endswith(suffix):
            return "%s [%s]" % (name, unit)
    return name


def main(argv):
    ap = argparse.ArgumentParser(prog="plot_sweep.py", description=__doc__.splitlines()[0])
    ap.add_argument("sweep_dir")
    ap.add_argument("--x", required=True, help="parameter column (an index.csv --set path)")
    ap.add_argument("--metric", required=True, help="metric column of results.csv")
    ap.add_argument("--hue", help="second parameter: one line per value")
    ap.add_argument("--y", help="second parameter: heatmap of the mean over x and y")
    ap.add_argument("--out", help="PNG path (default: SWEEP_DIR/<metric>_vs_<x>.png)")
    a = ap.parse_args(argv)
    path = os.path.join(a.sweep_dir, "results.csv")
    if not os.path.isfile(path):
        raise InputError("%s: file not found (run fleetsim sweep collect first)" % path)
    import pandas as pd
    try:
        df = pd.read_csv(path)
    except FileNotFoundError:
        raise InputError("%s: file not found (run fleetsim sweep collect first)" % path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise InputError("%s: malformed CSV: %s" % (path, str(e).strip().splitlines()[0]))
    if a.hue and a.y:
        raise InputError("give --hue or --y, not both")
    for col in ["status", a.x, a.metric] + ([a.hue] if a.hue else []) + ([a.y] if a.y else []):
        if col not in df.columns:
            raise InputError("%s: line 1: no column %s" % (path, col))
    done = df[df["status"] == "done"].copy()
    if done.empty:
        raise InputError("%s: no done runs" % path)
    done[a.metric] = pd.to_numeric(done[a.metric], errors="coerce")
    if done[a.metric].isna().all():
        raise InputError("%s: column %s has no numeric values" % (path, a.metric))
    numeric_x = pd.api.types.is_numeric_dtype(done[a.x])
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if a.y:
        out = a.out or os.path.join(a.sweep_dir, "%s_vs_%s_%s.png" % (a.metric, a.x, a.y))
        heatmap(plt, done, a, out)
        print(out)
        return
    fig, ax = plt.subplots(figsize=(7, 4.5))
    groups = done.groupby(a.hue, sort=True) if a.hue else [(None, done)]
    categories = sorted(done[a.x].unique(), key=str) if not numeric_x else None
    for i, (hue, g) in enumerate(groups):
        color = "C%d" % (i % 10)
        stats = g.groupby(a.x)[a.metric].agg(["mean", "count", ci95]).reset_index()
        stats = stats.sort_values(a.x)
        xs = stats[a.x] if numeric_x else [categories.index(v) for v in stats[a.x]]
        name = "%s = %s" % (a.hue, hue) if a.hue else "mean"
        ax.errorbar(xs, stats["mean"], yerr=stats["ci95"], color=color, marker="o", capsize=4,
                    label="%s (95%% CI, n = %d per point)" % (name, stats["count"].min()))
        gx = g[a.x] if numeric_x else [categories.index(v) for v in g[a.x]]
        if numeric_x and len(stats) > 1:  # the 95% CI as a band between the points
            ax.fill_between(xs, stats["mean"] - stats["ci95"], stats["mean"] + stats["ci95"],
                            color=color, alpha=0.15, lw=0)
        ax.scatter(gx, g[a.metric], color=color, alpha=0.3, s=12)
    if not numeric_x:
        ax.set_xticks(range(len(categories)))
        ax.set_xticklabels([str(c) for c in categories])
    ax.set_xlabel(label(a.x))
    ax.set_ylabel(label(a.metric))
    ax.set_title("%s vs %s (%d runs)" % (a.metric, a.x, len(done)))
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    out = a.out or os.path.join(a.sweep_dir, "%s_vs_%s.png" % (a.metric, a.x))
    save(plt, fig, out)
    print(out)


def save(plt, fig, out):
    """Writes fig as PNG atomically (temporary file + rename) and closes it."""
    fig.tight_layout()
    tmp = os.path.join(os.path.dirname(out) or ".", ".%s.tmp.png" % os.path.basename(out))
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, out)


def heatmap(plt, done, a, out):
    """Mean of a.metric over a.x (columns) and a.y (rows)."""
    mean = done.pivot_table(index=a.y, columns=a.x, values=a.metric, aggfunc="mean")
    count = done.pivot_table(index=a.y, columns=a.x, values=a.metric, aggfunc="count")
    fig, ax = plt.subplots(figsize=(max(5, 1.3 * len(mean.columns) + 2), max(3, 0.8 * len(mean.index) + 1.5)))
    im = ax.imshow(mean.values, aspect="auto", cmap="viridis", origin="lower")
    ax.set_xticks(range(len(mean.columns)))
    ax.set_xticklabels([str(c) for c in mean.columns])
    ax.set_yticks(range(len(mean.index)))
    ax.set_yticklabels([str(r) for r in mean.index])
    lo, hi = mean.values.min(), mean.values.max()
    for i in range(len(mean.index)):
        for j in range(len(mean.columns)):
            v = mean.values[i, j]
            if v != v:  # NaN: no done run for this cell
                continue
            dark = hi > lo and (v - lo) / (hi - lo) < 0.5
            ax.text(j, i, "%.4g\nn=%d" % (v, count.values[i, j]), ha="center", va="center",
                    fontsize="small", color="white" if dark else "black")
    ax.set_xlabel(label(a.x))
    ax.set_ylabel(label(a.y))
    fig.colorbar(im, ax=ax, label="mean " + label(a.metric))
    ax.set_title("mean %s (%d runs)" % (a.metric, len(done)))
    save(plt, fig, out)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except InputError as e:
        sys.stderr.write("plot_sweep.py: %s\n" % e)
        sys.exit(2)
