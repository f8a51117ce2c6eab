# Shared by the peer scripts: build scanpress, a scratch folder removed on exit, and `ms`, the mean
# microseconds a command takes over $runs runs. Sourced with `runs` set.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
corpus="${SCANPRESS_CORPUS:-../shared/corpus}/files"
cargo build --release -q
bin="${SCANPRESS_BIN:-target/release/scanpress}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

installed_copies() { # program... -> copies scanpress and the programs (from PATH), with the
  # shared libraries they load, into the scratch folder, and runs them from there: scanpress as
  # `cargo install` would put it, a file written in one go, where the linker's own output ran 7-14%
  # slower here (the same bytes, 13 more page faults a run: likely the page cache keeps the
  # linker's file in the small pieces it wrote); the others copied at the same moment, so that
  # neither side runs from files whose page cache is in another state (fresh copies of jbgtopbm,
  # libjbig and libc ran about 2% faster than the installed files).
  mkdir -p "$work/bin" "$work/lib"
  cp "$bin" "$work/bin/scanpress"
  bin="$work/bin/scanpress"
  local p path lib
  for p in "$@"; do
    path="$(command -v "$p")"
    cp "$path" "$work/bin/"
    # The libraries found by path (the dynamic loader itself and the vDSO have none).
    for lib in $(ldd "$path" | awk '$3 ~ /^\// {print $3}'); do
      [ -e "$work/lib/${lib##*/}" ] || cp "$lib" "$work/lib/"
    done
  done
  export PATH="$work/bin:$PATH" LD_LIBRARY_PATH="$work/lib"
}

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

by_turns() { # "command A" "command B" [start-a start-b] (each command a program and its
  # arguments, split on spaces) -> "median-a median-b ratio ratio-after": microseconds a run, the
  # two run by turns $runs times each, so that on a machine whose speed wanders both see the same
  # moments, each turn starting with the other (as `ab.py` does: which ran first moved a pair's
  # ratio by 1.5-2% on the AMD machine of BENCHMARKS.md); the ratio is the median of each turn's
  # a / b, the ratio after the median of each turn's (a - start-a) / (b - start-b) (microseconds
  # each command pays before its work; 0 if not given). With hyperfine (-N: started directly, no
  # shell) a turn is a warm-up and three runs of each, their medians; without it, one run of each
  # timed by bash, whose own fork of itself (a millisecond or two on a virtual machine) then
  # counts in both.
  local a=() b=() times=() s turn first second t
  for turn in $(seq "$runs"); do
    # This turn's order: a then b on odd turns, b then a on even ones.
    if (( turn % 2 )); then first=$1 second=$2; else first=$2 second=$1; fi
    times=()
    if command -v hyperfine >/dev/null; then
      hyperfine -N -w 1 -r 3 --style none --export-csv "$work/turn.csv" -- "$first" "$second" \
        >/dev/null 2>&1
      times=($(awk -F, 'NR > 1 {printf "%d\n", $4 * 1e6}' "$work/turn.csv"))
    else
      for t in "$first" "$second"; do
        # shellcheck disable=SC2086 # the commands are split on spaces
        { s=${EPOCHREALTIME/./}; $t >/dev/null 2>&1; times+=($(( ${EPOCHREALTIME/./} - s ))); }
      done
    fi
    if (( turn % 2 )); then a+=("${times[0]}"); b+=("${times[1]}")
    else a+=("${times[1]}"); b+=("${times[0]}"); fi
  done
  local ratios=() afters=() i sa="${3:-0}" sb="${4:-0}"
  for i in "${!a[@]}"; do
    ratios+=("$(awk -v a="${a[i]}" -v b="${b[i]}" 'BEGIN {printf "%.3f", a / b}')")
    afters+=("$(awk -v a="${a[i]}" -v b="${b[i]}" -v sa="$sa" -v sb="$sb" \
      'BEGIN {printf "%.3f", (a - sa) / (b - sb)}')")
  done
  echo "$(median "${a[@]}") $(median "${b[@]}") $(median "${ratios[@]}") $(median "${afters[@]}")"
}
