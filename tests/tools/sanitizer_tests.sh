#!/usr/bin/env bash
# One AddressSanitizer + UndefinedBehaviorSanitizer build (build/asan) serves two
# test runs: the C++ core's GoogleTest suite under ctest, then
# tests/test_lifetime.py against the sanitized extension smalltorch._C
# (installed into a throwaway directory). The interpreter is not instrumented,
# so the ASan runtime is preloaded for the Python run; leak detection is off
# there (CPython keeps objects alive until exit by design) and on for ctest.
#   PYTHON=.venv/bin/python tests/tools/sanitizer_tests.sh [pytest args]
# RelWithDebInfo: no LTO and no stripping from pybind11 (readable reports);
# -O1 keeps this extra compile of the whole project cheap (ccache helps too).
set -euo pipefail
PYTHON=$("${PYTHON:-python3}" -c 'import sys; print(sys.executable)')  # absolute: the tests run from tests/
JOBS=${JOBS:-2}
cd "$(dirname "$0")/../.."
target=$(mktemp -d)
trap 'rm -rf "$target"' EXIT
"$PYTHON" -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps --target "$target" . \
  -Cbuild-dir=build/asan -Ccmake.build-type=RelWithDebInfo \
  -Ccmake.define.SMALLTORCH_SANITIZE=ON -Ccmake.define.SMALLTORCH_BUILD_TESTS=ON \
  -Ccmake.define.CMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -Ccmake.define.Python_EXECUTABLE="$PYTHON"

echo "-- C++ tests under the sanitizers"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure -j "$JOBS"

echo "-- Python lifetime tests against the sanitized extension"
# libstdc++ is preloaded too: the interpreter does not link it, and ASan's
# __cxa_throw interceptor must find it at start-up or the first C++ exception aborts
preload="$(${CXX:-g++} -print-file-name=libasan.so):$(${CXX:-g++} -print-file-name=libstdc++.so)"
# the extension's RPATH expects scipy_openblas32 beside it, which --target lacks
blas=$("$PYTHON" -c 'import scipy_openblas32 as s; print(s.get_lib_dir())')
cd tests
LD_PRELOAD="$preload" LD_LIBRARY_PATH="$blas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 PYTHONPATH="$target" \
  "$PYTHON" -m pytest -q -p no:cacheprovider test_lifetime.py "$@"
