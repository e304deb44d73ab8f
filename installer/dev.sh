#!/usr/bin/env bash
# Sets up everything Bahi needs on Debian/Ubuntu, then runs the app or the tests.
#   installer/dev.sh run    start Bahi on the demo company
#   installer/dev.sh test   the whole check: lint, types, import layers, tests
#   installer/dev.sh build  the frozen bundle and the .deb (installer/build.sh [--out DIR])
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the app and its tests use (see docs/development.md).
APT_PACKAGES=(python3 python3-venv python3-dev
  # Qt's runtime libraries (PySide6 wheels link them from the system)
  libegl1 libgl1 libfontconfig1 libxkbcommon0 libglib2.0-0 libdbus-1-3
  # llama-cpp-python ships as source only: a compiler to build its wheel once
  build-essential cmake
  # the sync service's tests start a real PostgreSQL server
  postgresql
  # reading scanned bills; Noto for the rupee sign and Devanagari
  tesseract-ocr tesseract-ocr-eng tesseract-ocr-hin poppler-utils fonts-noto-core
  # the installer test checks the .deb's menu entry
  desktop-file-utils)
LLAMA_VERSION=0.3.36  # keep in step with pyproject.toml

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_system_packages() {
  local missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing system packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

pick_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null &&
       "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return
    fi
  done
  echo "Bahi needs Python 3.11 or newer with the venv module." >&2; exit 1
}

install_llama() {
  # A portable CPU build (no -march=native), compiled once and kept in a wheel cache outside
  # the checkout, keyed by version, Python and machine: about 5 minutes on 2 cores.
  .venv/bin/python -c "import llama_cpp" 2>/dev/null && return
  local tag; tag=$(.venv/bin/python -c 'import sys; print("cp%d%d" % sys.version_info[:2])')
  local dir="${XDG_CACHE_HOME:-$HOME/.cache}/bahi/wheels/llama-$LLAMA_VERSION-$tag-$(uname -m)"
  if ! ls "$dir"/llama_cpp_python-*.whl >/dev/null 2>&1; then
    echo "Building llama-cpp-python $LLAMA_VERSION once (about 5 minutes)"
    mkdir -p "$dir"
    CMAKE_ARGS="-DGGML_NATIVE=OFF" .venv/bin/python -m pip wheel -q --no-deps -w "$dir" \
      "llama-cpp-python==$LLAMA_VERSION"
  fi
  .venv/bin/python -m pip install -q "$dir"/llama_cpp_python-*.whl
}

setup_venv() {
  local python; python=$(pick_python)
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  # Reinstall only when the dependency list changed.
  local stamp=.venv/.bahi-deps
  local want; want=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    install_llama
    .venv/bin/python -m pip install -q -e ".[dev]"
    echo "$want" > "$stamp"
  fi
}

run_app() {
  if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ -n "${QT_QPA_PLATFORM:-}" ]; then
    # Opens the demo company (built on first use; user owner, password demo-password).
    exec .venv/bin/bahi gui --demo
  fi
  # No screen (a server, an SSH session): show the demo company's books in the terminal.
  local demo="${BAHI_DEMO_DIR:-/tmp/bahi-demo-company}"
  export BAHI_PASSWORD="${BAHI_PASSWORD:-demo-password}"
  [ -d "$demo" ] || .venv/bin/bahi demo "$demo"
  echo "No screen found; the demo company's trial balance ($demo, user owner):"
  .venv/bin/bahi report trial-balance --company "$demo"
}

run_tests() {
  .venv/bin/ruff check app sync tests bench
  .venv/bin/ruff format --check app sync tests bench
  .venv/bin/mypy
  .venv/bin/lint-imports
  .venv/bin/pytest -q "$@"
}

take_screenshots() {
  # Every main screen of the demo company, built afresh in a scratch home, for the docs.
  local home
  home="$(mktemp -d)"
  rm -f docs/screenshots/*.png
  BAHI_HOME="$home" QT_QPA_PLATFORM=offscreen .venv/bin/bahi gui --screenshot docs/screenshots
  rm -rf "$home"
}

case "${1:-}" in
  run) install_system_packages; setup_venv; run_app ;;
  test) shift; install_system_packages; setup_venv; run_tests "$@" ;;
  screenshots) install_system_packages; setup_venv; take_screenshots ;;
  build) shift; install_system_packages; setup_venv; exec installer/build.sh "$@" ;;
  *) echo "usage: installer/dev.sh run|test [pytest args]|screenshots|build" >&2; exit 2 ;;
esac
