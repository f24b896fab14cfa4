#!/usr/bin/python3
"""Tensors benchmark (issue 4): `retailsim prepare` and batch assembly on a generated data set.

Runs generate -> ingest -> derive (prices) -> features -> prepare on the preset (default
lgsr-sample), then build/tensors_bench: the mean time to assemble one batch of 256 samples on one
core (`batch_assembly_ms`: the assembling thread's CPU time, masked-basket, as the shared 2-core
machine inflates wall time; wall and CPU time of every kind under `assembly`) and the loader's throughput
with 2 threads over the training split (`loader_samples_per_s`). `peak_rss_bytes` is the largest
peak of prepare and the tensors run (/usr/bin/time); `full_lgsr_extrapolation` scales it to the
full LGSR size (300M rows, 500K customers, 5K products). When the GraphSAGE embeddings
(features/graph_embeddings/embeddings.npy) are missing, a random stand-in of the same shape is
written and `embeddings` says so. Reads and rewrites bench/results/tensors.json keeping other
keys (the features benchmark writes features_seconds and features_peak_rss_bytes there).
"""
import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.dont_write_bytecode = True
sys.path.insert(0, str(HERE))
from derive_bench import run_capture  # noqa: E402

FULL_ROWS = 300_000_000
FULL_CUSTOMERS = 500_000
FULL_PRODUCTS = 5_000


def run(cmd, what):
    seconds, peak, stdout, rc = run_capture(cmd)
    if rc != 0:
        sys.exit(f"{what} failed (exit {rc})")
    print(f"  {what}: {seconds:.1f} s, peak {peak / 2**20:.0f} MiB", flush=True)
    return seconds, peak, stdout


def dir_bytes(path, pattern="*"):
    return sum(f.stat().st_size for f in Path(path).glob(pattern) if f.is_file())


def extrapolate_tensors_peak(data, measured_peak, rows, customers):
    """The loader process's peak at the full LGSR size, part by part: the price table's per-cell
    arrays grow with the observed cells (taken as rows, capped by the product x store x week
    grid); its per-(product, store group, week) arrays, the embeddings and the encoder's
    statistics are already at full size (about 5K products, 760 stores, 117 weeks); customer
    vectors grow with customers; the store and samples (memory-mapped) with rows."""
    prices = data / "derived" / "prices"
    counts = json.load(open(prices / "manifest.json"))["counts"]
    grid = counts["products"] * counts["stores"] * counts["weeks"]
    cell_scale = min(FULL_ROWS / rows, grid / max(1, counts["cells"]))
    cells = dir_bytes(prices, "cell_*.npy")
    fixed = dir_bytes(prices) - cells
    row_scale = FULL_ROWS / rows
    parts_now = {
        "price_table_cells": (cells, cell_scale),
        "price_table_fixed": (fixed, 1.0),
        "store": (dir_bytes(data / "store"), row_scale),
        "samples": (sum(dir_bytes(d) for d in (data / "samples").iterdir()), row_scale),
        "customer_history": (dir_bytes(data / "features" / "customer_history"),
                             FULL_CUSTOMERS / customers),
        "other_features": (sum(dir_bytes(d) for d in (data / "features").iterdir()
                               if d.is_dir() and d.name != "customer_history"), 1.0),
    }
    rest = max(0, measured_peak - sum(b for b, _ in parts_now.values()))
    parts = {k: int(b * f) for k, (b, f) in parts_now.items()}
    parts["rest_of_measured_peak"] = rest
    return sum(parts.values()), parts


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--binary", default="build/retailsim")
    p.add_argument("--bench-binary", default=None, help="default: tensors_bench beside --binary")
    p.add_argument("--preset", default="lgsr-sample")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--work", default=None, help="scratch folder (default: a temporary one)")
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "tensors.json"))
    a = p.parse_args()
    binary = Path(a.binary).resolve()
    bench_binary = Path(a.bench_binary or binary.parent / "bench" / "tensors_bench").resolve()
    work = Path(a.work) if a.work else Path(tempfile.mkdtemp(prefix="retailsim-tensors-"))
    data = work / a.preset
    if data.exists():
        shutil.rmtree(data)
    base = [str(binary), "--quiet", "--threads", str(a.threads)]
    print(f"[tensors] {a.preset} in {data}", flush=True)
    run(base + ["generate", "--preset", a.preset, "--out", str(data)], "generate")
    run(base + ["ingest", "--data", str(data)], "ingest")
    run(base + ["derive", "--data", str(data), "--stage", "prices"], "derive prices")
    run(base + ["features", "--data", str(data)], "features")
    emb = data / "features" / "graph_embeddings" / "embeddings.npy"
    embeddings = "features (GraphSAGE)"
    if not emb.exists():
        n_products = len(np.load(data / "store" / "product_code.npy", mmap_mode="r"))
        emb.parent.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(0)
        np.save(emb, rng.standard_normal((n_products, 256), dtype=np.float32))
        embeddings = "random stand-in (features/graph_embeddings/ not built)"
    prepare_seconds, prepare_peak, _ = run(base + ["prepare", "--data", str(data)], "prepare")
    _, bench_peak, stdout = run([str(bench_binary), "--data", str(data), "--threads",
                                 str(a.threads)], "tensors_bench")
    measured = json.loads(stdout.strip().splitlines()[-1])

    store = json.load(open(data / "store" / "manifest.json"))["counts"]
    rows, customers = store["rows_stored"], store["customers"]
    samples = {k: json.load(open(data / "samples" / k / "manifest.json"))["counts"]["samples"]
               for k in ["masked_basket", "next_basket", "store_visit"]}
    peak = max(prepare_peak, bench_peak)
    scale = FULL_ROWS / rows
    tensors_full, parts = extrapolate_tensors_peak(data, bench_peak, rows, customers)
    results = {}
    out = Path(a.out)
    if out.exists():
        results = json.load(open(out))
    results.update({
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "dataset": {"preset": a.preset, "rows": rows, "customers": customers,
                    "products": store.get("products"), "samples": samples},
        "threads": a.threads,
        "embeddings": embeddings,
        "batch_assembly_ms": measured["batch_assembly_ms"],
        "batch_assembly_target_ms": 1.0,
        "assembly": measured["assembly"],
        "loader_samples_per_s": measured["loader_samples_per_s"],
        "loader_target_samples_per_s": 50_000,
        "loader": measured["loader"],
        "prepare_seconds": prepare_seconds,
        "prepare_peak_rss_bytes": prepare_peak,
        "tensors_peak_rss_bytes": bench_peak,
        "peak_rss_bytes": peak,
        "full_lgsr_extrapolation": {
            "rows": FULL_ROWS, "customers": FULL_CUSTOMERS, "products": FULL_PRODUCTS,
            "method": "prepare: its peak scaled by rows. tensors (the loader's process): what it "
                      "holds, by part, each scaled by what it grows with (see parts), plus the "
                      "rest of the measured peak as is. Upper bounds where pages are only "
                      "memory-mapped (store, samples). Not run at that size.",
            "prepare_peak_rss_bytes": int(prepare_peak * scale),
            "tensors_peak_rss_bytes": int(tensors_full),
            "tensors_parts_bytes": parts,
            "peak_rss_bytes": int(max(prepare_peak * scale, tensors_full)),
            "prepare_seconds": prepare_seconds * scale,
        },
    })
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"[tensors] batch_assembly_ms {results['batch_assembly_ms']:.3f}, "
          f"loader_samples_per_s {results['loader_samples_per_s']:,.0f}, "
          f"peak {peak / 2**20:.0f} MiB -> {out}", flush=True)
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
