#!/usr/bin/env bash
# Builds the frozen bundle (PyInstaller, one folder) and the Debian package.
#   installer/build.sh [--out DIR] [--clean] [--no-deb]
# Needs .venv with the dev extra (installer/dev.sh build sets it up first, then runs this).
# Writes DIR/bahi/ (the bundle) and DIR/bahi_VERSION_ARCH.deb; DIR defaults to dist/.
# PyInstaller's cache stays in build/pyinstaller/ (--clean starts it afresh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

OUT=dist
CLEAN=()
DEB=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --clean) CLEAN=(--clean); shift ;;
    --no-deb) DEB=0; shift ;;
    *) echo "usage: installer/build.sh [--out DIR] [--clean] [--no-deb]" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

PYTHON=${PYTHON:-.venv/bin/python}
if ! "$PYTHON" -c "import PyInstaller, app" 2>/dev/null; then
  echo "No PyInstaller in $PYTHON: run installer/dev.sh build (it sets up .venv first)." >&2
  exit 1
fi
VERSION=$("$PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
ARCH=$(dpkg --print-architecture 2>/dev/null || uname -m)
began=$(date +%s)

echo "Building the bundle (PyInstaller) for Bahi $VERSION"
"$PYTHON" -m PyInstaller --noconfirm --log-level WARN "${CLEAN[@]}" \
  --distpath "$OUT" --workpath "$ROOT/build/pyinstaller" installer/bahi.spec
bundled=$(date +%s)
echo "Bundle: $OUT/bahi ($(du -sh "$OUT/bahi" | cut -f1), $((bundled - began)) s)"
[ "$DEB" -eq 1 ] || exit 0

# The package's file tree: the bundle under /opt, a command on PATH, menu entry, icon, MIME.
STAGE="$ROOT/build/deb/bahi_${VERSION}_${ARCH}"
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
  "$STAGE/usr/share/mime/packages" "$STAGE/usr/share/icons/hicolor/256x256/apps" \
  "$STAGE/usr/share/doc/bahi"
cp -a "$OUT/bahi" "$STAGE/opt/bahi"
ln -s /opt/bahi/bahi "$STAGE/usr/bin/bahi"  # the bootloader finds _internal/ via the real path
install -m 0644 installer/linux/bahi.desktop "$STAGE/usr/share/applications/bahi.desktop"
install -m 0644 installer/linux/bahi-mime.xml "$STAGE/usr/share/mime/packages/bahi.xml"
install -m 0644 resources/icons/bahi.png "$STAGE/usr/share/icons/hicolor/256x256/apps/bahi.png"
install -m 0644 installer/linux/copyright "$STAGE/usr/share/doc/bahi/copyright"
# Files as dpkg expects them: directories 755, files 644, programs and libraries 755.
find "$STAGE" -type d -exec chmod 0755 {} +
find "$STAGE/opt/bahi" -type f -exec chmod 0644 {} +
find "$STAGE/opt/bahi" -type f \( -name '*.so' -o -name '*.so.*' \) -exec chmod 0755 {} +
chmod 0755 "$STAGE/opt/bahi/bahi"

# Depends: what the bundle links from the system (ldd + dpkg -S), plus what it runs or loads
# by name: tesseract for OCR, and the libraries Qt's X11 and Wayland plugins open.
FOUND=$("$PYTHON" installer/linux/depends.py "$STAGE/opt/bahi")
NEEDED="tesseract-ocr, tesseract-ocr-eng, libegl1, libgl1, libfontconfig1, libxkbcommon0, \
libxkbcommon-x11-0, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-shape0, libdbus-1-3"
DEPENDS=$(printf '%s, %s\n' "$NEEDED" "$FOUND" | tr ',' '\n' | sed 's/^ *//; s/ *$//' |
  grep -v '^$' | awk '!seen[$1]++' | paste -sd, - | sed 's/,/, /g')
SIZE_KB=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@INSTALLED_SIZE@/$SIZE_KB/" \
  -e "s|@MAINTAINER@|${BAHI_MAINTAINER:-Bahi developers <bahi@example.invalid>}|" \
  -e "s/@DEPENDS@/$DEPENDS/" installer/linux/control.in > "$STAGE/DEBIAN/control"

DEB_FILE="$OUT/bahi_${VERSION}_${ARCH}.deb"
# zstd: xz had not finished after ten minutes on two busy cores, zstd takes 20 s to 90 s. Every
# dpkg that can run the bundle (glibc >= 2.35: Debian 12, Ubuntu 22.04 and later) reads zstd.
dpkg-deb --root-owner-group -Zzstd -z12 --build "$STAGE" "$DEB_FILE" >/dev/null
rm -rf "$STAGE"
done_at=$(date +%s)
echo "Package: $DEB_FILE ($(du -h "$DEB_FILE" | cut -f1), $((done_at - bundled)) s)"
echo "Build time: $((done_at - began)) s"
