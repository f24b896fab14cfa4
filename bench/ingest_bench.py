#!/usr/bin/python3
"""Ingest benchmark: generate time, ingest throughput, peak memory and store size of `retailsim`,
beside pandas read_csv and DuckDB read_csv on the same files and thread count.

Writes bench/results/ingest.json (keys per data set: rows, input_bytes, ingest_seconds,
ingest_mb_per_s_per_core, pandas_seconds, speedup_vs_pandas, duckdb_seconds, speedup_vs_duckdb,
peak_rss_bytes, store_bytes, plus details). Run through `make bench`.
"""
import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def run_with_rss(cmd, env=None, cwd=None):
    """Runs cmd and measures its peak RSS with os.wait4 (exactly this child)."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            if cwd:
                os.chdir(cwd)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.execvpe(cmd[0], [str(c) for c in cmd], env or os.environ)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"command failed ({os.waitstatus_to_exitcode(status)}): "
                         f"{' '.join(map(str, cmd))}")
    return seconds, usage.ru_maxrss * 1024


def dir_bytes(path):
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def csv_files(raw):
    return sorted(Path(raw).glob("transactions_*.csv*"))


def uncompressed_bytes_and_rows(files):
    total, rows = 0, 0
    for f in files:
        opener = gzip.open if f.suffix == ".gz" else open
        with opener(f, "rb") as fh:
            while True:
                block = fh.read(1 << 24)
                if not block:
                    break
                total += len(block)
                rows += block.count(b"\n")
        rows -= 1  # header
    return total, rows


PANDAS_SCRIPT = r"""
import sys, time, pandas as pd
files = sys.argv[1:]
rows = 0
t = time.perf_counter()
for f in files:
    df = pd.read_csv(f, dtype={"BASKET_ID": "int64"}, keep_default_na=False)
    rows += len(df)
    del df
print(rows, time.perf_counter() - t)
"""


def bench_pandas(files):
    cmd = ["/usr/bin/python3", "-c", PANDAS_SCRIPT] + [str(f) for f in files]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()
    return int(out[0]), float(out[1])


def ensure_duckdb():
    if shutil.which("node") is None:
        return False
    if not (HERE / "node_modules" / "@duckdb" / "node-api").exists():
        r = subprocess.run(["npm", "ci", "--silent", "--no-audit", "--no-fund"], cwd=HERE,
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.stderr.write("bench: npm ci failed, DuckDB comparison skipped:\n" + r.stderr)
            return False
    return True


def bench_duckdb(raw, threads):
    cmd = ["node", str(HERE / "duckdb_read.mjs"), str(raw), str(threads)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=HERE).stdout.split()
    return int(out[0]), float(out[1])


def generate(binary, preset, out, threads, customers=None):
    cmd = [binary, "--quiet", "--threads", str(threads)]
    if customers:
        cfg = out.parent / f"{out.name}.toml"
        cfg.write_text(f"[synth]\npreset = \"{preset}\"\nn_customers = {customers}\n")
        cmd += ["--config", str(cfg)]
    cmd += ["generate", "--preset", preset, "--out", str(out), "--gzip"]
    seconds, _ = run_with_rss(cmd)
    return seconds


def bench_dataset(binary, name, raw_root, threads, preset, customers, skip_pandas):
    data = raw_root / name
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    print(f"[{name}] generating {preset}" + (f" with {customers} customers" if customers else ""),
          flush=True)
    generate_seconds = generate(binary, preset, data, threads, customers)
    files = csv_files(data / "raw")
    input_bytes, rows = uncompressed_bytes_and_rows(files)
    file_bytes = sum(f.stat().st_size for f in files)
    print(f"[{name}] {rows:,} rows, {input_bytes / 1e6:.0f} MB of CSV ({file_bytes / 1e6:.0f} MB gzip)",
          flush=True)

    print(f"[{name}] ingest", flush=True)
    ingest_seconds, peak = run_with_rss(
        [binary, "--quiet", "--threads", str(threads), "ingest", "--data", str(data), "--force"])
    store_bytes = dir_bytes(data / "store")
    result = {
        "rows": rows,
        "input_bytes": input_bytes,
        "input_file_bytes": file_bytes,
        "files": len(files),
        "threads": threads,
        "generate_seconds": round(generate_seconds, 3),
        "generate_rows_per_s": round(rows / generate_seconds),
        "ingest_seconds": round(ingest_seconds, 3),
        "ingest_mb_per_s": round(input_bytes / 1e6 / ingest_seconds, 1),
        "ingest_mb_per_s_per_core": round(input_bytes / 1e6 / ingest_seconds / threads, 1),
        "ingest_rows_per_s": round(rows / ingest_seconds),
        "peak_rss_bytes": peak,
        "store_bytes": store_bytes,
        "peak_rss_over_store": round(peak / store_bytes, 3),
    }
    if not skip_pandas:
        print(f"[{name}] pandas read_csv (one file at a time, one core)", flush=True)
        pandas_rows, pandas_seconds = bench_pandas(files)
        assert pandas_rows == rows, (pandas_rows, rows)
        result["pandas_seconds"] = round(pandas_seconds, 3)
        result["speedup_vs_pandas"] = round(pandas_seconds / ingest_seconds, 2)
    if ensure_duckdb():
        print(f"[{name}] DuckDB read_csv ({threads} threads)", flush=True)
        duck_rows, duck_seconds = bench_duckdb(data / "raw", threads)
        assert duck_rows == rows, (duck_rows, rows)
        result["duckdb_seconds"] = round(duck_seconds, 3)
        result["speedup_vs_duckdb"] = round(duck_seconds / ingest_seconds, 2)
    print(f"[{name}] " + json.dumps(result), flush=True)
    return result


def bench_full_generation(binary, work, threads):
    """`full` (500K customers, 117 weeks) streamed: time and peak RSS for 3 and 6 of its weeks, so
    the per-week cost and whether memory grows with weeks can be read off, then extrapolated."""
    runs = {}
    for weeks in (3, 6):
        out = work / f"full-{weeks}w"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        cfg = work / f"full-{weeks}w.toml"
        cfg.write_text(f"[synth]\npreset = \"full\"\nn_weeks = {weeks}\n")
        print(f"[full] generating {weeks} weeks of the full preset", flush=True)
        seconds, peak = run_with_rss([binary, "--quiet", "--threads", str(threads), "--config",
                                      str(cfg), "generate", "--out", str(out), "--gzip"])
        rows = int(json.loads((out / "truth" / "manifest.json").read_text())["counts"]["rows"])
        runs[weeks] = {"seconds": round(seconds, 2), "rows": rows, "peak_rss_bytes": peak}
        shutil.rmtree(out, ignore_errors=True)
    per_week = (runs[6]["seconds"] - runs[3]["seconds"]) / 3
    fixed = runs[3]["seconds"] - 3 * per_week
    result = {
        "weeks_3": runs[3],
        "weeks_6": runs[6],
        "seconds_per_week": round(per_week, 2),
        "fixed_seconds": round(fixed, 2),
        "extrapolated_117_weeks_seconds": round(fixed + 117 * per_week, 1),
        "rows_per_s": round((runs[6]["rows"] - runs[3]["rows"]) / max(1e-9, 3 * per_week)),
        "peak_rss_growth_3_to_6_weeks": round(runs[6]["peak_rss_bytes"] / runs[3]["peak_rss_bytes"], 3),
        "threads": threads,
    }
    print("[full] " + json.dumps(result), flush=True)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--binary", default=str(ROOT / "build" / "retailsim"))
    parser.add_argument("--work", default=str(HERE / "work"))
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--sets", default="lgsr-sample,30m,full-generation",
                        help="comma list of: lgsr-sample, 30m, full-generation")
    parser.add_argument("--out", default=str(HERE / "results" / "ingest.json"))
    args = parser.parse_args()

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    results = {"machine": {"cpus": os.cpu_count(), "threads": args.threads},
               "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "data_sets": {}}
    for name in args.sets.split(","):
        if name == "lgsr-sample":
            r = bench_dataset(args.binary, name, work, args.threads, "lgsr-sample", None, False)
        elif name == "full-generation":
            results["full_generation"] = bench_full_generation(args.binary, work, args.threads)
            continue
        elif name == "30m":
            # lgsr-sample's world with ten times the customers: about 30M rows over 117 weeks
            r = bench_dataset(args.binary, name, work, args.threads, "lgsr-sample", 50000, False)
        else:
            raise SystemExit(f"unknown data set {name}")
        results["data_sets"][name] = r
        results[name] = r  # flat access: results["lgsr-sample"]["rows"]
        shutil.rmtree(work / name, ignore_errors=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n")
    tmp.replace(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
