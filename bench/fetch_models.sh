#!/usr/bin/env bash
# Fetches the larger real models the benchmarks use (npm registry packages of MediaPipe,
# Apache-2.0) into build/bench-models/. Usage: bench/fetch_models.sh
set -euo pipefail
dest="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/bench-models"
mkdir -p "$dest"
cd "$dest"
for pkg in @mediapipe/pose; do
    tgz=$(npm pack "$pkg" --silent)
    tar xzf "$tgz" --wildcards 'package/*.tflite'
    rm -f "$tgz"
done
mv -f package/*.tflite . && rmdir package
ls -la "$dest"/*.tflite
