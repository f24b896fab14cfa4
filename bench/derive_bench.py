#!/usr/bin/python3
"""Derive benchmark (issue 3): time and peak RSS of each `retailsim derive` stage (prices, graph,
affinity, missions) on generated lgsr-sample data and on a 30M-row set, beside the seeds' own
pandas price derivation (bench/reference/price_derivation_pandas.py) and the same derivation in
DuckDB SQL (bench/reference/price_derivation_duckdb.mjs) on the same data and thread count.

Writes bench/results/derive.json; per data set: seconds (stage -> seconds), peak_rss_bytes (the
largest over the stages; per stage in peak_rss_bytes_per_stage), pandas_seconds,
speedup_vs_pandas, duckdb_seconds, speedup_vs_duckdb, plus details. The comparison is of the
derivation itself: our prices stage (which reads the columnar store) against the tools' derivation
after their CSV read; their read times are recorded separately (pandas_read_seconds,
duckdb_read_seconds). `full_lgsr_extrapolation` scales the two measured sets to 300M rows.
On lgsr-sample it also checks that pandas, DuckDB and our `rolling-max` estimator agree cell by
cell (`agreement`). Run through `make bench` (bench/run_bench.sh).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.dont_write_bytecode = True  # no bench/__pycache__ from importing ingest_bench
sys.path.insert(0, str(HERE))
from ingest_bench import ensure_duckdb, generate, run_with_rss  # noqa: E402

STAGES = ["prices", "graph", "affinity", "missions"]
FULL_LGSR_ROWS = 300_000_000


GNU_TIME = "/usr/bin/time"


def run_capture(cmd, cwd=None):
    """Runs cmd, returning (seconds, peak RSS of exactly this child, stdout, rc).

    The peak is read by /usr/bin/time where it exists: a child forked (or vforked) straight from
    this process starts its ru_maxrss at this Python process's own high-water mark (Linux carries
    it over exec), which after loading the reference CSVs exceeds a small stage's peak."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        wrapped = [str(c) for c in cmd]
        if os.access(GNU_TIME, os.X_OK):
            wrapped = [GNU_TIME, "-f", "%M", "-o", rss.name] + wrapped
        start = time.perf_counter()
        proc = subprocess.Popen(wrapped, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)  # reaps it ourselves, with its rusage
        seconds = time.perf_counter() - start
        proc.returncode = rc = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read()
        if rc != 0:
            sys.stderr.write(err.read()[-4000:])
        peak = usage.ru_maxrss * 1024
        if wrapped[0] == GNU_TIME:
            lines = [ln for ln in open(rss.name).read().split() if ln.isdigit()]
            if lines:
                peak = int(lines[-1]) * 1024
    return seconds, peak, stdout, rc


def run_checked(cmd, what):
    """Runs a step with run_capture; exits naming the step when it fails. Returns (s, peak)."""
    seconds, peak, _stdout, rc = run_capture(cmd)
    if rc != 0:
        sys.exit(f"{what} failed (exit {rc})")
    print(f"  {what}: {seconds:.1f} s, peak {peak / 2**20:.0f} MiB", flush=True)
    return seconds, peak


def last_json_line(text):
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON line in output")


def derive_stage(binary, data, threads, stage, config=None):
    cmd = [binary, "--quiet", "--threads", str(threads)]
    if config:
        cmd += ["--config", str(config)]
    cmd += ["derive", "--data", str(data), "--force", "--stage", stage]
    seconds, peak, _, rc = run_capture(cmd)
    return (None if rc else seconds), peak, rc


def bench_pandas(raw, out_dir=None):
    cmd = ["/usr/bin/python3", str(HERE / "reference" / "price_derivation_pandas.py"), str(raw)]
    if out_dir:
        cmd += ["--out", str(out_dir)]
    seconds, peak, out, rc = run_capture(cmd)
    if rc:
        raise SystemExit(f"pandas reference failed ({rc})")
    r = last_json_line(out)
    r["peak_rss_bytes"] = peak
    return r


def bench_duckdb(raw, threads, out_csv=None):
    cmd = ["node", str(HERE / "reference" / "price_derivation_duckdb.mjs"), str(raw), str(threads)]
    if out_csv:
        cmd.append(str(out_csv))
    seconds, peak, out, rc = run_capture(cmd, cwd=HERE)
    if rc:
        raise SystemExit(f"DuckDB reference failed ({rc})")
    r = last_json_line(out)
    r["peak_rss_bytes"] = peak
    return r


def pandas_estimate(sample, rows, series):
    """Seconds the pandas reference would take on a set of `rows` rows and `series` (product,
    store) series, scaled from its measured lgsr-sample run: compute_base_price (a Python lambda
    per series) by series, every other step and the read by rows."""
    steps = sample["steps"]
    base = steps["compute_base_price"] * series / sample["series"]
    other = (sample["derive_seconds"] - steps["compute_base_price"]) * rows / sample["rows"]
    read = sample["read_seconds"] * rows / sample["rows"]
    return round(base + other, 1), round(read, 1)


def mem_available():
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 1 << 62


# ---- agreement ----------------------------------------------------------------------------------
def load_reference_csv(path, weeks_of_shop_week):
    """Columns of a reference's prices.csv, sorted by product, store, week; week as calendar index."""
    import pandas as pd
    df = pd.read_csv(path, usecols=["product_id", "store_id", "week", "actual_price", "base_price",
                                    "promo_flag"])
    df = df.sort_values(["product_id", "store_id", "week"], kind="stable").reset_index(drop=True)
    df["week_index"] = df["week"].map(weeks_of_shop_week)
    return df


def compare_refs(a, b):
    same_keys = len(a) == len(b) and bool(
        (a["product_id"].values == b["product_id"].values).all()
        and (a["store_id"].values == b["store_id"].values).all()
        and (a["week"].values == b["week"].values).all())
    out = {"cells": [len(a), len(b)], "same_cells": same_keys}
    if same_keys:
        for col in ("actual_price", "base_price"):
            d = np.abs(a[col].values - b[col].values)
            out[f"{col}_max_abs_diff"] = float(d.max())
            out[f"{col}_cells_differing_over_1e-9"] = int((d > 1e-9).sum())
        out["promo_flag_differing"] = int((a["promo_flag"].values != b["promo_flag"].values).sum())
    return out


def compare_ours(ref, data):
    """Our rolling-max cells (derived/prices/*.npy, cents) against the pandas reference (pounds)."""
    store = data / "store"
    prices = data / "derived" / "prices"
    product_code = np.load(store / "product_code.npy").astype(str)
    store_code = np.load(store / "store_code.npy").astype(str)
    ours = {
        "product_id": product_code[np.load(prices / "cell_product.npy")],
        "store_id": store_code[np.load(prices / "cell_store.npy")],
        "week_index": np.load(prices / "cell_week.npy"),
        "actual": np.load(prices / "cell_actual_price.npy").astype(np.float64) / 100.0,
        "base": np.load(prices / "cell_base_price.npy").astype(np.float64) / 100.0,
        "promo": np.load(prices / "cell_promo_flag.npy").astype(np.int64),
    }
    import pandas as pd
    o = pd.DataFrame(ours)
    m = ref.merge(o, on=["product_id", "store_id", "week_index"], how="outer", indicator=True)
    both = m[m["_merge"] == "both"]
    result = {
        "cells_ours": len(o), "cells_pandas": len(ref),
        "cells_only_ours": int((m["_merge"] == "right_only").sum()),
        "cells_only_pandas": int((m["_merge"] == "left_only").sum()),
        "cells_compared": len(both),
    }
    rel = lambda x, y: np.abs(x - y) / np.maximum(np.abs(y), 1e-12)  # noqa: E731
    tol = 1e-6  # our prices are float32 cents
    act_bad = rel(both["actual"].values, both["actual_price"].values) > tol
    base_bad = rel(both["base"].values, both["base_price"].values) > tol
    result["actual_price_cells_differing"] = int(act_bad.sum())
    result["base_price_cells_differing"] = int(base_bad.sum())
    result["promo_flag_cells_differing"] = int((both["promo"].values
                                                != both["promo_flag"].values).sum())
    # The seeds' window runs over the ROWS of a series (observed weeks), ours over calendar weeks
    # [w-2, w+1]. Cells where the two windows hold the same observed cells must agree; the others
    # are the documented difference.
    r = ref.sort_values(["product_id", "store_id", "week_index"]).reset_index(drop=True)
    series = (r["product_id"] + "|" + r["store_id"]).values
    new = np.r_[True, series[1:] != series[:-1]]
    sid = np.cumsum(new) - 1
    start = np.flatnonzero(new)
    end = np.r_[start[1:], len(r)]
    i = np.arange(len(r))
    key = sid.astype(np.int64) * 100_000 + r["week_index"].values.astype(np.int64)
    lo_cal = np.searchsorted(key, key - 2, side="left")
    hi_cal = np.searchsorted(key, key + 1, side="right")
    lo_row = np.maximum(start[sid], i - 2)
    hi_row = np.minimum(end[sid], i + 2)
    r["same_window"] = (lo_cal == lo_row) & (hi_cal == hi_row)
    mw = m.merge(r[["product_id", "store_id", "week_index", "same_window"]],
                 on=["product_id", "store_id", "week_index"], how="left")
    bw = mw[mw["_merge"] == "both"]
    same = bw["same_window"].values.astype(bool)
    bad = rel(bw["base"].values, bw["base_price"].values) > tol
    result["cells_same_window"] = int(same.sum())
    result["base_price_differing_same_window"] = int((bad & same).sum())
    result["base_price_differing_other_window"] = int((bad & ~same).sum())
    result["note"] = ("pandas' rolling(4, center=True) windows over the rows of a (product, store) "
                      "series, i.e. over observed weeks, while our rolling-max windows over calendar "
                      "weeks [w-2, w+1] as the seeds' docstring says; cells where the two windows "
                      "hold the same cells are counted in cells_same_window. Cells only in one table come "
                      "from the outlier rule's bounds: pandas divides SPEND in pounds (binary "
                      "doubles: 1.8/3 = 0.6000000000000001, q05 - 1.5*iqr = 0.42000000000000004), "
                      "we divide integer cents, so rows lying exactly on a bound are kept by us and "
                      "may be dropped by pandas")
    return result


# ---- one data set -------------------------------------------------------------------------------
def bench_dataset(binary, name, work, threads, customers, pandas_limit, sample_pandas, check):
    data = work / name
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    print(f"[{name}] generating lgsr-sample" + (f" with {customers} customers" if customers else ""),
          flush=True)
    generate(binary, "lgsr-sample", data, threads, customers)
    print(f"[{name}] ingest", flush=True)
    ingest_seconds, _ = run_with_rss([binary, "--quiet", "--threads", str(threads), "ingest",
                                      "--data", str(data)])
    manifest = json.loads((data / "store" / "manifest.json").read_text())
    rows = int(manifest["counts"]["rows_stored"])

    result = {"rows": rows, "threads": threads, "ingest_seconds": round(ingest_seconds, 3),
              "seconds": {}, "peak_rss_bytes_per_stage": {}, "errors": {}}
    for stage in STAGES:
        print(f"[{name}] derive --stage {stage}", flush=True)
        seconds, peak, rc = derive_stage(binary, data, threads, stage)
        result["seconds"][stage] = None if seconds is None else round(seconds, 3)
        result["peak_rss_bytes_per_stage"][stage] = None if seconds is None else peak
        if seconds is None:
            result["errors"][stage] = f"retailsim derive --stage {stage} exited {rc}"
    peaks = [p for p in result["peak_rss_bytes_per_stage"].values() if p]
    result["peak_rss_bytes"] = max(peaks) if peaks else None
    measured = [s for s in result["seconds"].values() if s is not None]
    result["all_stages_seconds"] = round(sum(measured), 3) if len(measured) == len(STAGES) else None
    ours = result["seconds"]["prices"]
    prices_manifest = data / "derived" / "prices" / "manifest.json"
    if prices_manifest.exists():
        result["prices_counts"] = json.loads(prices_manifest.read_text()).get("counts")

    ref_dir = work / f"{name}-ref"
    shutil.rmtree(ref_dir, ignore_errors=True)
    ref_dir.mkdir()

    have_duckdb = ensure_duckdb()
    duck = None
    if have_duckdb:
        print(f"[{name}] DuckDB price derivation ({threads} threads)", flush=True)
        duck = bench_duckdb(data / "raw", threads, ref_dir / "duckdb.csv" if check else None)
        result["duckdb"] = duck
        result["duckdb_seconds"] = duck["derive_seconds"]
        result["duckdb_read_seconds"] = duck["read_seconds"]
        result["speedup_vs_duckdb"] = round(duck["derive_seconds"] / ours, 2) if ours else None
    else:
        result["duckdb_seconds"] = None
        result["speedup_vs_duckdb"] = None
        result["errors"]["duckdb"] = "node or @duckdb/node-api unavailable"

    estimate = None
    if sample_pandas is not None and duck is not None:
        estimate = pandas_estimate(sample_pandas, duck["rows"], duck["series"])
        rss_estimate = sample_pandas["peak_rss_bytes"] * duck["rows"] / sample_pandas["rows"]
    too_slow = estimate is not None and estimate[0] + estimate[1] > pandas_limit
    too_big = estimate is not None and rss_estimate > 0.8 * mem_available()
    if too_slow or too_big:
        why = (f"estimated {estimate[0]:.0f} s (+ {estimate[1]:.0f} s read) > {pandas_limit:.0f} s"
               if too_slow else "")
        if too_big:
            why += ("; " if why else "") + (f"estimated peak RSS {rss_estimate / 2**30:.1f} GiB > 80% "
                                            f"of available memory")
        print(f"[{name}] pandas reference skipped: {why}", flush=True)
        result["pandas_extrapolated"] = True
        result["pandas_seconds"] = estimate[0]
        result["pandas_read_seconds"] = estimate[1]
        result["pandas_peak_rss_bytes_estimate"] = int(rss_estimate)
        result["pandas_extrapolation"] = (
            f"not run ({why}): estimated from the lgsr-sample run, compute_base_price (a Python "
            "lambda per (product, store) series) scaled by series, the other steps, the read and "
            "the peak RSS by rows")
    else:
        print(f"[{name}] pandas price derivation (the seeds' code, one core)", flush=True)
        pd_r = bench_pandas(data / "raw", ref_dir if check else None)
        result["pandas"] = pd_r
        result["pandas_extrapolated"] = False
        result["pandas_seconds"] = pd_r["derive_seconds"]
        result["pandas_read_seconds"] = pd_r["read_seconds"]
    result["speedup_vs_pandas"] = (round(result["pandas_seconds"] / ours, 2)
                                   if ours and result.get("pandas_seconds") else None)

    if check:
        agreement = {}
        cal = np.load(data / "store" / "calendar_shop_week.npy")
        weeks = {int(w): i for i, w in enumerate(cal)}
        pd_ref = load_reference_csv(ref_dir / "prices.csv", weeks)
        if duck is not None:
            agreement["pandas_vs_duckdb"] = compare_refs(pd_ref, load_reference_csv(
                ref_dir / "duckdb.csv", weeks))
        cfg = work / f"{name}-rolling-max.toml"
        cfg.write_text('[derive]\nbase_estimator = "rolling-max"\n')
        seconds, peak, rc = derive_stage(binary, data, threads, "prices", cfg)
        if seconds is None:
            agreement["pandas_vs_ours_rolling_max"] = {"error": f"derive exited {rc}"}
        else:
            result["prices_rolling_max_seconds"] = round(seconds, 3)
            agreement["pandas_vs_ours_rolling_max"] = compare_ours(pd_ref, data)
        result["agreement"] = agreement
    print(f"[{name}] " + json.dumps({k: v for k, v in result.items()
                                     if k not in ("pandas", "duckdb", "agreement")}), flush=True)
    shutil.rmtree(ref_dir, ignore_errors=True)
    return result


def extrapolate(small, big):
    """Linear fit a + b * rows through the two measured sets, evaluated at 300M rows."""
    out = {"rows": FULL_LGSR_ROWS, "method": "per stage, seconds and peak RSS fitted as a + b*rows "
           "through the lgsr-sample and 30M runs, evaluated at 300M rows (not run)",
           "seconds": {}, "peak_rss_bytes_per_stage": {}}
    if not small or not big or not small.get("rows") or not big.get("rows"):
        return None
    r0, r1 = small["rows"], big["rows"]
    for stage in STAGES:
        for key in ("seconds", "peak_rss_bytes_per_stage"):
            y0, y1 = small[key].get(stage), big[key].get(stage)
            if y0 is None or y1 is None:
                out[key][stage] = None
                continue
            y = y1 + (y1 - y0) / (r1 - r0) * (FULL_LGSR_ROWS - r1)
            out[key][stage] = round(y, 1) if key == "seconds" else int(y)
    secs = list(out["seconds"].values())
    out["all_stages_seconds"] = round(sum(secs), 1) if None not in secs else None
    peaks = [p for p in out["peak_rss_bytes_per_stage"].values() if p is not None]
    out["peak_rss_bytes"] = int(max(peaks)) if peaks else None
    if out["all_stages_seconds"] is not None and out["peak_rss_bytes"] is not None:
        out["meets_target_10min_24GiB"] = (out["all_stages_seconds"] < 600
                                           and out["peak_rss_bytes"] < 24 * 2**30)
        out["peak_rss_share_of_24GiB"] = round(out["peak_rss_bytes"] / (24 * 2**30), 3)
    out["note"] = ("extrapolated, not measured; peak RSS counts the store's memory-mapped column "
                   "pages a stage touches (file-backed, reclaimable) as well as its own memory, and "
                   "a linear fit through two points hides any superlinear growth")
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=str(ROOT / "build" / "retailsim"))
    parser.add_argument("--work", default=str(HERE / "work"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sets", default="lgsr-sample,30m", help="comma list of: lgsr-sample, 30m")
    parser.add_argument("--pandas-limit", type=float, default=1200,
                        help="skip the pandas reference where it is estimated to take longer (s)")
    parser.add_argument("--out", default=str(HERE / "results" / "derive.json"))
    args = parser.parse_args()

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    git = lambda *a: subprocess.run(["git", *a], cwd=ROOT, capture_output=True,  # noqa: E731
                                    text=True).stdout.strip()
    results = {"machine": {"cpus": os.cpu_count(), "threads": args.threads},
               "binary": args.binary,
               "git": {"commit": git("rev-parse", "--short", "HEAD"),
                       "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))},
               "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "data_sets": {}}
    sample_pandas = None
    for name in args.sets.split(","):
        if name == "lgsr-sample":
            r = bench_dataset(args.binary, name, work, args.threads, None, args.pandas_limit,
                              None, check=True)
            if not r.get("pandas_extrapolated") and "pandas" in r:
                sample_pandas = r["pandas"]
        elif name == "30m":
            # lgsr-sample's world with ten times the customers: about 30M rows over 117 weeks
            r = bench_dataset(args.binary, name, work, args.threads, 50000, args.pandas_limit,
                              sample_pandas, check=False)
        else:
            raise SystemExit(f"unknown data set {name}")
        results["data_sets"][name] = r
        results[name] = r  # flat access: results["30m"]["seconds"]["prices"]
        shutil.rmtree(work / name, ignore_errors=True)
    if "lgsr-sample" in results and "30m" in results:
        results["full_lgsr_extrapolation"] = extrapolate(results["lgsr-sample"], results["30m"])
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n")
    tmp.replace(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
