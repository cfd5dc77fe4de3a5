#!/usr/bin/env bash
# The README's screenshots, made by the app itself (`quantlab --screenshot`), so that they show
# what the current build shows. Run after a release build; needs xvfb-run (Debian: xvfb, xauth).
# Usage: scripts/screenshots.sh [BUILD_DIR] [MODELS_DIR] [PHOTOS_DIR]
#   BUILD_DIR   default build/release
#   MODELS_DIR  default ../shared/models (hand_landmark_lite.tflite, pose_landmark_heavy.tflite)
#   PHOTOS_DIR  default build/photos (scripts/fetch-photos.sh; calib/ is the lab's data)
# Writes docs/screenshots/*.png. Views whose model or photos are absent are skipped, saying so.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build/release}"
models="${2:-$root/../shared/models}"
photos="${3:-$root/build/photos}"
app="$build/app/quantlab"
out="$root/docs/screenshots"
mkdir -p "$out"
[ -x "$app" ] || { echo "screenshots: $app is not built" >&2; exit 2; }
shot() { xvfb-run -a -s "-screen 0 1600x1000x24" "$app" "$@"; }
demo="$root/resources/models/fashion_mnist_demo.tflite"

shot "$demo" --screenshot "$out/graph-demo.png"
shot "$demo" --view operator --screenshot "$out/inspector-operator.png"
hand="$models/hand_landmark_lite.tflite"
pose="$build/../bench-models/pose_landmark_heavy.tflite" # bench/fetch_models.sh
if [ -f "$pose" ]; then
    shot "$pose" --screenshot "$out/graph-pose-heavy.png"
else
    echo "screenshots: $pose absent, skipped" >&2
fi
if [ -f "$hand" ] && [ -d "$photos/calib" ]; then
    # a student's path: the tree to the int8 leaf, the data, "Run this leaf", measured
    shot "$hand" --lab --leaf int8 --data "$photos/calib" --screenshot "$out/lab-side-by-side.png"
    shot "$hand" --lab --data "$photos/calib" --screenshot "$out/lab-sensitivity.png"
else
    echo "screenshots: $hand or $photos/calib absent, the lab's views skipped" >&2
fi
ls -1 "$out"
