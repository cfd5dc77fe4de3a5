#!/usr/bin/env bash
# Real photos for calibrating and measuring image models, from two Debian packages:
#   opencv-doc       usr/share/doc/opencv-doc/examples/data/  (OpenCV's sample photos)
#   python3-skimage  skimage/data/                            (scikit-image's sample images)
# The packages are downloaded with `apt-get download` (not installed) and unpacked into a
# temporary folder; a fixed list of colour photos is copied into OUT/calib and OUT/eval (two
# disjoint sets: calibrate on one, measure on the other) with the packages' copyright files.
# Usage: scripts/fetch-photos.sh OUT        (does nothing when OUT/eval already holds photos)
set -euo pipefail
out="${1:?usage: $0 OUT}"
if [ -f "$out/.complete" ]; then exit 0; fi

calib=(apple.jpg baboon.jpg building.jpg butterfly.jpg fruits.jpg home.jpg HappyFish.jpg
       messi5.jpg orange.jpg squirrel_cls.jpg stuff.jpg aero1.jpg Blender_Suzanne1.jpg
       leuvenA.jpg licenseplate_motion.jpg ela_original.jpg board.jpg
       skimage:astronaut.png skimage:coffee.png skimage:chelsea.png skimage:rocket.jpg
       skimage:motorcycle_left.png)
eval_=(aero3.jpg Blender_Suzanne2.jpg leuvenB.jpg pca_test1.jpg starry_night.jpg smarties.png
       basketball1.png rubberwhale1.png graf1.png left.jpg blox.jpg
       skimage:hubble_deep_field.jpg skimage:retina.jpg skimage:color.png
       skimage:motorcycle_right.png skimage:ihc.png)

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download opencv-doc python3-skimage >/dev/null 2>&1) || {
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq && (cd "$tmp" && apt-get download opencv-doc python3-skimage >/dev/null)
}
for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/x"; done
cv="$tmp/x/usr/share/doc/opencv-doc/examples/data"
sk="$(dirname "$(find "$tmp/x" -path '*skimage/data/astronaut.png' | head -n 1)")"

stage="$out.tmp.$$"
rm -rf "$stage" && mkdir -p "$stage/calib" "$stage/eval"
copy() {  # copy NAME... into folder $1, skipping names a package version does not ship
    local dir="$1"; shift
    for n in "$@"; do
        local src
        case "$n" in skimage:*) src="$sk/${n#skimage:}" ;; *) src="$cv/$n" ;; esac
        [ -f "$src" ] && cp "$src" "$stage/$dir/"
    done
    return 0
}
copy calib "${calib[@]}"
copy eval "${eval_[@]}"
cp "$tmp/x/usr/share/doc/opencv-doc/copyright" "$stage/COPYRIGHT.opencv-doc" 2>/dev/null || true
cp "$tmp/x/usr/share/doc/python3-skimage/copyright" "$stage/COPYRIGHT.python3-skimage" 2>/dev/null || true
[ -f "$sk/README.txt" ] && cp "$sk/README.txt" "$stage/README.skimage-data.txt"
touch "$stage/.complete"
rm -rf "$out" && mv "$stage" "$out"
echo "== photos: $(ls "$out/calib" | wc -l) for calibration, $(ls "$out/eval" | wc -l) for evaluation in $out"
