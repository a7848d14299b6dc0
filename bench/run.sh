#!/usr/bin/env bash
# Reproduces the README's performance table: wall time (median of runs) and peak RSS of
# evsynth on the shipped topic and on generated registries, on this machine.
#   bash bench/run.sh            # shipped topic, 1k, 100k, 1M findings, compact 1M and 10M,
#                                # batch of 1000 x 50
#   SIZES="1000 100000" bash bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
exec > >(tee bench/results/run.md)
cargo build --release --locked --quiet
bin=$PWD/target/release/evsynth
work=${BENCH_DIR:-/tmp/evsynth-bench}
mkdir -p "$work"
runs=${RUNS:-5}

# median wall seconds and max RSS (MiB) of `runs` runs of a command
measure() {
  local times=() rss=0
  for _ in $(seq "${MEASURE_RUNS:-$runs}"); do
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>&1 || true
    # The last line: a command that exits non-zero (`fmt --check` of rows out of canonical
    # order) makes time(1) write "Command exited with non-zero status 1" first.
    read -r t m < <(tail -n 1 "$work/time.txt")
    times+=("$t"); [ "$m" -gt "$rss" ] && rss=$m
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%s s | %s MiB' "$median" "$((rss / 1024))"
}

echo "| task | median wall | peak RSS |"
echo "|---|---:|---:|"
echo "| report, shipped topic (16 findings, 9 chart kinds, HTML) | $(measure "$bin" report --out "$work/out") |"
echo "| validate, shipped topic | $(measure "$bin" validate) |"
for n in ${SIZES:-1000 100000 1000000}; do
  [ -f "$work/r$n/registry.csv" ] || python3 bench/generate.py registry "$n" "$work/r$n"
  echo "| validate, $n findings | $(measure "$bin" validate "$work/r$n") |"
  echo "| report, $n findings | $(MEASURE_RUNS=$([ "$n" -ge 1000000 ] && echo 3 || echo "$runs") measure "$bin" report "$work/r$n" --out "$work/out") |"
  # The generated rows are not in canonical order, so this also finds where they depart.
  echo "| fmt --check, $n findings | $(MEASURE_RUNS=$([ "$n" -ge 1000000 ] && echo 3 || echo "$runs") measure "$bin" fmt --check "$work/r$n") |"
done
# The compact profile (required columns plus p-value and effect data: 93 bytes a finding, near
# the issue's 660 MB for 10M findings; the full profile above writes 194). COMPACT_SIZES=""
# skips it; one run at 10M.
for n in ${COMPACT_SIZES-1000000 10000000}; do
  [ -f "$work/c$n/registry.csv" ] || python3 bench/generate.py compact "$n" "$work/c$n"
  runs_here=$([ "$n" -ge 10000000 ] && echo 1 || echo 3)
  echo "| validate, $n findings, compact rows | $(MEASURE_RUNS=$runs_here measure "$bin" validate "$work/c$n") |"
  echo "| report, $n findings, compact rows | $(MEASURE_RUNS=$runs_here measure "$bin" report "$work/c$n" --out "$work/out") |"
done
if [ -z "${SIZES:-}" ]; then
  [ -d "$work/batch" ] || python3 bench/generate.py batch 1000 50 "$work/batch"
  # Into an empty directory (the previous output removed and flushed first), then again over
  # that unchanged report (files that already hold their bytes are not rewritten).
  rm -rf "$work/batch-out" && sync && sleep 5
  echo "| report, batch of 1000 topics x 50 findings, into an empty directory | $(MEASURE_RUNS=1 measure "$bin" --studies "$work/batch" report --out "$work/batch-out") |"
  echo "| report, batch of 1000 topics x 50 findings, rerun over its unchanged report | $(MEASURE_RUNS=1 measure "$bin" --studies "$work/batch" report --out "$work/batch-out") |"
  [ -f "$work/r100000/registry.csv" ] || python3 bench/generate.py registry 100000 "$work/r100000"
  # Each add runs on a fresh copy of the registry (an add changes it), copied and flushed
  # before the timed run.
  add_times=() add_rss=0
  for _ in $(seq "$runs"); do
    rm -rf "$work/add100k" && cp -r "$work/r100000" "$work/add100k" && sync
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$bin" add "$work/add100k" --study-id bench_new --citation "Bench new 2026" --year 2026 --design rct --question treatment --n 10 --form citrate --outcome severity --direction positive >/dev/null 2>&1 || true
    read -r t m < <(tail -n 1 "$work/time.txt")
    add_times+=("$t"); [ "$m" -gt "$add_rss" ] && add_rss=$m
  done
  add_median=$(printf '%s\n' "${add_times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "| add one row to a 100k-finding registry | $add_median s | $((add_rss / 1024)) MiB |"
  rm -rf "$work/add100k"
fi
