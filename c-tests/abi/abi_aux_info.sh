#!/usr/bin/env bash
# abi_aux_info.sh [--cc CC] [--otp-include DIR] [--include DIR]
#
# Every function OTP's ei.h declares (documented or not) must be declared by
# the header under test with the same prototype.
#
# GCC's -aux-info writes out every function declaration the compiler sees, as
# a prototype in a fixed format (header_decls.sh).  It is run on a file that
# includes ei.h, ei_connect.h and eicode.h, once with OTP's include directory
# (--otp-include) and once with the one under test (--include), in three
# configurations: with -D_REENTRANT (erl_errno through __erl_errno_place),
# without it, and with <gmp.h> included first (the bignum functions; see
# gmp_as_4_1.h).  Only declarations from those three headers count.  The
# test fails on any OTP function the header under test lacks or declares
# with a different prototype, and lists (but allows) functions OTP lacks.
#
# Types are compared as spelled: `struct erlang_pid *` where OTP writes
# `erlang_pid *` is a difference, although the compiler would accept it.
#
# Defaults: CC=${CC:-gcc}, OTP's include directory from erl, and this
# repository's include/.  Exits 77 (skip) if no compiler supports -aux-info.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cc=${CC:-gcc}
otp_inc= test_inc=$here/../../include
while [ $# -gt 0 ]; do
    case $1 in
        --cc) cc=$2; shift 2;;
        --otp-include) otp_inc=$2; shift 2;;
        --include) test_inc=$2; shift 2;;
        *) echo "usage: $0 [--cc CC] [--otp-include DIR] [--include DIR]" >&2; exit 2;;
    esac
done
if [ -z "$otp_inc" ]; then
    otp_inc=$(erl -noshell -eval 'io:format("~s",[code:lib_dir(erl_interface)]),halt().')/include
fi
otp_inc=$(cd "$otp_inc" && pwd)
test_inc=$(cd "$test_inc" && pwd)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# -aux-info is GCC's; fall back to gcc if CC (e.g. clang) lacks it.
aux_ok() { "$1" -aux-info "$tmp/probe.aux" -x c -c /dev/null -o "$tmp/probe.o" >/dev/null 2>&1; }
if ! aux_ok "$cc"; then
    if [ "$cc" != gcc ] && command -v gcc >/dev/null 2>&1 && aux_ok gcc; then
        echo "note: $cc does not support -aux-info; using gcc"
        cc=gcc
    else
        echo "SKIP: no compiler with -aux-info (GCC) found"
        exit 77
    fi
fi

configs=("-D_REENTRANT" "")
config_names=("-D_REENTRANT" "without _REENTRANT")
if echo '#include <gmp.h>' | "$cc" -E -x c - >/dev/null 2>&1; then
    configs+=("-D_REENTRANT -include $here/gmp_as_4_1.h")
    config_names+=("-D_REENTRANT, <gmp.h> first")
else
    echo "note: <gmp.h> not found: the bignum functions are not compared"
fi

echo "OTP's headers:         $otp_inc"
echo "headers under test:    $test_inc"
echo "compiler:              $cc"
fail=0
: > "$tmp/all_otp_names"
: > "$tmp/all_extra_names"
for i in "${!configs[@]}"; do
    # shellcheck disable=SC2206  # word splitting of the flags is intended
    flags=(${configs[$i]})
    echo
    echo "== ${config_names[$i]} =="
    "$here/header_decls.sh" functions "$cc" "$otp_inc" "${flags[@]}" > "$tmp/otp.raw"
    "$here/header_decls.sh" functions "$cc" "$test_inc" "${flags[@]}" > "$tmp/test.raw"
    if ! grep -q "^ei_connect_init	" "$tmp/otp.raw"; then
        echo "FAIL: ei_connect_init not among OTP's prototypes: extraction is broken"
        exit 1
    fi

    # NAME<TAB>PROTOTYPE; a name declared twice differently keeps both
    # prototypes, joined with " | ".
    for side in otp test; do
        LC_ALL=C sort -u "$tmp/$side.raw" |
            awk -F'\t' '{ q = ($1 in p) ? p[$1] " | " $2 : $2; p[$1] = q } END { for (n in p) print n "\t" p[n] }' |
            LC_ALL=C sort > "$tmp/$side.tsv"
    done
    cut -f1 "$tmp/otp.tsv" >> "$tmp/all_otp_names"

    n_otp=$(wc -l < "$tmp/otp.tsv")
    n_test=$(wc -l < "$tmp/test.tsv")
    n_same_raw=$(LC_ALL=C comm -12 <(LC_ALL=C sort "$tmp/otp.raw") <(LC_ALL=C sort "$tmp/test.raw") | wc -l)
    echo "OTP declares $n_otp functions, the header under test $n_test;" \
         "$n_same_raw prototypes identical as spelled"

    missing=$(LC_ALL=C join -t $'\t' -v1 "$tmp/otp.tsv" "$tmp/test.tsv" | cut -f1)
    extra=$(LC_ALL=C join -t $'\t' -v2 "$tmp/otp.tsv" "$tmp/test.tsv" | cut -f1)
    LC_ALL=C join -t $'\t' "$tmp/otp.tsv" "$tmp/test.tsv" > "$tmp/both.tsv"
    n_diff=0 n_same=0
    while IFS=$'\t' read -r name p_otp p_test; do
        if [ "$p_otp" = "$p_test" ]; then
            n_same=$((n_same + 1))
        else
            n_diff=$((n_diff + 1))
            echo "DIFFERS  $name"
            echo "    OTP:  $(grep -P "^\Q$name\E\t" "$tmp/otp.raw" | cut -f2- | paste -sd'|')"
            echo "    ours: $(grep -P "^\Q$name\E\t" "$tmp/test.raw" | cut -f2- | paste -sd'|')"
        fi
    done < "$tmp/both.tsv"
    for name in $missing; do
        echo "MISSING  $name: $(grep -P "^\Q$name\E\t" "$tmp/otp.raw" | cut -f2- | paste -sd'|')"
    done
    n_missing=$(printf '%s' "$missing" | grep -c . || true)
    if [ -n "$extra" ]; then
        echo "not in OTP's header (allowed):"
        for name in $extra; do
            echo "    $(grep -P "^\Q$name\E\t" "$tmp/test.raw" | cut -f2- | paste -sd'|')"
            echo "$name" >> "$tmp/all_extra_names"
        done
    fi
    echo "compared $n_otp: $n_same same, $n_diff different, $n_missing missing"
    if [ "$n_diff" -ne 0 ] || [ "$n_missing" -ne 0 ]; then fail=1; fi
done

echo
total=$(LC_ALL=C sort -u "$tmp/all_otp_names" | wc -l)
extras=$(LC_ALL=C sort -u "$tmp/all_extra_names" | wc -l)
if [ $fail -ne 0 ]; then
    echo "FAIL: the header under test does not declare every OTP function as OTP does (see above)"
    exit 1
fi
echo "PASS: all $total functions of OTP's ei.h declared with the same prototype" \
     "($extras more not in OTP's header)"
