#!/usr/bin/env bash
# Runs every test of smalltorch: the C++ core under GoogleTest (a release
# build and an AddressSanitizer + UndefinedBehaviorSanitizer build), then the
# Python API under pytest against the installed package.
# Installs what it needs: Python build/test tools from PyPI and, when absent,
# GoogleTest from Debian's libgtest-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
JOBS=${JOBS:-2}

echo "== installing test and build tools"
"$PY" -m pip install -q --disable-pip-version-check "scikit-build-core>=0.10" "pybind11>=2.13" numpy pytest hypothesis ninja cmake
if [ ! -f /usr/include/gtest/gtest.h ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq libgtest-dev
fi
command -v ccache >/dev/null 2>&1 || true

echo "== building and installing smalltorch (with the C++ tests)"
"$PY" -m pip install -q --disable-pip-version-check --no-build-isolation . \
  -Cbuild-dir=build/release -Ccmake.define.SMALLTORCH_BUILD_TESTS=ON

echo "== C++ tests (release)"
ctest --test-dir build/release --output-on-failure -j "$JOBS"

echo "== C++ tests (AddressSanitizer + UndefinedBehaviorSanitizer)"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSMALLTORCH_BUILD_PYTHON=OFF \
  -DSMALLTORCH_BUILD_TESTS=ON -DSMALLTORCH_SANITIZE=ON > /dev/null
cmake --build build/asan -j "$JOBS"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure -j "$JOBS"

echo "== Python tests"
# Run from tests/ so that `import smalltorch` finds the installed package, not the source tree.
cd tests && "$PY" -m pytest -q -p no:cacheprovider .
