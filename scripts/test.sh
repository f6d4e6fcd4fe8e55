#!/usr/bin/env bash
# The full test suite: what CI runs (.ci/run).  Runnable from any directory,
# on a fresh Debian 12 machine with rust/cargo, gcc and python3.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"

section "Prerequisites"
ensure_system_packages
ensure_rust_components
ensure_cbindgen
ensure_cargo_fuzz
# OTP 28 for the live C-node tests (c-tests/live); Debian's OTP is the other.
OTP28_BIN=$(ensure_otp28)

section "cargo fmt --check"
cargo fmt --all -- --check

section "cargo clippy --all-targets --all-features -- -D warnings"
cargo clippy --all-targets --all-features -- -D warnings

section "cargo test --release"
cargo test --release

section "CMake build (Release, with GMP) in ${BUILD_DIR#"$REPO_ROOT"/}"
CMAKE_EXTRA_ARGS="-DEI_RS_WITH_GMP=ON -DOTP28_BIN=$OTP28_BIN" cmake_build

# Includes the live C-node tests (label "live") against OTP 25 and OTP 28.
section "ctest"
(cd "$BUILD_DIR" && ctest --output-on-failure -j 2 -LE valgrind)

section "valgrind (ctest -L valgrind)"
if ! command -v valgrind >/dev/null 2>&1; then
    echo "error: valgrind not installed" >&2
    exit 1
fi
(cd "$BUILD_DIR" && ctest --output-on-failure -j 2 -L valgrind)

# The bindings load the libei.so the CMake build made, and run their live
# tests against OTP 25 and OTP 28.
section "Python binding (bindings/python)"
OTP_BIN=$OTP28_BIN bindings/python/run_tests.sh -q

section "Go binding (bindings/go)"
OTP_BIN=$OTP28_BIN bindings/go/run_tests.sh

if [ -f "$REPO_ROOT/scripts/fuzz.sh" ]; then
    section "fuzz (scripts/fuzz.sh)"
    bash "$REPO_ROOT/scripts/fuzz.sh"
fi

section "All tests passed"
