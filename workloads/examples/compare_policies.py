#!/usr/bin/python3
"""Compares the training policies fcfs, easy, easy-het and ftf on two fleets (issue 12, item 4).

- default: workloads/default.yaml as it is (2026 fleet at 1% scale, 80 work-defined jobs beside
  three inference streams, 21 days).
- default-x7: the same scenario with the 80 jobs' arrivals 7x denser (14 days -> 2 days), so
  the training queue is long enough for the policies' orders to differ.
- philly: workloads/examples/philly-replay.yaml, the first 5,000 jobs of the Philly-derived
  trace on the 2026 fleet (run_s replay, scaled x8 accelerators, x5 arrivals), a queue of
  hundreds of jobs where the order matters.
- 2030: the same 80 jobs, training only, on platforms/fleet-2030-s0.01.xml from 2030-06-01
  (every 2030 tranche online). The scenario is derived from default.yaml into OUT/ (jobs
  identical, serving removed: the default's deployments name 2026 systems).

Each run is `fleetsim run SCENARIO --set scheduler.policy=P`; the figures come from its
summary.json and jobs.csv: mean flow (completion) time and wait of the training jobs, energy per
trained token (summary.json jobs.energy_per_trained_token_j), utilization by vendor (cluster
utilization weighted by accelerators, training and serving together) and the share of training
accelerator-hours each vendor ran. Writes OUT/compare.csv and workloads/examples/compare-policies.png.

Usage: /usr/bin/python3 workloads/examples/compare_policies.py [--out results/compare-policies]
"""
import argparse
import csv
import json
import os
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POLICIES = ["fcfs", "easy", "easy-het", "ftf"]
VENDORS = ["NVIDIA", "AMD", "Cerebras"]


def scenario_dense(out, factor):
    """default.yaml with every job's submit_s divided by `factor` (same jobs, denser arrivals)."""
    with open(os.path.join(ROOT, "workloads/default.yaml")) as f:
        doc = yaml.safe_load(f)
    doc["name"] = f"default-x{factor}"
    doc["platform"] = os.path.join(ROOT, "platforms/fleet-2026-s0.01.xml")
    for j in doc["workload"]["jobs"]:
        j["submit_s"] = int(j["submit_s"] / factor)
    for st in doc["workload"].get("streams", []):  # stream traces are resolved from the copy
        arr = st.get("arrival", {})
        if "path" in arr and not os.path.isabs(arr["path"]):
            arr["path"] = os.path.normpath(os.path.join(ROOT, "workloads", arr["path"]))
    path = os.path.join(out, f"default-x{factor}.yaml")
    with open(path, "w") as f:
        f.write("# derived from workloads/default.yaml by compare_policies.py\n")
        yaml.safe_dump(doc, f, sort_keys=False)
    return path


def scenario_2030(out):
    with open(os.path.join(ROOT, "workloads/default.yaml")) as f:
        doc = yaml.safe_load(f)
    doc["name"] = "training-2030"
    doc["platform"] = os.path.join(ROOT, "platforms/fleet-2030-s0.01.xml")
    doc["start_date"] = "2030-06-01"
    doc.pop("serving", None)
    doc["workload"].pop("streams", None)
    doc.pop("horizon_s", None)  # run until every job has ended
    path = os.path.join(out, "training-2030.yaml")
    with open(path, "w") as f:
        f.write("# derived from workloads/default.yaml by compare_policies.py\n")
        yaml.safe_dump(doc, f, sort_keys=False)
    return path


def run(binary, scenario, policy, out):
    subprocess.run([binary, "run", scenario, "--set", f"scheduler.policy={policy}", "--out", out],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    row = {"policy": policy, "jobs_completed": s["jobs"]["completed"],
           "jobs_total": s["jobs"]["total"],
           "flow_time_mean_h": s["jobs"]["flow_time_mean_s"] / 3600,
           "wait_mean_h": s["jobs"]["wait_mean_s"] / 3600,
           "wait_p95_h": s["jobs"]["wait_p95_s"] / 3600,
           "bounded_slowdown_mean": s["jobs"]["bounded_slowdown_mean"],
           "energy_per_trained_token_j": s["jobs"]["energy_per_trained_token_j"]}
    for v in VENDORS:
        acc = sum(c["accelerators"] for c in s["clusters"] if c["vendor"] == v)
        busy = sum(c["utilization"] * c["accelerators"] for c in s["clusters"] if c["vendor"] == v)
        row[f"utilization_{v}"] = busy / acc if acc else float("nan")
    hours = {v: 0.0 for v in VENDORS}
    with open(os.path.join(out, "jobs.csv")) as f:
        for j in csv.DictReader(f):
            if j["status"] == "completed":
                hours[j["vendor"]] = hours.get(j["vendor"], 0) + (
                    float(j["accelerators"]) * float(j["run_s"]) / 3600)
    total = sum(hours.values())
    for v in VENDORS:
        row[f"train_acc_h_share_{v}"] = hours[v] / total if total else 0
    return row


def plot(rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fleets = list(dict.fromkeys(r["fleet"] for r in rows))
    metrics = [("flow_time_mean_h", "mean completion (flow) time, h"),
               ("wait_mean_h", "mean wait, h"),
               ("bounded_slowdown_mean", "mean bounded slowdown (10 s)"),
               ("energy_per_trained_token_j", "energy per trained token, J"),
               ("util", "utilization by vendor (bars) and\nshare of training acc-h (dots)")]
    fig, axes = plt.subplots(len(fleets), len(metrics), figsize=(20, 4.2 * len(fleets)),
                             squeeze=False)
    colors = {"NVIDIA": "#76b900", "AMD": "#ed1c24", "Cerebras": "#f28c28"}
    for i, fl in enumerate(fleets):
        rs = [r for r in rows if r["fleet"] == fl]
        for k, (m, label) in enumerate(metrics):
            ax = axes[i][k]
            x = range(len(rs))
            if m == "util":
                w = 0.27
                for n, v in enumerate(VENDORS):
                    xs = [xi + (n - 1) * w for xi in x]
                    ax.bar(xs, [r[f"utilization_{v}"] for r in rs], w, color=colors[v], label=v)
                    ax.plot(xs, [r[f"train_acc_h_share_{v}"] for r in rs], "ko", ms=4)
                ax.set_ylim(0, 1)
                ax.legend(fontsize=8)
            else:
                vals = [r[m] for r in rs]
                ax.bar(x, vals, color="#4477aa")
                if m == "energy_per_trained_token_j" and not any(vals):
                    ax.text(0.5, 0.5, "n/a: jobs defined by run_s", transform=ax.transAxes,
                            ha="center")
                for xi, val in zip(x, vals if any(vals) else []):
                    ax.annotate(f"{val:.3g}", (xi, val), ha="center", va="bottom", fontsize=8)
            ax.set_xticks(list(x))
            ax.set_xticklabels([r["policy"] for r in rs])
            ax.set_title(f"{fl}: {label}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "results/compare-policies"))
    ap.add_argument("--fleets", default="default,philly,2030")
    ap.add_argument("--binary", default=os.path.join(ROOT, "build/fleetsim"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    scen = {"default": os.path.join(ROOT, "workloads/default.yaml")}
    scen["philly"] = os.path.join(ROOT, "workloads/examples/philly-replay.yaml")
    if "default-x7" in a.fleets:
        scen["default-x7"] = scenario_dense(a.out, 7)
    if "2030" in a.fleets:
        scen["2030"] = scenario_2030(a.out)
    rows = []
    for fl in a.fleets.split(","):
        for p in POLICIES:
            r = run(a.binary, scen[fl], p, os.path.join(a.out, f"{fl}-{p}"))
            r = {"fleet": fl, **r}
            rows.append(r)
            print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in r.items()), file=sys.stderr)
    with open(os.path.join(a.out, "compare.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    plot(rows, os.path.join(ROOT, "workloads/examples/compare-policies.png"))


if __name__ == "__main__":
    main()
