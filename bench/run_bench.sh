#!/usr/bin/env bash
# `make bench`: every benchmark, results in bench/results/*.json. Usage: run_bench.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
mkdir -p bench/results
/usr/bin/python3 bench/ingest_bench.py --binary "$BUILD/retailsim" "${@:2}"
/usr/bin/python3 bench/derive_bench.py --binary "$BUILD/retailsim" --threads 2
/usr/bin/python3 bench/tensors_bench.py --binary "$BUILD/retailsim" --threads 2
/usr/bin/python3 bench/eval_bench.py --binary "$BUILD/retailsim" --threads 2
# SIM_BENCH_DATA: a dataset with trained world and store-visit models, to measure the
# world-model demand source too (e.g. data/demo after `make demo`).
"$BUILD/bench/sim_bench" --preset lgsr-sample --threads 2 --out bench/results/sim.json \
  ${SIM_BENCH_DATA:+--data "$SIM_BENCH_DATA"}
/usr/bin/python3 bench/model_bench.py --binary "$BUILD/retailsim" --threads 2
/usr/bin/python3 bench/features_bench.py --binary "$BUILD/retailsim" --threads 2
