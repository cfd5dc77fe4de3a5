#!/usr/bin/env bash
# Builds the .deb with CPack from a build tree and checks it: the binaries, the desktop entry,
# the MIME type and the icon are inside, the declared dependencies are there, and the
# unpacked programs run; when lintian is installed, it must report no error (Debian policy:
# copyright file, changelog, stripped binaries, a description). Usage: check_deb.sh BUILD_DIR
set -euo pipefail
build="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$build" && cpack -G DEB -B "$work" >/dev/null)
deb=$(ls "$work"/*.deb)
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/quantlab ./usr/bin/quantlab-cli ./usr/share/applications/quantlab.desktop \
         ./usr/share/mime/packages/quantlab-tflite.xml ./usr/share/icons/hicolor/scalable/apps/quantlab.svg \
         ./usr/share/doc/quantlab/copyright ./usr/share/doc/quantlab/changelog.gz; do
    grep -q " $f\$" <<<"$contents" || { echo "missing in $deb: $f"; exit 1; }
done
depends=$(dpkg-deb -f "$deb" Depends)
for d in libqt6widgets6 shared-mime-info; do
    grep -q "$d" <<<"$depends" || { echo "Depends lacks $d: $depends"; exit 1; }
done
dpkg-deb -x "$deb" "$work/root"
"$work/root/usr/bin/quantlab-cli" --version
QT_QPA_PLATFORM=offscreen "$work/root/usr/bin/quantlab" --version
if command -v lintian >/dev/null; then
    # Errors fail the test; warnings and notes are printed for the reader.
    lintian --fail-on error --tag-display-limit 0 "$deb" || { echo "lintian reports errors in $deb"; exit 1; }
    echo "lintian: no error"
else
    echo "lintian is not installed: the policy check is skipped"
fi
echo "ok: $(basename "$deb") ($(stat -c %s "$deb") bytes), Depends: $depends"
