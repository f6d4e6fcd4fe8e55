#!/usr/bin/env bash
# Tests of `cmake --install` (see CMakeLists.txt in this folder).
#
#   install_test.sh tree               install into $EI_PREFIX, check the layout
#   install_test.sh pkgconfig          cc ei_hello.c $(pkg-config --cflags --libs ei)
#   install_test.sh pkgconfig_static   cc -static ei_hello.c $(pkg-config --static ...)
#   install_test.sh plain_cc           cc ei_hello.c -I P/include -L P/lib -lei
#   install_test.sh find_package       a separate CMake project: find_package(ei)
#   install_test.sh find_package_version
#                                      find_package(ei <incompatible version>) fails
#
# Configuration (environment, set by ctest): EI_BUILD_DIR, EI_PREFIX, EI_LIBDIR and
# EI_INCLUDEDIR (relative to the prefix), EI_VERSION, EI_SOVERSION, EI_SRC_INCLUDE
# (the headers that must be installed), EI_HELLO_SRC (ei_hello.c), EI_CONSUMER_DIR
# (the CMake project), EI_WORK (a scratch folder for this test), CC, EI_CMAKE,
# EI_CMAKE_GENERATOR, PKG_CONFIG (empty if not installed: those tests are skipped).
set -euo pipefail

mode=${1:?usage: install_test.sh MODE}
prefix=$EI_PREFIX
libdir=$prefix/$EI_LIBDIR
incdir=$prefix/$EI_INCLUDEDIR
soname=libei.so.$EI_SOVERSION
realname=libei.so.$EI_VERSION
strict=(-Wall -Wextra -Werror)

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

show() {
    echo "+ $*"
    "$@"
}

# The SONAME of an ELF file (empty if none).
elf_soname() {
    readelf -d "$1" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p'
}

# The libei* entries among an ELF file's NEEDED libraries.
elf_needed_libei() {
    readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(libei[^]]*\)\]/\1/p'
}

# check_program EXE shared|static [ld_library_path]
# Runs EXE and checks what it prints (ei_hello.c) and which libei it uses.
check_program() {
    local exe=$1 kind=$2 ldpath=${3:-} out needed expected_term mapped ldd_line
    [ -x "$exe" ] || fail "$exe was not built"
    # ei-rs prints string bytes >= 0x80 as \xe9 (OTP's libei: \xffffffe9), so
    # this line also tells ei-rs' code from OTP's in a static link.
    expected_term='term: {hello, "caf\xe9", 42, [1.500000], #Bin<101,105>}'

    needed=$(elf_needed_libei "$exe")
    if [ "$kind" = shared ]; then
        [ "$needed" = "$soname" ] || fail "$exe NEEDs '${needed}', expected '$soname'"
        echo "readelf -d: NEEDED [$needed]"
        ldd_line=$(LD_LIBRARY_PATH=$ldpath ldd "$exe" | grep -F "$soname" || true)
        echo "ldd: ${ldd_line#"${ldd_line%%[![:space:]]*}"}"
        case $ldd_line in
            *"$soname => $libdir/$soname "*) ;;
            *) fail "ldd does not resolve $soname to $libdir/$soname" ;;
        esac
    else
        [ -z "$needed" ] || fail "$exe is linked statically but NEEDs $needed"
        echo "readelf -d: no libei among the NEEDED libraries"
    fi

    echo "+ ${ldpath:+LD_LIBRARY_PATH=$ldpath }$exe"
    out=$(LD_LIBRARY_PATH=$ldpath "$exe") || fail "$exe exited with status $?"
    echo "$out"
    grep -qxF "$expected_term" <<<"$out" || fail "expected the line: $expected_term"
    grep -qx 'decode: ok' <<<"$out" || fail "the term did not decode back"
    mapped=$(sed -n 's/^libei: //p' <<<"$out")
    if [ "$kind" = shared ]; then
        [ "$mapped" = "$(readlink -f "$libdir/$realname")" ] ||
            fail "the process mapped '${mapped}', not the installed $libdir/$realname"
    else
        [ -z "$mapped" ] || fail "a statically linked program mapped $mapped"
    fi
    echo "OK: $exe ($kind) uses ei-rs from $prefix"
}

need_pkg_config() {
    if [ -z "${PKG_CONFIG:-}" ]; then
        echo "pkg-config is not installed (Debian: apt-get install pkgconf); skipped"
        exit 77
    fi
}

fresh_work() {
    rm -rf "$EI_WORK"
    mkdir -p "$EI_WORK"
}

case $mode in
tree)
    rm -rf "$prefix"
    show "$EI_CMAKE" --install "$EI_BUILD_DIR" --prefix "$prefix"
    echo "installed files:"
    (cd "$prefix" && find . \( -type f -printf '  %P\n' \) -o \( -type l -printf '  %P -> %l\n' \) | sort)

    [ -f "$libdir/$realname" ] && [ ! -L "$libdir/$realname" ] ||
        fail "$libdir/$realname is not a file"
    [ "$(readlink "$libdir/$soname")" = "$realname" ] ||
        fail "$libdir/$soname is not a link to $realname"
    [ "$(readlink "$libdir/libei.so")" = "$soname" ] ||
        fail "$libdir/libei.so is not a link to $soname"
    [ -f "$libdir/libei.a" ] || fail "$libdir/libei.a missing"
    for h in ei.h ei_connect.h eicode.h; do
        cmp "$EI_SRC_INCLUDE/$h" "$incdir/$h" || fail "$incdir/$h differs from the source's"
    done
    [ -f "$libdir/pkgconfig/ei.pc" ] || fail "$libdir/pkgconfig/ei.pc missing"
    for f in eiConfig.cmake eiConfigVersion.cmake; do
        [ -f "$libdir/cmake/ei/$f" ] || fail "$libdir/cmake/ei/$f missing"
    done

    # The soname build.rs gave the library is the one CMake installs links for.
    got=$(elf_soname "$libdir/$realname")
    echo "readelf -d $realname: SONAME [$got]"
    [ "$got" = "$soname" ] || fail "SONAME is '$got', expected '$soname'"
    if readelf -d "$libdir/$realname" | grep -Eq '\((RPATH|RUNPATH)\)'; then
        fail "$realname carries an RPATH/RUNPATH"
    fi
    echo "OK: installed into $prefix"
    ;;

pkgconfig | pkgconfig_static)
    need_pkg_config
    fresh_work
    export PKG_CONFIG_PATH=$libdir/pkgconfig
    # Only our prefix: an ei.pc elsewhere must not be found instead.
    export PKG_CONFIG_LIBDIR=$libdir/pkgconfig
    echo "PKG_CONFIG_PATH=$PKG_CONFIG_PATH"
    v=$("$PKG_CONFIG" --modversion ei) || fail "pkg-config does not find ei"
    echo "pkg-config --modversion ei: $v"
    [ "$v" = "$EI_VERSION" ] || fail "pkg-config reports version $v, expected $EI_VERSION"
    p=$("$PKG_CONFIG" --variable=prefix ei)
    [ "$p" = "$prefix" ] || fail "ei.pc's prefix is $p, not the install prefix $prefix"
    if [ "$mode" = pkgconfig ]; then
        cflags=$("$PKG_CONFIG" --cflags ei)
        libs=$("$PKG_CONFIG" --libs ei)
        echo "pkg-config --cflags --libs ei: $cflags $libs"
        # shellcheck disable=SC2086
        show "$CC" "${strict[@]}" -o "$EI_WORK/ei_hello" "$EI_HELLO_SRC" $cflags $libs
        check_program "$EI_WORK/ei_hello" shared "$libdir"
    else
        cflags=$("$PKG_CONFIG" --cflags --static ei)
        libs=$("$PKG_CONFIG" --libs --static ei)
        echo "pkg-config --static --cflags --libs ei: $cflags $libs"
        # shellcheck disable=SC2086
        show "$CC" "${strict[@]}" -static -o "$EI_WORK/ei_hello" "$EI_HELLO_SRC" $cflags $libs \
            2>"$EI_WORK/link.log" || { cat "$EI_WORK/link.log" >&2; fail "static link failed"; }
        # glibc warns that getaddrinfo, gethostbyname and friends still need
        # its shared libraries at run time: true of any static program.
        n=$(grep -c 'in statically linked applications requires at runtime' "$EI_WORK/link.log" || true)
        grep -v -e 'in statically linked applications requires at runtime' -e ': in function `' \
            "$EI_WORK/link.log" >&2 || true
        echo "(the linker gave $n warnings about glibc's name resolution in static programs)"
        if readelf -l "$EI_WORK/ei_hello" | grep -q 'INTERP'; then
            fail "$EI_WORK/ei_hello is not statically linked"
        fi
        check_program "$EI_WORK/ei_hello" static
    fi
    ;;

plain_cc)
    # The way programs linked OTP's libei: -I, -L, -lei.
    fresh_work
    show "$CC" "${strict[@]}" -o "$EI_WORK/ei_hello" "$EI_HELLO_SRC" -I "$incdir" -L "$libdir" -lei
    check_program "$EI_WORK/ei_hello" shared "$libdir"
    ;;

find_package | find_package_version)
    fresh_work
    configure=("$EI_CMAKE" -S "$EI_CONSUMER_DIR" -B "$EI_WORK/build" -G "$EI_CMAKE_GENERATOR"
        -DCMAKE_C_COMPILER="$CC" -DCMAKE_PREFIX_PATH="$prefix"
        -DEI_HELLO_SRC="$EI_HELLO_SRC")
    if [ "$mode" = find_package_version ]; then
        # A request for the next soname's version must not accept this one.
        case $EI_SOVERSION in
            0.0.*) bad=0.0.$((${EI_VERSION##*.} + 1)) ;;
            0.*) bad=0.$((${EI_SOVERSION#0.} + 1)) ;;
            *) bad=$((EI_SOVERSION + 1)) ;;
        esac
        echo "+ ${configure[*]} -DEI_REQUIRED_VERSION=$bad"
        if out=$("${configure[@]}" -DEI_REQUIRED_VERSION="$bad" 2>&1); then
            echo "$out"
            fail "find_package(ei $bad) succeeded with ei $EI_VERSION installed"
        fi
        echo "$out" | grep -F -A6 'Could not find a configuration file for package "ei" that is compatible' ||
            { echo "$out"; fail "find_package(ei $bad) did not fail for the version"; }
        echo "OK: find_package(ei $bad) refused ei $EI_VERSION"
        exit 0
    fi
    show "${configure[@]}" -DEI_REQUIRED_VERSION="$EI_SOVERSION"
    ei_dir=$(sed -n 's/^ei_DIR:PATH=//p' "$EI_WORK/build/CMakeCache.txt")
    [ "$ei_dir" = "$libdir/cmake/ei" ] || fail "find_package(ei) used $ei_dir, not $libdir/cmake/ei"
    show "$EI_CMAKE" --build "$EI_WORK/build" --verbose
    # ei::ei (shared): CMake gives the program a runpath to the library's folder.
    check_program "$EI_WORK/build/ei_hello_shared" shared
    # ei::ei_static: libei.a in an otherwise dynamic program.
    check_program "$EI_WORK/build/ei_hello_static" static
    ;;

*)
    echo "unknown mode: $mode" >&2
    exit 2
    ;;
esac
