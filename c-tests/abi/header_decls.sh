#!/usr/bin/env bash
# header_decls.sh functions|data CC INCLUDE_DIR [CFLAGS...]
#
# Lists what the ei headers in INCLUDE_DIR (ei.h, ei_connect.h, eicode.h)
# declare, as seen by the C compiler CC (GCC: -aux-info) with CFLAGS (e.g.
# -D_REENTRANT, -include gmp.h).  Declarations that come from any other file
# (system headers) are left out.  Helper of abi_aux_info.sh and
# abi_symbols.sh; prints to stdout, sorted:
#
#   functions  one line per function declaration: NAME<TAB>PROTOTYPE, the
#              prototype as GCC's -aux-info prints it (types as written in
#              the header, typedef names kept, no parameter names), with the
#              "/* FILE:LINE:FLAGS */" marker removed and whitespace collapsed,
#              e.g. "ei_x_new<TAB>extern int ei_x_new (ei_x_buff *);"
#   data       one line per object declared extern (a data symbol), NAME only
#
# Fails if the headers do not compile, or declare nothing.
set -euo pipefail

if [ $# -lt 3 ]; then
    echo "usage: $0 functions|data CC INCLUDE_DIR [CFLAGS...]" >&2
    exit 2
fi
mode=$1 cc=$2 dir=$3
shift 3
case $mode in functions|data) ;; *) echo "$0: unknown mode '$mode'" >&2; exit 2;; esac
if [ ! -f "$dir/ei.h" ]; then
    echo "$0: no ei.h in '$dir'" >&2
    exit 2
fi
# GCC names the headers "<the -I directory>/ei.h": make that directory
# absolute and without a trailing slash so the names are predictable.
dir=$(cd "$dir" && pwd)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# ei.h first, so that it is the file its declarations are attributed to; the
# other two only include it (OTP) or repeat nothing (guarded).
printf '#include <ei.h>\n#include <ei_connect.h>\n#include <eicode.h>\n' > "$tmp/t.c"

if [ "$mode" = functions ]; then
    if ! "$cc" -c -o "$tmp/t.o" -aux-info "$tmp/aux" -I"$dir" "$@" "$tmp/t.c" 2> "$tmp/err"; then
        echo "$0: '$cc -aux-info' failed on $dir/ei.h:" >&2
        cat "$tmp/err" >&2
        exit 1
    fi
    # Each line: "/* FILE:LINE:XY */ extern TYPE NAME (PARAMS);" where X is
    # N (prototype) or O (old style) and Y is C (declaration) or F
    # (definition, which would also list parameter names).  The
    # "/* compiled from: . */" lines and all other files are skipped.
    awk -v dir="$dir" '
        BEGIN {
            want[dir "/ei.h"] = 1; want[dir "/ei_connect.h"] = 1; want[dir "/eicode.h"] = 1
        }
        substr($0, 1, 3) != "/* " { next }
        {
            end = index($0, " */ ")
            if (end == 0) next
            marker = substr($0, 4, end - 4)          # FILE:LINE:XY
            decl = substr($0, end + 4)
            n = split(marker, part, ":")
            if (n < 3) next
            flags = part[n]
            file = substr(marker, 1, length(marker) - length(part[n - 1]) - length(flags) - 2)
            if (!(file in want)) next
            if (substr(flags, 2, 1) != "C") {
                printf "header_decls.sh: %s:%s defines a function (%s): not handled\n", \
                       file, part[n - 1], decl > "/dev/stderr"
                bad = 1
                next
            }
            semi = index(decl, ";")                  # drop anything after the ";"
            if (semi) decl = substr(decl, 1, semi)
            gsub(/[ \t]+/, " ", decl)
            sub(/^ /, "", decl)
            sub(/ ;$/, ";", decl)
            paren = index(decl, "(")
            head = substr(decl, 1, paren - 1)
            sub(/ +$/, "", head)
            if (paren == 0 || !match(head, /[A-Za-z_][A-Za-z0-9_]*$/)) {
                printf "header_decls.sh: cannot parse: %s\n", decl > "/dev/stderr"
                bad = 1
                next
            }
            print substr(head, RSTART, RLENGTH) "\t" decl
            found = 1
        }
        END {
            if (bad) exit 1
            if (!found) {
                print "header_decls.sh: no function declarations found in " dir > "/dev/stderr"
                exit 1
            }
        }' "$tmp/aux" | LC_ALL=C sort -u
else
    # -aux-info lists functions only: take objects from the preprocessed
    # header instead.  Collect the text that line markers attribute to the
    # three headers, cut it into declarations at ; { }, and keep those that
    # start with "extern" and are not function declarations.
    if ! "$cc" -E -I"$dir" "$@" "$tmp/t.c" > "$tmp/pp" 2> "$tmp/err"; then
        echo "$0: '$cc -E' failed on $dir/ei.h:" >&2
        cat "$tmp/err" >&2
        exit 1
    fi
    awk -v dir="$dir" '
        BEGIN {
            want["\"" dir "/ei.h\""] = 1; want["\"" dir "/ei_connect.h\""] = 1
            want["\"" dir "/eicode.h\""] = 1
        }
        /^# [0-9]+ "/ { cur = ($3 in want); next }
        cur { text = text " " $0 }
        END {
            gsub(/[{}]/, ";", text)
            n = split(text, decl, ";")
            for (i = 1; i <= n; i++) {
                d = decl[i]
                # attributes: __attribute__((...)) with one level of nesting
                gsub(/__attribute__ *\(\(([^()]|\([^()]*\))*\)\)/, "", d)
                gsub(/[ \t]+/, " ", d); sub(/^ /, "", d); sub(/ $/, "", d)
                if (d !~ /^extern / || index(d, "(")) continue
                sub(/( *\[[^]]*\])+$/, "", d)        # arrays: drop the bounds
                if (match(d, /[A-Za-z_][A-Za-z0-9_]*$/)) print substr(d, RSTART, RLENGTH)
            }
        }' "$tmp/pp" | LC_ALL=C sort -u
fi
