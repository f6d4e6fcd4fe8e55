# shellcheck shell=bash
# Shared helpers for scripts/test.sh and scripts/demo.sh (source, don't run).

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO_ROOT/build}
CBINDGEN_VERSION=0.29.4
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

section() {
    printf '\n\033[1m==== %s ====\033[0m\n' "$*"
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "error: need root (or sudo) to run: $*" >&2
        return 1
    fi
}

# OTP's erl_interface folder, as erl reports it.
otp_ei_dir() {
    erl -noshell -eval 'io:format("~s",[code:lib_dir(erl_interface)]),halt().' 2>/dev/null
}

# Debian packages: Erlang/OTP (with libei and its sources), cmake, valgrind,
# and the C/C++ toolchain.  apt is used only if something is missing.
ensure_system_packages() {
    local missing=() cmd dir
    for cmd in erl erlc escript cmake valgrind gcc g++ make; do
        command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
    done
    [ -f /usr/include/gmp.h ] || [ -f "/usr/include/$(gcc -dumpmachine 2>/dev/null)/gmp.h" ] \
        || missing+=(libgmp-dev)
    if command -v erl >/dev/null 2>&1; then
        dir=$(otp_ei_dir || true)
        if [ -z "$dir" ] || [ ! -f "$dir/include/ei.h" ] || [ ! -f "$dir/lib/libei.a" ]; then
            missing+=(erlang-dev)
        fi
        if [ -z "$dir" ] || [ ! -d "$dir/src" ]; then
            missing+=(erlang-src)
        fi
    fi
    if [ ${#missing[@]} -eq 0 ]; then
        echo "system packages: all present"
        return 0
    fi
    echo "missing: ${missing[*]}; installing with apt-get"
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        erlang-base erlang-dev erlang-src cmake valgrind gcc g++ make libgmp-dev
}

ensure_rust_components() {
    if ! command -v cargo >/dev/null 2>&1; then
        echo "error: cargo not found (install Rust with rustup)" >&2
        return 1
    fi
    if command -v rustup >/dev/null 2>&1; then
        if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
            rustup component add rustfmt clippy
        fi
    fi
}

ensure_cbindgen() {
    if [ "$(cbindgen --version 2>/dev/null)" != "cbindgen $CBINDGEN_VERSION" ]; then
        cargo install cbindgen --locked --version "$CBINDGEN_VERSION"
    fi
    cbindgen --version
}

ensure_cargo_fuzz() {
    if ! cargo fuzz --version >/dev/null 2>&1; then
        cargo install cargo-fuzz --locked
    fi
    cargo fuzz --version
}

# Configure and build (Release) in $BUILD_DIR; extra args are build targets.
cmake_build() {
    local jobs target_args=()
    jobs=$(nproc 2>/dev/null || echo 2)
    for t in "$@"; do target_args+=(--target "$t"); done
    cmake -S "$REPO_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release ${CMAKE_EXTRA_ARGS:-}
    cmake --build "$BUILD_DIR" -j "$jobs" "${target_args[@]}"
}
