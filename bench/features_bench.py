#!/usr/bin/python3
"""Features benchmark (issue 4): `retailsim features` time and peak RSS, and the price encoding's
throughput on one core.

Sets: `lgsr-sample-real`, the four real weeks of ../shared/data/lgsr-sample (the folder also holds
week 200607 a second time, spreadsheet-damaged, which ingest refuses as a duplicate week on
purpose: only the four current-header weeks and time.csv are linked into the raw folder), and
`lgsr-sample`, the generated preset (117 weeks, calibrated to the real sample). Each: ingest,
derive prices, then `retailsim features` timed with its peak RSS (/usr/bin/time), per-part seconds
and the GraphSAGE figures from the manifests, then build/bench/features_bench: PriceEncoder cells
per second on one thread.

Reads and rewrites bench/results/tensors.json, setting only `features_seconds`,
`features_peak_rss_bytes` (the real weeks) and `features` (details of both sets); the prepare
benchmark owns the other keys.
"""
import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.dont_write_bytecode = True
sys.path.insert(0, str(HERE))
from derive_bench import run_capture  # noqa: E402

REAL_WEEKS = ["transactions_200607.csv.gz", "transactions_200609.csv.gz",
              "transactions_200610.csv.gz", "transactions_200611.csv.gz"]


def run(cmd, what):
    seconds, peak, stdout, rc = run_capture(cmd)
    if rc != 0:
        sys.exit(f"{what} failed (exit {rc})")
    print(f"  {what}: {seconds:.1f} s, peak {peak / 2**20:.0f} MiB", flush=True)
    return seconds, peak, stdout


def bench_set(name, base, bench_binary, data, cells):
    print(f"[features] {name} in {data}", flush=True)
    run(base + ["ingest", "--data", str(data)], "ingest")
    run(base + ["derive", "--data", str(data), "--stage", "prices"], "derive prices")
    seconds, peak, _ = run(base + ["features", "--data", str(data)], "features")
    parts = {}
    for manifest in sorted((data / "features").glob("*/manifest.json")):
        parts[manifest.parent.name] = json.load(open(manifest))["counts"].get("seconds")
    graph = json.load(open(data / "features" / "graph_embeddings" / "manifest.json"))["counts"]
    store = json.load(open(data / "store" / "manifest.json"))["counts"]
    _, _, stdout = run([str(bench_binary), str(data), str(cells)], "price encoding throughput")
    encoding = json.loads(stdout.strip().splitlines()[-1])
    encoding.pop("checksum", None)
    return {
        "rows": store["rows_stored"], "products": store.get("products"),
        "weeks": json.load(open(data / "features" / "splits" / "manifest.json"))["counts"]["weeks"],
        "features_seconds": seconds, "features_peak_rss_bytes": peak,
        "part_seconds": parts,
        "graph": {k: graph.get(k) for k in ["products_in_training_graph", "edges",
                                            "graph_link_auc", "neighbour_same_subcommodity",
                                            "neighbour_same_subcommodity_chance",
                                            "training_seconds", "training_threads", "epoch_loss"]},
        "price_encoding": encoding,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--binary", default="build/retailsim")
    p.add_argument("--bench-binary", default=None, help="default: features_bench beside --binary")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--cells", type=int, default=2_000_000, help="cells encoded for throughput")
    p.add_argument("--sets", default="lgsr-sample-real,lgsr-sample")
    p.add_argument("--real", default=str(ROOT.parent / "shared" / "data" / "lgsr-sample"))
    p.add_argument("--work", default=None, help="scratch folder (default: a temporary one)")
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "tensors.json"))
    a = p.parse_args()
    binary = Path(a.binary).resolve()
    bench_binary = Path(a.bench_binary or binary.parent / "bench" / "features_bench").resolve()
    work = Path(a.work) if a.work else Path(tempfile.mkdtemp(prefix="retailsim-features-"))
    base = [str(binary), "--quiet", "--threads", str(a.threads)]
    sets = {}
    for name in a.sets.split(","):
        data = work / name
        if data.exists():
            shutil.rmtree(data)
        if name == "lgsr-sample-real":
            raw = data / "raw"
            raw.mkdir(parents=True)
            for f in REAL_WEEKS + ["time.csv"]:
                (raw / f).symlink_to(Path(a.real).resolve() / f)
        else:
            run(base + ["generate", "--preset", name, "--out", str(data)], "generate")
        sets[name] = bench_set(name, base, bench_binary, data, a.cells)

    out = Path(a.out)
    results = json.load(open(out)) if out.exists() else {}
    headline = sets.get("lgsr-sample-real") or next(iter(sets.values()))
    results["features_seconds"] = headline["features_seconds"]
    results["features_peak_rss_bytes"] = headline["features_peak_rss_bytes"]
    results["features"] = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "threads": a.threads,
        "headline_set": "lgsr-sample-real" if "lgsr-sample-real" in sets else next(iter(sets)),
        "price_encoding_cells_per_s": headline["price_encoding"]["cells_per_s"],
        "sets": sets,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    for name, s in sets.items():
        print(f"[features] {name}: {s['features_seconds']:.1f} s, peak "
              f"{s['features_peak_rss_bytes'] / 2**20:.0f} MiB, graph_link_auc "
              f"{s['graph']['graph_link_auc']}, encoding "
              f"{s['price_encoding']['cells_per_s']:,.0f} cells/s -> {out}", flush=True)
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
