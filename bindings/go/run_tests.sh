#!/usr/bin/env bash
# Checks and tests the Go binding (bindings/go) against ei-rs's libei.
#
#   bindings/go/run_tests.sh [go test flags...]     e.g. -v, -run TestLiveRPC
#
# Needs `go` (Debian: golang-go) and Erlang (erl, epmd) on PATH; builds
# target/release/libei.so with `cargo build --release --features gmp` if it is
# missing. The live tests start their own epmd and Erlang node and stop them.
#
#   OTP_BIN=/path/to/otp/bin   also run the tests against that Erlang (the folder
#                              holding its erl and epmd)
#   EI_LIB_DIR=/path           use the libei.so in that folder instead
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

if ! command -v go >/dev/null 2>&1; then
    echo "error: go not found (Debian: apt-get install golang-go)" >&2
    exit 1
fi

LIB_DIR=${EI_LIB_DIR:-$REPO/target/release}
if [ ! -f "$LIB_DIR/libei.so" ]; then
    if [ -n "${EI_LIB_DIR:-}" ]; then
        echo "error: no libei.so in $LIB_DIR" >&2
        exit 1
    fi
    echo "building libei (cargo build --release --features gmp)"
    (cd "$REPO" && cargo build --release --features gmp)
fi

# Header and library of ei-rs; the rpath lets the test binary find libei.so.
export CGO_ENABLED=1
export CGO_CFLAGS="-I$REPO/include"
export CGO_LDFLAGS="-L$LIB_DIR -Wl,-rpath,$LIB_DIR"
export LD_LIBRARY_PATH="$LIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# The module has no dependencies: never download anything.
export GOFLAGS=-mod=mod
export GOPROXY=off
# Go's caches live under $HOME; use the build folder when it is not writable.
if [ -z "${HOME:-}" ] || [ ! -w "${HOME:-/nonexistent}" ]; then
    export GOCACHE=${GOCACHE:-$REPO/build/go/cache}
    export GOPATH=${GOPATH:-$REPO/build/go/path}
    mkdir -p "$GOCACHE" "$GOPATH"
fi

cd "$HERE"
echo "== $(go version); libei from $LIB_DIR"

unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
    echo "error: not gofmt-formatted:" >&2
    echo "$unformatted" >&2
    exit 1
fi
echo "== go vet"
go vet ./...

erl_path=$(command -v erl || true)
echo "== go test, Erlang from PATH (${erl_path:-none})"
env -u OTP_BIN go test -count=1 "$@" ./...

if [ -n "${OTP_BIN:-}" ]; then
    echo "== go test, Erlang from $OTP_BIN"
    OTP_BIN=$OTP_BIN go test -count=1 "$@" ./...
fi
