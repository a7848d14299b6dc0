#!/usr/bin/env bash
# evsynth against the baselines in bench/baselines/ (pandas, Python polars, R), on the same
# machine and inputs: median wall time (hyperfine) and peak RSS (/usr/bin/time -v) per size.
# Writes a Markdown table to stdout (and bench/results/compare.md).
#   bash bench/compare.sh                   # shipped topic, 1k, 100k, 1M findings, compact 1M, 10M
#   SIZES="1000 100000" RUNS=3 bash bench/compare.sh
# Needs: hyperfine, r-cran-metafor, r-cran-ggplot2, r-cran-svglite (Debian); polars, pandas,
# scipy, matplotlib (pip). `bash bench/compare.sh --install` installs them first.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--install" ]; then
  apt-get install -y hyperfine r-cran-metafor r-cran-ggplot2 r-cran-svglite >/dev/null
  pip install --quiet polars pandas scipy matplotlib
fi
cargo build --release --locked --quiet
bin=$PWD/target/release/evsynth
work=${BENCH_DIR:-/tmp/evsynth-bench}
runs=${RUNS:-5}
mkdir -p "$work" bench/results

# Peak RSS in MiB of one run.
rss() {
  /usr/bin/time -v "$@" >/dev/null 2>"$work/rss.txt" || true
  awk '/Maximum resident set size/ {printf "%d", $6 / 1024}' "$work/rss.txt"
}

# Median seconds of `runs` runs (hyperfine, one warm-up); 3 runs at 1M findings.
median() {
  local r=$runs
  [ "$1" -ge 1000000 ] && r=$(( runs < 3 ? runs : 3 ))
  shift
  hyperfine --style none --warmup 1 --runs "$r" --export-json "$work/h.json" "$@" >/dev/null 2>&1
  python3 -c "import json; print('%.3f' % json.load(open('$work/h.json'))['results'][0]['median'])"
}

# One timed run with a time limit (R at scale: metafor's rma() works with k x k matrices,
# so REML over thousands of studies per analysis takes minutes to hours).
once() {
  local limit=$1
  shift
  local start end
  start=$(date +%s.%N)
  if timeout "$limit" "$@" >/dev/null 2>&1; then
    end=$(date +%s.%N)
    python3 -c "print('%.3f' % ($end - $start))"
  else
    echo "> $limit"
  fi
}

table="| input | findings | evsynth | Python polars | pandas | R | evsynth vs fastest baseline |"
table+=$'\n'"|---|---:|---:|---:|---:|---:|---:|"
run_size() {
  local label=$1 n=$2 dir=$3
  declare -A t m
  t[evsynth]=$(median "$n" "$bin report $dir --out $work/out-evsynth")
  m[evsynth]=$(rss "$bin" report "$dir" --out "$work/out-evsynth")
  for tool in polars pandas; do
    t[$tool]=$(median "$n" "python3 bench/baselines/${tool}_report.py $dir $work/out-$tool")
    m[$tool]=$(rss python3 "bench/baselines/${tool}_report.py" "$dir" "$work/out-$tool")
  done
  # R's cell: time and memory, or why it was not run (the fourth argument).
  local r_cell
  if [ -n "${4:-}" ]; then
    r_cell="not run ($4)"
  elif [ "$n" -ge 100000 ]; then
    t[r]=$(once "${R_LIMIT:-600}" Rscript bench/baselines/r_report.R "$dir" "$work/out-r")
    if [ "${t[r]}" = "> ${R_LIMIT:-600}" ]; then
      m[r]="?"
    else
      m[r]=$(rss Rscript bench/baselines/r_report.R "$dir" "$work/out-r")
    fi
  else
    t[r]=$(median "$n" "Rscript bench/baselines/r_report.R $dir $work/out-r")
    m[r]=$(rss Rscript bench/baselines/r_report.R "$dir" "$work/out-r")
  fi
  [ -n "${r_cell:-}" ] || r_cell="${t[r]} s, ${m[r]} MiB"
  local fastest
  fastest=$(printf '%s\n' "${t[polars]}" "${t[pandas]}" "${t[r]:-}" | grep -v -e '>' -e '^$' | sort -g | head -1)
  local ratio
  ratio=$(python3 -c "print('%.1fx faster' % ($fastest / ${t[evsynth]}))")
  table+=$'\n'"| $label | $n | ${t[evsynth]} s, ${m[evsynth]} MiB | ${t[polars]} s, ${m[polars]} MiB | ${t[pandas]} s, ${m[pandas]} MiB | $r_cell | $ratio |"
}

run_size "shipped topic (magnesium-rls)" 16 studies/magnesium-rls
for n in ${SIZES:-1000 100000 1000000}; do
  [ -f "$work/r$n/registry.csv" ] || python3 bench/generate.py registry "$n" "$work/r$n"
  run_size "generated registry" "$n" "$work/r$n"
done
# The compact profile: the same mix in the required columns plus p-value and effect data (93
# bytes a finding, near the issue's 66; the full profile's 194). R is not run on it: it needs
# more than 600 s for the full profile's 1M already (metafor's rma() on k x k matrices).
# Ten million findings in compact rows (958 MB) take about five minutes more here, and Python
# polars peaks at about 6.3 GB for them.
for n in ${COMPACT_SIZES:-1000000 10000000}; do
  [ -f "$work/c$n/registry.csv" ] || python3 bench/generate.py compact "$n" "$work/c$n"
  run_size "generated registry, compact rows" "$n" "$work/c$n" "> 600 s for the full rows"
done
echo "$table" | tee bench/results/compare.md
