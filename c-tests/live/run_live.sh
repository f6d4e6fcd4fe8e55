#!/usr/bin/env bash
# Driver of one live test (see README.md):
#
#   run_live.sh --bin LIVE_BINARY --otp-bin OTP_BIN --beam-dir DIR \
#               [--longnames] [--ticktime SECONDS] [--no-node] [--valgrind V] TEST
#
# Starts its own epmd on a free loopback port and one Erlang node (unique
# name and cookie, ei_live_peer started, fixed distribution port), runs
# `LIVE_BINARY TEST` with LIVE_* describing the node, stops everything it
# started, and exits with the C program's status.  --no-node: no epmd and
# no node (the test brings its own peers).  --valgrind V: run the program
# under valgrind V (memcheck; any error or definite leak fails the test).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/live.sh
source "$here/../../scripts/live.sh"

bin="" otp_bin="" beam_dir="" longnames=0 ticktime="" no_node=0 valgrind=""
while [ $# -gt 0 ]; do
    case $1 in
        --bin) bin=$2; shift 2 ;;
        --otp-bin) otp_bin=$2; shift 2 ;;
        --beam-dir) beam_dir=$2; shift 2 ;;
        --longnames) longnames=1; shift ;;
        --ticktime) ticktime=$2; shift 2 ;;
        --no-node) no_node=1; shift ;;
        --valgrind) valgrind=$2; shift 2 ;;
        --) shift; break ;;
        -*) echo "run_live.sh: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
if [ $# -ne 1 ] || [ -z "$bin" ]; then
    echo "usage: run_live.sh --bin BINARY --otp-bin DIR --beam-dir DIR [options] TEST" >&2
    exit 2
fi
test_name=$1
if [ ! -x "$bin" ]; then
    echo "FAIL: test binary $bin was not built" >&2
    exit 1
fi

# Stops the node that live_start_node started last (a failed attempt).
live_stop_last_node() {
    local pid=${LIVE_PIDS[-1]}
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset 'LIVE_PIDS[-1]'
}

ready_dir=$(mktemp -d)
trap 'live_stop; rm -rf "$ready_dir"' EXIT
trap 'exit 130' INT TERM

# Short, unique, and valid as an Erlang node's alive name.
LIVE_UNIQUE="c$$r$RANDOM"
export LIVE_UNIQUE

if [ "$no_node" -eq 0 ]; then
    otp_bin=${otp_bin:-$(live_default_bin)}
    if [ -z "$beam_dir" ] || [ ! -f "$beam_dir/ei_live_peer.beam" ]; then
        echo "FAIL: ei_live_peer.beam not found in '$beam_dir'" >&2
        exit 1
    fi
    live_start_epmd "$otp_bin" || { echo "FAIL: could not start epmd" >&2; exit 1; }
    LIVE_EPMD_PID=${LIVE_PIDS[-1]}
    export LIVE_EPMD_PID

    if [ "$longnames" -eq 1 ]; then
        export LIVE_NAME_FLAG=-name LIVE_HOST=127.0.0.1
    else
        export LIVE_NAME_FLAG=-sname LIVE_HOST=localhost
    fi
    LIVE_NODE="e${LIVE_UNIQUE}@${LIVE_HOST}"
    LIVE_COOKIE="cookie_$(live_unique "$test_name")_$RANDOM$RANDOM"
    export LIVE_NODE LIVE_COOKIE
    extra=()
    [ -n "$ticktime" ] && extra+=(-kernel net_ticktime "$ticktime")
    # The distribution port is fixed (LIVE_NODE_PORT, for ei_connect_host_port);
    # another test may grab it between live_free_port and erl: retry.
    started=0
    for attempt in 1 2 3; do
        LIVE_NODE_PORT=$(live_free_port)
        export LIVE_NODE_PORT
        # The node halts itself after 170 s, whatever happens to this script.
        if live_start_node "$otp_bin" "$LIVE_NODE" "$LIVE_COOKIE" \
                -pa "$beam_dir" -kernel logger_level warning \
                -kernel inet_dist_listen_min "$LIVE_NODE_PORT" \
                        inet_dist_listen_max "$LIVE_NODE_PORT" \
                "${extra[@]}" \
                -ei_live_ready "$ready_dir/ready" -ei_live_max_life 170 \
                -s ei_live_peer start; then
            for _ in $(seq 100); do
                [ -f "$ready_dir/ready" ] && break
                sleep 0.1
            done
            if [ -f "$ready_dir/ready" ]; then
                started=1
                break
            fi
            echo "ei_live_peer did not start on $LIVE_NODE" >&2
        fi
        echo "attempt $attempt to start $LIVE_NODE failed" >&2
        live_stop_last_node
    done
    if [ "$started" -ne 1 ]; then
        echo "FAIL: could not start the Erlang node $LIVE_NODE" >&2
        exit 1
    fi
    echo "node $LIVE_NODE ($("$otp_bin/erl" -version 2>&1 | tr -d '\n')," \
         "epmd port $ERL_EPMD_PORT, dist port $LIVE_NODE_PORT)"
fi

# The C program has its own watchdogs; this is the last resort.
wrap=()
if [ -n "$valgrind" ]; then
    wrap=("$valgrind" --error-exitcode=99 --leak-check=full
          --errors-for-leak-kinds=definite --track-origins=yes -q)
fi
timeout -k 5 110 ${wrap[@]+"${wrap[@]}"} "$bin" "$test_name" &
child=$!
LIVE_PIDS+=("$child")
wait "$child"
status=$?
exit "$status"
