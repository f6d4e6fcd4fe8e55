#!/usr/bin/env bash
# erl_call, OTP's installed binary against a build of the same erl_call.c
# (see README.md):
#
#   run_erl_call.sh --ref OTP_ERL_CALL --bin ERL_CALL --lib otp|rs --otp-bin DIR [--keep]
#
# Starts its own epmd on a free loopback port, then runs every case below in
# two passes: with --ref (OTP's erl_call, the reference) and with --bin (the
# build under test; --lib says which libei it is linked with).  Each pass gets
# fresh target nodes of the release in DIR, with the same names: a short-name
# node and a long-name node.  For every case, stdout, stderr and the exit status
# must be the same in both passes, after the normalisations the case lists
# (values that differ from run to run whatever the library).  Cases marked
# `known` are the documented differences of ei-rs (KNOWN_DIFFERENCES.md): there
# the reference must print libei's form and an ei-rs build the correct one.
# A few cases also check the reference's own output, so that a broken setup
# cannot pass by failing the same way twice.
#
# Nodes that erl_call -s starts are halted by the cases (erl_call -q).  On any
# failure or interruption the exit trap halts every node still registered with
# our epmd (erl_call -q), then kills by pid those that remain; as a last resort
# they halt themselves after 200 s.  Exit status: 0 when every case matches,
# 1 otherwise.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/live.sh
source "$here/../../scripts/live.sh"

usage() {
    echo "usage: run_erl_call.sh --ref OTP_ERL_CALL --bin ERL_CALL --lib otp|rs --otp-bin DIR [--keep]" >&2
    exit 2
}
REF= BIN= LIB= OTP_BIN= KEEP=0
while [ $# -gt 0 ]; do
    case $1 in
        --ref) REF=$2; shift 2 ;;
        --bin) BIN=$2; shift 2 ;;
        --lib) LIB=$2; shift 2 ;;
        --otp-bin) OTP_BIN=$2; shift 2 ;;
        --keep) KEEP=1; shift ;;
        *) usage ;;
    esac
done
[ -n "$REF" ] && [ -n "$BIN" ] && [ -n "$OTP_BIN" ] || usage
case $LIB in otp|rs) ;; *) usage ;; esac
# The cases run in a directory of their own.
REF=$(readlink -f "$REF") BIN=$(readlink -f "$BIN") OTP_BIN=$(readlink -f "$OTP_BIN")
for b in "$REF" "$BIN" "$OTP_BIN/erl" "$OTP_BIN/epmd"; do
    if [ ! -x "$b" ]; then
        echo "FAIL: $b is missing" >&2
        exit 1
    fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/erl_call_test.XXXXXX")
FAILS=0
OUR_EPMD=0          # 1 once our epmd runs (ERL_EPMD_PORT is then ours)
STARTED=()          # "pid alive" of the nodes erl_call -s started

fail() {
    echo "FAIL: $*"
    FAILS=$((FAILS + 1))
}

# Alive names registered with our epmd.
epmd_names() {
    "$OTP_BIN/epmd" -port "$ERL_EPMD_PORT" -names 2>/dev/null |
        awk '$1 == "name" { print $2 }' | sort
}

dist_port() {
    "$OTP_BIN/epmd" -port "$ERL_EPMD_PORT" -names 2>/dev/null |
        awk -v n="$1" '$1 == "name" && $2 == n { print $5 }'
}

registered() {
    epmd_names | grep -qx "$1"
}

# Kills a node that erl_call -s started, if that pid still runs a node of
# that name (the pid is not ours to reap).
kill_started() {
    local pid=$1 alive=$2 i
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "name $alive " || return 0
    kill "$pid" 2>/dev/null
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
}

halt_started() {
    local entry
    for entry in "${STARTED[@]}"; do
        # shellcheck disable=SC2086
        kill_started $entry
    done
    STARTED=()
}

# Halts, with OTP's erl_call -q, every node registered with our epmd other
# than the targets (live_stop stops those): nodes that erl_call -s started,
# including one whose start was under way when the run was interrupted.
halt_registered() {
    local alive i
    [ "$OUR_EPMD" -eq 1 ] || return 0
    for alive in $(epmd_names); do
        case $alive in "${TGT_ALIVE:-}"|"${LTGT_ALIVE:-}") continue ;; esac
        env "${ERL_CALL_ENV[@]}" timeout -k 2 10 "$REF" -q -sname "$alive" -c "$COOKIE" \
            </dev/null >/dev/null 2>&1
        for i in $(seq 20); do registered "$alive" || continue 2; sleep 0.1; done
        env "${ERL_CALL_ENV[@]}" timeout -k 2 10 "$REF" -q -name "$alive@127.0.0.1" -c "$COOKIE" \
            </dev/null >/dev/null 2>&1
        for i in $(seq 20); do registered "$alive" || continue 2; sleep 0.1; done
    done
}

cleanup() {
    local rc=$?
    halt_registered
    halt_started
    live_stop
    if [ "$rc" -ne 0 ] && [ -s "$work/nodes.log" ]; then
        echo "--- output of the target nodes (last 60 lines)"
        tail -n 60 "$work/nodes.log"
    fi
    if [ "$KEEP" -eq 1 ]; then
        echo "kept $work (ref/ and bin/: NAME.cmd, .out, .err, .rc of each case)"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the environment --------------------------------------------------------
# erl_call -s runs `erl` from PATH; -c absent means $HOME/.erlang.cookie; -d
# writes $HOME/.erl_start.out.<alive>; -m makes the node write Mod.erl and
# Mod.beam in its working directory.  All of these live in $work.
export PATH="$OTP_BIN:$PATH"
export HOME="$work/home"
mkdir -p "$HOME" "$work/cwd" "$work/ref" "$work/bin"
cd "$work/cwd" || exit 1
COOKIE="ec_cookie_$$_$RANDOM$RANDOM"
printf '%s' "$COOKIE" >"$HOME/.erlang.cookie"
chmod 400 "$HOME/.erlang.cookie"

# Given to erl_call only, hence to the nodes it starts: they must use our epmd
# and never start one of their own, and they halt themselves after 200 s
# whatever happens.  The domain lets `erl -name alive` (what erl_call -s runs
# for -name) start on a host whose name has no dots.
printf '{domain, "erlcall.test"}.\n' >"$work/inetrc"
ERL_CALL_ENV=(
    "ERL_FLAGS=-start_epmd false -eval spawn(fun()->timer:sleep(200000),halt(3)end)"
    "ERL_INETRC=$work/inetrc")

live_start_epmd "$OTP_BIN" || { echo "FAIL: could not start epmd" >&2; exit 1; }
OUR_EPMD=1

TGT_ALIVE=ectgt TGT=ectgt@localhost          # -sname target
LTGT_ALIVE=eclong LTGT=eclong@127.0.0.1      # -name target
TARGET_PIDS=()

start_targets() {
    live_start_node "$OTP_BIN" "$TGT" "$COOKIE" -kernel logger_level warning \
        -eval 'spawn(fun() -> timer:sleep(280000), halt(3) end)' >>"$work/nodes.log" 2>&1 &&
        TARGET_PIDS+=("${LIVE_PIDS[-1]}") &&
        LIVE_NAME_FLAG=-name live_start_node "$OTP_BIN" "$LTGT" "$COOKIE" \
            -kernel logger_level warning \
            -eval 'spawn(fun() -> timer:sleep(280000), halt(3) end)' >>"$work/nodes.log" 2>&1 &&
        TARGET_PIDS+=("${LIVE_PIDS[-1]}") || {
        echo "FAIL: could not start the target nodes" >&2
        exit 1
    }
    P=$(dist_port "$TGT_ALIVE")
    LP=$(dist_port "$LTGT_ALIVE")
}

stop_targets() {
    local pid i keep=() p
    for pid in "${TARGET_PIDS[@]}"; do
        kill "$pid" 2>/dev/null
        for i in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            [ "$i" -eq 100 ] && kill -KILL "$pid" 2>/dev/null
            sleep 0.1
        done
        wait "$pid" 2>/dev/null
    done
    for p in "${LIVE_PIDS[@]}"; do
        case " ${TARGET_PIDS[*]} " in *" $p "*) ;; *) keep+=("$p") ;; esac
    done
    LIVE_PIDS=("${keep[@]}")
    TARGET_PIDS=()
    for i in $(seq 100); do
        registered "$TGT_ALIVE" || registered "$LTGT_ALIVE" || return 0
        sleep 0.1
    done
    echo "FAIL: the target nodes are still registered with epmd" >&2
    exit 1
}

# ---- running one case -------------------------------------------------------
PASS=      # ref or bin
CUR=       # the erl_call of this pass
CASES=()   # case names, in order (first pass)
declare -A KNOWN_LIBEI KNOWN_RS

# ec NAME [--in TEXT|--in-raw TEXT] [--norm SED]... [--rc N] [--out ERE] [--tmo S] -- ARGS...
#   Runs erl_call ARGS (argv[0] "erl_call"; stdin TEXT and a newline, as the
#   shell's <<< gives, or TEXT alone, or nothing) and stores
#   its stdout, stderr and exit status.  --norm: a sed -E expression applied
#   to stdout and stderr.  --rc/--out: what the output must be in every pass.
ec() {
    local name=$1 input= has_in=0 in_fmt='%s\n' rc_want= out_want= tmo=30 norm=() d
    shift
    while [ "$1" != "--" ]; do
        case $1 in
            --in) input=$2; has_in=1; shift 2 ;;
            --in-raw) input=$2; has_in=1; in_fmt='%s'; shift 2 ;;
            --norm) norm+=(-e "$2"); shift 2 ;;
            --rc) rc_want=$2; shift 2 ;;
            --out) out_want=$2; shift 2 ;;
            --tmo) tmo=$2; shift 2 ;;
            *) echo "ec: bad option $1" >&2; exit 2 ;;
        esac
    done
    shift
    d="$work/$PASS"
    if [ "$PASS" = ref ]; then
        if [ -e "$d/$name.rc" ]; then
            echo "ec: case $name defined twice" >&2
            exit 2
        fi
        CASES+=("$name")
    fi
    printf '%q ' erl_call "$@" >"$d/$name.cmd"
    # The group's stderr silences bash's own report of a signal ("Alarm
    # clock" after -timeout); erl_call's stderr goes to the file.
    {
        if [ "$has_in" -eq 1 ]; then
            # shellcheck disable=SC2059
            printf "$in_fmt" "$input" |
                env "${ERL_CALL_ENV[@]}" timeout -k 5 "$tmo" \
                    bash -c 'exec -a erl_call "$0" "$@"' "$CUR" "$@" >"$d/$name.out" 2>"$d/$name.err"
        else
            env "${ERL_CALL_ENV[@]}" timeout -k 5 "$tmo" \
                bash -c 'exec -a erl_call "$0" "$@"' "$CUR" "$@" </dev/null >"$d/$name.out" 2>"$d/$name.err"
        fi
    } 2>/dev/null
    echo $? >"$d/$name.rc"
    if [ ${#norm[@]} -gt 0 ]; then
        sed -E -i "${norm[@]}" "$d/$name.out" "$d/$name.err"
    fi
    if [ -n "$rc_want" ] && [ "$(cat "$d/$name.rc")" != "$rc_want" ]; then
        fail "$name ($PASS): exit status $(cat "$d/$name.rc"), expected $rc_want"
    fi
    if [ -n "$out_want" ] && ! [[ $(cat "$d/$name.out") =~ $out_want ]]; then
        fail "$name ($PASS): stdout '$(head -c 300 "$d/$name.out")' does not match /$out_want/"
    fi
}

# known NAME LIBEI_STDOUT RS_STDOUT [ec options] -- ARGS...
#   A case that shows one of the documented differences: libei's erl_call
#   prints LIBEI_STDOUT, an ei-rs build RS_STDOUT; stderr and exit status
#   must still be equal.
known() {
    local name=$1
    KNOWN_LIBEI[$name]=$2
    KNOWN_RS[$name]=$3
    shift 3
    ec "$name" "$@"
}

# ecfile NAME PATH [--norm SED]...: a file erl_call wrote, compared as stdout.
ecfile() {
    local name=$1 path=$2 norm=() d="$work/$PASS"
    shift 2
    while [ $# -gt 0 ]; do norm+=(-e "$2"); shift 2; done
    [ "$PASS" = ref ] && CASES+=("$name")
    echo "(file $path)" >"$d/$name.cmd"
    : >"$d/$name.err"
    if [ -f "$path" ]; then
        cp "$path" "$d/$name.out"
        echo 0 >"$d/$name.rc"
        [ ${#norm[@]} -gt 0 ] && sed -E -i "${norm[@]}" "$d/$name.out"
    else
        : >"$d/$name.out"
        echo "no such file" >"$d/$name.rc"
    fi
}

# track FLAG NAME: remembers the OS pid of a node erl_call -s started.
track() {
    local alive=${2%@*} pid
    registered "$alive" || return 0
    pid=$(env "${ERL_CALL_ENV[@]}" timeout -k 5 20 "$REF" "$1" "$2" -c "$COOKIE" \
              -a 'os getpid' </dev/null 2>/dev/null | tr -dc 0-9)
    [ -n "$pid" ] && STARTED+=("$pid $alive")
}

# gone NAME: the node erl_call -q halted must leave epmd within 15 s.
gone() {
    local i entry keep=()
    for i in $(seq 150); do
        registered "$1" || break
        sleep 0.1
    done
    if registered "$1"; then
        fail "node $1 still registered 15 s after erl_call -q ($PASS pass)"
        halt_started
        return
    fi
    for entry in "${STARTED[@]}"; do
        [ "${entry#* }" = "$1" ] || keep+=("$entry")
    done
    STARTED=("${keep[@]}")
}

# ---- the cases --------------------------------------------------------------
# Run once per pass, in order, against fresh target nodes.  $P and $LP are the
# distribution ports of this pass's targets.
REF_NORM='s/#Ref<[-0-9.]+>/#Ref<REF>/g'
PID_NORM='s/<ectgt@localhost\.[0-9]+\.[0-9]+>/<PID>/g'
# erl_call -v/-d show erl_call's reply port and pid in the command they run.
START_NORM='s/(-s erl_reply reply [0-9.]+) [0-9]+ [0-9]+ /\1 PORT PID /'
# Waits until the node sees no other hidden node (an earlier erl_call's
# connection may still be closing), then gives the name it sees for this one.
HIDDEN_EXPR='Wait = fun Loop(0) -> nodes(hidden);
                       Loop(N) -> case nodes(hidden) of [Me] -> Me;
                                                        _ -> timer:sleep(20), Loop(N - 1) end end,
Wait(250).'
MOD_ECM='-module(ecm).
-export([start/0, f/1]).
start() -> {started, ?MODULE}.
f(X) -> X * 2.
'
MOD_ECM2='-module(ecm2).
-export([start/0]).
start() -> hi.
'
PRINTER_EXPR=$(cat <<'EOF'
{1.0e300, -0.0, 1.0e-300, 123456789.125, [a|b], {}, [], "", <<>>, <<1:3>>,
 'Q', 'a b', [[]], "tab\there", fun lists:reverse/1, 1 bsl 2000, -(1 bsl 64),
 erlang:make_tuple(300, x), lists:seq(1, 300), #{k => [1.5, "v"]}, self(), make_ref()}.
EOF
)
LARGE_EXPR="lists:sum([$(seq -s, 1 20000)])."

cases() {
    local T=$TGT L=$LTGT C=$COOKIE

    # -a Mod Fun Args: the arguments are parsed by ei_x_format_wo_ver, the
    # result printed by ei_print_term.
    ec apply_node --rc 0 --out "^$T\$" -- -sname "$T" -c "$C" -a 'erlang node'
    ec apply_alive_only --rc 0 --out "^$T\$" -- -sname "$TGT_ALIVE" -c "$C" -a 'erlang node'
    ec apply_reverse --rc 0 --out '^"\\x3\\x2\\x1"$' -- -sname "$T" -c "$C" -a 'lists reverse [[1,2,3]]'
    ec apply_seq_large --rc 0 -- -sname "$T" -c "$C" -a 'lists seq [1,20000]'
    ec apply_args --rc 0 \
        --out "^\\{a, 'B c', \"str\", 3\\.500000, -7, \\{x, \\[\\]\\}, 12345678901, 5, 0\\.250000\\}\$" \
        -- -sname "$T" -c "$C" -a "erlang list_to_tuple [[a, 'B c', \"str\", 3.5, -7, {x,[]}, 12345678901, +5, 0.25]]"
    ec apply_string --rc 0 --out '^"HELLO"$' -- -sname "$T" -c "$C" -a 'string uppercase ["hello"]'
    ec apply_quoted_atom --rc 0 --out '^"hello world"$' -- -sname "$T" -c "$C" -a "erlang atom_to_list ['hello world']"
    ec apply_float --rc 0 --out '^0\.333333$' -- -sname "$T" -c "$C" -a 'erlang / [1, 3]'
    ec apply_bignum --rc 0 --out '^16#10000000000000000000000000$' -- -sname "$T" -c "$C" -a 'erlang bsl [1, 100]'
    ec apply_neg_bignum --rc 0 -- -sname "$T" -c "$C" -a 'erlang bsl [-1, 70]'
    ec apply_latin1_atom --rc 0 -- -sname "$T" -c "$C" -a 'erlang list_to_atom [[252,110,105]]'
    ec apply_pid --rc 0 --out "^<$T\\.0\\.0>\$" -- -sname "$T" -c "$C" -a 'erlang whereis [init]'
    ec apply_binary --rc 0 --out '^#Bin<1,2,255>$' -- -sname "$T" -c "$C" -a 'erlang list_to_binary [[1,2,255]]'
    ec apply_fun --rc 0 --out '^fun lists:reverse/1$' -- -sname "$T" -c "$C" -a 'erlang make_fun [lists, reverse, 1]'
    # Integer keys: OTP 26+ orders atom keys by atom index, which differs between nodes.
    ec apply_map --rc 0 --out '^#\{1 => a, 2 => "x", 3 => \{t\}\}$' \
        -- -sname "$T" -c "$C" -a 'maps from_list [[{1,a},{2,"x"},{3,{t}}]]'
    ec apply_ref --rc 0 --norm "$REF_NORM" --out '^#Ref<REF>$' -- -sname "$T" -c "$C" -a 'erlang make_ref'
    ec apply_default_fun --rc 0 --out '^\{badrpc, \{.EXIT., \{undef, \[\{erlang, start, \[\], \[\]\}\]\}\}\}$' \
        -- -sname "$T" -c "$C" -a 'erlang'
    ec apply_undef --rc 0 -- -sname "$T" -c "$C" -a 'nosuchmod nosuchfun [1]'
    ec apply_badarg --rc 0 -- -sname "$T" -c "$C" -a 'erlang atom_to_list [1]'
    ec apply_no_result_term --rc 0 --out '^$' -- -sname "$T" -c "$C" -no_result_term -a 'erlang node'
    ec apply_parse_error --rc 255 -- -sname "$T" -c "$C" -a 'lists seq [1,10'
    # A ~ must start a directive, even inside a string.
    ec apply_tilde --rc 255 -- -sname "$T" -c "$C" -a 'io format ["hello~n"]'
    ec apply_empty --rc 1 -- -sname "$T" -c "$C" -a ''

    # -e: expressions from stdin, erl_eval:eval_str on the node.
    ec eval_simple --rc 0 --out '^\{ok, \{1, 2\}\}$' --in 'X=1,Y=2,{X,Y}.' -- -sname "$T" -c "$C" -e
    ec eval_printer --rc 0 --norm "$REF_NORM" --norm "$PID_NORM" --in "$PRINTER_EXPR" -- -sname "$T" -c "$C" -e
    ec eval_multiline --rc 0 --out '^\{ok, 3\}$' --in $'%% a comment\nA = [1,2],\n  lists:sum(A).\n' \
        -- -sname "$T" -c "$C" -e
    ec eval_large_input --rc 0 --out '^\{ok, 200010000\}$' --in "$LARGE_EXPR" -- -sname "$T" -c "$C" -e
    ec eval_port --rc 0 --norm 's/#Port<([0-9]+)\.[0-9]+>/#Port<\1.CREATION>/g' --in 'hd(erlang:ports()).' \
        -- -sname "$T" -c "$C" -e
    ec eval_syntax_error --rc 0 --out "^\\{error, \"\\*\\*\\* syntax error before: '\\.'\"\\}\$" --in 'X = .' \
        -- -sname "$T" -c "$C" -e
    ec eval_empty --rc 0 --in-raw '' -- -sname "$T" -c "$C" -e
    ec eval_no_final_newline --rc 0 --in-raw '1 + 2.' -- -sname "$T" -c "$C" -e
    ec eval_runtime_error --rc 0 --in '1 + a.' -- -sname "$T" -c "$C" -e

    # -fetch_stdout: the node's output comes back through ei_rpc_from.
    ec fetch_eval --rc 0 --out $'^a\nb\n\\{ok, 42\\}$' \
        --in 'io:format("a~n"), spawn(fun() -> io:format("b~n") end), timer:sleep(100), 42.' \
        -- -sname "$T" -c "$C" -fetch_stdout -e
    ec fetch_apply --rc 0 --out '^hellook$' -- -sname "$T" -c "$C" -fetch_stdout -a 'io format ["hello", []]'
    ec fetch_no_result_term --rc 0 --out '^hello$' --in 'io:format("hello~n").' \
        -- -sname "$T" -c "$C" -fetch_stdout -no_result_term -e
    ec fetch_large --rc 0 --in 'io:format("~s", [lists:duplicate(100000, $x)]), done.' \
        -- -sname "$T" -c "$C" -fetch_stdout -e
    ec fetch_unicode --rc 0 --in 'io:format("~ts~n", ["h\x{e9}llo \x{2603}"]).' \
        -- -sname "$T" -c "$C" -fetch_stdout -no_result_term -e

    # -m: a module from stdin, written and compiled on the node (OTP 28's
    # runtime used here has no compiler: there c:c fails and so does the call).
    local mod_out='^42$' mod2_out='^hi$'
    if [ "$HAS_COMPILER" -eq 0 ]; then mod_out= mod2_out=; fi
    ec mod_load --rc 0 --out '^$' --in "$MOD_ECM" -- -sname "$T" -c "$C" -m
    ec mod_call --rc 0 --out "$mod_out" -- -sname "$T" -c "$C" -a 'ecm f [21]'
    ec mod_and_apply --rc 0 --out "$mod2_out" --in "$MOD_ECM2" -- -sname "$T" -c "$C" -m -a ecm2
    ec mod_syntax_error --rc 0 --out '^$' --in $'-module(ecbad).\nfoo( ->.\n' -- -sname "$T" -c "$C" -m
    ec mod_no_module_attr --rc 0 --out '^$' --in $'foo() -> ok.\n' -- -sname "$T" -c "$C" -m
    ec mod_and_eval --rc 0 -- -sname "$T" -c "$C" -m -e

    # Cookies and names.
    ec cookie_from_home --rc 0 --out "^$T\$" -- -sname "$T" -a 'erlang node'
    ec cookie_wrong --rc 1 -- -sname "$T" -c wrong_cookie -a 'erlang node'
    ec no_such_node --rc 1 -- -sname ecnosuch -c "$C" -a 'erlang node'
    ec no_such_host --rc 1 -- -sname ecnosuch@nohost.invalid -c "$C" -a 'erlang node'
    ec halt_no_such_node --rc 0 -- -sname ecnosuch -c "$C" -q

    # Hidden node names: default c17, -h, -r (c<random>), -R (assigned by the peer).
    ec hidden_default --rc 0 --out '^\{ok, c17@[^,]+\}$' --in "$HIDDEN_EXPR" -- -sname "$T" -c "$C" -e
    ec hidden_h --rc 0 --out '^\{ok, echid@[^,]+\}$' --in "$HIDDEN_EXPR" -- -sname "$T" -c "$C" -h echid -e
    ec hidden_r --rc 0 --norm 's/\{ok, c[0-9]+@/{ok, cN@/' --out '^\{ok, cN@[^,]+\}$' --in "$HIDDEN_EXPR" \
        -- -sname "$T" -c "$C" -r -e
    ec hidden_dynamic --rc 0 --norm "s/\\{ok, '?[A-Za-z0-9]+@([^,']+)'?\\}/{ok, DYN@\\1}/" \
        --out '^\{ok, DYN@[^,]+\}$' --in "$HIDDEN_EXPR" -- -sname "$T" -c "$C" -R -e

    # Long names (-name, and -n, its old spelling).
    ec long_node --rc 0 --out "^'$L'\$" -- -name "$L" -c "$C" -a 'erlang node'
    ec long_n --rc 0 --out "^'$L'\$" -- -n "$L" -c "$C" -a 'erlang node'
    ec long_alive_only --rc 0 --out "^'$L'\$" -- -name "$LTGT_ALIVE" -c "$C" -a 'erlang node'
    ec long_hidden --rc 0 --out '^\{ok, eclh@[^,]+\}$' --in "$HIDDEN_EXPR" -- -name "$L" -c "$C" -h eclh -e
    ec long_wrong_cookie --rc 1 -- -name "$L" -c wrong_cookie -a 'erlang node'

    # -address [Host:]Port: no epmd involved.
    ec address_port --rc 0 --out "^$T\$" -- -address "$P" -c "$C" -a 'erlang node'
    ec address_localhost --rc 0 --out "^$T\$" -- -address "localhost:$P" -c "$C" -a 'erlang node'
    ec address_ip --rc 0 --out "^$T\$" -- -address "127.0.0.1:$P" -c "$C" -a 'erlang node'
    ec address_empty_host --rc 0 --out "^$T\$" -- -address ":$P" -c "$C" -a 'erlang node'
    ec address_long --rc 0 --out "^'$L'\$" -- -address "127.0.0.1:$LP" -c "$C" -a 'erlang node'
    ec address_eval --rc 0 --out '^\{ok, 3\}$' --in '1 + 2.' -- -address "$P" -c "$C" -e
    ec address_verbose --rc 0 --norm "s/:$P\"/:PORT\"/" -- -address "$P" -c "$C" -v -a 'erlang node'
    ec address_closed --rc 1 -- -address 127.0.0.1:1 -c "$C" -a 'erlang node'
    ec address_wrong_cookie --rc 1 --norm "s/:$P\"/:PORT\"/" -- -address "$P" -c wrong_cookie -a 'erlang node'
    ec address_no_such_host --rc 1 -- -address "nohost.invalid:$P" -c "$C" -a 'erlang node'
    ec address_zero --rc 1 -- -address 0 -c "$C" -a 'erlang node'
    ec address_too_big --rc 1 -- -address 70000 -c "$C" -a 'erlang node'
    ec address_and_sname --rc 0 -- -address "$P" -sname "$T" -a 'erlang node'
    ec address_and_start --rc 0 -- -address "$P" -s -a 'erlang node'

    # -timeout: erl_call exits through SIGALRM.
    ec timeout_fires --rc 142 -- -sname "$T" -c "$C" -timeout 1 -a 'timer sleep [3000]'
    ec timeout_not_reached --rc 0 --out "^$T\$" -- -sname "$T" -c "$C" -timeout 30 -a 'erlang node'
    ec timeout_zero --rc 1 -- -sname "$T" -c "$C" -timeout 0 -a 'erlang node'

    # -v and -d (without -s): what erl_call reports on stderr.
    ec verbose --rc 0 --out "^$T\$" -- -sname "$T" -c "$C" -v -a 'erlang node'
    ec debug --rc 0 --out "^$T\$" -- -sname "$T" -c "$C" -d -a 'erlang node'

    # -s: erl_call starts `erl -sname/-name` itself when the node is not there.
    ec start --rc 0 --out '^ecst@[^ ]+$' -- -s -sname ecst -c "$C" -a 'erlang node'
    track -sname ecst
    ec start_running --rc 0 --out "^$OTP_REL\$" -- -s -sname ecst -c "$C" -a 'erlang system_info [otp_release]'
    ec start_eval --rc 0 --out '^\{ok, 2\}$' --in '1 + 1.' -- -s -sname ecst -c "$C" -e
    ec start_quit --rc 0 --out '^$' -- -s -q -sname ecst -c "$C"
    gone ecst
    ec after_quit --rc 1 -- -sname ecst -c "$C" -a 'erlang node'
    ec quit_again --rc 0 -- -q -sname ecst -c "$C"
    # No -c: erl_call and the node it starts both read $HOME/.erlang.cookie.
    ec start_home_cookie --rc 0 --out "^$C\$" -- -s -sname ecst2 -a 'erlang get_cookie'
    track -sname ecst2
    ec start_home_cookie_quit --rc 0 -- -q -sname ecst2
    gone ecst2
    ec start_debug_verbose --rc 0 --norm "$START_NORM" --out '^ecst3@[^ ]+$' \
        -- -s -d -v -sname ecst3 -c "$C" -a 'erlang node'
    track -sname ecst3
    ecfile start_debug_log "$HOME/.erl_start.out.ecst3" --norm "$START_NORM" \
        --norm 's/^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} [0-9]{4} *$/DATE/'
    rm -f "$HOME/.erl_start.out.ecst3"
    ec start_debug_verbose_quit --rc 0 -- -q -sname ecst3 -c "$C"
    gone ecst3
    ec start_script --rc 0 --out '^\{ok, \[\["erl"\]\]\}$' \
        -- -s -x "$OTP_BIN/erl" -sname ecst4 -c "$C" -a 'init get_argument [progname]'
    track -sname ecst4
    ec start_script_quit --rc 0 -- -q -sname ecst4 -c "$C"
    gone ecst4
    ec start_long --rc 0 --out "^'eclst@[^ ]+\\.erlcall\\.test'\$" \
        -- -s -name eclst@127.0.0.1 -c "$C" -a 'erlang node'
    track -name eclst@127.0.0.1
    ec start_long_quit --rc 0 -- -q -name eclst@127.0.0.1 -c "$C"
    gone eclst
    # The script does not exist: erl_call gives up after its 10 s.
    ec start_fails --rc 1 -- -s -x "$work/no_such_erl" -sname ecst5 -c "$C" -a 'erlang node'

    # Usage errors (nothing to do with the library, but erl_call's exit codes).
    ec usage_none --rc 0 --
    ec usage_help --rc 0 -- '-?'
    ec usage_illegal --rc 1 -- -z
    ec usage_not_an_option --rc 1 -- foo
    ec usage_missing_arg --rc 1 -- -sname
    ec usage_no_node --rc 0 -- -a 'erlang node'

    # The documented differences of ei-rs (KNOWN_DIFFERENCES.md, README.md).
    # 1: an atom outside Latin-1 (libei's ei_print_term fails: nothing printed).
    known known_nonlatin1_atom '' "'λ'" --rc 0 -- -sname "$T" -c "$C" -a 'erlang list_to_atom [[955]]'
    # 2: string bytes >= 0x80 (libei: signed char through %x).
    known known_string_high_bytes '"caf\xffffffe9"' '"caf\xe9"' \
        --rc 0 -- -sname "$T" -c "$C" -a 'lists append ["caf", [233]]'
    # ei_x_format: whitespace before a separator (libei drops the next element).
    known known_format_space_separator '[a]' '[a, b]' \
        --rc 0 -- -sname "$T" -c "$C" -a 'erlang tuple_to_list [{a ,b}]'
    # ei_x_format: a float's exponent (libei parses its digits again as an element).
    known known_format_float_exponent '{1500.000000, 3}' '{1500.000000}' \
        --rc 0 -- -sname "$T" -c "$C" -a 'erlang list_to_tuple [[1.5e3]]'

    # -q halts the targets: through -address, and through epmd.
    ec quit_address --rc 0 --out '^$' -- -q -address "127.0.0.1:$LP" -c "$C"
    gone "$LTGT_ALIVE"
    ec quit_target --rc 0 --out '^$' -- -q -sname "$T" -c "$C"
    gone "$TGT_ALIVE"
}

# ---- the passes ---------------------------------------------------------------
probe() {
    env "${ERL_CALL_ENV[@]}" timeout -k 5 20 "$REF" -sname "$TGT" -c "$COOKIE" -a "$1" </dev/null 2>/dev/null
}
start_targets
# The release, as erl_call prints it ("25"): nodes that erl_call -s starts
# must be of the same one (the first `erl` on PATH).
OTP_REL=$(probe 'erlang system_info [otp_release]')
if ! [[ $OTP_REL =~ ^\"[0-9]+\"$ ]]; then
    echo "FAIL: OTP's erl_call cannot reach the target node (got '$OTP_REL')" >&2
    exit 1
fi
# OTP 28's runtime used here has no compiler application.
HAS_COMPILER=1
if probe 'code which [compile]' | grep -q non_existing; then
    HAS_COMPILER=0
    echo "note: the target has no compiler; the -m cases only compare"
fi
for PASS in ref bin; do
    if [ "$PASS" = ref ]; then CUR=$REF; else CUR=$BIN; fi
    [ ${#TARGET_PIDS[@]} -eq 0 ] && start_targets
    rm -f "$work/cwd"/ec*.erl "$work/cwd"/ec*.beam
    echo "== $PASS pass: $CUR"
    cases
    left=$(epmd_names | tr '\n' ' ')
    if [ -n "$left" ]; then
        fail "nodes still registered after the $PASS pass: $left"
        halt_started
    fi
    stop_targets
done

# ---- the comparison -----------------------------------------------------------
echo "== comparing ($LIB build against OTP's erl_call, nodes from $OTP_BIN)"
for name in "${CASES[@]}"; do
    r="$work/ref/$name" b="$work/bin/$name" bad=0
    if [ -n "${KNOWN_LIBEI[$name]+set}" ]; then
        if [ "$(cat "$r.out")" != "${KNOWN_LIBEI[$name]}" ]; then
            fail "$name: OTP's erl_call printed '$(cat "$r.out")', expected libei's '${KNOWN_LIBEI[$name]}'"
            bad=1
        fi
        want=${KNOWN_LIBEI[$name]}
        [ "$LIB" = rs ] && want=${KNOWN_RS[$name]}
        if [ "$(cat "$b.out")" != "$want" ]; then
            fail "$name: printed '$(cat "$b.out")', expected '$want'"
            bad=1
        fi
    elif ! cmp -s "$r.out" "$b.out"; then
        fail "$name: stdout differs: $(cat "$r.cmd")"
        diff -u --label "OTP erl_call" --label "$LIB build" "$r.out" "$b.out" | head -n 40
        bad=1
    fi
    if ! cmp -s "$r.err" "$b.err"; then
        fail "$name: stderr differs: $(cat "$r.cmd")"
        diff -u --label "OTP erl_call" --label "$LIB build" "$r.err" "$b.err" | head -n 40
        bad=1
    fi
    if ! cmp -s "$r.rc" "$b.rc"; then
        fail "$name: exit status $(cat "$b.rc"), OTP's erl_call $(cat "$r.rc"): $(cat "$r.cmd")"
        bad=1
    fi
    [ "$bad" -eq 0 ] && echo "ok   $name"
done

if [ "$FAILS" -ne 0 ]; then
    echo "$FAILS failure(s) in ${#CASES[@]} cases"
    exit 1
fi
echo "all ${#CASES[@]} cases match"
exit 0
