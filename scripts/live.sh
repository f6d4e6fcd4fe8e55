# shellcheck shell=bash
# Live Erlang peers for tests and the demo (source, don't run).
#
#   live_start_epmd [OTP_BIN]          epmd on a free loopback port; exports ERL_EPMD_PORT
#   live_start_node OTP_BIN NAME COOKIE [erl args...]
#                                      a node `-sname NAME` (NAME like foo@localhost;
#                                      LIVE_NAME_FLAG=-name for foo@127.0.0.1), waits
#                                      until epmd knows it
#   live_stop                          stops exactly what these functions started
#
# OTP_BIN is the folder holding erl and epmd (default: the one of `erl` on PATH).
# Everything started is recorded in LIVE_PIDS; callers should `trap live_stop EXIT`.

LIVE_PIDS=()

live_default_bin() {
    dirname "$(readlink -f "$(command -v erl)")"
}

# A TCP port that was free on 127.0.0.1 a moment ago.
live_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# A name no other run uses.
live_unique() {
    printf '%s_%s_%s' "$1" "$$" "$RANDOM"
}

live_start_epmd() {
    local bin=${1:-$(live_default_bin)} port i
    for i in 1 2 3 4 5; do
        port=$(live_free_port)
        ERL_EPMD_ADDRESS=127.0.0.1 "$bin/epmd" -port "$port" -address 127.0.0.1 &
        LIVE_PIDS+=($!)
        export ERL_EPMD_PORT=$port
        for _ in $(seq 50); do
            if "$bin/epmd" -port "$port" -names >/dev/null 2>&1; then
                return 0
            fi
            kill -0 "${LIVE_PIDS[-1]}" 2>/dev/null || break
            sleep 0.1
        done
        kill "${LIVE_PIDS[-1]}" 2>/dev/null || true
        unset 'LIVE_PIDS[-1]'
        echo "epmd did not start on port $port (attempt $i)" >&2
    done
    return 1
}

live_start_node() {
    local bin=$1 name=$2 cookie=$3 alive
    shift 3
    "$bin/erl" "${LIVE_NAME_FLAG:--sname}" "$name" -setcookie "$cookie" -start_epmd false -noshell -noinput "$@" &
    LIVE_PIDS+=($!)
    alive=${name%@*}
    for _ in $(seq 100); do
        if "$bin/epmd" -port "$ERL_EPMD_PORT" -names 2>/dev/null | grep -q "^name $alive at"; then
            return 0
        fi
        kill -0 "${LIVE_PIDS[-1]}" 2>/dev/null || break
        sleep 0.1
    done
    echo "node $name did not register with epmd on port $ERL_EPMD_PORT" >&2
    return 1
}

live_stop() {
    local pid i
    for pid in "${LIVE_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    # A node shuts down gracefully on SIGTERM; one that is still at it
    # after 10 s (seen on a loaded machine) is killed.
    for pid in "${LIVE_PIDS[@]}"; do
        for i in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            [ "$i" -eq 100 ] && kill -KILL "$pid" 2>/dev/null
            sleep 0.1
        done
        wait "$pid" 2>/dev/null || true
    done
    LIVE_PIDS=()
}
