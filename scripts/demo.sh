#!/usr/bin/env bash
# Builds ei-rs and runs the demos, each against real Erlang:
#   1. port demo: an Erlang runtime (escript) opens examples/port_demo (C) as a
#      port; the two exchange terms encoded with ei and term_to_binary;
#   2. C node client: with its own epmd and Erlang node running,
#      examples/cnode_client connects to the node and exchanges messages with
#      an echo process (examples/cnode_demo.erl);
#   3. C node server: examples/cnode_server publishes itself with epmd; an
#      Erlang node pings it, calls it and stops it.
# The C programs are linked against our libei.so; EI_DEMO_LIB=otp runs the
# same programs linked against OTP's libei instead.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=examples/cnode_demo.sh
source "$REPO_ROOT/examples/cnode_demo.sh"
cd "$REPO_ROOT"

case ${EI_DEMO_LIB:-ei-rs} in
    ei-rs | ours) suffix="" lib="ei-rs" ;;
    otp) suffix="_otp" lib="OTP's libei" ;;
    *)
        echo "error: EI_DEMO_LIB must be unset (ei-rs) or 'otp', not '$EI_DEMO_LIB'" >&2
        exit 2
        ;;
esac
examples=$BUILD_DIR/examples
examples=${examples#"$REPO_ROOT"/} # shorter commands below (we run from $REPO_ROOT)

section "Prerequisites"
ensure_system_packages
ensure_rust_components

section "Build (cargo + cmake): the demos linked against $lib"
cmake_build "port_demo$suffix" "cnode_client$suffix" "cnode_server$suffix"

section "Port demo: Erlang <-> C ($lib)"
echo "+ escript examples/port_demo.escript $examples/port_demo$suffix"
escript examples/port_demo.escript "$examples/port_demo$suffix"

section "C nodes: our own epmd, a random cookie"
trap cnode_demo_stop EXIT
live_start_epmd
cookie=$(cnode_demo_cookie)
echo "epmd listening on 127.0.0.1:$ERL_EPMD_PORT (exported as ERL_EPMD_PORT, which erl and libei use)"
echo "cookie: random for this run, shown as \$COOKIE below"

section "C node client: C connects to an Erlang node ($lib)"
cnode_demo_client "$examples/cnode_client$suffix" "$examples" "$cookie"

section "C node server: an Erlang node connects to C ($lib)"
cnode_demo_server "$examples/cnode_server$suffix" "$examples" "$cookie"

section "Demo OK ($lib)"
