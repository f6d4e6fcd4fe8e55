#!/usr/bin/env bash
# The C node examples against live Erlang nodes.
#
#   cnode_demo.sh client CNODE_CLIENT EBIN_DIR
#       an Erlang node runs cnode_demo:start_echo/1; CNODE_CLIENT connects to it
#   cnode_demo.sh server CNODE_SERVER EBIN_DIR
#       CNODE_SERVER publishes itself; an Erlang node runs
#       cnode_demo:server_demo/1, which connects to it
#
# EBIN_DIR holds cnode_demo.beam (examples/cnode_demo.erl).  Each run starts
# its own epmd on a free loopback port, nodes with unique names and a random
# cookie (scripts/live.sh), and stops exactly what it started, so runs can go
# in parallel.  Exits 0 if the demo passed.
#
# Sourced (scripts/demo.sh does), it only defines functions:
#   cnode_demo_cookie                      a random cookie
#   cnode_demo_client EXE EBIN COOKIE      the client part; needs epmd running
#   cnode_demo_server EXE EBIN COOKIE      the server part; needs epmd running
#   cnode_demo_stop                        live_stop, plus removes temporary files
# (callers: live_start_epmd first, and `trap cnode_demo_stop EXIT`).

CNODE_DEMO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/live.sh
source "$CNODE_DEMO_DIR/../scripts/live.sh"

CNODE_DEMO_TMPDIRS=()

cnode_demo_cookie() {
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n'
}

# Drops a pid we already waited for from LIVE_PIDS (so live_stop leaves it alone).
cnode_demo_forget() {
    local pid keep=()
    for pid in "${LIVE_PIDS[@]}"; do
        [ "$pid" = "$1" ] || keep+=("$pid")
    done
    LIVE_PIDS=("${keep[@]}")
}

cnode_demo_stop() {
    live_stop
    if [ ${#CNODE_DEMO_TMPDIRS[@]} -gt 0 ]; then
        rm -rf "${CNODE_DEMO_TMPDIRS[@]}"
    fi
    CNODE_DEMO_TMPDIRS=()
}

# Shows a command the way a reader would type it (cookie hidden).
cnode_demo_show() {
    local arg out="+"
    for arg in "$@"; do
        [ "$arg" = "${CNODE_DEMO_COOKIE:-}" ] && arg='$COOKIE'
        case $arg in
            *\'*) out+=" \"$arg\"" ;;
            *[[:space:]\"\(\)]*) out+=" '$arg'" ;;
            *) out+=" $arg" ;;
        esac
    done
    echo "$out"
}

cnode_demo_client() {
    local exe=$1 ebin=$2 cookie=$3 bin node client dir node_pid
    bin=$(live_default_bin)
    node=$(live_unique demo)@localhost
    client=$(live_unique cclient)@localhost
    dir=$(mktemp -d)
    CNODE_DEMO_TMPDIRS+=("$dir")
    CNODE_DEMO_COOKIE=$cookie

    # (logger_level: no report about the SIGTERM that stops the node at the end)
    cnode_demo_show erl -sname "$node" -setcookie "$cookie" -noshell -pa "$ebin" \
        -kernel logger_level warning -eval "cnode_demo:start_echo(\"$dir/ready\")" '&'
    live_start_node "$bin" "$node" "$cookie" -pa "$ebin" -kernel logger_level warning \
        -eval "cnode_demo:start_echo(\"$dir/ready\")"
    node_pid=${LIVE_PIDS[-1]}
    # epmd knows the node before -eval has run: wait for the echo process.
    for _ in $(seq 200); do
        [ -s "$dir/ready" ] && break
        if ! kill -0 "$node_pid" 2>/dev/null; then
            echo "error: Erlang node $node exited before cnode_echo was up" >&2
            return 1
        fi
        sleep 0.1
    done
    if [ ! -s "$dir/ready" ]; then
        echo "error: Erlang node $node did not start cnode_echo within 20 s" >&2
        return 1
    fi
    echo "erlang: node $node is up, its echo process is registered as cnode_echo"

    cnode_demo_show "${exe##*/}" "$node" "$cookie" "$client"
    if ! "$exe" "$node" "$cookie" "$client"; then
        echo "error: C node client demo FAILED (${exe##*/})" >&2
        return 1
    fi
}

cnode_demo_server() {
    local exe=$1 ebin=$2 cookie=$3 bin server alive driver spid rc=0 src=0
    bin=$(live_default_bin)
    server=$(live_unique cserver)@localhost
    alive=${server%@*}
    driver=$(live_unique driver)@localhost
    CNODE_DEMO_COOKIE=$cookie

    cnode_demo_show "${exe##*/}" "$server" "$cookie" '&'
    "$exe" "$server" "$cookie" &
    spid=$!
    LIVE_PIDS+=("$spid")
    for _ in $(seq 100); do
        if "$bin/epmd" -port "$ERL_EPMD_PORT" -names 2>/dev/null | grep -q "^name $alive at"; then
            break
        fi
        if ! kill -0 "$spid" 2>/dev/null; then
            echo "error: C node server exited before it published $alive" >&2
            return 1
        fi
        sleep 0.1
    done
    if ! "$bin/epmd" -port "$ERL_EPMD_PORT" -names 2>/dev/null | grep -q "^name $alive at"; then
        echo "error: C node server did not publish $alive with epmd within 10 s" >&2
        return 1
    fi

    cnode_demo_show erl -sname "$driver" -setcookie "$cookie" -noshell -pa "$ebin" \
        -eval "cnode_demo:server_demo('$server')"
    "$bin/erl" -sname "$driver" -setcookie "$cookie" -start_epmd false -noshell -noinput \
        -pa "$ebin" -eval "cnode_demo:server_demo('$server')" || rc=$?

    # After a stop request the C node exits by itself.
    for _ in $(seq 100); do
        kill -0 "$spid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$spid" 2>/dev/null; then
        echo "error: C node server still running after the Erlang side finished" >&2
        kill "$spid" 2>/dev/null || true
        src=1
    fi
    wait "$spid" || src=$?
    cnode_demo_forget "$spid"
    if [ "$rc" -ne 0 ] || [ "$src" -ne 0 ]; then
        echo "error: C node server demo FAILED (Erlang side: exit $rc, ${exe##*/}: exit $src)" >&2
        return 1
    fi
    echo "C node server demo OK (${exe##*/} exited 0)"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    if [ $# -ne 3 ] || { [ "$1" != client ] && [ "$1" != server ]; }; then
        echo "usage: $0 client|server EXECUTABLE EBIN_DIR" >&2
        exit 2
    fi
    trap cnode_demo_stop EXIT
    live_start_epmd
    cookie=$(cnode_demo_cookie)
    echo "epmd: 127.0.0.1:$ERL_EPMD_PORT (ERL_EPMD_PORT); cookie: random, \$COOKIE below"
    "cnode_demo_$1" "$2" "$3" "$cookie"
fi
