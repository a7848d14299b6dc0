#!/usr/bin/env bash
# How fast could the 1M report be if it did less? Issue #8 asks for the 1M report at >= 5x the
# fastest baseline; this measures, in one sitting, what the report's parts cost, by taking
# them away one at a time from a patched build (bench/floor.patch: three environment switches,
# used only here):
#   1. the full report (the binary bench/run.sh measures);
#   2. without the four tables with a row per finding or study (FLOOR_NO_TABLES);
#   3. also without the registry's SHA-256 (FLOOR_NO_HASH);
#   4. also without any chart (FLOOR_NO_CHARTS): reading, checking, synthesis, README, HTML
#      and JSON only;
#   5. `evsynth validate` (reading and checking only, rows dropped as checked);
# beside the fastest baseline (Python polars + scipy + matplotlib, bench/baselines/).
#   bash bench/floor.sh            # the 1M registry of bench/generate.py
#   N=100000 bash bench/floor.sh
# Needs hyperfine and the baseline's Python packages (bench/compare.sh --install). The patched
# binary is built in a git worktree sharing target/ (only evsynth itself is compiled again);
# target/release/evsynth is put back afterwards. Writes bench/results/floor.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=${BENCH_DIR:-/tmp/evsynth-bench}
n=${N:-1000000}
runs=${RUNS:-6}
mkdir -p "$work" bench/results
[ -f "$work/r$n/registry.csv" ] || python3 bench/generate.py registry "$n" "$work/r$n"

cargo build --release --locked --quiet
cp target/release/evsynth "$work/evsynth-full"
# A fixed place, so cargo keeps one patched build in target/ rather than one per run.
tree=$work/floor-tree
git worktree remove --force "$tree" 2>/dev/null || rm -rf "$tree"
# The uplifted binary is a hard link to cargo's own copy: removed first, so putting the full
# binary back does not write into the patched build's file.
trap 'git -C "$root" worktree remove --force "$tree" 2>/dev/null || true
      rm -f "$root/target/release/evsynth" && cp "$work/evsynth-full" "$root/target/release/evsynth"' EXIT
git worktree add --quiet --detach "$tree" HEAD
git -C "$tree" apply "$root/bench/floor.patch"
(cd "$tree" && CARGO_TARGET_DIR="$root/target" cargo build --release --locked --quiet)
cp target/release/evsynth "$work/evsynth-floor"

mean() { # the mean wall seconds of hyperfine's runs of a command (the FLOOR_ switches exported)
  hyperfine -N -w 1 -r "$runs" --export-json "$work/floor.json" "$@" >/dev/null 2>&1
  python3 -c "import json; print('%.3f' % json.load(open('$work/floor.json'))['results'][0]['mean'])"
}
out=$work/out-floor
rm -rf "$out"
baseline=$(mean "python3 bench/baselines/polars_report.py $work/r$n $work/out-polars")
full=$(mean "$work/evsynth-full report $work/r$n --out $out")
export FLOOR_NO_TABLES=1
no_tables=$(mean "$work/evsynth-floor report $work/r$n --out $out")
export FLOOR_NO_HASH=1
no_hash=$(mean "$work/evsynth-floor report $work/r$n --out $out")
export FLOOR_NO_CHARTS=1
no_charts=$(mean "$work/evsynth-floor report $work/r$n --out $out")
unset FLOOR_NO_TABLES FLOOR_NO_HASH FLOOR_NO_CHARTS
validate=$(mean "$work/evsynth-full validate $work/r$n")

row() { # label, seconds
  python3 -c "b=$baseline; t=$2; print('| $1 | %.3f s | %.1f× |' % (t, b / t))"
}
{
  echo "$n findings, $(date -u '+%Y-%m-%d %H:%M') UTC, $(git rev-parse --short HEAD); mean of $runs runs (hyperfine)."
  echo "Python polars + scipy + matplotlib (the fastest baseline): $baseline s; 5× would be $(python3 -c "print('%.3f' % ($baseline / 5))") s."
  echo
  echo "| evsynth | wall | vs Python polars |"
  echo "|---|---:|---:|"
  row "report, full" "$full"
  row "report without the per-finding and per-study tables" "$no_tables"
  row "... and without the SHA-256 of the registry" "$no_hash"
  row "... and without charts (reading, checking, synthesis, README, HTML, JSON)" "$no_charts"
  row "validate (reading and checking only)" "$validate"
} | tee bench/results/floor.md
