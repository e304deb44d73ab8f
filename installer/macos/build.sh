#!/usr/bin/env bash
# The macOS app and disk image: dist/Bahi.app and dist/Bahi-VERSION.dmg.
# Runs on macOS only (.github/workflows/release.yml, macos-latest); it cannot run on Linux.
#   python3 -m pip install . "pyinstaller>=6.10,<7" && installer/macos/build.sh
# Tesseract is not bundled: brew install tesseract (the self-test names it when missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3}
VERSION=$("$PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')

"$PYTHON" -m PyInstaller --noconfirm --clean installer/bahi.spec   # dist/bahi and dist/Bahi.app
QT_QPA_PLATFORM=offscreen dist/Bahi.app/Contents/MacOS/bahi --self-test

# The disk image: the app and a link to /Applications to drag it onto.
STAGE=$(mktemp -d)
cp -R dist/Bahi.app "$STAGE/"
ln -s /Applications "$STAGE/Applications"
hdiutil create -volname "Bahi $VERSION" -srcfolder "$STAGE" -ov -format UDZO \
  "dist/Bahi-$VERSION.dmg"
rm -rf "$STAGE"
echo "dist/Bahi-$VERSION.dmg ($(du -h "dist/Bahi-$VERSION.dmg" | cut -f1))"
