#!/usr/bin/env bash
# Soak test (not part of CI): a C node linked to our libei.so exchanges mixed
# traffic with an Erlang node for a set time (echoes of 16 B..256 KiB, one-way
# bursts both ways, ei_rpc calls, links and exits, connections accepted from
# the node, disconnects and reconnects from both sides, idle periods with
# ticks), and fails if the C process's resident memory, heap in use or open
# descriptor count grows.  See c-tests/stress/README.md for the operations and
# the exact criteria.
#
#   scripts/soak.sh [--minutes N] [--lib rs|otp] [--seed N] [--otp-bin DIR]
#
#   --minutes N   run time (default 10; at least 1)
#   --lib otp     the same program linked against OTP's libei (checks the soak
#                 program itself)
#   --seed N      the traffic's random seed (printed by every run)
#   --otp-bin DIR the Erlang/OTP bin folder for epmd and the node (default: erl
#                 on PATH)
#
# Builds the program in $BUILD_DIR (default: build/), configuring it first if
# needed; starts its own epmd on a free loopback port and its own node, and
# stops exactly those.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=scripts/live.sh
source "$REPO_ROOT/scripts/live.sh"

minutes=10 lib=rs seed="" otp_bin=""
while [ $# -gt 0 ]; do
    case $1 in
        --minutes) minutes=$2; shift 2 ;;
        --lib) lib=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        --otp-bin) otp_bin=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "soak.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
case $minutes in ''|*[!0-9]*) echo "soak.sh: --minutes takes a whole number" >&2; exit 2 ;; esac
if [ "$minutes" -lt 1 ]; then
    echo "soak.sh: --minutes must be at least 1" >&2
    exit 2
fi
case $lib in rs|otp) ;; *) echo "soak.sh: --lib rs or otp" >&2; exit 2 ;; esac
seconds=$((minutes * 60))

section "Build soak_$lib in ${BUILD_DIR#"$REPO_ROOT"/}"
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    cmake -S "$REPO_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release ${CMAKE_EXTRA_ARGS:-}
fi
cmake --build "$BUILD_DIR" -j "$(nproc 2>/dev/null || echo 2)" --target "soak_$lib" stress_beams
bin="$BUILD_DIR/c-tests/stress/soak_$lib"
beam_dir="$BUILD_DIR/c-tests/stress/beam"
if [ ! -x "$bin" ] || [ ! -f "$beam_dir/ei_soak_peer.beam" ]; then
    echo "error: $bin or $beam_dir/ei_soak_peer.beam missing after the build" >&2
    exit 1
fi

ready_dir=$(mktemp -d)
trap 'live_stop; rm -rf "$ready_dir"' EXIT
trap 'exit 130' INT TERM

section "Start epmd and an Erlang node"
otp_bin=${otp_bin:-$(live_default_bin)}
live_start_epmd "$otp_bin" || { echo "error: could not start epmd" >&2; exit 1; }
LIVE_UNIQUE="soak$$r$RANDOM"
LIVE_HOST=localhost
LIVE_NODE="e${LIVE_UNIQUE}@${LIVE_HOST}"
LIVE_COOKIE="cookie_$(live_unique soak)_$RANDOM$RANDOM"
export LIVE_UNIQUE LIVE_HOST LIVE_NODE LIVE_COOKIE
# net_ticktime 10: the soak's idle periods see ticks.  The node halts itself
# a while after the soak should have ended, whatever happens to this script.
live_start_node "$otp_bin" "$LIVE_NODE" "$LIVE_COOKIE" \
    -pa "$beam_dir" -kernel logger_level warning -kernel net_ticktime 10 \
    -ei_soak_ready "$ready_dir/ready" -ei_soak_max_life $((seconds + 300)) \
    -s ei_soak_peer start \
    || { echo "error: could not start the Erlang node" >&2; exit 1; }
for _ in $(seq 100); do
    [ -f "$ready_dir/ready" ] && break
    sleep 0.1
done
if [ ! -f "$ready_dir/ready" ]; then
    echo "error: ei_soak_peer did not start on $LIVE_NODE" >&2
    exit 1
fi
echo "node $LIVE_NODE ($("$otp_bin/erl" -version 2>&1 | tr -d '\n'), epmd port $ERL_EPMD_PORT)"

section "Soak for $minutes minute(s)"
args=(--seconds "$seconds")
[ -n "$seed" ] && args+=(--seed "$seed")
timeout -k 5 $((seconds + 240)) "$bin" "${args[@]}" &
child=$!
LIVE_PIDS+=("$child")
status=0
wait "$child" || status=$?
if [ "$status" -eq 0 ]; then
    section "Soak passed"
else
    section "Soak FAILED (status $status)"
fi
exit "$status"
