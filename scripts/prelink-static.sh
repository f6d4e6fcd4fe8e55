#!/usr/bin/env bash
# prelink-static.sh DIR [OUT]
#
# Makes the libei.a we ship (OUT, default DIR/prelinked/libei.a) from the
# staticlib cargo built (DIR/libei.a, with DIR/libei.so from the same build):
#
# 1. `ld -r --gc-sections` pre-links cargo's archive (our code plus the whole
#    of Rust's std, ~300 object files) into one relocatable object, rooted at
#    the C API: the symbols libei.so exports.  A plain link of cargo's archive
#    pulls in std a whole object file at a time (1.3 MB of text against
#    OTP's 120 KB); this keeps only what the API can reach (~0.55 MB).
# 2. Orders that object's sections: first the ones the API reaches without
#    going through the panic machinery (std's panic hook, backtrace printing
#    and DWARF symbolisation), depth first from the API functions taken by
#    group (connections, encoding and decoding, printing and formatting, the
#    rest); then the rest, which runs only when something panics.
#    The kernel maps program text around each page touched, so the code that
#    runs is kept together rather than spread among code that never does.
# 3. Makes every symbol but the API's local (objcopy --keep-global-symbols),
#    so that the std inside cannot clash with another Rust library's, and
#    drops the undefined symbols nothing refers to any more.
#
# Panics are still caught at the C boundary.  The unwinder they need is
# bundled: the C compiler's libgcc_eh.a (GCC's unwinder, under the GCC
# Runtime Library Exception) goes into the object too, local like the rest,
# so that programs do not load libgcc_s.so (~100 KiB resident) for panics
# that never leave the library; csrc/static_unwind.c lets it use the
# program's registry of frame descriptions in static non-PIE programs.
# Without a libgcc_eh.a (another toolchain), the object refers to the
# program's unwinder instead, as cargo's archive does.
#
# Tools: binutils (ld, objcopy, readelf, nm, ar), awk and a C compiler (CC,
# default cc); LD, OBJCOPY, READELF, NM and AR override the others.  CMake
# (target ei_rs_cargo) and scripts/bench.sh run this after cargo.
set -euo pipefail
export LC_ALL=C

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    sed -n '2,33p' "$0" >&2
    exit 2
fi
dir=$1
out=${2:-$dir/prelinked/libei.a}
CC=${CC:-cc} LD=${LD:-ld} OBJCOPY=${OBJCOPY:-objcopy} READELF=${READELF:-readelf} NM=${NM:-nm} AR=${AR:-ar}
for f in "$dir/libei.a" "$dir/libei.so"; do
    [ -f "$f" ] || { echo "prelink-static.sh: $f not found (cargo build --release first)" >&2; exit 1; }
done
# Up to date: nothing to do (CMake runs this on every build).
here=$(cd "$(dirname "$0")" && pwd)
unwind_c=$here/../csrc/static_unwind.c
if [ "$out" -nt "$dir/libei.a" ] && [ "$out" -nt "$dir/libei.so" ] && [ "$out" -nt "$0" ] \
    && [ "$out" -nt "$unwind_c" ]; then
    exit 0
fi
mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d "$(dirname "$out")/.prelink.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The C API: what libei.so exports (the #[no_mangle] functions and data, and
# the ei_x_format shim), built from the same sources with the same features.
"$NM" -D --defined-only "$dir/libei.so" | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/api"
[ -s "$tmp/api" ] || { echo "prelink-static.sh: no exports in $dir/libei.so" >&2; exit 1; }

# 1. One object with what the API reaches, and the unwinder's members of
# libgcc_eh.a, whose _Unwind_Find_FDE becomes ei_rs_libgcc_find_fde for the
# lookup in csrc/static_unwind.c to call (see that file).  .llvmbc/.llvmcmd
# are std's embedded LLVM bitcode, meaningless once concatenated.
sed 's/^/-u /' "$tmp/api" >"$tmp/roots"
unwinder=()
libgcc_eh=$("$CC" -print-file-name=libgcc_eh.a)
if [ -f "$libgcc_eh" ]; then
    mkdir "$tmp/eh"
    (cd "$tmp/eh" && "$AR" x "$libgcc_eh")
    for o in "$tmp"/eh/*.o; do
        if "$NM" --defined-only "$o" 2>/dev/null | awk '$3 == "_Unwind_Find_FDE" { f = 1 } END { exit !f }'; then
            "$OBJCOPY" --redefine-sym _Unwind_Find_FDE=ei_rs_libgcc_find_fde "$o"
            "$AR" rcD "$tmp/libgcc_eh.a" "$tmp"/eh/*.o
            "$CC" -O2 -fPIC -ffunction-sections -Wall -Wextra -Werror -c "$unwind_c" \
                -o "$tmp/static_unwind.o"
            unwinder=("$tmp/static_unwind.o" "$tmp/libgcc_eh.a")
            break
        fi
    done
fi
if [ ${#unwinder[@]} -eq 0 ]; then
    echo "prelink-static.sh: no libgcc_eh.a with _Unwind_Find_FDE from $CC;" \
        "programs will need the toolchain's unwinder" >&2
fi
"$LD" -r --gc-sections @"$tmp/roots" -o "$tmp/all.o" ${unwinder[@]+"${unwinder[0]}"} \
    --whole-archive "$dir/libei.a" --no-whole-archive ${unwinder[@]+"${unwinder[1]}"}
"$OBJCOPY" -R .llvmbc -R .llvmcmd "$tmp/all.o"

# 2. A linker script listing the sections in the order wanted: those the API
# reaches without entering the panic machinery, depth first (the callees of a
# function right after it), in the groups of rank() below; a text section
# LLVM marked cold (.text.unlikely.*) that is reached loses the prefix, which
# would otherwise send it to the start of the program's text.  Sections not
# listed (what only a panic runs) follow in their old order.  The call graph
# is the relocations: section -> sections of the symbols it refers to.
"$READELF" -SW "$tmp/all.o" >"$tmp/sections"
"$READELF" -sW "$tmp/all.o" >"$tmp/symbols"
"$READELF" -rW "$tmp/all.o" >"$tmp/relocs"
awk -v apifile="$tmp/api" '
    # Only a panic (or an allocation failure) gets here: std::panicking (the
    # hook, the default hook that prints), std::backtrace / backtrace_rs
    # (printing, gimli and addr2line symbolisation), the OOM handler.  The
    # patterns match both Rust manglings (legacy and v0 spell a path as
    # length-prefixed names); should a toolchain rename these, the order
    # only gets worse, the library stays the same.
    function cold(s) {
        return s ~ /3std9panicking|rust_begin_unwind|3std3sys9backtrace|3std12backtrace_rs|3std9backtrace|rust_oom|alloc_error_handler/
    }
    # The order of the API trees: what every C node runs (connect, accept,
    # send, receive; ei_x_buff, encode, decode), then printing and formatting,
    # then the rest (funs, bignums, rpc, global names, tracing...).
    function rank(a) {
        if (a ~ /fun|big|trace/) return 4
        if (a ~ /^ei_(connect|xconnect|accept|listen|xlisten|publish|unpublish|send|reg_send|receive|xreceive|close_connection|thisnodename|thishostname|thisalivename|self|make_pid|make_ref|init|socket|epmd)/) return 1
        if (a ~ /^ei_(x_new|x_free|x_append|x_encode|encode|decode|skip_term|get_type)/) return 2
        if (a ~ /^ei_(print_term|s_print_term|x_format|rs_x_format)/) return 3
        return 4
    }
    function visit(root,    sp, s, i, n) {
        sp = 0; stack[++sp] = root
        while (sp > 0) {
            s = stack[sp--]
            if (s in seen || cold(s)) continue
            seen[s] = 1
            order[++norder] = s
            n = nedge[s]
            for (i = n; i >= 1; i--) stack[++sp] = edge[s, i]   # first callee on top
        }
    }
    FILENAME == apifile { api[++napi] = $1; next }
    FILENAME ~ /sections$/ {
        if (match($0, /^ *\[ *[0-9]+\] /)) {
            idx = substr($0, RSTART, RLENGTH); gsub(/[^0-9]/, "", idx)
            split(substr($0, RSTART + RLENGTH), f, " ")
            secname[idx] = f[1]; allsec[++nsec] = f[1]
        }
        next
    }
    FILENAME ~ /symbols$/ {
        # Num: Value Size Type Bind Vis Ndx Name
        if ($1 ~ /:$/ && $7 ~ /^[0-9]+$/ && NF >= 8 && !($8 in symsec)) symsec[$8] = secname[$7]
        next
    }
    FILENAME ~ /relocs$/ {
        if ($0 ~ /^Relocation section /) {
            cur = $3; gsub(/\047/, "", cur); sub(/^\.rela/, "", cur); next
        }
        if (cur != "" && $1 ~ /^[0-9a-f]+$/ && length($1) == 16 && NF >= 5) {
            t = ($5 in symsec) ? symsec[$5] : ($5 ~ /^\./ ? $5 : "")
            if (t != "" && !((cur, t) in has)) { has[cur, t] = 1; edge[cur, ++nedge[cur]] = t }
        }
        next
    }
    END {
        # Start-up code first (the .init_array function of std runs in every program).
        for (i = 1; i <= nsec; i++) if (allsec[i] ~ /^\.(init_array|ctors)/) visit(allsec[i])
        for (r = 1; r <= 4; r++)
            for (i = 1; i <= napi; i++)
                if (rank(api[i]) == r && (api[i] in symsec)) visit(symsec[api[i]])
        print "SECTIONS {"
        for (i = 1; i <= norder; i++) {
            s = order[i]
            if (s !~ /^\.text\./ && s !~ /^\.rodata\./ && s !~ /^\.data\.rel\.ro\./) continue
            o = s; sub(/^\.text\.unlikely\./, ".text.", o)
            printf "  %s : { *(%s) }\n", o, s
        }
        print "}"
    }
' "$tmp/api" "$tmp/sections" "$tmp/symbols" "$tmp/relocs" >"$tmp/order.ld"
"$LD" -r -T "$tmp/order.ld" -o "$tmp/ordered.o" "$tmp/all.o"

# 3. Only the API stays global; undefined symbols that nothing refers to any
# more (std's process spawning, file system... whose code the garbage
# collection dropped) go, so that programs do not import them.
"$NM" -u "$tmp/ordered.o" | awk '{ print $NF }' | sort -u >"$tmp/undefined"
"$READELF" -rW "$tmp/ordered.o" | awk 'NF >= 5 && length($1) == 16 { print $5 }' | sort -u >"$tmp/referenced"
comm -23 "$tmp/undefined" "$tmp/referenced" >"$tmp/unused"
"$OBJCOPY" --keep-global-symbols="$tmp/api" --strip-symbols="$tmp/unused" "$tmp/ordered.o" "$tmp/ei.o"
# static_unwind.c's weak reference to the program's unwinder, under its name
# now that our copy's _Unwind_Find_FDE is local.
if [ ${#unwinder[@]} -gt 0 ]; then
    "$OBJCOPY" --redefine-sym ei_rs_program_find_fde=_Unwind_Find_FDE "$tmp/ei.o"
fi
rm -f "$tmp/libei.a"
"$AR" rcD "$tmp/libei.a" "$tmp/ei.o"
mv -f "$tmp/libei.a" "$out"
