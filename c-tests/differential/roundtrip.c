/*
 * roundtrip: generic decode + re-encode of external-format terms with the
 * ei API.  Built twice: against ei-rs (roundtrip_rs) and against OTP's own
 * libei (roundtrip_otp).  Driven by gen_terms.erl (see README in this
 * folder's CMakeLists.txt comments).
 *
 * usage: roundtrip IN OUT STATUS
 *
 *   IN     terms, each framed as a 4-byte big-endian length followed by an
 *          external-format binary that starts with 131
 *   OUT    the re-encoded terms in the same framing (an empty frame for a
 *          term whose decoding or encoding failed)
 *   STATUS one byte per term, a bit set of the ST_* flags below
 *
 * For each term:
 *   - ei_decode_version, then a recursive walk with ei_get_type and the
 *     typed decoders, re-encoding every value with the matching
 *     ei_x_encode_* call into an ei_x_buff that starts with the version;
 *   - ei_skip_term over the original must end where the full decode ended
 *     (and at the end of the frame);
 *   - ei_s_print_term must return >= 0 and advance the index likewise.
 *
 * Exit status: 0 when every frame was processed (mismatches are reported
 * through STATUS and judged by the driver), 2 on usage or I/O errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>

#include "ei.h"

#define ST_CODEC_FAIL   0x01 /* a decoder or encoder returned < 0 */
#define ST_SKIP_DIFF    0x02 /* ei_skip_term ended elsewhere */
#define ST_PRINT_FAIL   0x04 /* ei_s_print_term returned < 0 */
#define ST_PRINT_INDEX  0x08 /* ei_s_print_term ended elsewhere */
#define ST_LONG_DIFF    0x10 /* ei_decode_long and ei_decode_longlong disagree */

#define MAX_DEPTH 10000

static unsigned long term_no;      /* current term, for varying code paths */
static unsigned long n_long_diff;

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;
    if (!f)
        return NULL;
    for (;;) {
        size_t r;
        if (n == cap) {
            unsigned char *nb;
            cap = cap ? cap * 2 : (1u << 20);
            nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        r = fread(buf + n, 1, cap - n, f);
        if (r == 0)
            break;
        n += r;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Copy `bits` bits starting at bit 0 of src into a fresh buffer at bit
 * offset `offs`; every other bit of the buffer is garbage (a pattern), so
 * that ei_x_encode_bitstring has to mask and shift correctly. */
static unsigned char *shift_bits(const unsigned char *src, size_t bits,
                                 unsigned offs)
{
    size_t nbytes = (bits + offs + 7) / 8 + 1, i;
    unsigned char *dst = malloc(nbytes);
    if (!dst)
        return NULL;
    for (i = 0; i < nbytes; i++)
        dst[i] = (unsigned char)(0xA5 ^ (i * 0x3B));
    for (i = 0; i < bits; i++) {
        int bit = (src[i / 8] >> (7 - i % 8)) & 1;
        size_t j = i + offs;
        unsigned char mask = (unsigned char)(1u << (7 - j % 8));
        if (bit)
            dst[j / 8] |= mask;
        else
            dst[j / 8] &= (unsigned char)~mask;
    }
    return dst;
}

static int rt(const char *buf, int *idx, ei_x_buff *x, int depth)
{
    int type, size, n, i;

    if (depth > MAX_DEPTH)
        return -1;
    if (ei_get_type(buf, idx, &type, &size) < 0)
        return -1;

    switch (type) {
    case ERL_SMALL_INTEGER_EXT:
    case ERL_INTEGER_EXT: {
        long l;
        EI_LONGLONG ll;
        int j = *idx;
        if (ei_decode_longlong(buf, &j, &ll) < 0)
            return -1;
        if (ei_decode_long(buf, idx, &l) < 0)
            return -1;
        if (j != *idx || (EI_LONGLONG)l != ll)
            n_long_diff++;
        return ei_x_encode_long(x, l);
    }
    case ERL_SMALL_BIG_EXT:
    case ERL_LARGE_BIG_EXT: {
        EI_LONGLONG ll;
        EI_ULONGLONG ull;
        erlang_big *b;
        int j = *idx, r;
        if (ei_decode_longlong(buf, &j, &ll) == 0) {
            long l;
            int k = *idx;
            if (ll >= LONG_MIN && ll <= LONG_MAX) {
                if (ei_decode_long(buf, &k, &l) < 0 || l != ll || k != j)
                    n_long_diff++;
            }
            *idx = j;
            /* alternate between the two encoders for variety */
            if (term_no & 1)
                return ei_x_encode_longlong(x, ll);
            return ei_x_encode_long(x, (long)ll);
        }
        j = *idx;
        if (ei_decode_ulonglong(buf, &j, &ull) == 0) {
            unsigned long ul;
            int k = *idx;
            if (ull <= ULONG_MAX) {
                if (ei_decode_ulong(buf, &k, &ul) < 0 || ul != ull || k != j)
                    n_long_diff++;
            }
            *idx = j;
            if (term_no & 1)
                return ei_x_encode_ulonglong(x, ull);
            return ei_x_encode_ulong(x, (unsigned long)ull);
        }
        b = ei_alloc_big((unsigned)size);
        if (!b)
            return -1;
        r = ei_decode_big(buf, idx, b);
        if (r == 0)
            r = ei_x_encode_big(x, b);
        ei_free_big(b);
        return r;
    }
    case ERL_FLOAT_EXT:
    case NEW_FLOAT_EXT: {
        double d;
        if (ei_decode_double(buf, idx, &d) < 0)
            return -1;
        return ei_x_encode_double(x, d);
    }
    case ERL_ATOM_EXT:
    case ERL_SMALL_ATOM_EXT:
    case ERL_ATOM_UTF8_EXT:
    case ERL_SMALL_ATOM_UTF8_EXT: {
        char a[MAXATOMLEN_UTF8];
        erlang_char_encoding was, res;
        if (ei_decode_atom_as(buf, idx, a, sizeof(a), ERLANG_UTF8, &was,
                              &res) < 0)
            return -1;
        if (term_no % 3 == 0)
            return ei_x_encode_atom_as(x, a, ERLANG_UTF8, ERLANG_UTF8);
        return ei_x_encode_atom_len_as(x, a, (int)strlen(a), ERLANG_UTF8,
                                       ERLANG_UTF8);
    }
    case ERL_STRING_EXT: {
        char *s = malloc((size_t)size + 1);
        int r;
        if (!s)
            return -1;
        r = ei_decode_string(buf, idx, s);
        if (r == 0)
            r = ei_x_encode_string_len(x, s, size);
        free(s);
        return r;
    }
    case ERL_NIL_EXT:
        if (ei_decode_list_header(buf, idx, &n) < 0 || n != 0)
            return -1;
        return ei_x_encode_empty_list(x);
    case ERL_LIST_EXT:
        if (ei_decode_list_header(buf, idx, &n) < 0)
            return -1;
        if (ei_x_encode_list_header(x, n) < 0)
            return -1;
        for (i = 0; i < n; i++)
            if (rt(buf, idx, x, depth + 1) < 0)
                return -1;
        if (ei_get_type(buf, idx, &type, &size) < 0)
            return -1;
        if (type == ERL_NIL_EXT) {
            if (ei_decode_list_header(buf, idx, &n) < 0 || n != 0)
                return -1;
            return ei_x_encode_empty_list(x);
        }
        return rt(buf, idx, x, depth + 1); /* improper tail */
    case ERL_SMALL_TUPLE_EXT:
    case ERL_LARGE_TUPLE_EXT:
        if (ei_decode_tuple_header(buf, idx, &n) < 0)
            return -1;
        if (ei_x_encode_tuple_header(x, n) < 0)
            return -1;
        for (i = 0; i < n; i++)
            if (rt(buf, idx, x, depth + 1) < 0)
                return -1;
        return 0;
    case ERL_MAP_EXT:
        if (ei_decode_map_header(buf, idx, &n) < 0)
            return -1;
        if (ei_x_encode_map_header(x, n) < 0)
            return -1;
        for (i = 0; i < 2 * n; i++)
            if (rt(buf, idx, x, depth + 1) < 0)
                return -1;
        return 0;
    case ERL_BINARY_EXT: {
        long len;
        int r;
        char *p = malloc(size > 0 ? (size_t)size : 1);
        if (!p)
            return -1;
        r = ei_decode_binary(buf, idx, p, &len);
        if (r == 0 && len != size)
            r = -1;
        if (r == 0) {
            if (term_no % 3 == 2) {
                /* via the bitstring encoder, at a bit offset */
                unsigned offs = (unsigned)((term_no + depth) % 8);
                unsigned char *q = shift_bits((unsigned char *)p,
                                              (size_t)len * 8, offs);
                r = q ? ei_x_encode_bitstring(x, (char *)q, offs,
                                              (size_t)len * 8)
                      : -1;
                free(q);
            } else {
                r = ei_x_encode_binary(x, p, (int)len);
            }
        }
        free(p);
        return r;
    }
    case ERL_BIT_BINARY_EXT: {
        const char *p;
        unsigned int bitoffs;
        size_t bits;
        unsigned offs;
        unsigned char *q;
        int r;
        if (ei_decode_bitstring(buf, idx, &p, &bitoffs, &bits) < 0)
            return -1;
        offs = (unsigned)((term_no + depth) % 8);
        if (offs == 0)
            return ei_x_encode_bitstring(x, p, bitoffs, bits);
        if (bitoffs != 0)
            return -1;
        q = shift_bits((const unsigned char *)p, bits, offs);
        if (!q)
            return -1;
        r = ei_x_encode_bitstring(x, (char *)q, offs, bits);
        free(q);
        return r;
    }
    case ERL_PID_EXT:
    case ERL_NEW_PID_EXT: {
        erlang_pid pid;
        if (ei_decode_pid(buf, idx, &pid) < 0)
            return -1;
        return ei_x_encode_pid(x, &pid);
    }
    case ERL_PORT_EXT:
    case ERL_NEW_PORT_EXT:
    case ERL_V4_PORT_EXT: {
        erlang_port port;
        if (ei_decode_port(buf, idx, &port) < 0)
            return -1;
        return ei_x_encode_port(x, &port);
    }
    case ERL_REFERENCE_EXT:
    case ERL_NEW_REFERENCE_EXT:
    case ERL_NEWER_REFERENCE_EXT: {
        erlang_ref ref;
        if (ei_decode_ref(buf, idx, &ref) < 0)
            return -1;
        return ei_x_encode_ref(x, &ref);
    }
    case ERL_NEW_FUN_EXT:
    case ERL_FUN_EXT:
    case ERL_EXPORT_EXT: {
        erlang_fun fun;
        int r;
        memset(&fun, 0, sizeof(fun));
        if (ei_decode_fun(buf, idx, &fun) < 0)
            return -1;
        r = ei_x_encode_fun(x, &fun);
        free_fun(&fun);
        return r;
    }
    default:
        return -1;
    }
}

static int write_frame(FILE *f, const char *p, int len)
{
    unsigned char h[4];
    h[0] = (unsigned char)((unsigned)len >> 24);
    h[1] = (unsigned char)((unsigned)len >> 16);
    h[2] = (unsigned char)((unsigned)len >> 8);
    h[3] = (unsigned char)len;
    if (fwrite(h, 1, 4, f) != 4)
        return -1;
    if (len > 0 && fwrite(p, 1, (size_t)len, f) != (size_t)len)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    unsigned char *in;
    size_t in_len, pos = 0;
    FILE *out, *st;
    unsigned long n_terms = 0, n_codec = 0, n_skip = 0, n_print = 0,
                  n_print_idx = 0;

    if (argc != 4) {
        fprintf(stderr, "usage: %s IN OUT STATUS\n", argv[0]);
        return 2;
    }
    ei_init();
    in = read_file(argv[1], &in_len);
    if (!in) {
        perror(argv[1]);
        return 2;
    }
    out = fopen(argv[2], "wb");
    st = fopen(argv[3], "wb");
    if (!out || !st) {
        perror("open output");
        return 2;
    }

    while (pos + 4 <= in_len) {
        size_t len = ((size_t)in[pos] << 24) | ((size_t)in[pos + 1] << 16) |
                     ((size_t)in[pos + 2] << 8) | (size_t)in[pos + 3];
        const char *buf = (const char *)in + pos + 4;
        unsigned char status = 0;
        int idx = 0, version, sidx = 0, pidx, ok;
        unsigned long before = n_long_diff;
        ei_x_buff x;
        char *s = NULL;

        pos += 4;
        if (pos + len > in_len) {
            fprintf(stderr, "truncated frame %lu\n", n_terms);
            return 2;
        }
        term_no = n_terms;

        /* full decode + re-encode */
        ok = ei_decode_version(buf, &idx, &version) == 0 && version == 131 &&
             ei_x_new_with_version(&x) == 0;
        if (ok) {
            ok = rt(buf, &idx, &x, 0) == 0 && (size_t)idx == len;
            if (!ok)
                status |= ST_CODEC_FAIL;
            if (write_frame(out, ok ? x.buff : "", ok ? x.index : 0) < 0) {
                perror("write");
                return 2;
            }
            ei_x_free(&x);
        } else {
            status |= ST_CODEC_FAIL;
            write_frame(out, "", 0);
        }
        if (n_long_diff != before)
            status |= ST_LONG_DIFF;

        /* ei_skip_term must agree */
        if (ei_decode_version(buf, &sidx, &version) < 0 ||
            ei_skip_term(buf, &sidx) < 0 || (size_t)sidx != len ||
            (ok && sidx != idx))
            status |= ST_SKIP_DIFF;

        /* ei_s_print_term must succeed */
        pidx = 1;
        if (ei_s_print_term(&s, buf, &pidx) < 0)
            status |= ST_PRINT_FAIL;
        else if ((size_t)pidx != len)
            status |= ST_PRINT_INDEX;
        free(s);

        if (status & ST_CODEC_FAIL) n_codec++;
        if (status & ST_SKIP_DIFF) n_skip++;
        if (status & ST_PRINT_FAIL) n_print++;
        if (status & ST_PRINT_INDEX) n_print_idx++;
        fputc(status, st);
        pos += len;
        n_terms++;
    }
    if (pos != in_len) {
        fprintf(stderr, "trailing garbage in %s\n", argv[1]);
        return 2;
    }
    if (fclose(out) != 0 || fclose(st) != 0) {
        perror("close");
        return 2;
    }
    free(in);
    fprintf(stderr,
            "roundtrip: %lu terms, codec failures %lu, skip mismatches %lu, "
            "print failures %lu, print index mismatches %lu, "
            "long/longlong disagreements %lu\n",
            n_terms, n_codec, n_skip, n_print, n_print_idx, n_long_diff);
    return 0;
}
