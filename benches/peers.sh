#!/usr/bin/env bash
# Whole-program G4 encoding, libtiff's tiffcp against scanpress, on corpus text pages.
# Each tool reads the same uncompressed 1-bit TIFF and writes G4 TIFF; scanpress also decodes its
# output again and compares (verification is on). Usage: benches/peers.sh [RUNS]
runs="${1:-20}"
source "$(dirname "$0")/lib.sh"

printf '%-40s %12s %12s %8s %10s %10s\n' page "tiffcp us" "scanpress us" ratio "tiffcp B" "ours B"
for page in dev_lept_feyn_article_g4.tif dev_tess_unlv_8087_054_magazine.tif \
            dev_lept_scotsman_newspaper_g4.tif dev_ccitt1_slerexe_letter_g4.tif; do
  src="$corpus/$page"
  [ -f "$src" ] || { echo "missing $src"; continue; }
  tiffcp -c none "$src" "$work/plain.tif"
  t_lib=$(ms tiffcp -c g4 -r 100000 "$work/plain.tif" "$work/lib.tif")
  t_ours=$(ms "$bin" compress "$work/plain.tif" -o "$work/ours.tif" --force)
  b_lib=$(tiffinfo -s "$work/lib.tif" | tr -d '[],' | awk '$1 == "0:" {print $3}')
  b_ours=$(tiffinfo -s "$work/ours.tif" | tr -d '[],' | awk '$1 == "0:" {print $3}')
  printf '%-40s %12s %12s %8.2f %10s %10s\n' "$page" "$t_lib" "$t_ours" \
    "$(echo "$t_lib / $t_ours" | bc -l)" "$b_lib" "$b_ours"
done
