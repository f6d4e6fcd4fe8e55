#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ briefly, then replays the saved
# regression inputs. Fails if any target crashes. Runnable from any directory.
#
#   scripts/fuzz.sh                      # each target 15 s, on all cores
#   FUZZ_SECONDS=600 scripts/fuzz.sh     # each target 10 minutes
#   FUZZ_TARGETS="decode_term print" scripts/fuzz.sh
#   FUZZ_JOBS=1 scripts/fuzz.sh          # one target at a time (default: nproc)
#   FUZZ_SANITIZER=none scripts/fuzz.sh  # without AddressSanitizer
#
# Each run starts from a temporary copy of fuzz/seeds/<target>/, so the
# repository stays clean; crash inputs land in fuzz/artifacts/<target>/
# (git-ignored). To fuzz one target for longer and keep what it finds, run
# cargo-fuzz yourself on a working corpus (fuzz/corpus/ is git-ignored):
#
#   cd fuzz && mkdir -p corpus/decode_term && cp seeds/decode_term/* corpus/decode_term/
#   RUSTC_BOOTSTRAP=1 cargo fuzz run decode_term corpus/decode_term -- -max_total_time=3600
#
# (add `-jobs=N -workers=N` after `--` to use N processes). Minimise a crash
# with `RUSTC_BOOTSTRAP=1 cargo fuzz tmin <target> <crash file>` and save the
# result under fuzz/regressions/<target>/ so this script replays it forever.
#
# cargo-fuzz needs nightly-only compiler flags; RUSTC_BOOTSTRAP=1 lets the
# stable toolchain accept them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FUZZ="$ROOT/fuzz"
SECONDS_EACH="${FUZZ_SECONDS:-15}"
JOBS="${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}"
SANITIZER="${FUZZ_SANITIZER:-address}"
TARGETS="${FUZZ_TARGETS:-decode_term skip print format decoder_items c_decode handshake frames epmd}"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

start=$(date +%s)
cd "$FUZZ"
echo "fuzz.sh: building targets (sanitizer: $SANITIZER)"
cargo fuzz build --sanitizer "$SANITIZER"
triple="$(rustc -vV | sed -n 's/^host: //p')"
bindir="$FUZZ/target/$triple/release"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ei-fuzz.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

failed=()

# Replays the saved crash inputs of every target, once each.
for t in $TARGETS; do
    dir="$FUZZ/regressions/$t"
    [ -d "$dir" ] || continue
    files=()
    while IFS= read -r -d '' f; do files+=("$f"); done \
        < <(find "$dir" -type f ! -name 'README*' -print0 | sort -z)
    [ ${#files[@]} -gt 0 ] || continue
    echo "fuzz.sh: $t: replaying ${#files[@]} regression input(s)"
    if ! "$bindir/$t" -runs=1 "${files[@]}" >"$tmp/$t.regress.log" 2>&1; then
        tail -n 40 "$tmp/$t.regress.log" >&2
        failed+=("$t (regressions)")
    fi
done

# Fuzzes the targets, up to $JOBS at a time.
run() {
    local t="$1"
    mkdir -p "$tmp/corpus/$t" "$FUZZ/artifacts/$t"
    cp -R "$FUZZ/seeds/$t/." "$tmp/corpus/$t/"
    "$bindir/$t" "$tmp/corpus/$t" \
        -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$FUZZ/artifacts/$t/" -print_final_stats=1 \
        >"$tmp/$t.log" 2>&1
}

pids=()
names=()
for t in $TARGETS; do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 0.2; done
    echo "fuzz.sh: $t: fuzzing ${SECONDS_EACH}s"
    run "$t" &
    pids+=($!)
    names+=("$t")
done
for i in "${!pids[@]}"; do
    t="${names[$i]}"
    if wait "${pids[$i]}"; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$t.log")
        echo "fuzz.sh: $t: ok (${runs:-?} runs)"
    else
        echo "fuzz.sh: $t: CRASHED; log tail:" >&2
        grep -v '^#[0-9]' "$tmp/$t.log" | tail -n 40 >&2
        failed+=("$t")
    fi
done

echo "fuzz.sh: done in $(($(date +%s) - start))s"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz.sh: FAILED: ${failed[*]} (inputs in $FUZZ/artifacts/)" >&2
    exit 1
fi
