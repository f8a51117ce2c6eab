#!/usr/bin/env bash
# Whole-program JBIG1 (sequential) encode and decode: JBIG-KIT's pbmtojbg -q and jbgtopbm against
# the scanpress command on the same corpus pages, each reading and writing files (scanpress
# without verification, which would decode again). Usage: benches/jbig1_peers.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
corpus="${SCANPRESS_CORPUS:-../shared/corpus}/files"
cargo build --release -q
bin=target/release/scanpress
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

ms() { # command... -> mean microseconds over $runs runs
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$runs"); do "$@" >/dev/null 2>&1; done
  end=$(date +%s%N)
  echo $(( (end - start) / runs / 1000 ))
}

printf '%-40s %10s %10s %6s %10s %10s %6s %9s %9s\n' page "pbmtojbg" "ours" ratio \
  "jbgtopbm" "ours" ratio "JBIG-KIT B" "ours B"
for page in dev_lept_feyn_article_g4.tif dev_tess_unlv_8087_054_magazine.tif \
            dev_ocrmypdf_linn_brochure_300dpi.png dev_ccitt1_slerexe_letter_g4.tif; do
  src="$corpus/$page"
  [ -f "$src" ] || { echo "missing $src"; continue; }
  "$bin" decode "$src" -o "$work/page.pbm"
  t_kit=$(ms pbmtojbg -q "$work/page.pbm" "$work/kit.jbg")
  t_ours=$(ms "$bin" compress "$work/page.pbm" -o "$work/ours.jbg" --force --no-verify)
  d_kit=$(ms jbgtopbm "$work/kit.jbg" "$work/kit.pbm")
  d_ours=$(ms "$bin" decode "$work/ours.jbg" -o "$work/ours.pbm")
  printf '%-40s %10s %10s %6.2f %10s %10s %6.2f %9s %9s\n' "$page" "$t_kit" "$t_ours" \
    "$(echo "$t_kit / $t_ours" | bc -l)" "$d_kit" "$d_ours" "$(echo "$d_kit / $d_ours" | bc -l)" \
    "$(stat -c %s "$work/kit.jbg")" "$(stat -c %s "$work/ours.jbg")"
done
