#!/usr/bin/env bash
# Builds smalltorch._C with AddressSanitizer + UndefinedBehaviorSanitizer
# (build dir build/asan-py, installed into a throwaway directory) and runs
# tests/test_lifetime.py against it. The interpreter is not instrumented, so
# the ASan runtime is preloaded; leak detection is off (CPython keeps objects
# alive until exit by design).
#   PYTHON=.venv/bin/python tests/tools/asan_python.sh
# RelWithDebInfo: no LTO and no stripping from pybind11 (readable reports);
# -O1 keeps the extra compile of the whole project cheap (ccache helps too).
set -euo pipefail
PYTHON=$("${PYTHON:-python3}" -c 'import sys; print(sys.executable)')  # absolute: the tests run from tests/
cd "$(dirname "$0")/../.."
target=$(mktemp -d)
trap 'rm -rf "$target"' EXIT
"$PYTHON" -m pip install -q --no-build-isolation --no-deps --target "$target" . \
  -Cbuild-dir=build/asan-py -Ccmake.build-type=RelWithDebInfo \
  -Ccmake.define.SMALLTORCH_SANITIZE=ON \
  -Ccmake.define.CMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -Ccmake.define.Python_EXECUTABLE="$PYTHON"
# libstdc++ is preloaded too: the interpreter does not link it, and ASan's
# __cxa_throw interceptor must find it at start-up or the first C++ exception aborts
preload="$(${CXX:-g++} -print-file-name=libasan.so):$(${CXX:-g++} -print-file-name=libstdc++.so)"
# the extension's RPATH expects scipy_openblas32 beside it, which --target lacks
blas=$("$PYTHON" -c 'import scipy_openblas32 as s; print(s.get_lib_dir())')
cd tests
LD_PRELOAD="$preload" LD_LIBRARY_PATH="$blas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 PYTHONPATH="$target" \
  "$PYTHON" -m pytest -q -p no:cacheprovider test_lifetime.py "$@"
