#!/usr/bin/env bash
# Whole-program JBIG1 encode and decode with resolution layers: JBIG-KIT's pbmtojbg -d D and
# jbgtopbm against the scanpress command (whose .jbg output has D layers: as many halvings as bring
# the page to at most 1,000 pixels wide) on the same corpus pages, each reading and writing files
# (scanpress without verification, which would decode again, and without syncing its output, which
# pbmtojbg does not do either): JBIG-KIT's and ours by turns, RUNS turns, each turn starting with
# the other (see by_turns in lib.sh: hyperfine where it is installed), their medians in microseconds
# and the median of the turns' ratios (JBIG-KIT's time / ours, to three places: 2.00 could be just
# under 2); then both decoding pbmtojbg -q's sequential BIE of the page. Last (enc-, dec-, seq-),
# the three ratios after each program's start: what each takes to encode and to decode an 8x8 page
# (by turns, once) taken from its time in each turn, and the median of those turns' ratios, so that
# the coding is compared without the start, reading and writing files that both pay on every page
# (1.0-1.6 ms each on the machine of BENCHMARKS.md, a third of a small page's run). Both sides run
# from copies made in the scratch folder at the start (lib.sh's installed_copies: scanpress as
# `cargo install` would put it, JBIG-KIT's programs and the libraries they load beside them).
# Usage: benches/jbig1_peers.sh [RUNS [PAGE...]]   (corpus file names; page 1 of each; by default
# four: two magazine pages, the brochure and the CCITT letter)
runs="${1:-20}"
shift || true
pages=("$@")
if [ ${#pages[@]} -eq 0 ]; then
  pages=(dev_lept_feyn_article_g4.tif dev_tess_unlv_8087_054_magazine.tif
         dev_ocrmypdf_linn_brochure_300dpi.png dev_ccitt1_slerexe_letter_g4.tif)
fi
source "$(dirname "$0")/lib.sh"
installed_copies pbmtojbg jbgtopbm

# What each program costs on a page of nothing: an 8x8 white one, encoded and decoded.
{ printf 'P4\n8 8\n'; head -c 8 /dev/zero; } > "$work/tiny.pbm"
pbmtojbg -q "$work/tiny.pbm" "$work/tiny.jbg"
read -r e_kit e_ours _ _ < <(by_turns "pbmtojbg $work/tiny.pbm $work/tiny_kit.jbg" \
  "$bin compress $work/tiny.pbm -o $work/tiny_ours.jbg --force --no-verify --no-sync")
read -r f_kit f_ours _ _ < <(by_turns "jbgtopbm $work/tiny.jbg $work/tiny_kit.pbm" \
  "$bin decode $work/tiny.jbg -o $work/tiny_ours.pbm")
echo "an 8x8 page: pbmtojbg $e_kit us, ours $e_ours; jbgtopbm $f_kit us, ours $f_ours"

printf '%-40s %10s %10s %6s %10s %10s %6s %9s %9s %10s %10s %6s %6s %6s %6s\n' page "pbmtojbg" \
  "ours" ratio "jbgtopbm" "ours" ratio "JBIG-KIT B" "ours B" "jbgtopbm" "ours" ratio enc- dec- seq-
for page in "${pages[@]}"; do
  src="$corpus/$page"
  [ -f "$src" ] || { echo "missing $src"; continue; }
  "$bin" decode "$src" -o "$work/page.pbm"
  width=$(head -c 64 "$work/page.pbm" | sed -n 2p | cut -d' ' -f1)
  layers=0
  while [ $(( (width + (1 << layers) - 1) >> layers )) -gt 1000 ]; do layers=$((layers + 1)); done
  kit_encode="pbmtojbg -d $layers $work/page.pbm $work/kit.jbg"
  ours_encode="$bin compress $work/page.pbm -o $work/ours.jbg --force --no-verify --no-sync"
  kit_decode="jbgtopbm $work/kit.jbg $work/kit.pbm"
  ours_decode="$bin decode $work/ours.jbg -o $work/ours.pbm"
  # Sequential: pbmtojbg -q's one-layer BIE, decoded by both.
  pbmtojbg -q "$work/page.pbm" "$work/seq.jbg"
  kit_sequential="jbgtopbm $work/seq.jbg $work/kit_seq.pbm"
  ours_sequential="$bin decode $work/seq.jbg -o $work/ours_seq.pbm"
  read -r t_kit t_ours t_ratio t_after < <(by_turns "$kit_encode" "$ours_encode" "$e_kit" "$e_ours")
  read -r d_kit d_ours d_ratio d_after < <(by_turns "$kit_decode" "$ours_decode" "$f_kit" "$f_ours")
  read -r s_kit s_ours s_ratio s_after < <(by_turns "$kit_sequential" "$ours_sequential" \
    "$f_kit" "$f_ours")
  # The same pixels (the two write the PBM header differently).
  raster=$(( ($(stat -c %s "$work/page.pbm") - $(head -c 64 "$work/page.pbm" | head -2 | wc -c)) ))
  for ours in ours ours_seq; do
    cmp -s <(tail -c "$raster" "$work/kit.pbm") <(tail -c "$raster" "$work/$ours.pbm") ||
      echo "decoded pages differ: $page ($ours)"
  done
  printf '%-40s %10s %10s %6.3f %10s %10s %6.3f %9s %9s %10s %10s %6.3f %6.3f %6.3f %6.3f\n' \
    "$page" "$t_kit" "$t_ours" "$t_ratio" "$d_kit" "$d_ours" "$d_ratio" \
    "$(stat -c %s "$work/kit.jbg")" "$(stat -c %s "$work/ours.jbg")" "$s_kit" "$s_ours" "$s_ratio" \
    "$t_after" "$d_after" "$s_after"
done
