#!/usr/bin/env bash
# Driver of one rpc/global test (see c-tests/README.md):
#
#   run_rpc.sh BINARY TEST
#
# Starts its own epmd on a free loopback port and one Erlang node with a
# unique name and cookie (global runs there, as it does by default; ticks
# every second so that the C side sees some while it waits), runs
# `BINARY TEST NODE COOKIE`, stops what it started, and exits with the C
# program's status.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/live.sh
source "$here/../../scripts/live.sh"

if [ $# -ne 2 ]; then
    echo "usage: run_rpc.sh BINARY TEST" >&2
    exit 2
fi
bin=$1 test_name=$2
if [ ! -x "$bin" ]; then
    echo "FAIL: test binary $bin was not built" >&2
    exit 1
fi

trap live_stop EXIT
trap 'exit 130' INT TERM

otp_bin=$(live_default_bin)
live_start_epmd "$otp_bin" || { echo "FAIL: could not start epmd" >&2; exit 1; }

node="$(live_unique "rpc_${test_name}")@localhost"
cookie="cookie_$(live_unique "$test_name")_$RANDOM$RANDOM"
# net_ticktime 4: a tick every second.  The node halts itself after 120 s
# whatever happens.
live_start_node "$otp_bin" "$node" "$cookie" \
    -kernel logger_level warning -kernel net_ticktime 4 \
    -eval 'spawn(fun() -> timer:sleep(120000), halt(3) end)' \
    || { echo "FAIL: could not start the Erlang node" >&2; exit 1; }

timeout -k 5 90 "$bin" "$test_name" "$node" "$cookie" &
child=$!
LIVE_PIDS+=("$child")
wait "$child"
exit $?
