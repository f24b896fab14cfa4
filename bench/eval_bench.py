#!/usr/bin/python3
"""Evaluation benchmark (issue 5): `retailsim evaluate` on a generated data set.

Runs generate -> ingest on the preset (default demo), then `retailsim evaluate --force` with every
method under the temporal protocol (and the reality-check protocol unless --no-reality-check),
recording wall seconds and peak RSS of each evaluate run (/usr/bin/time), each method's seconds
and cases per second from reports/evaluation.json (tifu-knn-tuned's includes its grid search),
and the headline metrics. Writes bench/results/eval.json.
"""
import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.dont_write_bytecode = True
sys.path.insert(0, str(HERE))
from derive_bench import run_checked as run  # noqa: E402


def evaluate(base, data, protocol):
    seconds, peak = run(base + ["evaluate", "--data", str(data), "--protocol", protocol,
                                "--force"], f"evaluate {protocol}")
    report = json.load(open(data / "reports" / "evaluation.json"))
    cases = sum(f["cases"] + f["cold_start_cases"] for f in report["folds"])
    methods = {}
    for name, m in report["methods"].items():
        s = report["seconds"][name]
        methods[name] = {"seconds": round(s, 3),
                         "cases_per_s": round(cases / s, 1) if s > 0 else None,
                         "recall@10": m["recall@10"], "ndcg@10": m["ndcg@10"]}
    out = {"wall_seconds": round(seconds, 2), "peak_rss_bytes": peak, "cases": cases,
           "folds": len(report["folds"]), "methods": methods}
    visits = report.get("store_visits", {})
    if "methods" in visits:  # temporal: the store-visit baselines on customer-weeks
        n = visits["cases"]
        out["store_visits"] = {
            "cases": n,
            "methods": {name: {"seconds": round(visits["seconds"][name], 4),
                               "cases_per_s": round(n / visits["seconds"][name], 1)
                               if visits["seconds"][name] > 0 else None,
                               "accuracy": m["accuracy"], "store_accuracy": m["store_accuracy"],
                               "trip_auc": m["trip_auc"]}
                        for name, m in visits["methods"].items()}}
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--binary", default="build/retailsim")
    p.add_argument("--preset", default="demo")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--no-reality-check", action="store_true")
    p.add_argument("--work", default=None, help="scratch folder (default: a temporary one)")
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "eval.json"))
    a = p.parse_args()
    binary = Path(a.binary).resolve()
    work = Path(a.work) if a.work else Path(tempfile.mkdtemp(prefix="retailsim-eval-"))
    data = work / a.preset
    if data.exists():
        shutil.rmtree(data)
    base = [str(binary), "--quiet", "--threads", str(a.threads)]
    print(f"[eval] {a.preset} in {data}", flush=True)
    run(base + ["generate", "--preset", a.preset, "--out", str(data)], "generate")
    run(base + ["ingest", "--data", str(data)], "ingest")
    store = json.load(open(data / "store" / "manifest.json"))["counts"]
    results = {"preset": a.preset, "threads": a.threads,
               "data": {k: store[k] for k in ("rows_stored", "baskets", "customers", "products",
                                               "weeks")},
               "temporal": evaluate(base, data, "temporal")}
    if not a.no_reality_check:
        results["reality_check"] = evaluate(base, data, "reality-check")
    Path(a.out).write_text(json.dumps(results, indent=2) + "\n")
    print(f"[eval] wrote {a.out}", flush=True)
    if not a.work:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
