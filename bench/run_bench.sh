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
"$BUILD/bench/sim_bench" --preset lgsr-sample --threads 2 --out bench/results/sim.json
/usr/bin/python3 bench/model_bench.py --binary "$BUILD/retailsim" --threads 2
/usr/bin/python3 bench/features_bench.py --binary "$BUILD/retailsim" --threads 2
