#!/usr/bin/env bash
# Makes the before-and-after images in this folder: each corpus page as scanned (left) and as
# scanpress writes it under --codec auto, rendered by poppler's pdftoppm (right), side by side,
# plus a full-resolution detail of pencil and pens. The images themselves are JPEG, quality 92.
# Needs poppler-utils and imagemagick; run from the repository root.
set -euo pipefail
corpus="${SCANPRESS_CORPUS:-../shared/corpus}/files"
cargo build --release -q
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
side() { # name input page dpi-of-render
  local name=$1 input=$2 page=$3 dpi=$4
  target/release/scanpress compress "$input" -o "$work/$name.pdf" >/dev/null
  pdftoppm -r "$dpi" -f "$page" -l "$page" -singlefile -png "$work/$name.pdf" "$work/after"
  case "$input" in
    *.pdf) pdftoppm -r "$dpi" -f "$page" -l "$page" -singlefile -png "$input" "$work/before" ;;
    *) convert "$input" -resize "$(identify -format %wx%h "$work/after.png")!" "$work/before.png" ;;
  esac
  convert "$work/before.png" "$work/after.png" -resize "$(identify -format %wx%h "$work/after.png")!" \
    +append -quality 92 "docs/mrc/$name.jpg"
}
side notes-several-inks "$corpus/dev_noteshrink_handwritten_notes_A1.jpg" 1 60
side colour-test-page "$corpus/dev_paperless_brother_ads2800w_colour_600dpi.pdf" 1 50
side book-page-engraving "$corpus/dev_ocrmypdf_gutenberg_bookpage_colour.pdf" 1 100
# Detail at the scan's own 300 dpi: pencil, sharpie and pens on a yellow pad.
target/release/scanpress compress "$corpus/dev_noteshrink_yellow_pad_pens.jpg" -o "$work/pad.pdf" >/dev/null
pdftoppm -r 300 -x 400 -y 300 -W 900 -H 900 -singlefile -png "$work/pad.pdf" "$work/pad"
convert "$corpus/dev_noteshrink_yellow_pad_pens.jpg" -crop 900x900+400+300 +repage "$work/pad-before.png"
convert "$work/pad-before.png" "$work/pad.png" +append -quality 92 docs/mrc/pencil-detail.jpg
