#!/usr/bin/env bash
# Benchmarks ei-rs against OTP's libei: bench/ei_bench.c built twice (OTP's
# ei.h + libei.a from erlang-dev, and include/ei.h + our libei.a, both
# linked statically, -O2), run alternately against one Erlang node, plus
# callgrind instruction counts and the machine's own limits.  See
# bench/README.md.
#
#   scripts/bench.sh [--quick] [--rounds N] [--time SEC] [--cpus C[,N]]
#                    [--nice N] [--gc-sections] [--no-callgrind] [--out DIR]
#
#   --quick         3 rounds of 0.2 s, fewer callgrind operations (~2 min)
#   --rounds N      rounds of OTP-then-ours runs (default 7)
#   --time SEC      seconds per measurement (default 0.5)
#   --cpus C[,N]    CPU for the C programs and CPU for epmd and the Erlang
#                   node (default 1: all on CPU 1; "0,1" splits them)
#   --nice N        run epmd, the node and the C programs at nice value N
#                   (default -10 as root, else 0: steadier figures on a
#                   busy machine)
#   --gc-sections   link both builds with -Wl,--gc-sections (drops the
#                   unused code of a Rust static library)
#   --no-callgrind  skip the callgrind counts
#   --out DIR       build and results folder (default build-bench)
#
# Environment: EI_BENCH_TARGET_DIR, the cargo target folder for our
# libei.a (default DIR/target, so that builds of other features in
# target/ cannot change what is measured).
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=scripts/live.sh
source "$REPO_ROOT/scripts/live.sh"
cd "$REPO_ROOT"

rounds=7 tsec=0.5 cpus=1 callgrind=1 out=$REPO_ROOT/build-bench quick=0 nice=0 ldextra=()
[ "$(id -u)" = 0 ] && nice=-10
while [ $# -gt 0 ]; do
    case $1 in
        --quick) quick=1 rounds=3 tsec=0.2 ;;
        --rounds) rounds=$2; shift ;;
        --time) tsec=$2; shift ;;
        --cpus) cpus=$2; shift ;;
        --nice) nice=$2; shift ;;
        --gc-sections) ldextra=(-Wl,--gc-sections) ;;
        --no-callgrind) callgrind=0 ;;
        --out) out=$2; shift ;;
        -h | --help) sed -n '2,26p' "$0"; exit 0 ;;
        *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done
c_cpu=${cpus%%,*}
node_cpu=${cpus#*,}
mkdir -p "$out"
out=$(cd "$out" && pwd)

section "Build"
for cmd in erl erlc cc cargo valgrind python3 taskset; do
    command -v "$cmd" >/dev/null 2>&1 || { echo "error: $cmd not found" >&2; exit 1; }
done
otp_ei=$(otp_ei_dir)
[ -f "$otp_ei/lib/libei.a" ] || { echo "error: OTP's libei.a not found (install erlang-dev)" >&2; exit 1; }
[ -f /usr/include/valgrind/callgrind.h ] || { echo "error: valgrind/callgrind.h not found (install valgrind)" >&2; exit 1; }
target_dir=${EI_BENCH_TARGET_DIR:-$out/target}
cargo build --release -j 2 --target-dir "$target_dir"
# The libei.a we ship: cargo's staticlib pre-linked (see scripts/prelink-static.sh).
scripts/prelink-static.sh "$target_dir/release"
wrap=-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free,--wrap=posix_memalign,--wrap=aligned_alloc
cflags=(-O2 -g -std=gnu11 -Wall -Wextra -Werror -D_REENTRANT)
cc "${cflags[@]}" -I"$otp_ei/include" bench/ei_bench.c "$otp_ei/lib/libei.a" "$wrap" \
    ${ldextra[@]+"${ldextra[@]}"} -lpthread -lm -o "$out/ei_bench_otp"
cc "${cflags[@]}" -Iinclude bench/ei_bench.c "$target_dir/release/prelinked/libei.a" "$wrap" \
    ${ldextra[@]+"${ldextra[@]}"} -lutil -lrt -lpthread -lm -ldl -o "$out/ei_bench_ours"
erlc -Wall -Werror -o "$out" bench/ei_bench_node.erl
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain -- src include Cargo.toml Cargo.lock build.rs csrc 2>/dev/null | wc -l)
echo "ours: $rev$( [ "$dirty" -gt 0 ] && echo " + $dirty changed file(s) in src/include/...")"
echo "OTP:  $otp_ei ($(erl -noshell -eval 'io:format("~s",[erlang:system_info(otp_release)]),halt().'))"

section "Erlang node (+S 1), pinned to CPU $node_cpu; C programs on CPU $c_cpu"
trap live_stop EXIT
if [ "$nice" != 0 ]; then
    renice -n "$nice" -p $$ >/dev/null
    echo "nice value $nice"
fi
taskset -p -c "$node_cpu" $$ >/dev/null
live_start_epmd
cookie=bench_$RANDOM$RANDOM$RANDOM
name=$(live_unique ei_bench)@localhost
rm -f "$out/node.ready"
live_start_node "$(live_default_bin)" "$name" "$cookie" \
    +S 1:1 +SDcpu 1:1 +SDio 1 +sbwt none +sbwtdcpu none +sbwtdio none \
    -pa "$out" -eval "ei_bench_node:start(\"$out/node.ready\")"
for _ in $(seq 100); do [ -s "$out/node.ready" ] && break; sleep 0.1; done
[ -s "$out/node.ready" ] || { echo "error: the node did not start its processes" >&2; exit 1; }
taskset -p -c "$c_cpu" $$ >/dev/null
echo "node $name, epmd on port $ERL_EPMD_PORT"

stamp=$(date +%Y%m%d-%H%M%S)
results=$out/results-$stamp.txt
: >"$results"
run() { # ROUND VARIANT CMD ARGS...
    local r=$1 v=$2 bin
    shift 2
    if [ "$v" = machine ]; then bin=$out/ei_bench_otp; else bin=$out/ei_bench_$v; fi
    if ! timeout 300 "$bin" "$@" -t "$tsec" >"$out/last.txt" 2>&1; then
        cat "$out/last.txt" >&2
        echo "error: $v $* failed" >&2
        exit 1
    fi
    grep '^metric ' "$out/last.txt" | sed "s/^/$r $v /" >>"$results"
    grep '^info .*fail' "$out/last.txt" | sed "s/^/round $r $v: /" >&2 || true
}

section "Timed runs: $rounds rounds of $tsec s per measurement, OTP then ours"
started=$(date +%s)
for r in $(seq "$rounds"); do
    run "$r" machine machine
    for w in codec rt stream accept connect; do
        for v in otp ours; do
            if [ "$w" = codec ]; then run "$r" "$v" codec; else run "$r" "$v" "$w" -N "$name" -C "$cookie"; fi
        done
    done
    echo "round $r/$rounds done ($(($(date +%s) - started)) s)"
done

if [ "$callgrind" = 1 ]; then
    section "callgrind: instructions per operation"
    cgdir=$out/callgrind
    rm -rf "$cgdir"
    mkdir -p "$cgdir"
    if [ "$quick" = 1 ]; then n_codec=20 n_msg=200 n_conn=5; else n_codec=100 n_msg=1000 n_conn=20; fi
    for v in otp ours; do
        for w in codec rt stream accept connect; do
            case $w in
                codec) args=(-n "$n_codec") ;;
                connect) args=(-n "$n_conn" -N "$name" -C "$cookie") ;;
                *) args=(-n "$n_msg" -N "$name" -C "$cookie") ;;
            esac
            if ! timeout 600 valgrind --tool=callgrind --dump-instr=no --compress-strings=no \
                --callgrind-out-file="$cgdir/$v.$w.out" \
                "$out/ei_bench_$v" "$w" "${args[@]}" >"$cgdir/$v.$w.log" 2>&1; then
                cat "$cgdir/$v.$w.log" >&2
                echo "error: callgrind $v $w failed" >&2
                exit 1
            fi
        done
        python3 bench/report.py cg "$cgdir/$v".*.out.* | sed "s/^/- $v /" >>"$results"
        # Where the instructions go, per operation (self, then inclusive).
        for f in "$cgdir/$v".*.out.*; do
            what=$(sed -n 's/^desc: Trigger: Client Request: \(.*\):[0-9]*$/\1/p' "$f")
            if [ -n "$what" ]; then
                python3 bench/report.py profile "$f" 40 >"$cgdir/$v.$what.profile.txt"
            fi
        done
    done
    echo "callgrind profiles: $cgdir/{otp,ours}.*.profile.txt (callgrind_annotate works on the .out.N files too)"
fi

section "Results ($results)"
python3 bench/report.py table "$results" --brief
python3 bench/report.py table "$results" >"$out/report-$stamp.txt"
python3 bench/report.py table "$results" --markdown >"$out/report-$stamp.md"
echo
echo "full tables (with the secondary timings and the RSS split): $out/report-$stamp.{txt,md}"
echo "total $(($(date +%s) - started)) s"
