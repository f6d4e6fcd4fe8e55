/*
 * print_encode_diff: the same program is built against OTP's libei
 * (print_encode_diff_otp, with -DEI_DIFF_OTP) and against ei-rs
 * (print_encode_diff_rs); gen_terms.erl (mode diff_libei) compares the
 * two outputs.
 *
 * usage: print_encode_diff CORPUS OUT
 *
 * Part A: a fixed list of encode calls (every ei_encode_* / ei_x_encode_*,
 * ei_x_format) with edge values.  Each fixed-buffer call is made twice:
 * with buf == NULL (the size pass) and with a real buffer at a non-zero
 * start index.  One line per call:
 *     A <label> null_rc=<rc> size=<n> rc=<rc> len=<n> <hex>
 * (sizes and bytes only when the call succeeded: where libei leaves the
 * index on failure is not part of the contract).
 *
 * Part B: every corpus term (CORPUS: 4-byte big-endian framed records
 * <<Flags, SectionLen, Section, TermBinary>>) is printed with
 * ei_s_print_term (and ei_print_term to a memory stream, which must agree):
 *     B <i> <section> type=<t> size=<s> skip=<rc>/<idx> idx=<idx> rc=<rc> len=<n>
 *     <n bytes of printed text>
 * Records with Flags & 1 (rs_only: bignums that overflow libei's stack in
 * ei_print_term) are skipped when built with -DEI_DIFF_OTP.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <float.h>
#include <math.h>

#include "ei.h"

static FILE *out;
static char *buf;               /* fixed buffer for the ei_encode_* calls */
#define BUFSZ (1 << 20)
#define START 3                 /* encode at a non-zero index */

static void hex(const char *p, int n)
{
    int i;
    if (n <= 4096) {
        for (i = 0; i < n; i++)
            fprintf(out, "%02x", (unsigned char)p[i]);
    } else {
        /* long results: FNV-1a hash plus head and tail */
        unsigned long long h = 1469598103934665603ULL;
        for (i = 0; i < n; i++) {
            h ^= (unsigned char)p[i];
            h *= 1099511628211ULL;
        }
        fprintf(out, "fnv=%016llx head=", h);
        for (i = 0; i < 64; i++)
            fprintf(out, "%02x", (unsigned char)p[i]);
        fprintf(out, " tail=");
        for (i = n - 64; i < n; i++)
            fprintf(out, "%02x", (unsigned char)p[i]);
    }
}

/* EXPR must use `b` as the buffer and `&index` as the index. */
#define ENC(label, EXPR)                                                    \
    do {                                                                    \
        char *b = NULL;                                                     \
        int index = 0, rc0, size, rc;                                       \
        rc0 = (EXPR);                                                       \
        size = index;                                                       \
        b = buf;                                                            \
        memset(b, 0xAA, 64);                                                \
        index = START;                                                      \
        rc = (EXPR);                                                        \
        fprintf(out, "A %s null_rc=%d", label, rc0);                        \
        if (rc0 == 0)                                                       \
            fprintf(out, " size=%d", size);                                 \
        fprintf(out, " rc=%d", rc);                                         \
        if (rc == 0) {                                                      \
            fprintf(out, " len=%d ", index - START);                        \
            hex(b + START, index - START);                                  \
        }                                                                   \
        fputc('\n', out);                                                   \
    } while (0)

/* EXPR must use `x` (an ei_x_buff *). */
#define XENC(label, EXPR)                                                   \
    do {                                                                    \
        ei_x_buff xb;                                                       \
        ei_x_buff *x = &xb;                                                 \
        int rc;                                                             \
        ei_x_new(x);                                                        \
        ei_x_append_buf(x, "\x01\x02", 2);                                  \
        rc = (EXPR);                                                        \
        fprintf(out, "A x_%s rc=%d", label, rc);                            \
        if (rc >= 0) {                                                      \
            fprintf(out, " len=%d ", x->index);                             \
            hex(x->buff, x->index);                                         \
        }                                                                   \
        fputc('\n', out);                                                   \
        ei_x_free(x);                                                       \
    } while (0)

static char label[256];
#define L(...) (snprintf(label, sizeof(label), __VA_ARGS__), label)

static void enc_integers(void)
{
    static const long longs[] = {
        0, 1, -1, 127, 128, 255, 256, -255, -256, -257,
        (1L << 27) - 1, 1L << 27, (1L << 27) + 1,
        -(1L << 27), -(1L << 27) - 1, -(1L << 27) + 1,
        INT_MAX, INT_MIN, (long)INT_MAX + 1, (long)INT_MIN - 1,
        1L << 32, (1L << 32) - 1, -(1L << 32),
        LONG_MAX, LONG_MIN, LONG_MIN + 1, LONG_MAX - 1
    };
    static const unsigned long ulongs[] = {
        0, 1, 255, 256, (1UL << 27) - 1, 1UL << 27, (1UL << 27) + 1,
        (1UL << 31) - 1, 1UL << 31, (1UL << 32) - 1, 1UL << 32,
        LONG_MAX, (unsigned long)LONG_MAX + 1, ULONG_MAX, ULONG_MAX - 1
    };
    static const long long lls[] = {
        0, -1, 255, 256, (1LL << 27) - 1, 1LL << 27, -(1LL << 27),
        -(1LL << 27) - 1, INT_MAX, INT_MIN, 1LL << 40, -(1LL << 40),
        LLONG_MAX, LLONG_MIN, LLONG_MIN + 1
    };
    static const unsigned long long ulls[] = {
        0, 255, 256, (1ULL << 27) - 1, 1ULL << 27, 1ULL << 32,
        (1ULL << 63) - 1, 1ULL << 63, ULLONG_MAX
    };
    size_t i;
    for (i = 0; i < sizeof(longs) / sizeof(longs[0]); i++) {
        long v = longs[i];
        ENC(L("long %ld", v), ei_encode_long(b, &index, v));
        XENC(L("long %ld", v), ei_x_encode_long(x, v));
    }
    for (i = 0; i < sizeof(ulongs) / sizeof(ulongs[0]); i++) {
        unsigned long v = ulongs[i];
        ENC(L("ulong %lu", v), ei_encode_ulong(b, &index, v));
        XENC(L("ulong %lu", v), ei_x_encode_ulong(x, v));
    }
    for (i = 0; i < sizeof(lls) / sizeof(lls[0]); i++) {
        long long v = lls[i];
        ENC(L("longlong %lld", v), ei_encode_longlong(b, &index, v));
        XENC(L("longlong %lld", v), ei_x_encode_longlong(x, v));
    }
    for (i = 0; i < sizeof(ulls) / sizeof(ulls[0]); i++) {
        unsigned long long v = ulls[i];
        ENC(L("ulonglong %llu", v), ei_encode_ulonglong(b, &index, v));
        XENC(L("ulonglong %llu", v), ei_x_encode_ulonglong(x, v));
    }
}

static void enc_misc_scalars(void)
{
    static const double ds[] = {
        0.0, -0.0, 1.0, -1.5, 0.1, 3.141592653589793, DBL_MIN, -DBL_MIN,
        DBL_MAX, -DBL_MAX, 4.9406564584124654e-324, 1e300, 1e-300,
        9007199254740993.0
    };
    static const int bools[] = {0, 1, 2, -1};
    static const char chars[] = {0, 'a', 127, (char)0x80, (char)0xe9,
                                 (char)0xff};
    size_t i;
    for (i = 0; i < sizeof(ds) / sizeof(ds[0]); i++) {
        double v = ds[i];
        ENC(L("double %a", v), ei_encode_double(b, &index, v));
        XENC(L("double %a", v), ei_x_encode_double(x, v));
    }
    /* "nonfinite": OTP's source rejects NaN/inf (-1) only if built with
     * HAVE_ISFINITE; Debian's libei encodes them.  The comparison accepts
     * either libei's bytes or -1 from ei-rs (KNOWN_DIFFERENCES.md). */
    ENC("nonfinite double nan", ei_encode_double(b, &index, NAN));
    ENC("nonfinite double inf", ei_encode_double(b, &index, INFINITY));
    ENC("nonfinite double -inf", ei_encode_double(b, &index, -INFINITY));
    XENC("nonfinite double nan", ei_x_encode_double(x, NAN));
    XENC("nonfinite double inf", ei_x_encode_double(x, INFINITY));
    for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
        int v = bools[i];
        ENC(L("boolean %d", v), ei_encode_boolean(b, &index, v));
        XENC(L("boolean %d", v), ei_x_encode_boolean(x, v));
    }
    for (i = 0; i < sizeof(chars) / sizeof(chars[0]); i++) {
        char v = chars[i];
        ENC(L("char %d", (unsigned char)v), ei_encode_char(b, &index, v));
        XENC(L("char %d", (unsigned char)v), ei_x_encode_char(x, v));
    }
    ENC("version", ei_encode_version(b, &index));
    XENC("version", ei_x_encode_version(x));
    {
        ei_x_buff xv;
        ei_x_new_with_version(&xv);
        fprintf(out, "A x_new_with_version len=%d ", xv.index);
        hex(xv.buff, xv.index);
        fputc('\n', out);
        ei_x_free(&xv);
    }
}

static char *repeat(const char *unit, int n)
{
    size_t ul = strlen(unit);
    char *s = malloc(ul * (size_t)n + 1);
    int i;
    for (i = 0; i < n; i++)
        memcpy(s + ul * (size_t)i, unit, ul);
    s[ul * (size_t)n] = '\0';
    return s;
}

static void enc_strings(void)
{
    static const char *strs[] = {"", "a", "abc", "caf\xe9", "\xff\x80\x01",
                                 "with\nnewline"};
    static const int lens[] = {0, 1, 255, 256, 65534, 65535, 65536, 70000};
    char *big = malloc(70001);
    size_t i;
    for (i = 0; i < 70000; i++)
        big[i] = (char)(i * 7 + 1);
    big[70000] = '\0';
    for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        const char *s = strs[i];
        ENC(L("string #%zu", i), ei_encode_string(b, &index, s));
        XENC(L("string #%zu", i), ei_x_encode_string(x, s));
    }
    for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        int n = lens[i];
        ENC(L("string_len %d", n), ei_encode_string_len(b, &index, big, n));
        XENC(L("string_len %d", n), ei_x_encode_string_len(x, big, n));
    }
    /* embedded NUL */
    ENC("string_len nul", ei_encode_string_len(b, &index, "a\0b", 3));
    free(big);
}

static void enc_atoms(void)
{
    static const char *latin1[] = {"", "a", "ok", "Hello World", "caf\xe9",
                                   "\xff", "true", "with\nnewline"};
    static const int lens[] = {127, 128, 254, 255, 256, 300};
    static const char *utf8[] = {"", "a", "\xce\xbb", "a\xce\xbb",
                                 "\xf0\x9f\x98\x80", "caf\xc3\xa9",
                                 "\xef\xbb\xbf", "\xf4\x8f\xbf\xbf"};
    static const char *bad_utf8[] = {"\xff", "\xce", "\xce\x41", "\x80",
                                     "\xf0\x9f\x98", "\xe9"};
    static const erlang_char_encoding encs[] = {ERLANG_ASCII, ERLANG_LATIN1,
                                                ERLANG_UTF8};
    size_t i, j, k;
    for (i = 0; i < sizeof(latin1) / sizeof(latin1[0]); i++) {
        const char *s = latin1[i];
        ENC(L("atom #%zu", i), ei_encode_atom(b, &index, s));
        XENC(L("atom #%zu", i), ei_x_encode_atom(x, s));
        ENC(L("atom_len #%zu", i), ei_encode_atom_len(b, &index, s, (int)strlen(s)));
        XENC(L("atom_len #%zu", i), ei_x_encode_atom_len(x, s, (int)strlen(s)));
    }
    for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        int n = lens[i];
        char *a = repeat("a", n), *e = repeat("\xe9", n);
        char *l = repeat("\xce\xbb", n), *m = repeat("\xf0\x9f\x98\x80", n);
        ENC(L("atom ascii*%d", n), ei_encode_atom(b, &index, a));
        XENC(L("atom ascii*%d", n), ei_x_encode_atom(x, a));
        ENC(L("atom latin1*%d", n), ei_encode_atom(b, &index, e));
        XENC(L("atom latin1*%d", n), ei_x_encode_atom(x, e));
        ENC(L("atom_len latin1*%d", n), ei_encode_atom_len(b, &index, e, n));
        XENC(L("atom_len latin1*%d", n), ei_x_encode_atom_len(x, e, n));
        for (j = 0; j < 3; j++) {
            for (k = 0; k < 3; k++) {
                erlang_char_encoding f = encs[j], t = encs[k];
                ENC(L("atom_as ascii*%d %d->%d", n, f, t),
                    ei_encode_atom_as(b, &index, a, f, t));
                ENC(L("atom_len_as latin1*%d %d->%d", n, f, t),
                    ei_encode_atom_len_as(b, &index, e, n, f, t));
            }
        }
        ENC(L("atom_as lambda*%d", n),
            ei_encode_atom_as(b, &index, l, ERLANG_UTF8, ERLANG_UTF8));
        XENC(L("atom_as lambda*%d", n),
             ei_x_encode_atom_as(x, l, ERLANG_UTF8, ERLANG_UTF8));
        ENC(L("atom_as emoji*%d", n),
            ei_encode_atom_as(b, &index, m, ERLANG_UTF8, ERLANG_LATIN1));
        XENC(L("atom_len_as emoji*%d", n),
             ei_x_encode_atom_len_as(x, m, 4 * n, ERLANG_UTF8, ERLANG_UTF8));
        free(a); free(e); free(l); free(m);
    }
    for (i = 0; i < sizeof(utf8) / sizeof(utf8[0]); i++) {
        for (j = 0; j < 3; j++) {
            const char *s = utf8[i];
            erlang_char_encoding f = encs[j];
            ENC(L("atom_as utf8#%zu from %d", i, f),
                ei_encode_atom_as(b, &index, s, f, ERLANG_UTF8));
            XENC(L("atom_as utf8#%zu from %d", i, f),
                 ei_x_encode_atom_as(x, s, f, ERLANG_UTF8));
        }
    }
    for (i = 0; i < sizeof(bad_utf8) / sizeof(bad_utf8[0]); i++) {
        const char *s = bad_utf8[i];
        ENC(L("atom_as bad_utf8#%zu", i),
            ei_encode_atom_as(b, &index, s, ERLANG_UTF8, ERLANG_UTF8));
        XENC(L("atom_len_as bad_utf8#%zu", i),
             ei_x_encode_atom_len_as(x, s, (int)strlen(s), ERLANG_UTF8,
                                     ERLANG_LATIN1));
    }
    /* explicit lengths shorter than the string, and zero */
    ENC("atom_len 2 of abc", ei_encode_atom_len(b, &index, "abc", 2));
    ENC("atom_len 0", ei_encode_atom_len(b, &index, "abc", 0));
    ENC("atom_len_as utf8 2 of \xce\xbb\xce\xbb",
        ei_encode_atom_len_as(b, &index, "\xce\xbb\xce\xbb", 2, ERLANG_UTF8,
                              ERLANG_UTF8));
}

static const unsigned char pattern[40] = {
    0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x23, 0x45, 0x67, 0x89, 0xAB,
    0xCD, 0xEF, 0xFF, 0x00, 0x80, 0x7F, 0x55, 0xAA, 0x0F, 0xF0,
    0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0, 0x11, 0x22,
    0x33, 0x44, 0x66, 0x77, 0x88, 0x99, 0xA5, 0x5A, 0xC3, 0x3C};

static void enc_binaries(void)
{
    static const long lens[] = {0, 1, 5, 40};
    static const size_t offs[] = {0, 1, 3, 7, 8, 13};
    static const size_t bits[] = {0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 100, 200};
    size_t i, j;
    char *big = malloc(70000);
    for (i = 0; i < 70000; i++)
        big[i] = (char)(i ^ (i >> 8));
    for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        long n = lens[i];
        ENC(L("binary %ld", n), ei_encode_binary(b, &index, pattern, n));
        XENC(L("binary %ld", n), ei_x_encode_binary(x, pattern, (int)n));
    }
    ENC("binary 70000", ei_encode_binary(b, &index, big, 70000));
    XENC("binary 70000", ei_x_encode_binary(x, big, 70000));
    for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
        for (j = 0; j < sizeof(bits) / sizeof(bits[0]); j++) {
            size_t o = offs[i], n = bits[j];
            ENC(L("bitstring offs=%zu bits=%zu", o, n),
                ei_encode_bitstring(b, &index, (const char *)pattern, o, n));
            XENC(L("bitstring offs=%zu bits=%zu", o, n),
                 ei_x_encode_bitstring(x, (const char *)pattern, o, n));
        }
    }
    free(big);
}

static void set_node(char *node, const char *s)
{
    strncpy(node, s, MAXATOMLEN_UTF8 - 1);
    node[MAXATOMLEN_UTF8 - 1] = '\0';
}

static void enc_pids_ports_refs(void)
{
    static const char *nodes[] = {"a@b", "remote@host", "\xce\xbb@host",
                                  "", "caf\xe9@bad_utf8"};
    static const unsigned int creations[] = {0, 1, 3, 4, 0x7fffffff,
                                             0xffffffff};
    static const unsigned long long port_ids[] = {
        0, 1, 0x0fffffff, 0x10000000, 0x7fffffff, 0xffffffffULL,
        0x100000000ULL, ULLONG_MAX};
    char *longnode = repeat("n", 250);
    size_t i, j;
    erlang_pid pid;
    erlang_port port;
    erlang_ref ref;
    erlang_trace tr;

    for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]) + 1; i++) {
        const char *node = i < sizeof(nodes) / sizeof(nodes[0]) ? nodes[i]
                                                                 : longnode;
        for (j = 0; j < sizeof(creations) / sizeof(creations[0]); j++) {
            memset(&pid, 0, sizeof(pid));
            set_node(pid.node, node);
            pid.num = (unsigned)(j * 0x12345 + 1);
            pid.serial = j == 5 ? 0xffffffffu : (unsigned)j;
            pid.creation = creations[j];
            ENC(L("pid node#%zu cr#%zu", i, j), ei_encode_pid(b, &index, &pid));
            XENC(L("pid node#%zu cr#%zu", i, j), ei_x_encode_pid(x, &pid));

            memset(&ref, 0, sizeof(ref));
            set_node(ref.node, node);
            ref.creation = creations[j];
            ref.len = (int)(j % 5) + 1;
            ref.n[0] = 0x3ffff; ref.n[1] = 0xffffffffu; ref.n[2] = 7;
            ref.n[3] = 0x80000000u; ref.n[4] = 42;
            ENC(L("ref node#%zu cr#%zu", i, j), ei_encode_ref(b, &index, &ref));
            XENC(L("ref node#%zu cr#%zu", i, j), ei_x_encode_ref(x, &ref));
        }
        for (j = 0; j < sizeof(port_ids) / sizeof(port_ids[0]); j++) {
            memset(&port, 0, sizeof(port));
            set_node(port.node, node);
            port.id = port_ids[j];
            port.creation = creations[j % 6];
            ENC(L("port node#%zu id#%zu", i, j), ei_encode_port(b, &index, &port));
            XENC(L("port node#%zu id#%zu", i, j), ei_x_encode_port(x, &port));
        }
    }
    memset(&ref, 0, sizeof(ref));
    set_node(ref.node, "a@b");
    ref.len = 0;
    ENC("ref len 0", ei_encode_ref(b, &index, &ref));

    memset(&tr, 0, sizeof(tr));
    tr.serial = 1; tr.prev = -2; tr.label = 300; tr.flags = 1L << 40;
    set_node(tr.from.node, "tracer@host");
    tr.from.num = 5; tr.from.creation = 9;
    ENC("trace", ei_encode_trace(b, &index, &tr));
    XENC("trace", ei_x_encode_trace(x, &tr));
    free(longnode);
}

static void enc_funs(void)
{
    /* free variables: 1 and the atom ok, as external format */
    static char free_vars[] = {'a', 1, 'w', 2, 'o', 'k'};
    erlang_fun f;
    int i;

    memset(&f, 0, sizeof(f));
    f.arity = 2;
    strcpy(f.module, "mymod");
    f.type = EI_FUN_CLOSURE;
    for (i = 0; i < 16; i++)
        f.u.closure.md5[i] = (char)(i * 17);
    f.u.closure.index = 5;
    f.u.closure.old_index = 7;
    f.u.closure.uniq = 123456;
    f.u.closure.n_free_vars = 2;
    set_node(f.u.closure.pid.node, "a@b");
    f.u.closure.pid.num = 1;
    f.u.closure.pid.serial = 2;
    f.u.closure.pid.creation = 3;
    f.u.closure.free_var_len = sizeof(free_vars);
    f.u.closure.free_vars = free_vars;
    ENC("fun closure", ei_encode_fun(b, &index, &f));
    XENC("fun closure", ei_x_encode_fun(x, &f));

    f.u.closure.n_free_vars = 0;
    f.u.closure.free_var_len = 0;
    f.u.closure.index = 70000;
    f.u.closure.uniq = 1L << 30;
    strcpy(f.module, "\xce\xbbmod");
    ENC("fun closure no env", ei_encode_fun(b, &index, &f));
    XENC("fun closure no env", ei_x_encode_fun(x, &f));

    f.arity = -1; /* old FUN_EXT */
    f.u.closure.n_free_vars = 2;
    f.u.closure.free_var_len = sizeof(free_vars);
    ENC("fun old", ei_encode_fun(b, &index, &f));
    XENC("fun old", ei_x_encode_fun(x, &f));

    memset(&f, 0, sizeof(f));
    f.type = EI_FUN_EXPORT;
    f.arity = 2;
    strcpy(f.module, "lists");
    f.u.exprt.func = "map";
    ENC("fun export", ei_encode_fun(b, &index, &f));
    XENC("fun export", ei_x_encode_fun(x, &f));
    strcpy(f.module, "\xc3\xb1mod");
    f.u.exprt.func = "\xce\xbb";
    f.arity = 255;
    ENC("fun export utf8", ei_encode_fun(b, &index, &f));
    XENC("fun export utf8", ei_x_encode_fun(x, &f));
}

static void enc_bigs(void)
{
    static const unsigned arities[] = {0, 1, 2, 3, 8, 9, 16, 255, 256, 1000};
    size_t i, j;
    for (i = 0; i < sizeof(arities) / sizeof(arities[0]); i++) {
        unsigned a = arities[i];
        int neg;
        for (neg = 0; neg < 2; neg++) {
            erlang_big *bg = ei_alloc_big(a);
            unsigned short *d = bg->digits;
            for (j = 0; j < (a + 1) / 2; j++)
                d[j] = (unsigned short)(0x1234 + j * 0x1111);
            bg->is_neg = neg;
            ENC(L("big arity=%u neg=%d", a, neg), ei_encode_big(b, &index, bg));
            XENC(L("big arity=%u neg=%d", a, neg), ei_x_encode_big(x, bg));
            ei_free_big(bg);
        }
    }
}

static void enc_headers(void)
{
    static const int arities[] = {-1, 0, 1, 255, 256, 65536, INT_MAX};
    size_t i;
    for (i = 0; i < sizeof(arities) / sizeof(arities[0]); i++) {
        int n = arities[i];
        ENC(L("tuple_header %d", n), ei_encode_tuple_header(b, &index, n));
        XENC(L("tuple_header %d", n), ei_x_encode_tuple_header(x, n));
        ENC(L("list_header %d", n), ei_encode_list_header(b, &index, n));
        XENC(L("list_header %d", n), ei_x_encode_list_header(x, n));
        ENC(L("map_header %d", n), ei_encode_map_header(b, &index, n));
        XENC(L("map_header %d", n), ei_x_encode_map_header(x, n));
    }
    ENC("empty_list", ei_encode_empty_list(b, &index));
    XENC("empty_list", ei_x_encode_empty_list(x));
}

static void enc_format(void)
{
    erlang_pid pid;
    char *longatom = repeat("a", 300);
    char fmt[400];
    memset(&pid, 0, sizeof(pid));
    set_node(pid.node, "p@h");
    pid.num = 7;
    pid.serial = 1;
    pid.creation = 2;

    XENC("format ~a", ei_x_format(x, "~a", "hello"));
    XENC("format ~a latin1", ei_x_format(x, "~a", "caf\xe9"));
    XENC("format ~c", ei_x_format(x, "~c", 'x'));
    XENC("format ~c high", ei_x_format(x, "~c", (char)0xe9));
    XENC("format ~s", ei_x_format(x, "~s", "str"));
    XENC("format ~s empty", ei_x_format(x, "~s", ""));
    XENC("format ~i", ei_x_format(x, "~i", -5));
    XENC("format ~i max", ei_x_format(x, "~i", INT_MAX));
    XENC("format ~l", ei_x_format(x, "~l", LONG_MIN));
    XENC("format ~u", ei_x_format(x, "~u", ULONG_MAX));
    XENC("format ~f", ei_x_format(x, "~f", (float)1.5));
    XENC("format ~d", ei_x_format(x, "~d", -2.25));
    XENC("format ~p", ei_x_format(x, "~p", &pid));
    XENC("format tuple",
         ei_x_format(x, "{~a,~i,[~s,~d],{}}", "ok", 42, "s", 0.5));
    XENC("format list",
         ei_x_format(x, "[a, 'Quoted Atom', \"string\", 42, -7, +3, 3.25, "
                        "-0.5, {}, [], {x}]"));
    XENC("format bar improper", ei_x_format(x, "[1,2|3]"));
    XENC("format bar improper2", ei_x_format(x, "[1 | [2]]"));
    XENC("format nested", ei_x_format(x, "{a,{b,{c,[d,[e,[]]]}}}"));
    XENC("format spaces", ei_x_format(x, "  { a , 1 , [ b ] }  "));
    XENC("format atom@", ei_x_format(x, "a_B@c9"));
    XENC("format escaped string", ei_x_format(x, "\"say \\\"hi\\\"\""));
    XENC("format escaped atom", ei_x_format(x, "'it\\'s'"));
    XENC("format empty string", ei_x_format(x, "\"\""));
    XENC("format bad directive", ei_x_format(x, "~z", 1));
    XENC("format bad tuple", ei_x_format(x, "{a,,b}"));
    XENC("format bad list", ei_x_format(x, "[a|b,c]"));
    XENC("format bad start", ei_x_format(x, "Upper"));
    XENC("format unterminated string", ei_x_format(x, "\"abc"));
    XENC("format unterminated atom", ei_x_format(x, "'abc"));
    snprintf(fmt, sizeof(fmt), "{%s}", longatom);
    XENC("format long atom", ei_x_format(x, fmt));
    XENC("format_wo_ver", ei_x_format_wo_ver(x, "{~a,~i}", "a", 1));
    XENC("format_wo_ver bar list", ei_x_format_wo_ver(x, "[~l,~u|~a]", -1L, 2UL, "t"));
    free(longatom);
}

static int grow(ei_x_buff *x)
{
    int k, r = 0;
    for (k = 0; k < 10000 && r >= 0; k++)
        r = ei_x_encode_long(x, k * 1000003L);
    return r;
}

static void enc_x_misc(void)
{
    ei_x_buff a, c;
    ei_x_new(&a);
    ei_x_new_with_version(&c);
    ei_x_encode_atom(&a, "first");
    ei_x_encode_long(&c, 99);
    XENC("append", (ei_x_append(x, &a), ei_x_append(x, &c)));
    XENC("append_buf", ei_x_append_buf(x, "xyz", 3));
    XENC("append_buf 0", ei_x_append_buf(x, "", 0));
    ei_x_free(&a);
    ei_x_free(&c);
    /* a long run of appends, to exercise growth */
    XENC("grow", grow(x));
}

/* ---------------------------------------------------------- part B */

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *p = NULL;
    size_t cap = 0, n = 0, r;
    if (!f)
        return NULL;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : (1u << 20);
            p = realloc(p, cap);
            if (!p)
                return NULL;
        }
        r = fread(p + n, 1, cap - n, f);
        if (r == 0)
            break;
        n += r;
    }
    fclose(f);
    *len = n;
    return p;
}

static int print_corpus(const char *path)
{
    size_t len, pos = 0;
    unsigned char *data = read_file(path, &len);
    int i = 0;
    if (!data) {
        perror(path);
        return -1;
    }
    while (pos + 4 <= len) {
        size_t flen = ((size_t)data[pos] << 24) | ((size_t)data[pos + 1] << 16) |
                      ((size_t)data[pos + 2] << 8) | data[pos + 3];
        const unsigned char *rec = data + pos + 4;
        int flags = rec[0], seclen = rec[1];
        const char *sec = (const char *)rec + 2;
        const char *term = sec + seclen;
        int tlen = (int)flen - 2 - seclen;
        int type = 0, size = 0, skip_idx = 1, skip_rc, idx = 1, rc;
        char *s = NULL;
        pos += 4 + flen;
#ifdef EI_DIFF_OTP
        if (flags & 1) {
            i++;
            continue;
        }
#else
        (void)flags;
#endif
        ei_get_type(term, &skip_idx, &type, &size);
        skip_rc = ei_skip_term(term, &skip_idx);
        rc = ei_s_print_term(&s, term, &idx);
        fprintf(out, "B %d %.*s type=%d size=%d skip=%d/%d idx=%d", i, seclen,
                sec, type, size, skip_rc, skip_rc == 0 ? skip_idx : -1,
                rc >= 0 ? idx : -1);
        if (rc >= 0) {
            /* ei_print_term to a FILE must print the same text */
            char *ms = NULL;
            size_t ml = 0;
            FILE *mf = open_memstream(&ms, &ml);
            int fidx = 1, frc = ei_print_term(mf, term, &fidx);
            fclose(mf);
            if (frc != rc || fidx != idx || ml != strlen(s) ||
                memcmp(ms, s, ml) != 0)
                fprintf(out, " fp_differs(rc=%d)", frc);
            free(ms);
        }
        fprintf(out, " rc=%d len=%zu\n", rc, rc >= 0 ? strlen(s) : 0);
        if (rc >= 0)
            fwrite(s, 1, strlen(s), out);
        fputc('\n', out);
        free(s);
        (void)tlen;
        i++;
    }
    free(data);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s CORPUS OUT\n", argv[0]);
        return 2;
    }
    ei_init();
    out = fopen(argv[2], "wb");
    buf = malloc(BUFSZ);
    if (!out || !buf) {
        perror(argv[2]);
        return 2;
    }
    enc_integers();
    enc_misc_scalars();
    enc_strings();
    enc_atoms();
    enc_binaries();
    enc_pids_ports_refs();
    enc_funs();
    enc_bigs();
    enc_headers();
    enc_format();
    enc_x_misc();
    fprintf(out, "A end of part A\n");
    if (print_corpus(argv[1]) < 0)
        return 2;
    if (fclose(out) != 0) {
        perror("close");
        return 2;
    }
    free(buf);
    return 0;
}
