#!/usr/bin/env bash
# Tests of the Python binding against a built libei.so.
#
#   bindings/python/run_tests.sh [LIBEI_SO] [pytest args...]
#
# LIBEI_SO (or $EI_RS_LIBRARY) defaults to the repository's
# target/release/libei.so; this script builds nothing (`cargo build --release`
# does). It makes a virtual environment (in $EI_RS_PY_VENV if set and kept
# there, else in a temporary folder removed afterwards), installs the binding
# and pytest into it, and runs the tests: with the Erlang of `erl` on PATH,
# then again with the one in $OTP_BIN (a folder holding erl, erlc and epmd)
# if that is set. Each run starts its own epmd and Erlang node and stops them.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

lib=${EI_RS_LIBRARY:-$repo/target/release/libei.so}
if [ $# -gt 0 ] && [[ $1 == *.so* ]]; then
    lib=$1
    shift
fi
if [ ! -f "$lib" ]; then
    echo "run_tests.sh: no library at $lib (build it: cargo build --release)" >&2
    exit 2
fi
lib=$(readlink -f "$lib")

if [ -n "${EI_RS_PY_VENV:-}" ]; then
    venv=$EI_RS_PY_VENV
else
    venv=$(mktemp -d "${TMPDIR:-/tmp}/ei_rs_py.XXXXXX")
    trap 'rm -rf "$venv"' EXIT
fi
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$here" pytest

# pytest runs from a folder outside the source tree, so that `import ei_rs`
# is the installed package.
run() {
    echo "== Python binding tests with Erlang from $1"
    (cd "$venv" && EI_RS_LIBRARY=$lib "$venv/bin/python" -m pytest -p no:cacheprovider \
        --rootdir "$here" "$here/tests" "${@:2}")
}

runs=0
if command -v erl >/dev/null 2>&1; then
    (unset OTP_BIN; run "$(dirname "$(readlink -f "$(command -v erl)")")" "$@")
    runs=$((runs + 1))
fi
if [ -n "${OTP_BIN:-}" ]; then
    if [ ! -x "$OTP_BIN/erl" ]; then
        echo "run_tests.sh: OTP_BIN=$OTP_BIN has no erl" >&2
        exit 2
    fi
    (export OTP_BIN; OTP_BIN=$(cd "$OTP_BIN" && pwd); run "$OTP_BIN" "$@")
    runs=$((runs + 1))
fi
if [ "$runs" -eq 0 ]; then
    echo "run_tests.sh: no Erlang: put erl on PATH or set OTP_BIN" >&2
    exit 2
fi
