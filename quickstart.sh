#!/usr/bin/env bash
# QuantLab quick start on Debian 12.
#   ./quickstart.sh demo   install what is missing, build (release), open the GUI on the demo
#   ./quickstart.sh test   install what is missing, build, run the whole test suite (ctest),
#                          then the engine's tests again under ASan+UBSan and a bounded fuzz run
# Environment: JOBS (parallel build jobs, default: nproc), QUANTLAB_SKIP_INSTALL=1 to skip apt.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
mode="${1:-}"
case "$mode" in demo|test|deps) ;; *) echo "usage: $0 demo|test|deps" >&2; exit 2 ;; esac
jobs="${JOBS:-$(nproc)}"

# Debian packages the build, the tests and the GUI need (one line each on why: README.md).
pkgs=(build-essential cmake ninja-build pkg-config ccache
      qt6-base-dev qt6-svg-dev libqcustomplot-dev libqcustomplot2.1-qt6
      flatbuffers-compiler libflatbuffers-dev libeigen3-dev catch2
      zlib1g-dev libstb-dev dataset-fashion-mnist)
[ "$mode" = test ] && pkgs+=(clang libclang-rt-14-dev xvfb xauth dpkg-dev lintian)

install_missing() {
    [ "${QUANTLAB_SKIP_INSTALL:-0}" = 1 ] && return 0
    local missing=()
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    # The TFLite oracle (tests only) needs node and npm; Debian's packages if none is on PATH.
    if [ "$mode" = test ]; then
        command -v node >/dev/null || missing+=(nodejs)
        command -v npm >/dev/null || missing+=(npm)
    fi
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "== installing: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

install_missing
[ "$mode" = deps ] && exit 0

if [ "$mode" = demo ]; then
    cmake --preset release >/dev/null
    cmake --build --preset release -j "$jobs"
    exec ./build/release/app/quantlab "${@:2}"
fi

# --- test ---
export CTEST_OUTPUT_ON_FAILURE=1
shared="$(cd "$here/.." && pwd)/shared"
# The oracles' folders are read-only data: install their node modules in copies inside build/.
install_oracle() {  # install_oracle NAME DEST
    local src="$shared/tools/$1" dest="$2"
    [ -d "$src" ] || return 0
    if [ ! -f "$dest/node_modules/.package-lock.json" ]; then
        echo "== installing the $1's node modules in $dest"
        rm -rf "$dest" && mkdir -p "$dest"
        cp -r "$src/." "$dest/" && chmod -R u+w "$dest"
        (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error)
    fi
}
if [ -d "$shared/tools/tflite-oracle" ]; then
    install_oracle tflite-oracle "$here/build/oracle"
    install_oracle litert-oracle "$here/build/litert-oracle"
else
    echo "== ../shared is absent: tests that need the real models or the oracle will skip"
fi
# Real photos for the quantization-quality tests (two Debian packages, downloaded, not installed).
"$here/scripts/fetch-photos.sh" "$here/build/photos" || echo "== real photos unavailable: tests that need them will skip"

cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs"

# The sanitizer pass builds and runs only the engine's tests and the fuzzer: the CLI's commands
# and their tests (23 files, and every CLI test's processes run under ASan) were tested above.
echo "== engine tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs" --target test_core fuzz_loader make_fuzz_seeds
ctest --preset asan -j "$jobs" -L "^(core|fuzz)$"
