#!/usr/bin/python3
"""World-model benchmark (issue 5): training speed, peak memory and scoring latency on 2 threads.

Runs the chain up to `retailsim prepare` on the demo preset (or reuses --data), then
`retailsim train --model world --threads 2` with a short schedule (bench/model_bench.toml), and
reads <data>/reports/training-world.json: training samples per second, the peak RSS of the train
process (/usr/bin/time), the test split's evaluation time and figures, and the scoring latency of
one customer and of a batch of 1,024 (CPU; Debian's LibTorch has no CUDA, so no GPU figures).
Then the same training with each other history encoder of --encoders (the seeds compare the
transformer with a Mamba block): their figures go to `encoders` beside the transformer's, which
stay the top-level keys. Writes bench/results/model.json.
"""
import argparse
import json
import platform
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.dont_write_bytecode = True
sys.path.insert(0, str(HERE))
from derive_bench import run_checked as run  # noqa: E402


def train_figures(args, config, data):
    """Trains the world model on data with config; its speed, memory, latency and test figures."""
    if args.peak_rss is not None and config == args.config:
        seconds, peak = None, args.peak_rss
    else:
        seconds, peak = run([args.binary, "train", "--config", config, "--data", data,
                             "--model", "world", "--threads", args.threads, "--quiet",
                             "--device", "cpu"], "train world")
    report = json.load(open(Path(data) / "reports" / "training-world.json"))
    if seconds is None:
        seconds = report["seconds"]
    test = report.get("test", {})
    return report, {
        "train_seconds": round(seconds, 2),
        "train_steps": report["steps"],
        "train_samples_per_s": round(report["samples_per_second"], 1),
        "train_peak_rss_bytes": peak,
        "score_one_customer_ms": round(test.get("latency_one_ms", float("nan")), 2),
        "score_batch_1024_ms": round(test.get("latency_batch_ms", float("nan")), 2),
        "evaluate_test_split_seconds": round(test.get("seconds", float("nan")), 2),
        "test_samples": test.get("samples"),
        "test": {k: test[k] for k in ("recall@10", "ndcg@10", "basket_size_accuracy") if k in test},
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--binary", default="build/retailsim")
    p.add_argument("--data", default=None, help="a prepared dataset folder (default: generate demo)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default=str(HERE / "results" / "model.json"))
    p.add_argument("--config", default=str(HERE / "model_bench.toml"))
    p.add_argument("--peak-rss", type=int, default=None,
                   help="with --data: read an existing training report, this peak (bytes)")
    p.add_argument("--encoders", default="transformer,mamba",
                   help="history encoders to train, comma-separated; the first gives the "
                        "top-level figures (default: transformer,mamba)")
    args = p.parse_args()
    encoders = [e for e in args.encoders.split(",") if e]
    if not encoders:
        p.error("--encoders: name at least one encoder (transformer, mamba)")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(args.data) if args.data else Path(tmp) / "demo"
        if not args.data:
            run([args.binary, "run", "--config", args.config, "--data", data, "--threads",
                 args.threads, "--quiet"], "run (demo chain)")
        by_encoder = {}
        for i, encoder in enumerate(encoders):
            config = args.config
            if encoder != "transformer":
                # The bench's config has no [model] table: one holding the encoder is appended.
                config = str(Path(tmp) / f"model_bench_{encoder}.toml")
                Path(config).write_text(Path(args.config).read_text() +
                                        f'\n[model]\nencoder = "{encoder}"\n')
            report, figures = train_figures(args, config, data)
            by_encoder[encoder] = figures
            if i == 0:
                first = report
    result = {
        "preset": "demo",
        "threads": args.threads,
        "device": "cpu (Debian's LibTorch is CPU-only)",
        "machine": platform.machine(),
        **by_encoder[encoders[0]],
        "model_config": first["model_config"],
        "train_config": first["train_config"],
        "encoders": by_encoder,
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
