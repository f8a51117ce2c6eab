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
