#!/usr/bin/env bash
# abi_symbols.sh [--cc CC] [--otp-include DIR] [--include DIR]
#                [--shared LIB.so] [--static LIB.a]... [--otp-static LIB.a]
#                [--gmp] [--allow-missing-data NAME]...
#
# Every function OTP's ei.h declares (documented or not; header_decls.sh
# lists them with GCC's -aux-info, with and without _REENTRANT) must be a
# defined text symbol ("T" in nm) of each library under test: the shared
# library (nm -D --defined-only) and the static one (nm --defined-only).
# So must every function the header under test (--include) declares, and
# every object either header declares extern (a data symbol: B, D, G, R, S,
# V or u).  With --gmp, the three bignum functions OTP's ei.h declares when
# <gmp.h> is included are required too.  --allow-missing-data NAME excuses
# one data symbol (used for OTP's own libei.a, which does not define the
# __erl_errno its header declares for programs built without _REENTRANT).
#
# Also printed, never failing: the symbols OTP's libei.a (--otp-static)
# exports that its header does not declare (its internal helpers: not API),
# whether each library under test has them, and what the shared library
# under test exports beyond OTP's header.
#
# Defaults: CC=${CC:-gcc} and OTP's erl_interface from erl; when none of
# --include, --shared, --static is given, this repository's include/ with
# target/release/libei.so, libei.a and prelinked/libei.a (and --gmp if that
# libei.so exports ei_decode_bignum).  --include alone defaults to
# --otp-include.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$here/../..
cc=${CC:-gcc}
otp_inc= test_inc= shared= otp_static= gmp=
statics=()
allow_data=()
defaults=1
while [ $# -gt 0 ]; do
    case $1 in
        --cc) cc=$2; shift 2;;
        --otp-include) otp_inc=$2; shift 2;;
        --include) test_inc=$2; defaults=0; shift 2;;
        --shared) shared=$2; defaults=0; shift 2;;
        --static) statics+=("$2"); defaults=0; shift 2;;
        --otp-static) otp_static=$2; shift 2;;
        --gmp) gmp=1; shift;;
        --allow-missing-data) allow_data+=("$2"); shift 2;;
        *) echo "usage: see the comment at the top of $0" >&2; exit 2;;
    esac
done
if [ -z "$otp_inc" ] || [ -z "$otp_static" ]; then
    otp_dir=$(erl -noshell -eval 'io:format("~s",[code:lib_dir(erl_interface)]),halt().')
    otp_inc=${otp_inc:-$otp_dir/include}
    otp_static=${otp_static:-$otp_dir/lib/libei.a}
fi
if [ $defaults = 1 ]; then
    test_inc=$root/include
    shared=$root/target/release/libei.so
    statics=("$root/target/release/libei.a")
    # and the one we ship, if scripts/prelink-static.sh made it
    if [ -f "$root/target/release/prelinked/libei.a" ]; then
        statics+=("$root/target/release/prelinked/libei.a")
    fi
    if [ -z "$gmp" ] && nm -D --defined-only "$shared" 2>/dev/null | grep ' T ei_decode_bignum$' >/dev/null; then
        gmp=1
    fi
fi
test_inc=${test_inc:-$otp_inc}
canon() { [ -z "$1" ] || readlink -f -- "$1"; }
otp_inc=$(canon "$otp_inc") test_inc=$(canon "$test_inc")
shared=$(canon "$shared") otp_static=$(canon "$otp_static")
for i in "${!statics[@]}"; do statics[$i]=$(canon "${statics[$i]}"); done
if [ -z "$shared" ] && [ ${#statics[@]} -eq 0 ]; then
    echo "$0: no library to check (--shared / --static)" >&2
    exit 2
fi
for f in "$shared" "${statics[@]}" "$otp_static"; do
    if [ -n "$f" ] && [ ! -f "$f" ]; then
        echo "FAIL: $f not found"
        exit 1
    fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- What the headers declare ------------------------------------------------
decls() {  # decls functions|data INCLUDE_DIR -> names, all configurations
    {
        "$here/header_decls.sh" "$1" "$cc" "$2" -D_REENTRANT
        "$here/header_decls.sh" "$1" "$cc" "$2"
    } | cut -f1 | LC_ALL=C sort -u
}
decls functions "$otp_inc" > "$tmp/otp_funcs"
decls data "$otp_inc" > "$tmp/otp_data"
decls functions "$test_inc" > "$tmp/test_funcs"
decls data "$test_inc" > "$tmp/test_data"
if [ -n "$gmp" ]; then
    # OTP's ei.h declares them only for GMP 4.x: see gmp_as_4_1.h.
    gmp_flags=(-D_REENTRANT -include "$here/gmp_as_4_1.h")
    "$here/header_decls.sh" functions "$cc" "$otp_inc" "${gmp_flags[@]}" | cut -f1 |
        LC_ALL=C comm -23 - "$tmp/otp_funcs" > "$tmp/otp_gmp_funcs"
    "$here/header_decls.sh" functions "$cc" "$test_inc" "${gmp_flags[@]}" | cut -f1 |
        LC_ALL=C comm -23 - "$tmp/test_funcs" > "$tmp/test_gmp_funcs"
    if [ ! -s "$tmp/otp_gmp_funcs" ]; then
        echo "FAIL: --gmp, but OTP's ei.h declares no function for <gmp.h>"
        exit 1
    fi
    LC_ALL=C sort -u -o "$tmp/otp_funcs" "$tmp/otp_funcs" "$tmp/otp_gmp_funcs"
    LC_ALL=C sort -u -o "$tmp/test_funcs" "$tmp/test_funcs" "$tmp/test_gmp_funcs"
fi
if ! grep -qx ei_connect_init "$tmp/otp_funcs"; then
    echo "FAIL: ei_connect_init not among OTP's functions: extraction is broken"
    exit 1
fi
# Required: OTP's functions, then those only the header under test declares.
LC_ALL=C comm -13 "$tmp/otp_funcs" "$tmp/test_funcs" > "$tmp/test_only_funcs"
cat "$tmp/otp_funcs" "$tmp/test_only_funcs" > "$tmp/req_funcs"
LC_ALL=C sort -u "$tmp/otp_data" "$tmp/test_data" > "$tmp/req_data"

echo "OTP's headers:       $otp_inc"
echo "headers under test:  $test_inc"
echo "functions required:  $(wc -l < "$tmp/otp_funcs") declared by OTP's ei.h$([ -n "$gmp" ] && echo " (with the $(wc -l < "$tmp/otp_gmp_funcs") GMP ones)")" \
     "+ $(wc -l < "$tmp/test_only_funcs") only in the header under test"
echo "data required:       $(paste -sd' ' "$tmp/req_data")"

# --- Symbol tables -------------------------------------------------------------
# nm is told the object format explicitly: objects compiled by rustc carry
# LLVM bitcode (.llvmbc), and without --target GNU nm hands them to an
# installed LLVM plugin, which may reject them and then report "no symbols".
nm_format() {
    objdump -f "$1" 2>/dev/null | sed -n 's/.*file format //p' | LC_ALL=C sort -u |
        { read -r f || true; echo "${f:-}"; }
}
symtab() {  # symtab shared|static LIB -> "NAME TYPE" lines, defined globals
    local fmt opts=(--defined-only)
    fmt=$(nm_format "$2")
    [ -n "$fmt" ] && opts+=("--target=$fmt")
    [ "$1" = shared ] && opts+=(-D)
    # nm prints "ADDR TYPE NAME" (no address for some); members of an
    # archive without symbols make it complain on stderr.
    nm "${opts[@]}" "$2" 2>/dev/null |
        awk 'NF >= 2 { name = $NF; sub(/@.*/, "", name); print name, $(NF - 1) }' |
        LC_ALL=C sort -u
}

fail=0
check_lib() {  # check_lib shared|static LIB
    local kind=$1 lib=$2 n_f=0 n_d=0 bad=0 name types
    symtab "$kind" "$lib" > "$tmp/syms"
    echo
    echo "== $lib ($kind) =="
    if [ ! -s "$tmp/syms" ]; then
        echo "FAIL: nm found no symbols"
        fail=1
        return
    fi
    while read -r name; do
        n_f=$((n_f + 1))
        types=$(awk -v n="$name" '$1 == n { printf "%s", $2 }' "$tmp/syms")
        case $types in
            *T*) ;;
            "") echo "MISSING  function $name"; bad=1;;
            *) echo "WRONG    function $name: nm type '$types', expected T"; bad=1;;
        esac
    done < "$tmp/req_funcs"
    while read -r name; do
        n_d=$((n_d + 1))
        types=$(awk -v n="$name" '$1 == n { printf "%s", $2 }' "$tmp/syms")
        if [ -n "$types" ] && [ -z "${types//[BDGRSVu]/}" ]; then continue; fi
        if [ -z "$types" ] && printf '%s\n' "${allow_data[@]}" | grep -qx "$name"; then
            echo "allowed: data symbol $name is not defined (--allow-missing-data)"
            continue
        fi
        echo "MISSING  data $name${types:+: nm type '$types', expected one of B D G R S V u}"
        bad=1
    done < "$tmp/req_data"
    if [ $bad = 0 ]; then
        echo "ok: $n_f functions defined as T, $n_d data symbol(s) checked"
    else
        fail=1
    fi
}
if [ -n "$shared" ]; then check_lib shared "$shared"; fi
for lib in "${statics[@]}"; do check_lib static "$lib"; done

# --- Information only -------------------------------------------------------------
if [ -n "$otp_static" ]; then
    symtab static "$otp_static" | awk '$2 ~ /^[A-Z]$/ && $2 != "U"' > "$tmp/otp_syms"
    cut -d' ' -f1 "$tmp/otp_syms" | LC_ALL=C sort -u |
        LC_ALL=C comm -23 - <(LC_ALL=C sort -u "$tmp/otp_funcs" "$tmp/otp_data") > "$tmp/otp_internal"
    echo
    echo "== information: OTP's $otp_static exports $(wc -l < "$tmp/otp_internal") symbols its header does not declare (internal, not API) =="
    under_test=()
    [ -n "$shared" ] && under_test+=("shared:$shared")
    for lib in "${statics[@]}"; do
        [ "$lib" -ef "$otp_static" ] || under_test+=("static:$lib")
    done
    # For each library under test, say whether it has the symbol too.
    idx=0
    for t in "${under_test[@]}"; do
        idx=$((idx + 1))
        symtab "${t%%:*}" "${t#*:}" | cut -d' ' -f1 | LC_ALL=C sort -u > "$tmp/ut.$idx"
    done
    while read -r name; do
        line=$(printf '    %-34s %s' "$name" "$(awk -v n="$name" '$1 == n { printf "%s", $2 }' "$tmp/otp_syms")")
        idx=0 also=
        for t in "${under_test[@]}"; do
            idx=$((idx + 1))
            if grep -qx "$name" "$tmp/ut.$idx"; then also+=" $(basename "${t#*:}")(${t%%:*})"; fi
        done
        echo "$line${also:+   also in:$also}"
    done < "$tmp/otp_internal"
fi
if [ -n "$shared" ]; then
    symtab shared "$shared" | awk '$2 ~ /^[A-Z]$/ || $2 == "u"' | cut -d' ' -f1 | LC_ALL=C sort -u |
        LC_ALL=C comm -23 - <(LC_ALL=C sort -u "$tmp/otp_funcs" "$tmp/otp_data") > "$tmp/extra"
    echo
    echo "== information: $shared exports $(wc -l < "$tmp/extra") symbols OTP's header does not declare =="
    sed 's/^/    /' "$tmp/extra"
fi

echo
if [ $fail -ne 0 ]; then
    echo "FAIL: symbols missing or of the wrong type (see above)"
    exit 1
fi
echo "PASS: $(wc -l < "$tmp/req_funcs") functions and $(wc -l < "$tmp/req_data") data symbol(s) exported by" \
     "$( { [ -n "$shared" ] && echo "$shared"; printf '%s\n' "${statics[@]}"; } | paste -sd' ' | sed 's/ / and /g')"
