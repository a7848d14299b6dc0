#!/usr/bin/env bash
# The README's two performance tables in one command: evsynth alone (bench/run.sh), then
# evsynth against the baselines (bench/compare.sh), each written to bench/results/.
#   bash bench/all.sh             # both, at their default sizes
#   bash bench/all.sh --install   # first installs what the baselines need (Debian + pip)
# Their variables pass through (SIZES, RUNS, R_LIMIT, BENCH_DIR, ...). Run nothing else
# beside it: the two cores are what is measured.
set -euo pipefail
cd "$(dirname "$0")/.."
bash bench/run.sh
bash bench/compare.sh "$@"
