#!/usr/bin/env bash
# Builds ei-rs and runs the port demo: a real Erlang runtime (escript) opens
# examples/port_demo (C, linked against our libei.so) as a port, and the two
# exchange terms encoded with ei and term_to_binary.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"

section "Prerequisites"
ensure_system_packages
ensure_rust_components

section "Build (cargo + cmake)"
cmake_build port_demo

section "Port demo: Erlang <-> C (ei-rs)"
echo "+ escript examples/port_demo.escript ${BUILD_DIR#"$REPO_ROOT"/}/examples/port_demo"
escript "$REPO_ROOT/examples/port_demo.escript" "$BUILD_DIR/examples/port_demo"
