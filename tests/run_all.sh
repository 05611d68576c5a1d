#!/usr/bin/env bash
# Runs every test of smalltorch: the C++ core under GoogleTest (a release
# build and an AddressSanitizer + UndefinedBehaviorSanitizer build), the
# tensor-lifetime tests against a sanitized build of the extension, the Python
# API under pytest against the installed package, and the generic (plain C++
# loops) build under both ctest and pytest.
#
# Installs what it needs into the Python it runs with ($PYTHON, default python3):
# the build requirements, runtime dependencies and the `test` extra, read from
# pyproject.toml itself, and, when absent, GoogleTest from Debian's libgtest-dev.
# Nothing has to be installed beforehand besides Python, pip, g++, cmake and ninja.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
# The interpreter's absolute path: CMake must configure every build against this very Python.
PY=$("$PY" -c 'import sys; print(sys.executable)')
JOBS=${JOBS:-2}

echo "== installing build and test requirements (from pyproject.toml) into $PY"
mapfile -t REQS < <("$PY" tests/tools/pyproject_requirements.py build runtime extra:test)
"$PY" -m pip install -q --disable-pip-version-check "${REQS[@]}"
if [ ! -f /usr/include/gtest/gtest.h ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq libgtest-dev
fi

echo "== building and installing smalltorch (with the C++ tests)"
"$PY" -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps . \
  -Cbuild-dir=build/release -Ccmake.define.SMALLTORCH_BUILD_TESTS=ON \
  -Ccmake.define.Python_EXECUTABLE="$PY"

echo "== C++ tests (release)"
ctest --test-dir build/release --output-on-failure -j "$JOBS"

echo "== AddressSanitizer + UndefinedBehaviorSanitizer: C++ tests, and the Python lifetime tests against the sanitized extension"
PYTHON="$PY" JOBS="$JOBS" bash tests/tools/sanitizer_tests.sh

echo "== Python tests"
# Run from tests/ so that `import smalltorch` finds the installed package, not the source tree.
# -rs lists every skipped test with its reason (.ci/run fails on a skip that names PyTorch).
(cd tests && "$PY" -m pytest -q -rs -p no:cacheprovider "$@" .)

echo "== generic build (plain C++ loops, as off x86-64): C++ and Python tests"
GENERIC_SITE=build/generic-site
rm -rf "$GENERIC_SITE"
"$PY" -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps --target "$GENERIC_SITE" . \
  -Cbuild-dir=build/generic -Ccmake.define.SMALLTORCH_GENERIC=ON -Ccmake.define.SMALLTORCH_BUILD_TESTS=ON \
  -Ccmake.define.Python_EXECUTABLE="$PY"
# The extension finds OpenBLAS beside it (RPATH $ORIGIN/../scipy_openblas32/lib): link the installed wheel there.
ln -s "$("$PY" -c 'import os, scipy_openblas32; print(os.path.dirname(scipy_openblas32.__file__))')" \
  "$GENERIC_SITE/scipy_openblas32"
ctest --test-dir build/generic --output-on-failure -j "$JOBS"
GENERIC_SITE=$(cd "$GENERIC_SITE" && pwd)
(cd tests && PYTHONPATH="$GENERIC_SITE" "$PY" -c 'import smalltorch; assert smalltorch._C._isa() == "generic", smalltorch.__file__' \
  && PYTHONPATH="$GENERIC_SITE" "$PY" -m pytest -q -rs -p no:cacheprovider "$@" .)
