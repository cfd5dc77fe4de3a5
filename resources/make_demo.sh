#!/bin/sh
# Rebuilds the bundled demo: resources/models/fashion_mnist_demo.tflite and the labelled sample
# in resources/data (the first 256 Fashion-MNIST test images, their labels, and the model's
# float accuracy on them measured with QuantLab's interpreter). Needs Debian's
# dataset-fashion-mnist and a built quantlab-cli:
#   resources/make_demo.sh [path/to/quantlab-cli]
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
cli="${1:-$here/../build/release/app/quantlab-cli}"
exec "$cli" train-fashion-mnist --epochs 5 --seed 1 \
    --out "$here/models/fashion_mnist_demo.tflite" --sample-out "$here/data" --sample-count 256
