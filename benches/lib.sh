# Shared by the peer scripts: build scanpress, a scratch folder removed on exit, and `ms`, the mean
# microseconds a command takes over $runs runs. Sourced with `runs` set.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
corpus="${SCANPRESS_CORPUS:-../shared/corpus}/files"
cargo build --release -q
bin="${SCANPRESS_BIN:-target/release/scanpress}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

ms() { # command... -> mean microseconds over $runs runs
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$runs"); do "$@" >/dev/null 2>&1; done
  end=$(date +%s%N)
  echo $(( (end - start) / runs / 1000 ))
}

median() { # numbers... -> the middle one
  printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}

by_turns() { # command-a command-b (functions or programs, no arguments) -> "median-a median-b ratio"
  # Microseconds a run, the two run by turns $runs times each, so that on a machine whose speed
  # wanders both see the same moments; the ratio is the median of each turn's a / b.
  local a=() b=() s _
  for _ in $(seq "$runs"); do
    s=${EPOCHREALTIME/./}; "$1" >/dev/null 2>&1; a+=($(( ${EPOCHREALTIME/./} - s )))
    s=${EPOCHREALTIME/./}; "$2" >/dev/null 2>&1; b+=($(( ${EPOCHREALTIME/./} - s )))
  done
  local ratios=() i
  for i in "${!a[@]}"; do ratios+=("$(awk -v a="${a[i]}" -v b="${b[i]}" 'BEGIN {printf "%.3f", a / b}')"); done
  echo "$(median "${a[@]}") $(median "${b[@]}") $(median "${ratios[@]}")"
}
