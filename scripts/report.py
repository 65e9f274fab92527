#!/usr/bin/python3
"""Renders every plot of a fleetsim run or sweep and one self-contained HTML page with them.

Usage: /usr/bin/python3 scripts/report.py DIR [--metric M ...] [--run-plots points|all|none]

DIR is a run's output directory (it has manifest.json) or a sweep directory (it has index.csv;
run `fleetsim sweep collect DIR` first). Reads only documented result files (results/README.md).

A run: scripts/plot_run.py's plots into DIR and DIR/index.html: the manifest's facts (run id,
scenario, outcome, source commit, scenario hash), the run's key figures from summary.json, then
the plots.

A sweep: into DIR/report/, for each key metric (--metric, repeatable; default: the flow time,
wait, bounded slowdown, utilization and energy-per-token metrics of results.csv and each
stream's SLO attainment and p95 end-to-end latency, when present) a plot against every swept
parameter (mean and 95% CI across seeds, one line per value of a second parameter when there
is one; scripts/plot_sweep.py) and a heatmap over the first two; and DIR/report/index.html: run
counts by status, a table of the key metrics per parameter point (mean and 95% CI half-width
across seeds, from results_summary.csv), the plots, and links to per-run reports. --run-plots:
points (default) renders the report of the first done run of every parameter point (lowest
seed), all every done or interrupted run, none no run.

Images are embedded in the HTML (base64 PNG) and also left beside it: each page is one file
that can be mailed or copied. Prints the pages written. Bad input: one line on stderr, exit 2.
"""
import argparse
import base64
import html
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot_run  # noqa: E402
import plot_sweep  # noqa: E402

import pandas as pd  # noqa: E402


class InputError(Exception):
    """Bad or missing input: reported as one line, exit status 2."""


CSS = """
body { font-family: sans-serif; margin: 1.5em auto; max-width: 1200px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
th { background: #f0f0f0; } td.l, th.l { text-align: left; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.85em; color: #555; }
.warn { background: #fff3cd; border: 1px solid #e0c060; padding: 0.5em; }
"""


def esc(x):
    return html.escape(str(x))


def fmt(v):
    """A number for a table cell: 4 significant digits, thousands separators for large ones."""
    if isinstance(v, str):
        return v
    if v is None or v != v:
        return ""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int) or (isinstance(v, float) and v.is_integer() and abs(v) < 1e15):
        return "{:,}".format(int(v))
    if abs(v) >= 1e4:
        return "{:,.0f}".format(v)
    return "%.4g" % v


def img(path, caption):
    """An <figure> with the PNG at `path` embedded as a data URI."""
    with open(path, "rb") as f:
        data = base64.b64encode(f.read()).decode("ascii")
    return ('<figure><img alt="%s" src="data:image/png;base64,%s"><figcaption>%s (%s)'
            "</figcaption></figure>\n" % (esc(os.path.basename(path)), data, esc(caption),
                                         esc(os.path.basename(path))))


def page(title, body):
    return ('<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>%s</title>'
            "<style>%s</style></head>\n<body>\n<h1>%s</h1>\n%s</body>\n</html>\n"
            % (esc(title), CSS, esc(title), body))


def write_atomic(path, text):
    tmp = os.path.join(os.path.dirname(path) or ".", ".%s.tmp" % os.path.basename(path))
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        raise InputError("%s: file not found" % path)
    except ValueError as e:
        raise InputError("%s: malformed JSON: %s" % (path, e))


def table(header, rows, left=1):
    """HTML table; the first `left` columns are left-aligned."""
    out = ["<table><tr>"]
    out += ['<th class="l">%s</th>' % esc(h) if i < left else "<th>%s</th>" % esc(h)
            for i, h in enumerate(header)]
    out.append("</tr>\n")
    for r in rows:
        out.append("<tr>")
        out += ['<td class="l">%s</td>' % esc(fmt(v)) if i < left else "<td>%s</td>" % esc(fmt(v))
                for i, v in enumerate(r)]
        out.append("</tr>\n")
    out.append("</table>\n")
    return "".join(out)


# ---------------------------------------------------------------- a run

PLOT_CAPTIONS = {
    "utilization.png": "utilization by vendor, training vs inference accelerators, IT power",
    "fleet.png": "busy accelerators stacked by site, vendor and provider",
    "power.png": "facility power against each site's cap",
    "waits.png": "training-job wait-time CDF by vendor",
    "serving.png": "inference streams: throughput, queues, replicas, tokens/s by vendor",
    "latency.png": "TTFT and end-to-end latency CDFs, SLO attainment",
}


def run_key_figures(s):
    """(name, value, unit) rows of a summary.json."""
    j = s.get("jobs", {})
    rows = [("outcome", s.get("outcome", "complete"), ""),
            ("simulated time", s.get("end_time_s"), "s"),
            ("horizon", s.get("horizon_s"), "s (0 = until every job ended)"),
            ("jobs total / completed", "%s / %s" % (j.get("total"), j.get("completed")), ""),
            ("jobs running / queued at the end",
             "%s / %s" % (j.get("running_at_end"), j.get("queued_at_end")), ""),
            ("wait mean / p95 / max", "%s / %s / %s" % tuple(
                fmt(j.get(k)) for k in ("wait_mean_s", "wait_p95_s", "wait_max_s")), "s"),
            ("flow time mean", j.get("flow_time_mean_s"), "s"),
            ("bounded slowdown mean", j.get("bounded_slowdown_mean"), ""),
            ("energy per trained token", j.get("energy_per_trained_token_j"), "J"),
            ("fleet utilization", s.get("utilization"), "busy / online accelerator-s")]
    sites = s.get("sites", [])
    rows.append(("IT / facility energy",
                 "%s / %s" % (fmt(sum(x.get("it_energy_j", 0) for x in sites) / 3.6e9),
                              fmt(sum(x.get("facility_energy_j", 0) for x in sites) / 3.6e9)),
                 "MWh"))
    for st in s.get("serving", {}).get("streams", []):
        rows.append(("stream %s: throughput, TTFT p95, e2e p95, SLO met" % st.get("name"),
                     "%s /s, %s s, %s s, %s%%" % (
                         fmt(st.get("throughput_per_s")), fmt(st.get("ttft_p95_s")),
                         fmt(st.get("e2e_p95_s")),
                         fmt(100 * st["slo_attainment"]) if st.get("slo_attainment") is not None
                         else ""), ""))
    return rows


def run_report(d, title_prefix=""):
    """Plots and index.html of one run directory; returns the page's path."""
    m = read_json(os.path.join(d, "manifest.json"))
    if m.get("status") == "incomplete" or "outputs" not in m or not m["outputs"]:
        raise InputError("%s: manifest.json status %s with no outputs: nothing to report"
                         % (d, m.get("status")))
    s = read_json(os.path.join(d, "summary.json"))
    try:
        plot_run.SUFFIX = ""
        paths = plot_run_main(d)
    except plot_run.InputError as e:
        raise InputError(str(e))
    facts = [("run id", m.get("run_id")), ("scenario", m.get("scenario")),
             ("scenario file", m.get("scenario_file")), ("status", m.get("status")),
             ("seed", m.get("seed")), ("overrides", " ".join(m.get("overrides", []))),
             ("scenario SHA-256", m.get("scenario_sha256")),
             ("source commit", "%s%s" % (m.get("source_commit"),
                                         " (modified tree)" if m.get("source_modified") else "")),
             ("build, SimGrid", "%s, %s" % (m.get("build_type"), m.get("simgrid_version")))]
    body = []
    if m.get("status") == "interrupted" or s.get("outcome") == "interrupted":
        body.append('<p class="warn">Interrupted by a signal at simulated t = %s s: every figure '
                    "covers [0, %s s] only.</p>\n" % (fmt(s.get("end_time_s")),
                                                       fmt(s.get("end_time_s"))))
    body.append("<h2>Run</h2>\n" + table(["fact", "value"], facts, left=2))
    body.append("<h2>Key figures (summary.json)</h2>\n")
    body.append(table(["figure", "value", "unit"], run_key_figures(s), left=1))
    body.append("<h2>Plots</h2>\n")
    for p in paths:
        body.append(img(p, PLOT_CAPTIONS.get(os.path.basename(p), "")))
    out = os.path.join(d, "index.html")
    write_atomic(out, page("%sfleetsim run %s (%s)" % (title_prefix, m.get("run_id"),
                                                       m.get("scenario")), "".join(body)))
    return out


def plot_run_main(d):
    """plot_run.main, returning the PNG paths it printed."""
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        plot_run.main(d)
    line = buf.getvalue().strip()
    return line[len("plots: "):].split() if line.startswith("plots: ") else []


# ---------------------------------------------------------------- a sweep

DEFAULT_METRICS = ["jobs.flow_time_mean_s", "jobs.wait_mean_s", "jobs.wait_p95_s",
                   "jobs.bounded_slowdown_mean", "utilization", "jobs.energy_per_trained_token_j"]


def key_metrics(df, asked):
    if asked:
        for mname in asked:
            if mname not in df.columns:
                raise InputError("results.csv: line 1: no column %s" % mname)
        return asked
    out = [c for c in DEFAULT_METRICS if c in df.columns]
    out += [c for c in df.columns if c.startswith("serving.streams.") and
            (c.endswith(".slo_attainment") or c.endswith(".e2e_p95_s"))]
    return out


def distinct_params(df, params):
    """Swept parameters with more than one value, dropping any that only repeats an earlier one
    (zipped axes: same grouping of the runs)."""
    keep, seen = [], []
    for p in params:
        col = df[p].astype(str)
        if col.nunique() < 2:
            continue
        codes = tuple(pd.factorize(col)[0])
        if codes in seen:
            continue
        seen.append(codes)
        keep.append(p)
    return keep


def sweep_plot(argv):
    import contextlib
    import io
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            plot_sweep.main(argv)
    except plot_sweep.InputError as e:
        raise InputError(str(e))
    return buf.getvalue().strip()


def sweep_report(d, asked, run_plots):
    idx_path, res_path = os.path.join(d, "index.csv"), os.path.join(d, "results.csv")
    if not os.path.isfile(res_path):
        raise InputError("%s: file not found (run fleetsim sweep collect %s first)" % (res_path, d))
    try:
        index = pd.read_csv(idx_path, dtype=str, keep_default_na=False)
        df = pd.read_csv(res_path, keep_default_na=False, na_values=[""])
        summ_path = os.path.join(d, "results_summary.csv")
        summ = pd.read_csv(summ_path, keep_default_na=False, na_values=[""])
    except FileNotFoundError as e:
        raise InputError("%s: file not found" % e.filename)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise InputError("%s: malformed CSV: %s" % (d, str(e).strip().splitlines()[0]))
    params = [c for c in index.columns if c not in ("run_id", "seed", "scenario_sha256")]
    for c in ["run_id", "status"] + params:
        if c not in df.columns:
            raise InputError("%s: line 1: no column %s" % (res_path, c))
    metrics = key_metrics(df, asked)
    done = df[df["status"] == "done"]
    if done.empty:
        raise InputError("%s: no done runs" % res_path)
    name = os.path.basename(os.path.normpath(d))
    try:
        with open(os.path.join(d, "sweep.yaml")) as f:
            for line in f:
                if line.startswith("name:"):
                    name = line.split(":", 1)[1].strip()
    except OSError:
        pass
    rdir = os.path.join(d, "report")
    os.makedirs(rdir, exist_ok=True)
    swept = distinct_params(done, params)

    body = []
    counts = df["status"].value_counts()
    body.append("<h2>Runs</h2>\n<p>%d runs: %s. Parameters: %s; seeds: %s.</p>\n" % (
        len(df), ", ".join("%d %s" % (counts[k], k) for k in sorted(counts.index)),
        ", ".join("<code>%s</code>" % esc(p) for p in params) or "none",
        esc(", ".join(sorted(index["seed"].unique(), key=lambda x: (len(x), x))))
        if "seed" in index.columns else "the scenario's"))
    if (df["status"] != "done").any():
        bad = df[df["status"] != "done"]
        body.append('<p class="warn">Not done (left out of the table and plots; see '
                    "<code>fleetsim sweep status</code>): %s</p>\n"
                    % esc(", ".join("%s (%s)" % (r, s)
                                    for r, s in zip(bad["run_id"], bad["status"]))))

    # Table: one row per parameter point, mean and 95% CI half-width per key metric.
    keys = [p for p in params if p in summ.columns]
    point_rows = []
    if len(summ):
        for point, g in summ.groupby(keys, sort=False) if keys else [((), summ)]:
            point = point if isinstance(point, tuple) else (point,)
            row = list(point)
            n = ""
            for mname in metrics:
                x = g[g["metric"] == mname]
                if x.empty:
                    row.append("")
                    continue
                x = x.iloc[0]
                n = int(x["n"])
                half = (x["ci95_high"] - x["mean"]) if pd.notna(x["ci95_high"]) else None
                row.append("%s ± %s" % (fmt(x["mean"]), fmt(half)) if half is not None
                           else fmt(x["mean"]))
            point_rows.append(row + [n])
    body.append("<h2>Key metrics per parameter point</h2>\n<p>Mean ± 95% confidence half-width "
                "across seeds (Student t; results_summary.csv), n = done runs per point. Units "
                "as in summary.json (results/README.md).</p>\n")
    body.append(table(keys + metrics + ["n"], point_rows, left=len(keys)))

    # Plots.
    body.append("<h2>Plots</h2>\n")
    made = []
    for mname in metrics:
        vals = pd.to_numeric(done[mname], errors="coerce")
        if vals.isna().all() or vals.nunique() < 2:
            continue  # undefined or the same in every run: the table says it
        for x in swept:
            others = [p for p in swept if p != x and done[p].nunique() <= 8]
            argv = [d, "--x", x, "--metric", mname]
            cap = "%s against %s (mean and 95%% CI across seeds" % (mname, x)
            if others:
                argv += ["--hue", others[0]]
                cap += ", one line per %s" % others[0]
            out = os.path.join(rdir, "%s_vs_%s.png" % (mname, x))
            made.append((sweep_plot(argv + ["--out", out]), cap + ")"))
        if len(swept) >= 2:
            out = os.path.join(rdir, "%s_heatmap.png" % mname)
            made.append((sweep_plot([d, "--x", swept[0], "--y", swept[1], "--metric", mname,
                                     "--out", out]),
                         "mean %s over %s and %s" % (mname, swept[0], swept[1])))
    for p, cap in made:
        body.append(img(p, cap))
    if not made:
        body.append("<p>No swept parameter with more than one value: nothing to plot.</p>\n")

    # Per-run reports.
    pages = []
    if run_plots != "none":
        cand = df[df["status"].isin(["done", "interrupted"] if run_plots == "all" else ["done"])]
        if run_plots == "points":
            cand = cand.drop_duplicates(subset=params) if params else cand.head(1)
        links = []
        for _, r in cand.iterrows():
            rd = os.path.join(d, "runs", r["run_id"])
            if not os.path.isfile(os.path.join(rd, "summary.json")):
                continue
            pages.append(run_report(rd, "%s: " % name))
            label = ", ".join("%s=%s" % (p, r[p]) for p in params)
            seed = (", seed=%s" % r["seed"]) if "seed" in df.columns else ""
            links.append('<li><a href="../runs/%s/index.html">%s</a> (%s%s)</li>'
                         % (esc(r["run_id"]), esc(r["run_id"]), esc(label), esc(seed)))
        body.append("<h2>Run reports</h2>\n<ul>\n%s\n</ul>\n" % "\n".join(links))
    out = os.path.join(rdir, "index.html")
    write_atomic(out, page("fleetsim sweep %s" % name, "".join(body)))
    return [out] + pages


def main(argv):
    ap = argparse.ArgumentParser(prog="report.py", description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--metric", action="append", default=[],
                    help="sweep: a results.csv metric column (repeatable)")
    ap.add_argument("--run-plots", choices=["points", "all", "none"], default="points",
                    help="sweep: which runs get their own report (default points)")
    a = ap.parse_args(argv)
    if os.path.isfile(os.path.join(a.dir, "index.csv")):
        pages = sweep_report(a.dir, a.metric, a.run_plots)
    elif os.path.isfile(os.path.join(a.dir, "manifest.json")):
        pages = [run_report(a.dir)]
    else:
        raise InputError("%s: neither a run directory (manifest.json) nor a sweep directory "
                         "(index.csv)" % a.dir)
    for p in pages:
        print(p)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except InputError as e:
        sys.stderr.write("report.py: %s\n" % e)
        sys.exit(2)
