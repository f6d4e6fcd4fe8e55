#!/usr/bin/env bash
# header_up_to_date.sh REPO_ROOT
# Regenerates include/ei.h with cbindgen and fails if it differs from the
# committed header.  Exits 77 (ctest SKIP) only when cbindgen is not installed.
set -euo pipefail
root=$1
PATH="$PATH:${HOME:-/root}/.cargo/bin"
if ! command -v cbindgen >/dev/null 2>&1; then
    echo "cbindgen not found: skipping (scripts/test.sh installs it)"
    exit 77
fi
echo "using $(cbindgen --version)"
if [ ! -f "$root/cbindgen.toml" ]; then
    echo "FAIL: $root/cbindgen.toml not found"
    exit 1
fi
pinned=$(grep -Eo 'cbindgen[ =v]*[0-9]+\.[0-9]+\.[0-9]+' "$root/cbindgen.toml" | grep -Eo '[0-9]+\.[0-9]+\.[0-9]+' | head -n1 || true)
if [ -n "$pinned" ] && [ "$(cbindgen --version | awk '{print $2}')" != "$pinned" ]; then
    echo "warning: cbindgen.toml mentions cbindgen $pinned; output may differ"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
cbindgen --config cbindgen.toml --output "$tmp/ei.h" --quiet
if diff -u --label include/ei.h --label "cbindgen output" include/ei.h "$tmp/ei.h"; then
    echo "include/ei.h is up to date"
else
    echo "FAIL: include/ei.h is stale: run 'cbindgen --config cbindgen.toml --output include/ei.h'"
    exit 1
fi
