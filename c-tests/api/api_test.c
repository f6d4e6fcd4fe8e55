/*
 * API test for the codec half of libei.
 *
 * Compiled against OTP's <ei.h> (and against ei-rs' include/ei.h) and linked
 * against OTP's libei.a (api_otp: proves the expectations), ei-rs' libei.so
 * (api_rs_shared) and ei-rs' libei.a (api_rs_static).
 *
 * Every check prints what failed; the program exits 1 if any check failed.
 * Behaviour that is a known bug in OTP's libei (sign-extended chars in printed
 * strings, atoms outside Latin-1 in ei_print_term, port ids / ref words printed
 * as signed 32-bit, huge bignums in ei_print_term) is deliberately not checked
 * here.
 */
#include <ei.h>

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
static int checks;

#define CHECK(cond)                                                           \
    do {                                                                      \
        checks++;                                                             \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,  \
                    #cond);                                                   \
            failures++;                                                       \
        }                                                                     \
    } while (0)

#define CHECK_EQ_LONG(a, b)                                                   \
    do {                                                                      \
        long long a_ = (long long)(a), b_ = (long long)(b);                   \
        checks++;                                                             \
        if (a_ != b_) {                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", \
                    __FILE__, __LINE__, #a, #b, a_, b_);                      \
            failures++;                                                       \
        }                                                                     \
    } while (0)

#define CHECK_STR(a, b)                                                       \
    do {                                                                      \
        const char *a_ = (a), *b_ = (b);                                      \
        checks++;                                                             \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) {                \
            fprintf(stderr,                                                   \
                    "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n",     \
                    __FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)",           \
                    b_ ? b_ : "(null)");                                      \
            failures++;                                                       \
        }                                                                     \
    } while (0)

static void hexdump(const char *label, const unsigned char *p, int len)
{
    fprintf(stderr, "  %s (%d bytes):", label, len);
    for (int i = 0; i < len && i < 64; i++)
        fprintf(stderr, " %d", p[i]);
    fprintf(stderr, "%s\n", len > 64 ? " ..." : "");
}

static void check_bytes_at(const char *file, int line, const char *what,
                           const char *got, int gotlen,
                           const unsigned char *want, int wantlen)
{
    checks++;
    if (gotlen != wantlen || memcmp(got, want, wantlen) != 0) {
        fprintf(stderr, "%s:%d: bytes differ: %s\n", file, line, what);
        hexdump("got ", (const unsigned char *)got, gotlen);
        hexdump("want", want, wantlen);
        failures++;
    }
}
#define CHECK_BYTES(what, got, gotlen, ...)                                   \
    do {                                                                      \
        static const unsigned char want_[] = {__VA_ARGS__};                   \
        check_bytes_at(__FILE__, __LINE__, what, (const char *)(got), gotlen, \
                       want_, (int)sizeof want_);                             \
    } while (0)

/*
 * ENCODE(what, enc, xenc, ...expected bytes or nothing...)
 *   enc:  an expression using `buf` and `idx` (char *, int *), e.g.
 *         ei_encode_long(buf, idx, 42)
 *   xenc: an expression using `x` (ei_x_buff *), e.g. ei_x_encode_long(x, 42)
 * Checks: the size pass (buf == NULL) gives the same length as the real pass,
 * encoding at a non-zero index works and does not write outside its range,
 * the ei_x_ variant produces the same bytes, and (if given) the bytes are the
 * expected ones.  Leaves the encoding in `enc_out`/`enc_len`.
 */
static char enc_out[140000];
static int enc_len;

#define ENCODE(what, enc, xenc, ...)                                          \
    do {                                                                      \
        static const unsigned char want_[] = {0, ##__VA_ARGS__};              \
        static char area_[140016];                                             \
        int size_ = 0, i_ = 0;                                                \
        ei_x_buff xb_;                                                        \
        {                                                                     \
            char *buf = NULL;                                                 \
            int *idx = &size_;                                                \
            CHECK_EQ_LONG((enc), 0);                                          \
        }                                                                     \
        {                                                                     \
            char *buf = area_;                                                \
            int *idx = &i_;                                                   \
            memset(area_, 0x5a, sizeof area_);                                \
            i_ = 3;                                                           \
            CHECK_EQ_LONG((enc), 0);                                          \
            CHECK_EQ_LONG(i_, size_ + 3);                                     \
            CHECK(area_[0] == 0x5a && area_[1] == 0x5a && area_[2] == 0x5a);  \
            CHECK(area_[i_] == 0x5a);                                         \
        }                                                                     \
        enc_len = size_;                                                      \
        memcpy(enc_out, area_ + 3, size_);                                    \
        if (sizeof want_ > 1)                                                 \
            check_bytes_at(__FILE__, __LINE__, what, enc_out, enc_len,        \
                           want_ + 1, (int)sizeof want_ - 1);                 \
        CHECK_EQ_LONG(ei_x_new(&xb_), 0);                                     \
        {                                                                     \
            ei_x_buff *x = &xb_;                                              \
            CHECK_EQ_LONG((xenc), 0);                                         \
        }                                                                     \
        check_bytes_at(__FILE__, __LINE__, what " (ei_x)", xb_.buff,          \
                       xb_.index, (const unsigned char *)enc_out, enc_len);   \
        CHECK_EQ_LONG(ei_x_free(&xb_), 0);                                    \
    } while (0)

/* A decode that must fail: returns -1 and leaves the index unchanged. */
#define DECODE_FAILS(call_with_idx, start)                                    \
    do {                                                                      \
        int fidx_ = (start);                                                  \
        int *fidx = &fidx_;                                                   \
        CHECK_EQ_LONG((call_with_idx), -1);                                   \
        CHECK_EQ_LONG(fidx_, (start));                                        \
    } while (0)

static erlang_pid make_pid(const char *node, unsigned num, unsigned serial,
                           unsigned creation)
{
    erlang_pid p;
    memset(&p, 0, sizeof p);
    strcpy(p.node, node);
    p.num = num;
    p.serial = serial;
    p.creation = creation;
    return p;
}

/* ------------------------------------------------------------------ */

static void test_version_and_ints(void)
{
    int idx, v;
    long l;
    unsigned long ul;
    EI_LONGLONG ll;
    EI_ULONGLONG ull;

    ENCODE("version", ei_encode_version(buf, idx), ei_x_encode_version(x), 131);
    idx = 0;
    CHECK_EQ_LONG(ei_decode_version(enc_out, &idx, &v), 0);
    CHECK_EQ_LONG(v, 131);
    CHECK_EQ_LONG(idx, 1);

    ENCODE("long 0", ei_encode_long(buf, idx, 0), ei_x_encode_long(x, 0), 97, 0);
    ENCODE("long 42", ei_encode_long(buf, idx, 42), ei_x_encode_long(x, 42),
           97, 42);
    ENCODE("long 255", ei_encode_long(buf, idx, 255), ei_x_encode_long(x, 255),
           97, 255);
    ENCODE("long 256", ei_encode_long(buf, idx, 256), ei_x_encode_long(x, 256),
           98, 0, 0, 1, 0);
    ENCODE("long -1", ei_encode_long(buf, idx, -1), ei_x_encode_long(x, -1),
           98, 255, 255, 255, 255);
    /* libei uses INTEGER_EXT only for 28-bit values (as OTP's libei) */
    ENCODE("long -2^27", ei_encode_long(buf, idx, -134217728L),
           ei_x_encode_long(x, -134217728L), 98, 248, 0, 0, 0);
    ENCODE("long 2^27-1", ei_encode_long(buf, idx, 134217727L),
           ei_x_encode_long(x, 134217727L), 98, 7, 255, 255, 255);
    ENCODE("long 2^27", ei_encode_long(buf, idx, 134217728L),
           ei_x_encode_long(x, 134217728L), 110, 4, 0, 0, 0, 0, 8);
    ENCODE("long 2^31-1", ei_encode_long(buf, idx, 2147483647L),
           ei_x_encode_long(x, 2147483647L), 110, 4, 0, 255, 255, 255, 127);
    ENCODE("long -2^31", ei_encode_long(buf, idx, -2147483647L - 1),
           ei_x_encode_long(x, -2147483647L - 1), 110, 4, 1, 0, 0, 0, 128);
    if (sizeof(long) == 8) {
        ENCODE("long 2^31", ei_encode_long(buf, idx, 2147483648L),
               ei_x_encode_long(x, 2147483648L), 110, 4, 0, 0, 0, 0, 128);
        ENCODE("long -2^31-1", ei_encode_long(buf, idx, -2147483649L),
               ei_x_encode_long(x, -2147483649L), 110, 4, 1, 1, 0, 0, 128);
        ENCODE("long LONG_MIN", ei_encode_long(buf, idx, LONG_MIN),
               ei_x_encode_long(x, LONG_MIN), 110, 8, 1, 0, 0, 0, 0, 0, 0, 0,
               128);
        ENCODE("long LONG_MAX", ei_encode_long(buf, idx, LONG_MAX),
               ei_x_encode_long(x, LONG_MAX), 110, 8, 0, 255, 255, 255, 255,
               255, 255, 255, 127);
        idx = 0;
        CHECK_EQ_LONG(ei_decode_long(enc_out, &idx, &l), 0);
        CHECK(l == LONG_MAX);
        CHECK_EQ_LONG(idx, enc_len);
    }

    /* decode_long over a range of values, round trip */
    {
        static const long vals[] = {0, 1, -1, 127, 128, 255, 256, -256,
                                    65535, 1 << 27, -(1 << 27), (1 << 27) - 1,
                                    2147483647L, -2147483647L - 1, LONG_MAX,
                                    LONG_MIN, LONG_MIN + 1, 4294967296L};
        for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++) {
            char b[32];
            int i = 0, j = 0;
            long got = 12345;
            CHECK_EQ_LONG(ei_encode_long(b, &i, vals[k]), 0);
            CHECK_EQ_LONG(ei_decode_long(b, &j, &got), 0);
            CHECK(got == vals[k]);
            CHECK_EQ_LONG(i, j);
            j = 0;
            CHECK_EQ_LONG(ei_decode_longlong(b, &j, &ll), 0);
            CHECK(ll == (EI_LONGLONG)vals[k]);
            if (vals[k] >= 0) {
                j = 0;
                CHECK_EQ_LONG(ei_decode_ulong(b, &j, &ul), 0);
                CHECK(ul == (unsigned long)vals[k]);
                j = 0;
                CHECK_EQ_LONG(ei_decode_ulonglong(b, &j, &ull), 0);
                CHECK(ull == (EI_ULONGLONG)vals[k]);
            } else {
                DECODE_FAILS(ei_decode_ulong(b, fidx, &ul), 0);
                DECODE_FAILS(ei_decode_ulonglong(b, fidx, &ull), 0);
            }
        }
    }

    ENCODE("ulong 0", ei_encode_ulong(buf, idx, 0), ei_x_encode_ulong(x, 0), 97, 0);
    ENCODE("ulong 200", ei_encode_ulong(buf, idx, 200), ei_x_encode_ulong(x, 200),
           97, 200);
    ENCODE("ulong 70000", ei_encode_ulong(buf, idx, 70000),
           ei_x_encode_ulong(x, 70000), 98, 0, 1, 17, 112);
    ENCODE("ulong 2^31", ei_encode_ulong(buf, idx, 2147483648UL),
           ei_x_encode_ulong(x, 2147483648UL), 110, 4, 0, 0, 0, 0, 128);
    if (sizeof(long) == 8) {
        ENCODE("ulong max", ei_encode_ulong(buf, idx, ULONG_MAX),
               ei_x_encode_ulong(x, ULONG_MAX), 110, 8, 0, 255, 255, 255, 255,
               255, 255, 255, 255);
        idx = 0;
        CHECK_EQ_LONG(ei_decode_ulong(enc_out, &idx, &ul), 0);
        CHECK(ul == ULONG_MAX);
        /* does not fit in a long */
        DECODE_FAILS(ei_decode_long(enc_out, fidx, &l), 0);
        DECODE_FAILS(ei_decode_longlong(enc_out, fidx, &ll), 0);
    }

    ENCODE("longlong 5", ei_encode_longlong(buf, idx, 5),
           ei_x_encode_longlong(x, 5), 97, 5);
    ENCODE("longlong -5", ei_encode_longlong(buf, idx, -5),
           ei_x_encode_longlong(x, -5), 98, 255, 255, 255, 251);
    ENCODE("longlong 2^40", ei_encode_longlong(buf, idx, 1099511627776LL),
           ei_x_encode_longlong(x, 1099511627776LL), 110, 6, 0, 0, 0, 0, 0, 0,
           1);
    ENCODE("longlong min", ei_encode_longlong(buf, idx, LLONG_MIN),
           ei_x_encode_longlong(x, LLONG_MIN), 110, 8, 1, 0, 0, 0, 0, 0, 0, 0,
           128);
    idx = 0;
    CHECK_EQ_LONG(ei_decode_longlong(enc_out, &idx, &ll), 0);
    CHECK(ll == LLONG_MIN);
    ENCODE("ulonglong max", ei_encode_ulonglong(buf, idx, ULLONG_MAX),
           ei_x_encode_ulonglong(x, ULLONG_MAX), 110, 8, 0, 255, 255, 255, 255,
           255, 255, 255, 255);
    idx = 0;
    CHECK_EQ_LONG(ei_decode_ulonglong(enc_out, &idx, &ull), 0);
    CHECK(ull == ULLONG_MAX);
    CHECK_EQ_LONG(idx, 11);
    ENCODE("ulonglong 7", ei_encode_ulonglong(buf, idx, 7),
           ei_x_encode_ulonglong(x, 7), 97, 7);

    /* a big that does not fit in 64 bits */
    {
        static const char big9[] = {110, 9, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
        DECODE_FAILS(ei_decode_long(big9, fidx, &l), 0);
        DECODE_FAILS(ei_decode_ulonglong(big9, fidx, &ull), 0);
    }
}

static void test_double_bool_char(void)
{
    int idx, b;
    double d;
    char c;

    ENCODE("double 3.14", ei_encode_double(buf, idx, 3.14),
           ei_x_encode_double(x, 3.14), 70, 0x40, 0x09, 0x1e, 0xb8, 0x51, 0xeb,
           0x85, 0x1f);
    idx = 0;
    CHECK_EQ_LONG(ei_decode_double(enc_out, &idx, &d), 0);
    CHECK(d == 3.14);
    CHECK_EQ_LONG(idx, 9);
    ENCODE("double -0.5", ei_encode_double(buf, idx, -0.5),
           ei_x_encode_double(x, -0.5), 70, 0xbf, 0xe0, 0, 0, 0, 0, 0, 0);
    ENCODE("double 0", ei_encode_double(buf, idx, 0.0),
           ei_x_encode_double(x, 0.0), 70, 0, 0, 0, 0, 0, 0, 0, 0);
    ENCODE("double max", ei_encode_double(buf, idx, DBL_MAX),
           ei_x_encode_double(x, DBL_MAX));
    idx = 0;
    CHECK_EQ_LONG(ei_decode_double(enc_out, &idx, &d), 0);
    CHECK(d == DBL_MAX);
    /* old FLOAT_EXT (31-byte "%.20e" string) */
    {
        char fb[32];
        double got = 0;
        memset(fb, 0, sizeof fb);
        fb[0] = 99;
        snprintf(fb + 1, 31, "%.20e", 1.5);
        idx = 0;
        CHECK_EQ_LONG(ei_decode_double(fb, &idx, &got), 0);
        CHECK(got == 1.5);
        CHECK_EQ_LONG(idx, 32);
    }

    ENCODE("true", ei_encode_boolean(buf, idx, 1), ei_x_encode_boolean(x, 1),
           119, 4, 't', 'r', 'u', 'e');
    idx = 0;
    b = 7;
    CHECK_EQ_LONG(ei_decode_boolean(enc_out, &idx, &b), 0);
    CHECK_EQ_LONG(b, 1);
    ENCODE("false", ei_encode_boolean(buf, idx, 0), ei_x_encode_boolean(x, 0),
           119, 5, 'f', 'a', 'l', 's', 'e');
    idx = 0;
    CHECK_EQ_LONG(ei_decode_boolean(enc_out, &idx, &b), 0);
    CHECK_EQ_LONG(b, 0);
    ENCODE("boolean 5 is true", ei_encode_boolean(buf, idx, 5),
           ei_x_encode_boolean(x, 5), 119, 4, 't', 'r', 'u', 'e');
    {
        static const char maybe[] = {115, 5, 'm', 'a', 'y', 'b', 'e'};
        static const char truelatin[] = {100, 0, 4, 't', 'r', 'u', 'e'};
        /* (OTP's libei advances the index here: only the result is checked) */
        idx = 0;
        CHECK_EQ_LONG(ei_decode_boolean(maybe, &idx, &b), -1);
        idx = 0;
        CHECK_EQ_LONG(ei_decode_boolean(truelatin, &idx, &b), 0);
        CHECK_EQ_LONG(b, 1);
        CHECK_EQ_LONG(idx, 7);
    }

    ENCODE("char a", ei_encode_char(buf, idx, 'a'), ei_x_encode_char(x, 'a'),
           97, 97);
    ENCODE("char 0xff", ei_encode_char(buf, idx, (char)0xff),
           ei_x_encode_char(x, (char)0xff), 97, 255);
    idx = 0;
    CHECK_EQ_LONG(ei_decode_char(enc_out, &idx, &c), 0);
    CHECK_EQ_LONG((unsigned char)c, 255);
    {
        char b2[8];
        int i2 = 0;
        CHECK_EQ_LONG(ei_encode_long(b2, &i2, 256), 0);
        DECODE_FAILS(ei_decode_char(b2, fidx, &c), 0);
        i2 = 0;
        CHECK_EQ_LONG(ei_encode_long(b2, &i2, -1), 0);
        DECODE_FAILS(ei_decode_char(b2, fidx, &c), 0);
    }
}

static void test_strings(void)
{
    char s[70010];
    int idx, type, size;

    ENCODE("string abc", ei_encode_string(buf, idx, "abc"),
           ei_x_encode_string(x, "abc"), 107, 0, 3, 'a', 'b', 'c');
    idx = 0;
    CHECK_EQ_LONG(ei_get_type(enc_out, &idx, &type, &size), 0);
    CHECK_EQ_LONG(type, ERL_STRING_EXT);
    CHECK_EQ_LONG(size, 3);
    CHECK_EQ_LONG(idx, 0);
    CHECK_EQ_LONG(ei_decode_string(enc_out, &idx, s), 0);
    CHECK_STR(s, "abc");
    CHECK_EQ_LONG(idx, 6);

    ENCODE("string empty", ei_encode_string(buf, idx, ""),
           ei_x_encode_string(x, ""), 106);
    idx = 0;
    strcpy(s, "junk");
    CHECK_EQ_LONG(ei_decode_string(enc_out, &idx, s), 0);
    CHECK_STR(s, "");
    CHECK_EQ_LONG(idx, 1);

    ENCODE("string_len", ei_encode_string_len(buf, idx, "abcdef", 2),
           ei_x_encode_string_len(x, "abcdef", 2), 107, 0, 2, 'a', 'b');
    ENCODE("string_len with NUL", ei_encode_string_len(buf, idx, "a\0b", 3),
           ei_x_encode_string_len(x, "a\0b", 3), 107, 0, 3, 'a', 0, 'b');

    /* 65536 chars: too long for STRING_EXT, becomes a list of small ints */
    {
        static char longs[65537];
        memset(longs, 'z', 65536);
        longs[65536] = 0;
        ENCODE("long string", ei_encode_string(buf, idx, longs),
               ei_x_encode_string(x, longs));
        CHECK_EQ_LONG(enc_len, 5 + 65536 * 2 + 1 > (int)sizeof enc_out
                                   ? enc_len
                                   : 5 + 65536 * 2 + 1);
        CHECK_EQ_LONG((unsigned char)enc_out[0], ERL_LIST_EXT);
        CHECK_EQ_LONG((unsigned char)enc_out[5], ERL_SMALL_INTEGER_EXT);
        CHECK_EQ_LONG((unsigned char)enc_out[6], 'z');
        idx = 0;
        CHECK_EQ_LONG(ei_get_type(enc_out, &idx, &type, &size), 0);
        CHECK_EQ_LONG(type, ERL_LIST_EXT);
        CHECK_EQ_LONG(size, 65536);
        CHECK_EQ_LONG(ei_decode_string(enc_out, &idx, s), 0);
        CHECK_EQ_LONG(strlen(s), 65536);
        CHECK(memcmp(s, longs, 65536) == 0);
        CHECK_EQ_LONG(idx, enc_len);
    }

    /* decode_string accepts a proper list of bytes */
    {
        static const char lst[] = {108, 0, 0, 0, 2, 97, 104, 97, 105, 106};
        static const char big[] = {108, 0, 0, 0, 1, 98, 0, 0, 1, 0, 106};
        idx = 0;
        CHECK_EQ_LONG(ei_decode_string(lst, &idx, s), 0);
        CHECK_STR(s, "hi");
        CHECK_EQ_LONG(idx, 10);
        DECODE_FAILS(ei_decode_string(big, fidx, s), 0);
    }
    {
        char b2[8];
        int i2 = 0;
        CHECK_EQ_LONG(ei_encode_long(b2, &i2, 1), 0);
        DECODE_FAILS(ei_decode_string(b2, fidx, s), 0);
    }
}

static void test_atoms(void)
{
    char a[MAXATOMLEN_UTF8];
    int idx, type, size;
    erlang_char_encoding was, result;

    ENCODE("atom foo", ei_encode_atom(buf, idx, "foo"),
           ei_x_encode_atom(x, "foo"), 119, 3, 'f', 'o', 'o');
    idx = 0;
    CHECK_EQ_LONG(ei_get_type(enc_out, &idx, &type, &size), 0);
    CHECK_EQ_LONG(type, ERL_ATOM_EXT);
    CHECK_EQ_LONG(size, 3);
    CHECK_EQ_LONG(ei_decode_atom(enc_out, &idx, a), 0);
    CHECK_STR(a, "foo");
    CHECK_EQ_LONG(idx, 5);

    ENCODE("atom empty", ei_encode_atom(buf, idx, ""), ei_x_encode_atom(x, ""),
           119, 0);
    ENCODE("atom_len", ei_encode_atom_len(buf, idx, "foobar", 3),
           ei_x_encode_atom_len(x, "foobar", 3), 119, 3, 'f', 'o', 'o');

    /* Latin-1 input (the default for ei_encode_atom) is converted to UTF-8 */
    ENCODE("atom latin1 e-acute", ei_encode_atom(buf, idx, "h\xe9"),
           ei_x_encode_atom(x, "h\xe9"), 119, 3, 'h', 0xc3, 0xa9);
    idx = 0;
    CHECK_EQ_LONG(ei_decode_atom(enc_out, &idx, a), 0);
    CHECK_STR(a, "h\xe9");

    ENCODE("atom_as latin1->utf8",
           ei_encode_atom_as(buf, idx, "h\xe9", ERLANG_LATIN1, ERLANG_UTF8),
           ei_x_encode_atom_as(x, "h\xe9", ERLANG_LATIN1, ERLANG_UTF8), 119, 3,
           'h', 0xc3, 0xa9);
    ENCODE("atom_as utf8->utf8",
           ei_encode_atom_as(buf, idx, "h\xc3\xa9", ERLANG_UTF8, ERLANG_UTF8),
           ei_x_encode_atom_as(x, "h\xc3\xa9", ERLANG_UTF8, ERLANG_UTF8), 119,
           3, 'h', 0xc3, 0xa9);
    /* since OTP 20 the 'to' encoding is ignored: atoms are always UTF-8 */
    ENCODE("atom_as utf8->latin1",
           ei_encode_atom_as(buf, idx, "h\xc3\xa9", ERLANG_UTF8, ERLANG_LATIN1),
           ei_x_encode_atom_as(x, "h\xc3\xa9", ERLANG_UTF8, ERLANG_LATIN1), 119,
           3, 'h', 0xc3, 0xa9);
    ENCODE("atom_as latin1->latin1",
           ei_encode_atom_as(buf, idx, "abc", ERLANG_LATIN1, ERLANG_LATIN1),
           ei_x_encode_atom_as(x, "abc", ERLANG_LATIN1, ERLANG_LATIN1), 119, 3,
           'a', 'b', 'c');
    ENCODE("atom_as ascii->utf8",
           ei_encode_atom_as(buf, idx, "abc", ERLANG_ASCII, ERLANG_UTF8),
           ei_x_encode_atom_as(x, "abc", ERLANG_ASCII, ERLANG_UTF8), 119, 3,
           'a', 'b', 'c');
    ENCODE("atom_len_as utf8 snowman",
           ei_encode_atom_len_as(buf, idx, "\xe2\x98\x83xyz", 3, ERLANG_UTF8,
                                 ERLANG_UTF8),
           ei_x_encode_atom_len_as(x, "\xe2\x98\x83xyz", 3, ERLANG_UTF8,
                                   ERLANG_UTF8),
           119, 3, 0xe2, 0x98, 0x83);
    idx = 0;
    CHECK_EQ_LONG(ei_decode_atom_as(enc_out, &idx, a, sizeof a, ERLANG_UTF8,
                                    &was, &result),
                  0);
    CHECK_STR(a, "\xe2\x98\x83");
    CHECK_EQ_LONG(was, ERLANG_UTF8);
    CHECK_EQ_LONG(result, ERLANG_UTF8);
    /* not representable in Latin-1 */
    DECODE_FAILS(ei_decode_atom_as(enc_out, fidx, a, sizeof a, ERLANG_LATIN1,
                                   &was, &result),
                 0);
    DECODE_FAILS(ei_decode_atom(enc_out, fidx, a), 0);
    {
        char b2[16];
        int i2 = 0;
        /* invalid UTF-8 */
        CHECK_EQ_LONG(ei_encode_atom_as(b2, &i2, "\xff", ERLANG_UTF8,
                                        ERLANG_UTF8),
                      -1);
    }

    /* 255 characters is the maximum */
    {
        char longa[300];
        memset(longa, 'q', sizeof longa);
        longa[255] = 0;
        ENCODE("atom 255", ei_encode_atom(buf, idx, longa),
               ei_x_encode_atom(x, longa));
        /* OTP's libei: Latin-1 input of >= 128 chars gets a 2-byte length */
        CHECK_EQ_LONG(enc_len, 3 + 255);
        CHECK_EQ_LONG((unsigned char)enc_out[0], ERL_ATOM_UTF8_EXT);
        ENCODE("atom 127", ei_encode_atom_len(buf, idx, longa, 127),
               ei_x_encode_atom_len(x, longa, 127));
        CHECK_EQ_LONG(enc_len, 2 + 127);
        CHECK_EQ_LONG((unsigned char)enc_out[0], ERL_SMALL_ATOM_UTF8_EXT);
        ENCODE("atom 255 utf8", ei_encode_atom_as(buf, idx, longa, ERLANG_UTF8, ERLANG_UTF8),
               ei_x_encode_atom_as(x, longa, ERLANG_UTF8, ERLANG_UTF8));
        CHECK_EQ_LONG(enc_len, 2 + 255);
        /* 256 Latin-1 chars: ei_encode_atom truncates (documented),
           ei_encode_atom_as fails */
        {
            char b2[600];
            int i2 = 0;
            longa[256] = 0;
            longa[255] = 'q';
            CHECK_EQ_LONG(ei_encode_atom(b2, &i2, longa), 0);
            CHECK_EQ_LONG(i2, 3 + 255);
            i2 = 0;
            CHECK_EQ_LONG(ei_encode_atom_len(b2, &i2, longa, 256), 0);
            CHECK_EQ_LONG(i2, 3 + 255);
            i2 = 0;
            CHECK_EQ_LONG(ei_encode_atom_as(b2, &i2, longa, ERLANG_LATIN1,
                                            ERLANG_UTF8),
                          -1);
            CHECK_EQ_LONG(i2, 0);
            longa[255] = 0;
        }
        idx = 0;
        CHECK_EQ_LONG(ei_decode_atom(enc_out, &idx, a), 0);
        CHECK_EQ_LONG(strlen(a), 255);
        /* 255 two-byte UTF-8 characters: needs ATOM_UTF8_EXT (2-byte len) */
        {
            char u[600];
            for (int k = 0; k < 255; k++) {
                u[2 * k] = (char)0xc3;
                u[2 * k + 1] = (char)0xa9;
            }
            u[510] = 0;
            ENCODE("atom 255 x e-acute",
                   ei_encode_atom_as(buf, idx, u, ERLANG_UTF8, ERLANG_UTF8),
                   ei_x_encode_atom_as(x, u, ERLANG_UTF8, ERLANG_UTF8));
            CHECK_EQ_LONG((unsigned char)enc_out[0], ERL_ATOM_UTF8_EXT);
            CHECK_EQ_LONG(enc_len, 3 + 510);
            idx = 0;
            CHECK_EQ_LONG(ei_decode_atom_as(enc_out, &idx, a, sizeof a,
                                            ERLANG_UTF8, &was, &result),
                          0);
            CHECK(memcmp(a, u, 511) == 0);
            idx = 0;
            CHECK_EQ_LONG(ei_decode_atom_as(enc_out, &idx, a, sizeof a,
                                            ERLANG_LATIN1, &was, &result),
                          0);
            CHECK_EQ_LONG(strlen(a), 255);
            CHECK_EQ_LONG((unsigned char)a[0], 0xe9);
            CHECK_EQ_LONG(result, ERLANG_LATIN1);
            /* destination too small */
            DECODE_FAILS(ei_decode_atom_as(enc_out, fidx, a, 100, ERLANG_UTF8,
                                           &was, &result),
                         0);
        }
    }

    /* decode_atom_as conversions from the four atom tags */
    {
        static const char latin[] = {100, 0, 2, 'h', (char)0xe9};
        static const char slatin[] = {115, 2, 'h', (char)0xe9};
        static const char ascii[] = {115, 2, 'o', 'k'};
        static const char utf8[] = {118, 0, 3, 'h', (char)0xc3, (char)0xa9};
        idx = 0;
        CHECK_EQ_LONG(ei_decode_atom_as(latin, &idx, a, sizeof a, ERLANG_UTF8,
                                        &was, &result),
                      0);
        CHECK_STR(a, "h\xc3\xa9");
        CHECK_EQ_LONG(was, ERLANG_LATIN1);
        CHECK_EQ_LONG(result, ERLANG_UTF8);
        CHECK_EQ_LONG(idx, 5);
        idx = 0;
        CHECK_EQ_LONG(ei_decode_atom_as(slatin, &idx, a, sizeof a,
                                        ERLANG_LATIN1, &was, &result),
                      0);
        CHECK_STR(a, "h\xe9");
        CHECK_EQ_LONG(was, ERLANG_LATIN1);
        CHECK_EQ_LONG(result, ERLANG_LATIN1);
        idx = 0;
        CHECK_EQ_LONG(ei_decode_atom_as(ascii, &idx, a, sizeof a,
                                        ERLANG_LATIN1 | ERLANG_UTF8, &was,
                                        &result),
                      0);
        CHECK_STR(a, "ok");
        CHECK_EQ_LONG(result, ERLANG_ASCII);
        idx = 0;
        CHECK_EQ_LONG(ei_decode_atom_as(utf8, &idx, a, sizeof a, ERLANG_LATIN1,
                                        &was, &result),
                      0);
        CHECK_STR(a, "h\xe9");
        CHECK_EQ_LONG(was, ERLANG_UTF8);
        CHECK_EQ_LONG(result, ERLANG_LATIN1);
        idx = 0;
        CHECK_EQ_LONG(ei_decode_atom(utf8, &idx, a), 0);
        CHECK_STR(a, "h\xe9");
        idx = 0;
        CHECK_EQ_LONG(ei_decode_atom_as(utf8, &idx, a, sizeof a, ERLANG_UTF8,
                                        NULL, NULL),
                      0);
        CHECK_STR(a, "h\xc3\xa9");
        /* NULL destination: skip only */
        idx = 0;
        CHECK_EQ_LONG(ei_decode_atom(utf8, &idx, NULL), 0);
        CHECK_EQ_LONG(idx, 6);
    }

    /* wrong types */
    {
        static const char bin[] = {109, 0, 0, 0, 1, 'x'};
        static const char str[] = {107, 0, 2, 'o', 'k'};
        DECODE_FAILS(ei_decode_atom(bin, fidx, a), 0);
        DECODE_FAILS(ei_decode_atom(str, fidx, a), 0);
        DECODE_FAILS(ei_decode_atom_as(bin, fidx, a, sizeof a, ERLANG_UTF8,
                                       &was, &result),
                     0);
    }
}

static void test_binaries(void)
{
    char out[64];
    long len;
    int idx, type, size;
    const char *p;
    unsigned int bitoffs;
    size_t nbits;

    ENCODE("binary", ei_encode_binary(buf, idx, "ab\0c", 4),
           ei_x_encode_binary(x, "ab\0c", 4), 109, 0, 0, 0, 4, 'a', 'b', 0,
           'c');
    idx = 0;
    CHECK_EQ_LONG(ei_get_type(enc_out, &idx, &type, &size), 0);
    CHECK_EQ_LONG(type, ERL_BINARY_EXT);
    CHECK_EQ_LONG(size, 4);
    CHECK_EQ_LONG(ei_decode_binary(enc_out, &idx, out, &len), 0);
    CHECK_EQ_LONG(len, 4);
    CHECK(memcmp(out, "ab\0c", 4) == 0);
    CHECK_EQ_LONG(idx, 9);
    idx = 0;
    CHECK_EQ_LONG(ei_decode_binary(enc_out, &idx, NULL, &len), 0);
    CHECK_EQ_LONG(len, 4);
    idx = 0;
    CHECK_EQ_LONG(ei_decode_bitstring(enc_out, &idx, &p, &bitoffs, &nbits), 0);
    CHECK(p == enc_out + 5);
    CHECK_EQ_LONG(bitoffs, 0);
    CHECK_EQ_LONG(nbits, 32);
    CHECK_EQ_LONG(idx, 9);

    ENCODE("binary empty", ei_encode_binary(buf, idx, "", 0),
           ei_x_encode_binary(x, "", 0), 109, 0, 0, 0, 0);

    /* whole bytes through the bitstring encoder give a BINARY_EXT */
    ENCODE("bitstring 16 bits", ei_encode_bitstring(buf, idx, "\x12\x34", 0, 16),
           ei_x_encode_bitstring(x, "\x12\x34", 0, 16), 109, 0, 0, 0, 2, 0x12,
           0x34);
    /* 12 bits: BIT_BINARY_EXT, last byte holds 4 bits, left aligned */
    ENCODE("bitstring 12 bits", ei_encode_bitstring(buf, idx, "\x12\x34", 0, 12),
           ei_x_encode_bitstring(x, "\x12\x34", 0, 12), 77, 0, 0, 0, 2, 4,
           0x12, 0x30);
    idx = 0;
    CHECK_EQ_LONG(ei_get_type(enc_out, &idx, &type, &size), 0);
    CHECK_EQ_LONG(type, ERL_BIT_BINARY_EXT);
    CHECK_EQ_LONG(size, 2);
    CHECK_EQ_LONG(ei_decode_bitstring(enc_out, &idx, &p, &bitoffs, &nbits), 0);
    CHECK_EQ_LONG(bitoffs, 0);
    CHECK_EQ_LONG(nbits, 12);
    CHECK(p == enc_out + 6);
    CHECK_EQ_LONG(idx, 8);
    /* a bitstring is not a binary */
    DECODE_FAILS(ei_decode_binary(enc_out, fidx, out, &len), 0);

    /* bit offset 4: the 12 bits 0x234 are shifted to the front */
    ENCODE("bitstring offs 4", ei_encode_bitstring(buf, idx, "\x12\x34", 4, 12),
           ei_x_encode_bitstring(x, "\x12\x34", 4, 12), 77, 0, 0, 0, 2, 4,
           0x23, 0x40);
    /* bit offset 3, 5 bits: 0x12 = 00010010 -> bits 3..7 = 10010 */
    ENCODE("bitstring offs 3", ei_encode_bitstring(buf, idx, "\x12", 3, 5),
           ei_x_encode_bitstring(x, "\x12", 3, 5), 77, 0, 0, 0, 1, 5, 0x90);
    /* offset 12, 16 bits spanning three bytes */
    ENCODE("bitstring offs 12",
           ei_encode_bitstring(buf, idx, "\x12\x34\x56\x78", 12, 16),
           ei_x_encode_bitstring(x, "\x12\x34\x56\x78", 12, 16), 109, 0, 0, 0,
           2, 0x45, 0x67);
    ENCODE("bitstring empty", ei_encode_bitstring(buf, idx, "", 0, 0),
           ei_x_encode_bitstring(x, "", 0, 0), 109, 0, 0, 0, 0);
    /* NULL outputs are allowed */
    idx = 0;
    CHECK_EQ_LONG(ei_decode_bitstring(enc_out, &idx, NULL, NULL, NULL), 0);
    CHECK_EQ_LONG(idx, enc_len);
    {
        static const char atom[] = {119, 1, 'a'};
        DECODE_FAILS(ei_decode_binary(atom, fidx, out, &len), 0);
        DECODE_FAILS(ei_decode_bitstring(atom, fidx, &p, &bitoffs, &nbits), 0);
    }
}

static void test_pid_port_ref_trace(void)
{
    int idx, type, size;
    erlang_pid pid = make_pid("a@b", 38, 2, 3), pid2;
    erlang_port port, port2;
    erlang_ref ref, ref2;
    erlang_trace tr, tr2;

    ENCODE("pid", ei_encode_pid(buf, idx, &pid), ei_x_encode_pid(x, &pid), 88,
           119, 3, 'a', '@', 'b', 0, 0, 0, 38, 0, 0, 0, 2, 0, 0, 0, 3);
    idx = 0;
    CHECK_EQ_LONG(ei_get_type(enc_out, &idx, &type, &size), 0);
    CHECK_EQ_LONG(type, ERL_PID_EXT); /* ei_get_type normalises pid tags */
    memset(&pid2, 0x77, sizeof pid2);
    CHECK_EQ_LONG(ei_decode_pid(enc_out, &idx, &pid2), 0);
    CHECK_STR(pid2.node, "a@b");
    CHECK_EQ_LONG(pid2.num, 38);
    CHECK_EQ_LONG(pid2.serial, 2);
    CHECK_EQ_LONG(pid2.creation, 3);
    CHECK_EQ_LONG(idx, enc_len);
    CHECK_EQ_LONG(ei_cmp_pids(&pid, &pid2), 0);
    pid2.num = 39;
    CHECK(ei_cmp_pids(&pid, &pid2) != 0);
    {
        /* old PID_EXT: 15-bit num, 13-bit serial, 2-bit creation */
        static const char old[] = {103, 100, 0, 3, 'a', '@', 'b', 0, 0, 0,
                                   5, 0, 0, 0, 1, 2};
        idx = 0;
        CHECK_EQ_LONG(ei_decode_pid(old, &idx, &pid2), 0);
        CHECK_STR(pid2.node, "a@b");
        CHECK_EQ_LONG(pid2.num, 5);
        CHECK_EQ_LONG(pid2.serial, 1);
        CHECK_EQ_LONG(pid2.creation, 2);
        CHECK_EQ_LONG(idx, sizeof old);
        DECODE_FAILS(ei_decode_port(old, fidx, &port2), 0);
    }

    memset(&port, 0, sizeof port);
    strcpy(port.node, "a@b");
    port.id = 0x0fffffff;
    port.creation = 4;
    ENCODE("port 28 bits", ei_encode_port(buf, idx, &port),
           ei_x_encode_port(x, &port), 89, 119, 3, 'a', '@', 'b', 0x0f, 0xff,
           0xff, 0xff, 0, 0, 0, 4);
    idx = 0;
    CHECK_EQ_LONG(ei_get_type(enc_out, &idx, &type, &size), 0);
    CHECK_EQ_LONG(type, ERL_PORT_EXT); /* normalised */
    CHECK_EQ_LONG(ei_decode_port(enc_out, &idx, &port2), 0);
    CHECK_STR(port2.node, "a@b");
    CHECK(port2.id == 0x0fffffff);
    CHECK_EQ_LONG(port2.creation, 4);
    CHECK_EQ_LONG(ei_cmp_ports(&port, &port2), 0);
    port.id = 0x123456789ULL;
    ENCODE("port V4", ei_encode_port(buf, idx, &port),
           ei_x_encode_port(x, &port), 120, 119, 3, 'a', '@', 'b', 0, 0, 0,
           1, 0x23, 0x45, 0x67, 0x89, 0, 0, 0, 4);
    idx = 0;
    CHECK_EQ_LONG(ei_get_type(enc_out, &idx, &type, &size), 0);
    CHECK_EQ_LONG(type, ERL_PORT_EXT); /* normalised */
    CHECK_EQ_LONG((unsigned char)enc_out[0], ERL_V4_PORT_EXT);
    CHECK_EQ_LONG(ei_decode_port(enc_out, &idx, &port2), 0);
    CHECK(port2.id == 0x123456789ULL);
    CHECK_EQ_LONG(port2.creation, 4);
    CHECK_EQ_LONG(idx, enc_len);
    CHECK_EQ_LONG(ei_cmp_ports(&port, &port2), 0);
    port2.id = 1;
    CHECK(ei_cmp_ports(&port, &port2) != 0);
    DECODE_FAILS(ei_decode_pid(enc_out, fidx, &pid2), 0);

    memset(&ref, 0, sizeof ref);
    strcpy(ref.node, "a@b");
    ref.len = 3;
    ref.n[0] = 1;
    ref.n[1] = 2;
    ref.n[2] = 3;
    ref.creation = 5;
    ENCODE("ref", ei_encode_ref(buf, idx, &ref), ei_x_encode_ref(x, &ref), 90,
           0, 3, 119, 3, 'a', '@', 'b', 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 2, 0,
           0, 0, 3);
    idx = 0;
    CHECK_EQ_LONG(ei_get_type(enc_out, &idx, &type, &size), 0);
    CHECK_EQ_LONG(type, ERL_NEW_REFERENCE_EXT); /* normalised */
    memset(&ref2, 0, sizeof ref2);
    CHECK_EQ_LONG(ei_decode_ref(enc_out, &idx, &ref2), 0);
    CHECK_STR(ref2.node, "a@b");
    CHECK_EQ_LONG(ref2.len, 3);
    CHECK_EQ_LONG(ref2.n[0], 1);
    CHECK_EQ_LONG(ref2.n[1], 2);
    CHECK_EQ_LONG(ref2.n[2], 3);
    CHECK_EQ_LONG(ref2.creation, 5);
    CHECK_EQ_LONG(ei_cmp_refs(&ref, &ref2), 0);
    ref2.n[2] = 4;
    CHECK(ei_cmp_refs(&ref, &ref2) != 0);
    ref.len = 5;
    ref.n[3] = 4;
    ref.n[4] = 0xffffffff;
    ENCODE("ref len 5", ei_encode_ref(buf, idx, &ref), ei_x_encode_ref(x, &ref));
    CHECK_EQ_LONG(enc_len, 1 + 2 + 5 + 4 + 5 * 4);
    idx = 0;
    CHECK_EQ_LONG(ei_decode_ref(enc_out, &idx, &ref2), 0);
    CHECK_EQ_LONG(ref2.len, 5);
    CHECK(ref2.n[4] == 0xffffffffU);
    CHECK_EQ_LONG(ei_cmp_refs(&ref, &ref2), 0);
    DECODE_FAILS(ei_decode_pid(enc_out, fidx, &pid2), 0);
    DECODE_FAILS(ei_decode_port(enc_out, fidx, &port2), 0);
    {
        /* old REFERENCE_EXT */
        static const char old[] = {101, 119, 1, 'n', 0, 0, 0, 9, 1};
        idx = 0;
        CHECK_EQ_LONG(ei_decode_ref(old, &idx, &ref2), 0);
        CHECK_EQ_LONG(ref2.len, 1);
        CHECK_EQ_LONG(ref2.n[0], 9);
        CHECK_EQ_LONG(ref2.creation, 1);
        CHECK_EQ_LONG(idx, sizeof old);
    }

    memset(&tr, 0, sizeof tr);
    tr.serial = 10;
    tr.prev = 9;
    tr.from = make_pid("t@h", 1, 0, 1);
    tr.label = 42;
    tr.flags = 3;
    ENCODE("trace", ei_encode_trace(buf, idx, &tr), ei_x_encode_trace(x, &tr));
    /* {Flags, Label, Serial, From, Prev} */
    idx = 0;
    {
        int arity;
        long l;
        CHECK_EQ_LONG(ei_decode_tuple_header(enc_out, &idx, &arity), 0);
        CHECK_EQ_LONG(arity, 5);
        CHECK_EQ_LONG(ei_decode_long(enc_out, &idx, &l), 0);
        CHECK_EQ_LONG(l, 3);
        CHECK_EQ_LONG(ei_decode_long(enc_out, &idx, &l), 0);
        CHECK_EQ_LONG(l, 42);
        CHECK_EQ_LONG(ei_decode_long(enc_out, &idx, &l), 0);
        CHECK_EQ_LONG(l, 10);
        CHECK_EQ_LONG(ei_decode_pid(enc_out, &idx, &pid2), 0);
        CHECK_STR(pid2.node, "t@h");
        CHECK_EQ_LONG(ei_decode_long(enc_out, &idx, &l), 0);
        CHECK_EQ_LONG(l, 9);
        CHECK_EQ_LONG(idx, enc_len);
    }
    idx = 0;
    memset(&tr2, 0, sizeof tr2);
    CHECK_EQ_LONG(ei_decode_trace(enc_out, &idx, &tr2), 0);
    CHECK_EQ_LONG(tr2.serial, 10);
    CHECK_EQ_LONG(tr2.prev, 9);
    CHECK_EQ_LONG(tr2.label, 42);
    CHECK_EQ_LONG(tr2.flags, 3);
    CHECK_STR(tr2.from.node, "t@h");
    CHECK_EQ_LONG(tr2.from.num, 1);
    CHECK_EQ_LONG(idx, enc_len);
    {
        char b2[16];
        int i2 = 0;
        CHECK_EQ_LONG(ei_encode_tuple_header(b2, &i2, 2), 0);
        CHECK_EQ_LONG(ei_encode_long(b2, &i2, 1), 0);
        CHECK_EQ_LONG(ei_encode_long(b2, &i2, 2), 0);
        DECODE_FAILS(ei_decode_trace(b2, fidx, &tr2), 0);
        DECODE_FAILS(ei_decode_pid(b2, fidx, &pid2), 0);
        DECODE_FAILS(ei_decode_ref(b2, fidx, &ref2), 0);
    }
}

static void test_funs(void)
{
    erlang_fun f, g;
    int idx, type, size;
    char fv[16];
    int fvlen = 0;

    /* export fun lists:map/2 */
    memset(&f, 0, sizeof f);
    f.type = EI_FUN_EXPORT;
    f.arity = 2;
    strcpy(f.module, "lists");
    f.u.exprt.func = (char *)"map";
    f.u.exprt.func_allocated = 0;
    ENCODE("fun export", ei_encode_fun(buf, idx, &f), ei_x_encode_fun(x, &f),
           113, 119, 5, 'l', 'i', 's', 't', 's', 119, 3, 'm', 'a', 'p', 97, 2);
    idx = 0;
    CHECK_EQ_LONG(ei_get_type(enc_out, &idx, &type, &size), 0);
    CHECK_EQ_LONG(type, ERL_EXPORT_EXT);
    memset(&g, 0, sizeof g);
    CHECK_EQ_LONG(ei_decode_fun(enc_out, &idx, &g), 0);
    CHECK_EQ_LONG(idx, enc_len);
    CHECK_EQ_LONG(g.type, EI_FUN_EXPORT);
    CHECK_EQ_LONG(g.arity, 2);
    CHECK_STR(g.module, "lists");
    CHECK_STR(g.u.exprt.func, "map");
    free_fun(&g);

    /* closure with one free variable (the integer 7) */
    CHECK_EQ_LONG(ei_encode_long(fv, &fvlen, 7), 0);
    memset(&f, 0, sizeof f);
    f.type = EI_FUN_CLOSURE;
    f.arity = 1;
    strcpy(f.module, "m");
    for (int k = 0; k < 16; k++)
        f.u.closure.md5[k] = (char)k;
    f.u.closure.index = 4;
    f.u.closure.old_index = 5;
    f.u.closure.uniq = 6;
    f.u.closure.n_free_vars = 1;
    f.u.closure.pid = make_pid("n@h", 7, 0, 1);
    f.u.closure.free_vars = fv;
    f.u.closure.free_var_len = fvlen;
    ENCODE("fun closure", ei_encode_fun(buf, idx, &f), ei_x_encode_fun(x, &f),
           112, 0, 0, 0, 56, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
           14, 15, 0, 0, 0, 4, 0, 0, 0, 1, 119, 1, 'm', 97, 5, 97, 6, 88, 119,
           3, 'n', '@', 'h', 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 1, 97, 7);
    idx = 0;
    CHECK_EQ_LONG(ei_get_type(enc_out, &idx, &type, &size), 0);
    CHECK_EQ_LONG(type, ERL_NEW_FUN_EXT);
    memset(&g, 0, sizeof g);
    CHECK_EQ_LONG(ei_decode_fun(enc_out, &idx, &g), 0);
    CHECK_EQ_LONG(idx, enc_len);
    CHECK_EQ_LONG(g.type, EI_FUN_CLOSURE);
    CHECK_EQ_LONG(g.arity, 1);
    CHECK_STR(g.module, "m");
    CHECK(memcmp(g.u.closure.md5, f.u.closure.md5, 16) == 0);
    CHECK_EQ_LONG(g.u.closure.index, 4);
    CHECK_EQ_LONG(g.u.closure.old_index, 5);
    CHECK_EQ_LONG(g.u.closure.uniq, 6);
    CHECK_EQ_LONG(g.u.closure.n_free_vars, 1);
    CHECK_STR(g.u.closure.pid.node, "n@h");
    CHECK_EQ_LONG(g.u.closure.pid.num, 7);
    CHECK_EQ_LONG(g.u.closure.free_var_len, fvlen);
    CHECK(g.u.closure.free_vars != NULL &&
          memcmp(g.u.closure.free_vars, fv, fvlen) == 0);
    free_fun(&g);

    {
        static const char atom[] = {119, 1, 'a'};
        DECODE_FAILS(ei_decode_fun(atom, fidx, &g), 0);
    }
}

/* bignum helpers and ei_encode_big / ei_decode_big */
static void test_bigs(void)
{
    erlang_big *b, *c;
    int idx, type, size;
    double d;
    unsigned short *dg;

    b = ei_alloc_big(4); /* 4 bytes */
    CHECK(b != NULL);
    if (!b)
        return;
    CHECK_EQ_LONG(b->arity, 4);
    CHECK(b->digits != NULL);
    dg = (unsigned short *)b->digits;
    /* 2^31 = 0x80000000: little-endian 16-bit digits */
    dg[0] = 0x0000;
    dg[1] = 0x8000;
    b->is_neg = 0;
    ENCODE("big 2^31", ei_encode_big(buf, idx, b), ei_x_encode_big(x, b), 110,
           4, 0, 0, 0, 0, 128);
    CHECK_EQ_LONG(ei_big_to_double(b, &d), 0);
    CHECK(d == 2147483648.0);
    b->is_neg = 1;
    ENCODE("big -2^31", ei_encode_big(buf, idx, b), ei_x_encode_big(x, b), 110,
           4, 1, 0, 0, 0, 128);
    CHECK_EQ_LONG(ei_big_to_double(b, &d), 0);
    CHECK(d == -2147483648.0);
    idx = 0;
    CHECK_EQ_LONG(ei_get_type(enc_out, &idx, &type, &size), 0);
    CHECK_EQ_LONG(type, ERL_SMALL_BIG_EXT);
    CHECK_EQ_LONG(size, 4);
    c = ei_alloc_big(size);
    CHECK(c != NULL);
    if (c) {
        CHECK_EQ_LONG(ei_decode_big(enc_out, &idx, c), 0);
        CHECK_EQ_LONG(idx, enc_len);
        CHECK_EQ_LONG(c->is_neg, 1);
        CHECK_EQ_LONG(ei_big_comp(b, c), 0);
        c->is_neg = 0;
        CHECK(ei_big_comp(b, c) < 0);
        CHECK(ei_big_comp(c, b) > 0);
        ei_free_big(c);
    }
    ei_free_big(b);

    /* ei_small_to_big: needs room for two 16-bit digits */
    b = ei_alloc_big(4);
    CHECK(b != NULL);
    if (b) {
        CHECK_EQ_LONG(ei_small_to_big(100000, b), 0);
        CHECK_EQ_LONG(b->is_neg, 0);
        CHECK_EQ_LONG(ei_big_to_double(b, &d), 0);
        CHECK(d == 100000.0);
        ENCODE("small_to_big 100000", ei_encode_big(buf, idx, b),
               ei_x_encode_big(x, b), 110, 4, 0, 0xa0, 0x86, 0x01, 0);
        ei_free_big(b);
    }
    b = ei_alloc_big(2);
    CHECK(b != NULL);
    if (b) {
        CHECK_EQ_LONG(ei_small_to_big(1, b), -1); /* too small */
        ei_free_big(b);
    }

    /* a 200-byte big: LARGE_BIG_EXT is used only from 256 bytes */
    {
        static char bigbuf[600];
        int n = 0;
        bigbuf[n++] = 111; /* LARGE_BIG_EXT */
        bigbuf[n++] = 0;
        bigbuf[n++] = 0;
        bigbuf[n++] = 1;
        bigbuf[n++] = 4; /* 260 bytes */
        bigbuf[n++] = 0;
        for (int k = 0; k < 260; k++)
            bigbuf[n++] = (char)(k == 259 ? 1 : 0);
        idx = 0;
        CHECK_EQ_LONG(ei_get_type(bigbuf, &idx, &type, &size), 0);
        CHECK_EQ_LONG(type, ERL_LARGE_BIG_EXT);
        CHECK_EQ_LONG(size, 260);
        b = ei_alloc_big(size);
        CHECK(b != NULL);
        if (b) {
            CHECK_EQ_LONG(ei_decode_big(bigbuf, &idx, b), 0);
            CHECK_EQ_LONG(idx, n);
            ENCODE("big 2^2072", ei_encode_big(buf, idx, b),
                   ei_x_encode_big(x, b));
            check_bytes_at(__FILE__, __LINE__, "big 2^2072 re-encoded",
                           enc_out, enc_len, (const unsigned char *)bigbuf, n);
            CHECK_EQ_LONG(ei_big_to_double(b, &d), -1); /* too large */
            ei_free_big(b);
        }
        idx = 0;
        CHECK_EQ_LONG(ei_skip_term(bigbuf, &idx), 0);
        CHECK_EQ_LONG(idx, n);
    }
    {
        static const char atom[] = {119, 1, 'a'};
        erlang_big *e = ei_alloc_big(4);
        CHECK(e != NULL);
        if (e) {
            DECODE_FAILS(ei_decode_big(atom, fidx, e), 0);
            ei_free_big(e);
        }
    }
}

static void test_headers_and_skip(void)
{
    int idx, arity, type, size;
    char b[64];

    ENCODE("tuple 0", ei_encode_tuple_header(buf, idx, 0),
           ei_x_encode_tuple_header(x, 0), 104, 0);
    ENCODE("tuple 2", ei_encode_tuple_header(buf, idx, 2),
           ei_x_encode_tuple_header(x, 2), 104, 2);
    ENCODE("tuple 255", ei_encode_tuple_header(buf, idx, 255),
           ei_x_encode_tuple_header(x, 255), 104, 255);
    ENCODE("tuple 300", ei_encode_tuple_header(buf, idx, 300),
           ei_x_encode_tuple_header(x, 300), 105, 0, 0, 1, 44);
    idx = 0;
    CHECK_EQ_LONG(ei_get_type(enc_out, &idx, &type, &size), 0);
    CHECK_EQ_LONG(type, ERL_LARGE_TUPLE_EXT);
    CHECK_EQ_LONG(size, 300);
    CHECK_EQ_LONG(ei_decode_tuple_header(enc_out, &idx, &arity), 0);
    CHECK_EQ_LONG(arity, 300);
    CHECK_EQ_LONG(idx, 5);

    ENCODE("list 3", ei_encode_list_header(buf, idx, 3),
           ei_x_encode_list_header(x, 3), 108, 0, 0, 0, 3);
    ENCODE("list 0", ei_encode_list_header(buf, idx, 0),
           ei_x_encode_list_header(x, 0), 106);
    ENCODE("empty list", ei_encode_empty_list(buf, idx),
           ei_x_encode_empty_list(x), 106);
    idx = 0;
    CHECK_EQ_LONG(ei_decode_list_header(enc_out, &idx, &arity), 0);
    CHECK_EQ_LONG(arity, 0);
    CHECK_EQ_LONG(idx, 1);
    ENCODE("map 2", ei_encode_map_header(buf, idx, 2),
           ei_x_encode_map_header(x, 2), 116, 0, 0, 0, 2);
    idx = 0;
    CHECK_EQ_LONG(ei_get_type(enc_out, &idx, &type, &size), 0);
    CHECK_EQ_LONG(type, ERL_MAP_EXT);
    CHECK_EQ_LONG(size, 2);
    CHECK_EQ_LONG(ei_decode_map_header(enc_out, &idx, &arity), 0);
    CHECK_EQ_LONG(arity, 2);

    /* wrong types leave the index alone */
    idx = 0;
    CHECK_EQ_LONG(ei_encode_atom(b, &idx, "ok"), 0);
    DECODE_FAILS(ei_decode_tuple_header(b, fidx, &arity), 0);
    DECODE_FAILS(ei_decode_list_header(b, fidx, &arity), 0);
    DECODE_FAILS(ei_decode_map_header(b, fidx, &arity), 0);
    DECODE_FAILS(ei_decode_long(b, fidx, &(long){0}), 0);
    DECODE_FAILS(ei_decode_ulong(b, fidx, &(unsigned long){0}), 0);
    DECODE_FAILS(ei_decode_double(b, fidx, &(double){0}), 0);
    DECODE_FAILS(ei_decode_version(b, fidx, &arity), 0);
    DECODE_FAILS(ei_decode_binary(b, fidx, b + 32, &(long){0}), 0);
    /* a string is a list for ei_get_type but not for decode_list_header */
    idx = 0;
    CHECK_EQ_LONG(ei_encode_string(b, &idx, "xy"), 0);
    DECODE_FAILS(ei_decode_list_header(b, fidx, &arity), 0);
    DECODE_FAILS(ei_decode_atom(b, fidx, b + 32), 0);

    /* ei_skip_term over a nested term; ei_get_type leaves index alone */
    {
        ei_x_buff x;
        erlang_pid pid = make_pid("s@h", 1, 2, 3);
        int start;
        CHECK_EQ_LONG(ei_x_new_with_version(&x), 0);
        CHECK_EQ_LONG(x.index, 1);
        CHECK_EQ_LONG((unsigned char)x.buff[0], 131);
        CHECK_EQ_LONG(ei_x_encode_tuple_header(&x, 4), 0);
        CHECK_EQ_LONG(ei_x_encode_list_header(&x, 2), 0);
        CHECK_EQ_LONG(ei_x_encode_long(&x, 1), 0);
        CHECK_EQ_LONG(ei_x_encode_map_header(&x, 1), 0);
        CHECK_EQ_LONG(ei_x_encode_atom(&x, "k"), 0);
        CHECK_EQ_LONG(ei_x_encode_binary(&x, "v", 1), 0);
        CHECK_EQ_LONG(ei_x_encode_empty_list(&x), 0);
        CHECK_EQ_LONG(ei_x_encode_pid(&x, &pid), 0);
        CHECK_EQ_LONG(ei_x_encode_double(&x, 1.5), 0);
        CHECK_EQ_LONG(ei_x_encode_string(&x, "str"), 0);
        start = x.index;
        CHECK_EQ_LONG(ei_x_encode_atom(&x, "after"), 0);
        idx = 1;
        CHECK_EQ_LONG(ei_get_type(x.buff, &idx, &type, &size), 0);
        CHECK_EQ_LONG(type, ERL_SMALL_TUPLE_EXT);
        CHECK_EQ_LONG(size, 4);
        CHECK_EQ_LONG(idx, 1);
        CHECK_EQ_LONG(ei_skip_term(x.buff, &idx), 0);
        CHECK_EQ_LONG(idx, start);
        CHECK_EQ_LONG(ei_x_free(&x), 0);
    }
}

static void test_x_buff(void)
{
    ei_x_buff x, y;
    int idx, arity;
    long l;
    char a[MAXATOMLEN];

    CHECK_EQ_LONG(ei_x_new(&x), 0);
    CHECK(x.buff != NULL);
    CHECK_EQ_LONG(x.index, 0);
    CHECK(x.buffsz > 0);
    CHECK_EQ_LONG(ei_x_new_with_version(&y), 0);
    CHECK_EQ_LONG(y.index, 1);
    CHECK_EQ_LONG(ei_x_encode_atom(&y, "hi"), 0);
    CHECK_EQ_LONG(ei_x_encode_tuple_header(&x, 2), 0);
    CHECK_EQ_LONG(ei_x_append_buf(&x, y.buff + 1, y.index - 1), 0);
    CHECK_EQ_LONG(ei_x_free(&y), 0);
    CHECK(y.buff == NULL);
    CHECK_EQ_LONG(ei_x_new(&y), 0);
    CHECK_EQ_LONG(ei_x_encode_long(&y, 99), 0);
    CHECK_EQ_LONG(ei_x_append(&x, &y), 0);
    CHECK_EQ_LONG(ei_x_free(&y), 0);
    CHECK_BYTES("x_append", x.buff, x.index, 104, 2, 119, 2, 'h', 'i', 97, 99);
    idx = 0;
    CHECK_EQ_LONG(ei_decode_tuple_header(x.buff, &idx, &arity), 0);
    CHECK_EQ_LONG(ei_decode_atom(x.buff, &idx, a), 0);
    CHECK_STR(a, "hi");
    CHECK_EQ_LONG(ei_decode_long(x.buff, &idx, &l), 0);
    CHECK_EQ_LONG(l, 99);
    /* growth: many appends */
    for (int k = 0; k < 10000; k++)
        CHECK_EQ_LONG(ei_x_encode_long(&x, 100000), 0);
    CHECK_EQ_LONG(x.index, 8 + 10000 * 5);
    CHECK(x.buffsz >= x.index);
    CHECK_EQ_LONG(ei_x_free(&x), 0);

    /* the buffer is malloc'd: the caller may free() it */
    CHECK_EQ_LONG(ei_x_new(&x), 0);
    CHECK_EQ_LONG(ei_x_encode_atom(&x, "owned"), 0);
    free(x.buff);
}

/* ei_print_term (to a FILE) and ei_s_print_term */
static void check_print(const char *file, int line, const char *want,
                        const char *term, int termlen)
{
    FILE *fp = tmpfile();
    static char got[65536];
    int idx, r;
    size_t n;
    char *s;

    checks++;
    if (!fp) {
        fprintf(stderr, "%s:%d: tmpfile failed\n", file, line);
        failures++;
        return;
    }
    idx = 0;
    r = ei_print_term(fp, term, &idx);
    rewind(fp);
    n = fread(got, 1, sizeof got - 1, fp);
    got[n] = 0;
    fclose(fp);
    if (r != (int)strlen(want) || strcmp(got, want) != 0 || idx != termlen) {
        fprintf(stderr,
                "%s:%d: ei_print_term: got \"%s\" (rc %d, index %d), want "
                "\"%s\" (rc %d, index %d)\n",
                file, line, got, r, idx, want, (int)strlen(want), termlen);
        failures++;
    }

    /* *s == NULL: ei_s_print_term allocates */
    checks++;
    s = NULL;
    idx = 0;
    r = ei_s_print_term(&s, term, &idx);
    if (s == NULL || r != (int)strlen(want) || strcmp(s, want) != 0 ||
        idx != termlen) {
        fprintf(stderr,
                "%s:%d: ei_s_print_term(NULL): got \"%s\" (rc %d, index %d), "
                "want \"%s\"\n",
                file, line, s ? s : "(null)", r, idx, want);
        failures++;
    }
    free(s);

    /* a malloc'd buffer of BUFSIZ bytes (the documented contract): may be
       reallocated */
    checks++;
    s = (char *)malloc(BUFSIZ);
    idx = 0;
    r = ei_s_print_term(&s, term, &idx);
    if (s == NULL || r != (int)strlen(want) || strcmp(s, want) != 0 ||
        idx != termlen) {
        fprintf(stderr,
                "%s:%d: ei_s_print_term(malloc): got \"%s\" (rc %d, index "
                "%d), want \"%s\"\n",
                file, line, s ? s : "(null)", r, idx, want);
        failures++;
    }
    free(s);
}
#define CHECK_PRINT(want, xb) check_print(__FILE__, __LINE__, want, (xb).buff, (xb).index)

static void test_print(void)
{
    ei_x_buff x;
    erlang_pid pid = make_pid("p@h", 12, 3, 1);
    erlang_ref ref;
    erlang_port port;
    erlang_fun f;

#define FRESH() (ei_x_free(&x), ei_x_new(&x))
    ei_x_new(&x);

    ei_x_encode_atom(&x, "hello");
    CHECK_PRINT("hello", x);
    FRESH();
    ei_x_encode_atom(&x, "Hello World");
    CHECK_PRINT("'Hello World'", x);
    FRESH();
    ei_x_encode_atom(&x, "a_b@c9");
    CHECK_PRINT("a_b@c9", x);
    FRESH();
    ei_x_encode_long(&x, -42);
    CHECK_PRINT("-42", x);
    FRESH();
    ei_x_encode_long(&x, 1234567);
    CHECK_PRINT("1234567", x);
    FRESH();
    ei_x_encode_longlong(&x, 1099511627776LL);
    CHECK_PRINT("1099511627776", x);
    FRESH();
    ei_x_encode_longlong(&x, -1099511627776LL);
    CHECK_PRINT("-1099511627776", x);
    FRESH();
    ei_x_encode_double(&x, 3.5);
    CHECK_PRINT("3.500000", x);
    FRESH();
    ei_x_encode_string(&x, "abc");
    CHECK_PRINT("\"abc\"", x);
    FRESH();
    ei_x_encode_binary(&x, "\x01\x02\xff", 3);
    CHECK_PRINT("#Bin<1,2,255>", x);
    FRESH();
    ei_x_encode_bitstring(&x, "\x12\x34", 0, 12);
    CHECK_PRINT("#Bits<18,3:4>", x);
    FRESH();
    ei_x_encode_pid(&x, &pid);
    CHECK_PRINT("<p@h.12.3>", x);
    FRESH();
    memset(&ref, 0, sizeof ref);
    strcpy(ref.node, "r@h");
    ref.len = 3;
    ref.n[0] = 1;
    ref.n[1] = 22;
    ref.n[2] = 333;
    ref.creation = 1;
    ei_x_encode_ref(&x, &ref);
    CHECK_PRINT("#Ref<1.22.333>", x);
    FRESH();
    memset(&port, 0, sizeof port);
    strcpy(port.node, "q@h");
    port.id = 77;
    port.creation = 2;
    ei_x_encode_port(&x, &port);
    CHECK_PRINT("#Port<77.2>", x);
    FRESH();
    ei_x_encode_empty_list(&x);
    CHECK_PRINT("[]", x);
    FRESH();
    ei_x_encode_tuple_header(&x, 0);
    CHECK_PRINT("{}", x);
    FRESH();
    ei_x_encode_tuple_header(&x, 3);
    ei_x_encode_atom(&x, "a");
    ei_x_encode_list_header(&x, 2);
    ei_x_encode_long(&x, 1);
    ei_x_encode_tuple_header(&x, 1);
    ei_x_encode_atom(&x, "b");
    ei_x_encode_empty_list(&x);
    ei_x_encode_map_header(&x, 2);
    ei_x_encode_atom(&x, "k");
    ei_x_encode_long(&x, 1);
    ei_x_encode_string(&x, "s");
    ei_x_encode_binary(&x, "", 0);
    CHECK_PRINT("{a, [1, {b}], #{k => 1, \"s\" => #Bin<>}}", x);
    FRESH();
    /* improper list [1 | 2] */
    ei_x_encode_list_header(&x, 1);
    ei_x_encode_long(&x, 1);
    ei_x_encode_long(&x, 2);
    CHECK_PRINT("[1 | 2]", x);
    FRESH();
    ei_x_encode_longlong(&x, 1LL << 62);
    CHECK_PRINT("4611686018427387904", x);
    FRESH();
    memset(&f, 0, sizeof f);
    f.type = EI_FUN_CLOSURE;
    f.arity = 0;
    strcpy(f.module, "mod");
    f.u.closure.index = 3;
    f.u.closure.uniq = 99;
    f.u.closure.pid = pid;
    ei_x_encode_fun(&x, &f);
    CHECK_PRINT("#Fun{mod.3.99}", x);
    /* longer than BUFSIZ: the malloc'd buffer must grow */
    FRESH();
    {
        static char want[40000];
        int n = 0;
        ei_x_encode_list_header(&x, 3000);
        want[n++] = '[';
        for (int k = 0; k < 3000; k++) {
            ei_x_encode_long(&x, 100000 + k);
            n += sprintf(want + n, "%s%d", k ? ", " : "", 100000 + k);
        }
        ei_x_encode_empty_list(&x);
        want[n++] = ']';
        want[n] = 0;
        check_print(__FILE__, __LINE__, want, x.buff, x.index);
    }
    ei_x_free(&x);
#undef FRESH

    /* a version byte is not a term: printing fails */
    {
        char *s = NULL;
        static const char vbuf[] = {(char)131, 97, 1};
        int idx = 0;
        int r = ei_s_print_term(&s, vbuf, &idx);
        CHECK(r < 0);
        free(s);
        idx = 1;
        s = NULL;
        CHECK_EQ_LONG(ei_s_print_term(&s, vbuf, &idx), 1);
        CHECK_STR(s, "1");
        CHECK_EQ_LONG(idx, 3);
        free(s);
    }
}

static void test_format(void)
{
    ei_x_buff x;
    int idx, v, arity, type, size;
    long l;
    unsigned long ul;
    double d;
    char s[64];
    erlang_pid pid = make_pid("f@h", 5, 6, 7), pid2;

    CHECK_EQ_LONG(ei_x_new(&x), 0);
    CHECK_EQ_LONG(ei_x_format(&x, "{~a,~c,~s,~i,~l,~u,~f,~d,~p}", "atom", 'c',
                              "str", -42, 1099511627776L, 4000000000UL, 1.5,
                              -2.25, &pid),
                  0);
    idx = 0;
    CHECK_EQ_LONG(ei_decode_version(x.buff, &idx, &v), 0);
    CHECK_EQ_LONG(ei_decode_tuple_header(x.buff, &idx, &arity), 0);
    CHECK_EQ_LONG(arity, 9);
    CHECK_EQ_LONG(ei_decode_atom(x.buff, &idx, s), 0);
    CHECK_STR(s, "atom");
    CHECK_EQ_LONG(ei_decode_long(x.buff, &idx, &l), 0);
    CHECK_EQ_LONG(l, 'c');
    CHECK_EQ_LONG(ei_decode_string(x.buff, &idx, s), 0);
    CHECK_STR(s, "str");
    CHECK_EQ_LONG(ei_decode_long(x.buff, &idx, &l), 0);
    CHECK_EQ_LONG(l, -42);
    CHECK_EQ_LONG(ei_decode_long(x.buff, &idx, &l), 0);
    CHECK_EQ_LONG(l, 1099511627776L);
    CHECK_EQ_LONG(ei_decode_ulong(x.buff, &idx, &ul), 0);
    CHECK(ul == 4000000000UL);
    CHECK_EQ_LONG(ei_decode_double(x.buff, &idx, &d), 0);
    CHECK(d == 1.5);
    CHECK_EQ_LONG(ei_decode_double(x.buff, &idx, &d), 0);
    CHECK(d == -2.25);
    CHECK_EQ_LONG(ei_decode_pid(x.buff, &idx, &pid2), 0);
    CHECK_EQ_LONG(ei_cmp_pids(&pid, &pid2), 0);
    CHECK_EQ_LONG(idx, x.index);
    CHECK_EQ_LONG(ei_x_free(&x), 0);

    /* literals and nesting, without the version byte */
    CHECK_EQ_LONG(ei_x_new(&x), 0);
    CHECK_EQ_LONG(ei_x_format_wo_ver(&x,
                                     "[{ok, ~i}, [], {}, [a, \"b\", 'C d', "
                                     "-17, 2.5, {nested, [~a]}]]",
                                     7, "z"),
                  0);
    idx = 0;
    CHECK_EQ_LONG(ei_get_type(x.buff, &idx, &type, &size), 0);
    CHECK_EQ_LONG(type, ERL_LIST_EXT);
    CHECK_EQ_LONG(size, 4);
    check_print(__FILE__, __LINE__,
                "[{ok, 7}, [], {}, [a, \"b\", 'C d', -17, 2.500000, {nested, "
                "[z]}]]",
                x.buff, x.index);
    CHECK_EQ_LONG(ei_x_free(&x), 0);

    /* a bare directive and appending to an existing buffer */
    CHECK_EQ_LONG(ei_x_new(&x), 0);
    CHECK_EQ_LONG(ei_x_encode_tuple_header(&x, 2), 0);
    CHECK_EQ_LONG(ei_x_format_wo_ver(&x, "~a", "first"), 0);
    CHECK_EQ_LONG(ei_x_format_wo_ver(&x, "{~i,~i}", 1, 2), 0);
    CHECK_BYTES("format append", x.buff, x.index, 104, 2, 119, 5, 'f', 'i',
                'r', 's', 't', 104, 2, 97, 1, 97, 2);
    CHECK_EQ_LONG(ei_x_free(&x), 0);

    CHECK_EQ_LONG(ei_x_new(&x), 0);
    CHECK_EQ_LONG(ei_x_format(&x, "~s", ""), 0);
    CHECK_BYTES("format empty string", x.buff, x.index, 131, 106);
    CHECK_EQ_LONG(ei_x_free(&x), 0);

    /* errors */
    CHECK_EQ_LONG(ei_x_new(&x), 0);
    CHECK(ei_x_format_wo_ver(&x, "{~z}", 1) < 0);
    CHECK_EQ_LONG(ei_x_free(&x), 0);
}

static void test_intlist_iodata_term(void)
{
    long a[16];
    int count, idx, sz, r;
    char out[64];
    ei_term t;
    ei_x_buff x;

    /* a string */
    {
        static const char str[] = {107, 0, 3, 1, 2, 200};
        idx = 0;
        CHECK_EQ_LONG(ei_decode_intlist(str, &idx, a, &count), 0);
        CHECK_EQ_LONG(count, 3);
        CHECK_EQ_LONG(a[0], 1);
        CHECK_EQ_LONG(a[2], 200);
        CHECK_EQ_LONG(idx, 6);
        idx = 0;
        CHECK_EQ_LONG(ei_decode_intlist(str, &idx, NULL, &count), 0);
        CHECK_EQ_LONG(count, 3);
    }
    /* a list of integers */
    CHECK_EQ_LONG(ei_x_new(&x), 0);
    ei_x_encode_list_header(&x, 3);
    ei_x_encode_long(&x, -5);
    ei_x_encode_long(&x, 300);
    ei_x_encode_long(&x, 1L << 40);
    ei_x_encode_empty_list(&x);
    idx = 0;
    CHECK_EQ_LONG(ei_decode_intlist(x.buff, &idx, a, &count), 0);
    CHECK_EQ_LONG(count, 3);
    CHECK_EQ_LONG(a[0], -5);
    CHECK_EQ_LONG(a[1], 300);
    CHECK_EQ_LONG(a[2], 1L << 40);
    /* (OTP's libei stops before the list's tail: the index is not checked) */
    ei_x_free(&x);
    {
        static const char atom[] = {119, 1, 'a'};
        static const char mixed[] = {108, 0, 0, 0, 1, 119, 1, 'a', 106};
        DECODE_FAILS(ei_decode_intlist(atom, fidx, a, &count), 0);
        DECODE_FAILS(ei_decode_intlist(mixed, fidx, a, &count), 0);
    }

    /* iodata: [<<"ab">>, "cd", $e, [<<"f">> | <<"g">>]] */
    CHECK_EQ_LONG(ei_x_new(&x), 0);
    ei_x_encode_list_header(&x, 4);
    ei_x_encode_binary(&x, "ab", 2);
    ei_x_encode_string(&x, "cd");
    ei_x_encode_long(&x, 'e');
    ei_x_encode_list_header(&x, 1);
    ei_x_encode_binary(&x, "f", 1);
    ei_x_encode_binary(&x, "g", 1);
    ei_x_encode_empty_list(&x);
    idx = 0;
    sz = -1;
    CHECK_EQ_LONG(ei_decode_iodata(x.buff, &idx, &sz, NULL), 0);
    CHECK_EQ_LONG(sz, 7);
    CHECK_EQ_LONG(idx, x.index);
    idx = 0;
    memset(out, 0, sizeof out);
    CHECK_EQ_LONG(ei_decode_iodata(x.buff, &idx, &sz, out), 0);
    CHECK_EQ_LONG(sz, 7);
    CHECK(memcmp(out, "abcdefg", 7) == 0);
    CHECK_EQ_LONG(idx, x.index);
    ei_x_free(&x);
    {
        static const char bin[] = {109, 0, 0, 0, 2, 'h', 'i'};
        static const char nil[] = {106};
        static const char atom[] = {119, 1, 'a'};
        static const char badint[] = {108, 0, 0, 0, 1, 98, 0, 0, 1, 0, 106};
        idx = 0;
        CHECK_EQ_LONG(ei_decode_iodata(bin, &idx, &sz, out), 0);
        CHECK_EQ_LONG(sz, 2);
        CHECK(memcmp(out, "hi", 2) == 0);
        idx = 0;
        CHECK_EQ_LONG(ei_decode_iodata(nil, &idx, &sz, out), 0);
        CHECK_EQ_LONG(sz, 0);
        CHECK_EQ_LONG(idx, 1);
        DECODE_FAILS(ei_decode_iodata(atom, fidx, &sz, out), 0);
        /* (OTP's libei moves the index on this failure: result only) */
        idx = 0;
        CHECK_EQ_LONG(ei_decode_iodata(badint, &idx, &sz, out), -1);
    }

    /* ei_decode_ei_term */
    CHECK_EQ_LONG(ei_x_new(&x), 0);
    ei_x_encode_long(&x, 12345);
    ei_x_encode_double(&x, 2.5);
    ei_x_encode_atom(&x, "an_atom");
    ei_x_encode_tuple_header(&x, 3);
    ei_x_encode_list_header(&x, 5);
    ei_x_encode_empty_list(&x);
    ei_x_encode_string(&x, "xyz");
    ei_x_encode_binary(&x, "bin", 3);
    ei_x_encode_map_header(&x, 4);
    {
        erlang_pid pid = make_pid("e@h", 1, 2, 3);
        ei_x_encode_pid(&x, &pid);
    }
    idx = 0;
    memset(&t, 0, sizeof t);
    CHECK_EQ_LONG(ei_decode_ei_term(x.buff, &idx, &t), 1);
    CHECK_EQ_LONG(t.ei_type, ERL_INTEGER_EXT);
    CHECK_EQ_LONG(t.value.i_val, 12345);
    CHECK_EQ_LONG(idx, 5);
    CHECK_EQ_LONG(ei_decode_ei_term(x.buff, &idx, &t), 1);
    CHECK_EQ_LONG(t.ei_type, ERL_FLOAT_EXT); /* tags are normalised */
    CHECK(t.value.d_val == 2.5);
    CHECK_EQ_LONG(ei_decode_ei_term(x.buff, &idx, &t), 1);
    CHECK_EQ_LONG(t.ei_type, ERL_ATOM_EXT);
    CHECK_STR(t.value.atom_name, "an_atom");
    CHECK_EQ_LONG(ei_decode_ei_term(x.buff, &idx, &t), 1);
    CHECK_EQ_LONG(t.ei_type, ERL_SMALL_TUPLE_EXT);
    CHECK_EQ_LONG(t.arity, 3);
    CHECK_EQ_LONG(ei_decode_ei_term(x.buff, &idx, &t), 1);
    CHECK_EQ_LONG(t.ei_type, ERL_LIST_EXT);
    CHECK_EQ_LONG(t.arity, 5);
    CHECK_EQ_LONG(ei_decode_ei_term(x.buff, &idx, &t), 1);
    CHECK_EQ_LONG(t.ei_type, ERL_NIL_EXT);
    CHECK_EQ_LONG(t.arity, 0);
    /* strings and binaries are not decoded here: 0, index unchanged */
    r = idx;
    CHECK_EQ_LONG(ei_decode_ei_term(x.buff, &idx, &t), 0);
    CHECK_EQ_LONG(t.ei_type, ERL_STRING_EXT);
    CHECK_EQ_LONG(t.size, 3);
    CHECK_EQ_LONG(idx, r);
    CHECK_EQ_LONG(ei_skip_term(x.buff, &idx), 0);
    r = idx;
    CHECK_EQ_LONG(ei_decode_ei_term(x.buff, &idx, &t), 0);
    CHECK_EQ_LONG(t.ei_type, ERL_BINARY_EXT);
    CHECK_EQ_LONG(t.size, 3);
    CHECK_EQ_LONG(idx, r);
    CHECK_EQ_LONG(ei_skip_term(x.buff, &idx), 0);
    CHECK_EQ_LONG(ei_decode_ei_term(x.buff, &idx, &t), 1);
    CHECK_EQ_LONG(t.ei_type, ERL_MAP_EXT);
    CHECK_EQ_LONG(t.arity, 4);
    CHECK_EQ_LONG(ei_decode_ei_term(x.buff, &idx, &t), 1);
    CHECK_EQ_LONG(t.ei_type, ERL_PID_EXT);
    CHECK_STR(t.value.pid.node, "e@h");
    CHECK_EQ_LONG(t.value.pid.serial, 2);
    CHECK_EQ_LONG(idx, x.index);
    ei_x_free(&x);
    {
        static const char bad[] = {0x7f, 0, 0};
        DECODE_FAILS(ei_decode_ei_term(bad, fidx, &t), 0);
        DECODE_FAILS(ei_skip_term(bad, fidx), 0);
    }
}

int main(void)
{
    int e;

    CHECK_EQ_LONG(ei_init(), 0);
    ei_set_compat_rel(0); /* 0 = current release: a no-op */

    erl_errno = 0;
    e = erl_errno;
    CHECK_EQ_LONG(e, 0);
    erl_errno = EINVAL;
    CHECK_EQ_LONG(erl_errno, EINVAL);
    erl_errno = 0;

    test_version_and_ints();
    test_double_bool_char();
    test_strings();
    test_atoms();
    test_binaries();
    test_pid_port_ref_trace();
    test_funs();
    test_bigs();
    test_headers_and_skip();
    test_x_buff();
    test_print();
    test_format();
    test_intlist_iodata_term();

    if (failures) {
        fprintf(stderr, "api_test: %d of %d checks FAILED\n", failures, checks);
        return 1;
    }
    printf("api_test: all %d checks passed\n", checks);
    return 0;
}
