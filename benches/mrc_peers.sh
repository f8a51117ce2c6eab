#!/usr/bin/env bash
# Grey and colour pages: scanpress (auto) against the original scan, a plain JPEG (libjpeg-turbo's
# cjpeg, quality 60, full resolution) and DjVuLibre (c44, its IW44 photo coder with default
# quality; cpaldjvu, its few-colour coder, with 16 colours, as it takes minutes a page with its
# default 256 and is meant for few), page by page; and OCR
# (tesseract) of the original, of our output and of the JPEG, with the share of the original's words
# each changes. Needs tesseract-ocr (with -eng, -rus, -ita, -deu, -heb), libjpeg-turbo-progs,
# djvulibre-bin, poppler-utils, imagemagick. Prints the Markdown tables of BENCHMARKS.md.
runs=1
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# file, pages, tesseract languages ("-" for handwriting: sizes only).
pages=(
  "dev_lept_lucasta_grey.jpg 1 eng"
  "dev_lept_lighttext_faint_grey.jpg 1 eng"
  "dev_tess_hebtypo_grey_600dpi.jpg 1 heb"
  "dev_lept_zanotti_colour_150dpi.jpg 1 ita"
  "dev_lept_bookpage_colour.jpg 1 eng"
  "dev_lept_blackletter_colour_photo.jpg 1 deu"
  "dev_ocrmypdf_gutenberg_bookpage_colour.pdf 1 eng"
  "dev_pdfjs_issue7229_certificate_stamp_colour.pdf 1 rus+eng"
  "dev_pdfjs_issue7229_certificate_stamp_colour.pdf 2 rus+eng"
  "dev_paperless_brother_ads2800w_colour_600dpi.pdf 1 eng"
  "dev_paperless_brother_ads2800w_colour_600dpi.pdf 2 eng"
  "dev_paperless_brother_ads2800w_colour_600dpi.pdf 3 eng"
  "dev_paperless_pdfscanner_jpx_150dpi.pdf 1 eng"
  "dev_noteshrink_handwritten_notes_A1.jpg 1 -"
  "dev_noteshrink_handwritten_notes_B1.jpg 1 -"
  "dev_noteshrink_yellow_pad_pens.jpg 1 -"
)

# Word changes: the share of the reference's words (in order) the other text does not have.
changes() { # reference.txt other.txt -> "changed total"
  python3 - "$1" "$2" <<'EOF'
import difflib, sys
a = open(sys.argv[1]).read().split()
b = open(sys.argv[2]).read().split()
m = difflib.SequenceMatcher(None, a, b, autojunk=False)
same = sum(block.size for block in m.get_matching_blocks())
print(len(a) - same, len(a))
EOF
}

echo "| page | content (scanpress) | original | scanpress | s at 64k | vs original | JPEG q60 | c44 | cpaldjvu | OCR words | changed: scanpress | changed: JPEG q60 |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
total_orig=0 total_ours=0 total_jpeg=0 total_c44=0 total_pal=0
ocr_words=0 ocr_ours=0 ocr_jpeg=0
declare -A done_files
for entry in "${pages[@]}"; do
  read -r file page langs <<<"$entry"
  input="$corpus/$file"
  out="$work/${file%.*}.pdf"
  if [[ -z "${done_files[$file]:-}" ]]; then
    "$bin" compress "$input" -o "$out" --report "$work/${file%.*}.json" --force >/dev/null
    done_files[$file]=1
  fi
  # Bytes in: the page's image in the source or, where the source does not say (a JPEG 2000
  # image in a PDF), the file's size shared among its pages.
  read -r dpi bytes_in bytes_out codec < <(python3 - "$work/${file%.*}.json" "$page" "$input" <<'EOF'
import json, os, sys
pages = json.load(open(sys.argv[1]))["files"][0]["pages"]
r = pages[int(sys.argv[2]) - 1]
bytes_in = r["bytes_in"] or os.path.getsize(sys.argv[3]) // len(pages)
print(round(r["dpi_x"]), bytes_in, r["bytes_out"], r["codec"].split(":")[0].replace(" ", "_"))
EOF
)
  # The original page at its own resolution, as PPM.
  orig="$work/orig.ppm"
  case "$file" in
    *.pdf) pdftoppm -r "$dpi" -f "$page" -l "$page" -singlefile "$input" "$work/orig" ;;
    *) convert "$input" -type TrueColor "$orig" ;;
  esac
  cjpeg -quality 60 -outfile "$work/q60.jpg" "$orig"
  c44 -dpi "$dpi" "$orig" "$work/c44.djvu" >/dev/null 2>&1
  rm -f "$work/pal.djvu"
  timeout 120 cpaldjvu -colors 16 -dpi "$dpi" "$orig" "$work/pal.djvu" >/dev/null 2>&1 || true
  jpeg=$(stat -c %s "$work/q60.jpg")
  c44=$(stat -c %s "$work/c44.djvu")
  pal=$(stat -c %s "$work/pal.djvu" 2>/dev/null || echo 0)
  secs=$(awk "BEGIN { printf \"%.1f\", $bytes_out / 8000 }")
  ratio=$(awk "BEGIN { printf \"%.1fx\", $bytes_in / $bytes_out }")
  ocr="-" ours_pct="-" jpeg_pct="-"
  if [[ "$langs" != "-" ]]; then
    pdftoppm -r "$dpi" -f "$page" -l "$page" -singlefile -png "$out" "$work/ours"
    djpeg -outfile "$work/q60.ppm" "$work/q60.jpg"
    for v in orig.ppm ours.png q60.ppm; do
      tesseract "$work/$v" "$work/${v%.*}" -l "$langs" --dpi "$dpi" >/dev/null 2>&1
    done
    read -r c_ours n < <(changes "$work/orig.txt" "$work/ours.txt")
    read -r c_jpeg _ < <(changes "$work/orig.txt" "$work/q60.txt")
    ocr=$n
    ours_pct=$(awk "BEGIN { printf \"%.1f%%\", 100 * $c_ours / ($n > 0 ? $n : 1) }")
    jpeg_pct=$(awk "BEGIN { printf \"%.1f%%\", 100 * $c_jpeg / ($n > 0 ? $n : 1) }")
    ocr_words=$((ocr_words + n)) ocr_ours=$((ocr_ours + c_ours)) ocr_jpeg=$((ocr_jpeg + c_jpeg))
  fi
  total_orig=$((total_orig + bytes_in)) total_ours=$((total_ours + bytes_out))
  total_jpeg=$((total_jpeg + jpeg)) total_c44=$((total_c44 + c44)) total_pal=$((total_pal + pal))
  echo "| ${file#dev_} p$page | ${codec//_/ } | $bytes_in | $bytes_out | $secs | $ratio | $jpeg | $c44 | $pal | $ocr | $ours_pct | $jpeg_pct |"
done
echo "| **total** | | $total_orig | $total_ours | $(awk "BEGIN { printf \"%.1f\", $total_ours / 8000 }") | $(awk "BEGIN { printf \"%.1fx\", $total_orig / $total_ours }") | $total_jpeg | $total_c44 | $total_pal | $ocr_words | $(awk "BEGIN { printf \"%.1f%%\", 100 * $ocr_ours / $ocr_words }") | $(awk "BEGIN { printf \"%.1f%%\", 100 * $ocr_jpeg / $ocr_words }") |"
