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

section "ASan/UBSan build of the C suite in build-asan"
# The C test programs under c-tests built with -fsanitize=address,undefined
# (EI_RS_SANITIZE).  The Rust library is not instrumented, but ASan checks
# what it copies through libc's memcpy/memmove/strlen..., and LeakSanitizer
# sees its allocations.
ASAN_BUILD_DIR="$REPO_ROOT/build-asan"
cmake -S "$REPO_ROOT" -B "$ASAN_BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
    -DEI_RS_WITH_GMP=ON -DEI_RS_SANITIZE=ON -DOTP28_BIN="$OTP28_BIN"
cmake --build "$ASAN_BUILD_DIR" -j "$(nproc 2>/dev/null || echo 2)"
# LeakSanitizer stops the process with ptrace at exit; where a sandbox
# forbids that, it cannot run at all.
asan_leaks=1
printf 'int main(void) { return 0; }\n' \
    | gcc -fsanitize=address -x c - -o "$ASAN_BUILD_DIR/lsan_probe"
if ! ASAN_OPTIONS=detect_leaks=1 "$ASAN_BUILD_DIR/lsan_probe" >/dev/null 2>&1; then
    echo "warning: LeakSanitizer does not work here; ASan runs without leak checks" >&2
    asan_leaks=0
fi
# diff_libei also runs print_encode_diff_otp, linked with OTP's libei, whose
# ei_print_term/ei_s_print_term never free what ei_decode_fun allocates.
printf 'leak:print_encode_diff_otp\n' > "$ASAN_BUILD_DIR/lsan.supp"
# Our library's tests: not the OTP-built variants (_otp, diff_libei_model),
# nor what is not instrumented (examples, install), nor valgrind (no mix).
(cd "$ASAN_BUILD_DIR" &&
    ASAN_OPTIONS="detect_leaks=$asan_leaks" \
    LSAN_OPTIONS="suppressions=$ASAN_BUILD_DIR/lsan.supp" \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --output-on-failure -j 2 -LE 'valgrind|examples|install' -E '_otp$|^diff_libei_model$')

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
