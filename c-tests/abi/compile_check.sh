#!/usr/bin/env bash
# compile_check.sh COMPILER SOURCE [compiler flags...]
# Compiles SOURCE (syntax and semantics only) and fails on any diagnostic.
set -euo pipefail
cc=$1; src=$2; shift 2
echo "+ $cc -fsyntax-only -Wall -Wextra -Werror $* $src"
exec "$cc" -fsyntax-only -Wall -Wextra -Werror "$@" "$src"
