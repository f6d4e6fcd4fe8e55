#!/usr/bin/env bash
# compare_abi.sh REFERENCE_EXE OTHER_EXE [REFERENCE_EXE OTHER_EXE]...
# Runs each pair of programs; OTHER's output must equal REFERENCE's output.
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
while [ $# -ge 2 ]; do
    ref=$1 exe=$2
    shift 2
    rname=$(basename "$ref") name=$(basename "$exe")
    if ! "$ref" > "$tmp/ref.txt"; then
        echo "FAIL: $rname exited with an error"; status=1; continue
    fi
    if ! "$exe" > "$tmp/out.txt"; then
        echo "FAIL: $name exited with an error"; status=1; continue
    fi
    if diff -u --label "$rname" --label "$name" "$tmp/ref.txt" "$tmp/out.txt"; then
        echo "ok: $name matches $rname ($(wc -l < "$tmp/ref.txt") lines)"
    else
        echo "FAIL: $name differs from $rname (diff above)"
        status=1
    fi
done
exit $status
