#!/bin/sh
# Selective search, ours and OpenCV's fast mode, side by side in one run on the
# same images with the same downscale and metrics.
#   scripts/compare_proposals.sh [DATASET_DIR] [SPLIT_FILE] [MAX_SIDE]
# Defaults: datasets/bccd, its splits/test.txt, 500. Needs a built
# `detect` (swift build) and, for OpenCV, opencv-contrib-python-headless.
set -e
cd "$(dirname "$0")/.."
DATA=${1:-datasets/bccd}
LIST=${2:-$DATA/splits/test.txt}
SIDE=${3:-500}
DETECT=${DETECT:-.build/debug/detect}
echo "== ours (detect bench proposals --mode fast)"
"$DETECT" bench proposals "$DATA/images" --annotations "$DATA/annotations" --format voc \
    --mode fast --max-side "$SIDE" --list "$LIST" --json
echo "== OpenCV (switchToSelectiveSearchFast)"
python3 scripts/opencv_selective_search.py "$DATA/images" --annotations "$DATA/annotations" \
    --list "$LIST" --max-side "$SIDE" --json
