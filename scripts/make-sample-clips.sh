#!/usr/bin/env bash
# Regenerates the small sample clips that the built-in API simulator serves as
# "generated" LTX results. Requires ffmpeg (with libx264 and the lavfi sources).
#
#   bash scripts/make-sample-clips.sh
#
# Output: resources/sim/sample-16x9.mp4 (640x360) and resources/sim/sample-9x16.mp4 (360x640),
# each 4 s, 24 fps, H.264 yuv420p + AAC 64k mono, faststart.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT_DIR="$ROOT/resources/sim"
mkdir -p "$OUT_DIR"

command -v ffmpeg >/dev/null 2>&1 || { echo "ffmpeg not found (apt-get install ffmpeg)" >&2; exit 1; }

DURATION=4
FPS=24
CRF=34

# Find a font for the "16:9" / "9:16" label; skip the label if none (or no drawtext).
FONT=""
FILTERS="$(ffmpeg -hide_banner -filters 2>/dev/null || true)"  # captured: grep -q + pipefail would SIGPIPE
if grep -qw drawtext <<<"$FILTERS"; then
  for f in \
    /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf \
    /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf \
    /usr/share/fonts/TTF/DejaVuSans-Bold.ttf \
    /Library/Fonts/Arial.ttf \
    /System/Library/Fonts/Supplemental/Arial.ttf; do
    if [[ -f "$f" ]]; then FONT="$f"; break; fi
  done
  if [[ -z "$FONT" ]] && command -v fc-match >/dev/null 2>&1; then
    FONT="$(fc-match -f '%{file}' sans:bold 2>/dev/null || true)"
    [[ -f "$FONT" ]] || FONT=""
  fi
fi
if [[ -z "$FONT" ]]; then
  echo "note: no usable font/drawtext; clips will have no text label" >&2
fi

label() { # $1 = text, $2 = font size
  if [[ -n "$FONT" ]]; then
    printf ",drawtext=fontfile='%s':text='%s':fontsize=%s:fontcolor=white:borderw=4:bordercolor=black:x=(w-text_w)/2:y=(h-text_h)/2" \
      "$FONT" "$1" "$2"
  fi
}

encode() { # $1 = output, $2 = video filtergraph (lavfi), $3 = sine frequency
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i "$2" \
    -f lavfi -i "sine=frequency=$3:sample_rate=44100:duration=$DURATION" \
    -map 0:v:0 -map 1:a:0 \
    -c:v libx264 -preset slow -crf "$CRF" -pix_fmt yuv420p -profile:v main \
    -r "$FPS" -g 48 \
    -c:a aac -b:a 64k -ac 1 \
    -t "$DURATION" -shortest \
    -movflags +faststart \
    "$1"
}

# 16:9 — testsrc2 (has its own moving elements + frame counter) with a "16:9" label.
encode "$OUT_DIR/sample-16x9.mp4" \
  "testsrc2=size=640x360:rate=$FPS:duration=$DURATION$(label '16\:9' 72)" \
  440

# 9:16 — SMPTE bars with a white square sweeping top-to-bottom (overlay, evaluated per frame) and a "9:16" label.
encode "$OUT_DIR/sample-9x16.mp4" \
  "smptebars=size=360x640:rate=$FPS:duration=$DURATION[bg];color=c=white:size=80x80:rate=$FPS[box];[bg][box]overlay=x=(W-w)/2:y=(H-h)*t/$DURATION:eval=frame:shortest=1$(label '9\:16' 64)" \
  660

for f in "$OUT_DIR/sample-16x9.mp4" "$OUT_DIR/sample-9x16.mp4"; do
  printf '%s  %s bytes\n' "${f#"$ROOT"/}" "$(wc -c <"$f" | tr -d ' ')"
done
