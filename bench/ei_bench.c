/*
 * ei_bench: one benchmark program for erl_interface, built twice from this
 * source: against OTP's ei.h + libei.a and against ei-rs's include/ei.h +
 * libei.a (scripts/bench.sh does both and compares them).
 *
 *   ei_bench codec   [-t SEC | -n N] [-o OP]
 *   ei_bench rt      -N NODE -C COOKIE [-t SEC | -n N] [-s SIZES]
 *   ei_bench stream  -N NODE -C COOKIE [-t SEC | -n N] [-s SIZES]
 *   ei_bench accept  -N NODE -C COOKIE [-t SEC | -n N] [-s SIZES]
 *   ei_bench connect -N NODE -C COOKIE [-t SEC | -n N]
 *   ei_bench machine [-t SEC] [-s SIZES]     memcpy, raw loopback TCP
 *
 * -t SEC: each measurement runs for SEC seconds (after a warm-up; codec
 *         operations run in ~1 ms batches and report the fastest batch, the
 *         median batch and the mean);
 * -n N:   each measurement runs N operations, and the measured loop is
 *         bracketed by callgrind client requests (zero the counters before,
 *         dump them named "<metric>:<N>" after), for
 *         valgrind --tool=callgrind; nothing else is timed in this mode.
 * -s SIZES: payload sizes, comma-separated (default 16,1024,65536).
 *
 * NODE runs bench/ei_bench_node.erl (registered processes bench_echo,
 * bench_sink, bench_driver).  Output: one line per result,
 *
 *   metric NAME VALUE UNIT
 *
 * plus "info ..." lines.  Allocation counts come from -Wl,--wrap=malloc
 * (and calloc, realloc, posix_memalign, aligned_alloc): every call the
 * program or the statically linked library makes is counted; calls inside
 * glibc itself are not.  The last line of every command is its peak RSS.
 */
#define _GNU_SOURCE

#include <ei.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <valgrind/callgrind.h>

/* ------------------------------------------------------------------ */
/* Allocation counting (-Wl,--wrap=...)                                */
/* ------------------------------------------------------------------ */

static unsigned long n_alloc;   /* malloc, calloc, posix_memalign, aligned_alloc, realloc(NULL) */
static unsigned long n_realloc; /* realloc of an existing block */
static unsigned long n_free;

void *__real_malloc(size_t);
void *__real_calloc(size_t, size_t);
void *__real_realloc(void *, size_t);
void __real_free(void *);
int __real_posix_memalign(void **, size_t, size_t);
void *__real_aligned_alloc(size_t, size_t);

void *__wrap_malloc(size_t n)
{
    n_alloc++;
    return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t m)
{
    n_alloc++;
    return __real_calloc(n, m);
}
void *__wrap_realloc(void *p, size_t n)
{
    if (p)
        n_realloc++;
    else
        n_alloc++;
    return __real_realloc(p, n);
}
void __wrap_free(void *p)
{
    if (p)
        n_free++;
    __real_free(p);
}
int __wrap_posix_memalign(void **p, size_t a, size_t n)
{
    n_alloc++;
    return __real_posix_memalign(p, a, n);
}
void *__wrap_aligned_alloc(size_t a, size_t n)
{
    n_alloc++;
    return __real_aligned_alloc(a, n);
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static double opt_time = 0.5; /* seconds per measurement */
static long opt_count;        /* > 0: callgrind mode, N operations */
static const char *opt_node, *opt_cookie, *opt_op;
static long sizes[16] = {16, 1024, 65536};
static int n_sizes = 3;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "ei_bench: error: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (errno %d, erl_errno %d)\n", errno, erl_errno);
    exit(1);
}

static void metric(const char *name, double value, const char *unit)
{
    printf("metric %s %.6g %s\n", name, value, unit);
    fflush(stdout);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* User + system CPU time of this process, in ns. */
static uint64_t cpu_ns(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000u +
           (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u;
}

/* Peak RSS, and what the resident memory is now: anonymous (heap, stacks)
   and file-backed (mostly program text). */
static void report_rss(const char *cmd)
{
    struct rusage ru;
    char name[64], line[256];
    FILE *f;
    getrusage(RUSAGE_SELF, &ru);
    if ((f = fopen("/proc/self/status", "r")) != NULL) {
        while (fgets(line, sizeof line, f)) {
            long kb;
            if (sscanf(line, "RssAnon: %ld", &kb) == 1) {
                snprintf(name, sizeof name, "rss_anon.%s", cmd);
                metric(name, (double)kb, "KiB");
            } else if (sscanf(line, "RssFile: %ld", &kb) == 1) {
                snprintf(name, sizeof name, "rss_file.%s", cmd);
                metric(name, (double)kb, "KiB");
            }
        }
        fclose(f);
    }
    snprintf(name, sizeof name, "rss.%s", cmd);
    metric(name, (double)ru.ru_maxrss, "KiB");
}

/* callgrind mode: zero the counters, and later dump them named
   "<name>:<count>" (the name is made before the counting starts). */
static char cg_tag[128];
static void cg_begin(const char *name, long count)
{
    snprintf(cg_tag, sizeof cg_tag, "%s:%ld", name, count);
    CALLGRIND_ZERO_STATS;
}
static void cg_end(void)
{
    CALLGRIND_DUMP_STATS_AT(cg_tag);
    printf("info callgrind dump %s\n", cg_tag);
}

/* Latency histogram: 64 sub-buckets per power of two (error < 1.6 %). */
#define HIST_BUCKETS 4096
typedef struct {
    uint64_t n[HIST_BUCKETS];
    uint64_t count;
} hist_t;

static unsigned hist_idx(uint64_t v)
{
    int msb, shift;
    if (v < 128)
        return (unsigned)v;
    msb = 63 - __builtin_clzll(v);
    shift = msb - 6;
    return (unsigned)(shift * 64 + (int)(v >> shift));
}

static double hist_value(unsigned idx)
{
    unsigned shift, mant;
    if (idx < 128)
        return idx;
    shift = idx / 64 - 1;
    mant = idx - shift * 64;
    /* middle of the bucket */
    return ((double)mant + 0.5) * (double)(1ull << shift);
}

static void hist_add(hist_t *h, uint64_t v)
{
    unsigned i = hist_idx(v);
    if (i >= HIST_BUCKETS)
        i = HIST_BUCKETS - 1;
    h->n[i]++;
    h->count++;
}

static double hist_pct(const hist_t *h, double p)
{
    uint64_t want = (uint64_t)ceil(p * (double)h->count), seen = 0;
    unsigned i;
    if (want == 0)
        want = 1;
    for (i = 0; i < HIST_BUCKETS; i++) {
        seen += h->n[i];
        if (seen >= want)
            return hist_value(i);
    }
    return hist_value(HIST_BUCKETS - 1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void parse_sizes(const char *s)
{
    n_sizes = 0;
    while (*s && n_sizes < 16) {
        char *end;
        sizes[n_sizes++] = strtol(s, &end, 10);
        if (end == s)
            die("bad size list");
        s = *end == ',' ? end + 1 : end;
    }
}

/* ------------------------------------------------------------------ */
/* The term mix                                                        */
/* ------------------------------------------------------------------ */

enum { IK_LONG, IK_ULONG, IK_LONGLONG, IK_ULONGLONG, IK_CHAR, IK_BOOL };
#define N_INTS 160
#define N_DOUBLES 40
#define N_ATOMS 48
#define N_ATOM_NAMES 12
#define N_STRINGS 12
#define N_BIN16 24
#define N_PIDS 12

static unsigned long long int_vals[N_INTS];
static int int_kind[N_INTS];
static double doubles[N_DOUBLES];
static const char *const atom_names[N_ATOM_NAMES] = {
    "ok", "error", "undefined", "bench_atom_with_a_longer_name",
    "héllo", "wörld_ünïcode", "ça_va", "Ærøskøbing",
    "true", "false", "données", "x"};
/* Non-ASCII atoms are encoded as UTF-8 (ATOM_UTF8_EXT, two-byte
   sequences); they stay within Latin-1 because libei cannot print other
   atoms. */
static const int atoms_utf8[N_ATOM_NAMES] = {0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 0};
static char strings[N_STRINGS][48];
static const char *const map_keys[12] = {"alpha", "beta", "gamma", "delta", "one", "two",
                                         "three", "four", "int", "float", "atom", "bin"};
static unsigned char bin_data[4096 + 64];
static erlang_pid pids[N_PIDS];
static erlang_ref refs[N_PIDS];

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void init_data(void)
{
    int i;
    for (i = 0; i < N_INTS; i++) {
        uint64_t r = rng();
        switch (i % 8) {
        case 0: int_kind[i] = IK_LONG; int_vals[i] = r % 256; break;
        case 1: int_kind[i] = IK_LONG; int_vals[i] = (unsigned long long)-(long long)(r % 1000 + 1); break;
        case 2: int_kind[i] = IK_LONG; int_vals[i] = (unsigned long long)(long long)(int32_t)r; break;
        case 3: int_kind[i] = IK_LONG; int_vals[i] = r; break; /* any 64-bit long */
        case 4: int_kind[i] = IK_ULONG; int_vals[i] = r % 4294967296ull; break;
        case 5: int_kind[i] = IK_LONGLONG; int_vals[i] = (unsigned long long)-(long long)(r >> 16); break;
        case 6: int_kind[i] = IK_ULONGLONG; int_vals[i] = r | (1ull << 63); break;
        default:
            int_kind[i] = (i % 16 == 7) ? IK_CHAR : IK_BOOL;
            int_vals[i] = r % 256;
            break;
        }
    }
    for (i = 0; i < N_DOUBLES; i++)
        doubles[i] = (i % 2 ? -1.0 : 1.0) * (i + 1) * 1.25e-3 * pow(10.0, i % 10);
    for (i = 0; i < N_STRINGS; i++)
        snprintf(strings[i], sizeof strings[i], "bench string number %02d: abcdefghijklmn", i);
    for (i = 0; i < (int)sizeof bin_data; i++)
        bin_data[i] = (unsigned char)(i * 31 + 7);
    for (i = 0; i < N_PIDS; i++) {
        strcpy(pids[i].node, "bench@localhost");
        pids[i].num = 100u + (unsigned)i;
        pids[i].serial = (unsigned)i;
        pids[i].creation = 0x5f5e1000u + (unsigned)i;
        strcpy(refs[i].node, "bench@localhost");
        refs[i].len = 3;
        refs[i].n[0] = (unsigned)i;
        refs[i].n[1] = (unsigned)i * 7919u;
        refs[i].n[2] = (unsigned)i * 104729u;
        refs[i].creation = 0x5f5e1000u + (unsigned)i;
    }
}

#define CHK(c)                                                                                     \
    do {                                                                                           \
        if ((c) < 0)                                                                               \
            return -1;                                                                             \
    } while (0)

/* Fixed buffer flavour. */
#define TERM_FN(n) enc_fixed_##n
#define TERM_ARGS char *buf, int *idx
#define E_LIST(n) CHK(ei_encode_list_header(buf, idx, (n)))
#define E_NIL() CHK(ei_encode_empty_list(buf, idx))
#define E_TUPLE(n) CHK(ei_encode_tuple_header(buf, idx, (n)))
#define E_MAP(n) CHK(ei_encode_map_header(buf, idx, (n)))
#define E_LONG(v) CHK(ei_encode_long(buf, idx, (v)))
#define E_ULONG(v) CHK(ei_encode_ulong(buf, idx, (v)))
#define E_LONGLONG(v) CHK(ei_encode_longlong(buf, idx, (v)))
#define E_ULONGLONG(v) CHK(ei_encode_ulonglong(buf, idx, (v)))
#define E_CHAR(v) CHK(ei_encode_char(buf, idx, (v)))
#define E_BOOLEAN(v) CHK(ei_encode_boolean(buf, idx, (v)))
#define E_DOUBLE(v) CHK(ei_encode_double(buf, idx, (v)))
#define E_ATOM(s) CHK(ei_encode_atom(buf, idx, (s)))
#define E_ATOM_UTF8(s) CHK(ei_encode_atom_as(buf, idx, (s), ERLANG_UTF8, ERLANG_UTF8))
#define E_STRING(s) CHK(ei_encode_string(buf, idx, (s)))
#define E_BINARY(p, n) CHK(ei_encode_binary(buf, idx, (p), (n)))
#define E_PID(p) CHK(ei_encode_pid(buf, idx, (p)))
#define E_REF(p) CHK(ei_encode_ref(buf, idx, (p)))
#include "terms.h"
#undef TERM_FN
#undef TERM_ARGS
#undef E_LIST
#undef E_NIL
#undef E_TUPLE
#undef E_MAP
#undef E_LONG
#undef E_ULONG
#undef E_LONGLONG
#undef E_ULONGLONG
#undef E_CHAR
#undef E_BOOLEAN
#undef E_DOUBLE
#undef E_ATOM
#undef E_ATOM_UTF8
#undef E_STRING
#undef E_BINARY
#undef E_PID
#undef E_REF

/* ei_x_buff flavour. */
#define TERM_FN(n) enc_x_##n
#define TERM_ARGS ei_x_buff *x
#define E_LIST(n) CHK(ei_x_encode_list_header(x, (n)))
#define E_NIL() CHK(ei_x_encode_empty_list(x))
#define E_TUPLE(n) CHK(ei_x_encode_tuple_header(x, (n)))
#define E_MAP(n) CHK(ei_x_encode_map_header(x, (n)))
#define E_LONG(v) CHK(ei_x_encode_long(x, (v)))
#define E_ULONG(v) CHK(ei_x_encode_ulong(x, (v)))
#define E_LONGLONG(v) CHK(ei_x_encode_longlong(x, (v)))
#define E_ULONGLONG(v) CHK(ei_x_encode_ulonglong(x, (v)))
#define E_CHAR(v) CHK(ei_x_encode_char(x, (v)))
#define E_BOOLEAN(v) CHK(ei_x_encode_boolean(x, (v)))
#define E_DOUBLE(v) CHK(ei_x_encode_double(x, (v)))
#define E_ATOM(s) CHK(ei_x_encode_atom(x, (s)))
#define E_ATOM_UTF8(s) CHK(ei_x_encode_atom_as(x, (s), ERLANG_UTF8, ERLANG_UTF8))
#define E_STRING(s) CHK(ei_x_encode_string(x, (s)))
#define E_BINARY(p, n) CHK(ei_x_encode_binary(x, (p), (n)))
#define E_PID(p) CHK(ei_x_encode_pid(x, (p)))
#define E_REF(p) CHK(ei_x_encode_ref(x, (p)))
#include "terms.h"

typedef int (*enc_fixed_fn)(char *, int *);
typedef int (*enc_x_fn)(ei_x_buff *);

#define N_TERMS 7
static const char *const term_names[N_TERMS] = {"ints", "floats_atoms", "strings_bins",
                                                "pids_refs", "map3", "bin4k", "mixed"};
static const enc_fixed_fn enc_fixed[N_TERMS] = {
    enc_fixed_t_ints, enc_fixed_t_floats_atoms, enc_fixed_t_strings_bins, enc_fixed_t_pids_refs,
    enc_fixed_t_map3, enc_fixed_t_bin4k, enc_fixed_t_mixed};
static const enc_x_fn enc_x[N_TERMS] = {enc_x_t_ints,      enc_x_t_floats_atoms, enc_x_t_strings_bins,
                                        enc_x_t_pids_refs, enc_x_t_map3,         enc_x_t_bin4k,
                                        enc_x_t_mixed};

static char encoded[N_TERMS][8192];
static int encoded_len[N_TERMS];
static char fixed_out[16384];

/* Full typed decode of one term, recursively, with the ei_decode_* call
   that fits each type. */
static char dec_str[70000];
static char dec_atom[MAXATOMLEN_UTF8];
static char dec_bin[8192];

static int dec_term(const char *b, int *i)
{
    int type, size, n, k;
    if (ei_get_type(b, i, &type, &size) < 0)
        return -1;
    switch (type) {
    case ERL_SMALL_INTEGER_EXT:
    case ERL_INTEGER_EXT: {
        long v;
        return ei_decode_long(b, i, &v);
    }
    case ERL_SMALL_BIG_EXT:
    case ERL_LARGE_BIG_EXT: {
        long long v;
        unsigned long long u;
        if (ei_decode_longlong(b, i, &v) == 0)
            return 0;
        return ei_decode_ulonglong(b, i, &u);
    }
    case NEW_FLOAT_EXT:
    case ERL_FLOAT_EXT: {
        double d;
        return ei_decode_double(b, i, &d);
    }
    case ERL_ATOM_EXT:
    case ERL_SMALL_ATOM_EXT:
    case ERL_ATOM_UTF8_EXT:
    case ERL_SMALL_ATOM_UTF8_EXT:
        return ei_decode_atom_as(b, i, dec_atom, sizeof dec_atom, ERLANG_UTF8, NULL, NULL);
    case ERL_STRING_EXT:
        return ei_decode_string(b, i, dec_str);
    case ERL_NIL_EXT:
        return ei_decode_list_header(b, i, &n);
    case ERL_LIST_EXT:
        CHK(ei_decode_list_header(b, i, &n));
        for (k = 0; k < n; k++)
            CHK(dec_term(b, i));
        return dec_term(b, i); /* the tail */
    case ERL_SMALL_TUPLE_EXT:
    case ERL_LARGE_TUPLE_EXT:
        CHK(ei_decode_tuple_header(b, i, &n));
        for (k = 0; k < n; k++)
            CHK(dec_term(b, i));
        return 0;
    case ERL_MAP_EXT:
        CHK(ei_decode_map_header(b, i, &n));
        for (k = 0; k < 2 * n; k++)
            CHK(dec_term(b, i));
        return 0;
    case ERL_BINARY_EXT: {
        long len;
        return ei_decode_binary(b, i, dec_bin, &len);
    }
    case ERL_PID_EXT:
    case ERL_NEW_PID_EXT: {
        erlang_pid p;
        return ei_decode_pid(b, i, &p);
    }
    case ERL_REFERENCE_EXT:
    case ERL_NEW_REFERENCE_EXT:
    case ERL_NEWER_REFERENCE_EXT: {
        erlang_ref r;
        return ei_decode_ref(b, i, &r);
    }
    default:
        return -1;
    }
}

/* ei_x_format_wo_ver: 8 rows of every directive, ~1 KiB. */
#define ROW "{~a,~i,~l,~u,~f,~s,~p,[x,y,z],\"literal string\",12345,-7,3.25}"
#define ROW_ARGS(k)                                                                                \
    atom_names[(k) % 4], (int)(k) * 1000 - 3, (long)int_vals[3 + 8 * (k)],                         \
        (unsigned long)int_vals[4 + 8 * (k)], doubles[k], strings[k], &pids[k]
#define FORMAT_STRING "[" ROW "," ROW "," ROW "," ROW "," ROW "," ROW "," ROW "," ROW "]"

static int do_format(ei_x_buff *x)
{
    return ei_x_format_wo_ver(x, FORMAT_STRING, ROW_ARGS(0), ROW_ARGS(1), ROW_ARGS(2), ROW_ARGS(3),
                              ROW_ARGS(4), ROW_ARGS(5), ROW_ARGS(6), ROW_ARGS(7));
}

/* One operation of each codec workload = one pass over the mix (format:
   one call). */
static long sink_total;

static int op_encode_fixed(void)
{
    int k;
    for (k = 0; k < N_TERMS; k++) {
        int idx = 0;
        CHK(ei_encode_version(fixed_out, &idx));
        CHK(enc_fixed[k](fixed_out, &idx));
        sink_total += idx;
    }
    return 0;
}

static int op_encode_x(void)
{
    int k;
    for (k = 0; k < N_TERMS; k++) {
        ei_x_buff x;
        CHK(ei_x_new_with_version(&x));
        if (enc_x[k](&x) < 0) {
            ei_x_free(&x);
            return -1;
        }
        sink_total += x.index;
        ei_x_free(&x);
    }
    return 0;
}

static int op_decode(void)
{
    int k, v;
    for (k = 0; k < N_TERMS; k++) {
        int idx = 0;
        CHK(ei_decode_version(encoded[k], &idx, &v));
        CHK(dec_term(encoded[k], &idx));
        sink_total += idx;
    }
    return 0;
}

static int op_skip(void)
{
    int k, v;
    for (k = 0; k < N_TERMS; k++) {
        int idx = 0;
        CHK(ei_decode_version(encoded[k], &idx, &v));
        CHK(ei_skip_term(encoded[k], &idx));
        sink_total += idx;
    }
    return 0;
}

static int op_print(void)
{
    int k, r;
    for (k = 0; k < N_TERMS; k++) {
        int idx = 1;
        char *s = NULL;
        r = ei_s_print_term(&s, encoded[k], &idx);
        free(s);
        CHK(r);
        sink_total += r;
    }
    return 0;
}

static int op_format(void)
{
    ei_x_buff x;
    int r;
    CHK(ei_x_new(&x));
    r = do_format(&x);
    sink_total += x.index;
    ei_x_free(&x);
    return r;
}

static const struct {
    const char *name;
    int (*fn)(void);
} codec_ops[] = {
    {"encode_fixed", op_encode_fixed}, {"encode_x", op_encode_x}, {"decode", op_decode},
    {"skip", op_skip},                 {"print", op_print},       {"format", op_format},
};
#define N_CODEC_OPS ((int)(sizeof codec_ops / sizeof codec_ops[0]))

static void codec_check(void)
{
    int k, total = 0;
    for (k = 0; k < N_TERMS; k++) {
        ei_x_buff x;
        int idx = 0, v;
        char *s = NULL;

        if (ei_encode_version(encoded[k], &idx) < 0 || enc_fixed[k](encoded[k], &idx) < 0)
            die("encoding term %s", term_names[k]);
        encoded_len[k] = idx;
        if (ei_x_new_with_version(&x) < 0 || enc_x[k](&x) < 0)
            die("ei_x encoding term %s", term_names[k]);
        if (x.index != idx || memcmp(x.buff, encoded[k], (size_t)idx) != 0)
            die("ei_x encoding of %s differs from the fixed-buffer one", term_names[k]);
        ei_x_free(&x);
        idx = 0;
        if (ei_decode_version(encoded[k], &idx, &v) < 0 || dec_term(encoded[k], &idx) < 0 ||
            idx != encoded_len[k])
            die("decoding term %s (stopped at %d of %d)", term_names[k], idx, encoded_len[k]);
        idx = 1;
        if (ei_skip_term(encoded[k], &idx) < 0 || idx != encoded_len[k])
            die("skipping term %s", term_names[k]);
        idx = 1;
        if (ei_s_print_term(&s, encoded[k], &idx) < 0 || idx != encoded_len[k])
            die("printing term %s", term_names[k]);
        printf("info term %s %d bytes, printed %zu chars\n", term_names[k], encoded_len[k], strlen(s));
        free(s);
        total += encoded_len[k];
    }
    {
        ei_x_buff x;
        int idx = 0;
        if (ei_x_new(&x) < 0 || do_format(&x) < 0)
            die("ei_x_format_wo_ver");
        if (ei_skip_term(x.buff, &idx) < 0 || idx != x.index)
            die("ei_x_format_wo_ver made a malformed term");
        printf("info format %d bytes\n", x.index);
        ei_x_free(&x);
    }
    printf("info mix %d terms %d bytes\n", N_TERMS, total);
}

static int cmd_codec(void)
{
    int o;
    init_data();
    codec_check();
    for (o = 0; o < N_CODEC_OPS; o++) {
        char name[64];
        long iters = 0;
        unsigned long a0, r0;
        if (opt_op && strcmp(opt_op, codec_ops[o].name) != 0)
            continue;
        if (opt_count > 0) {
            if (codec_ops[o].fn() < 0) /* warm-up */
                die("%s failed", codec_ops[o].name);
            snprintf(name, sizeof name, "codec.%s", codec_ops[o].name);
            cg_begin(name, opt_count);
            for (iters = 0; iters < opt_count; iters++)
                codec_ops[o].fn();
            cg_end();
            continue;
        }
        /* Warm-up (a tenth of the time), which also sizes a batch to about
           1 ms.  Then batches until the time is up: the result is the
           fastest batch (a batch that another process interrupted is only
           ever slower), with the median batch and the mean beside it. */
        {
            uint64_t t0 = now_ns(), t1 = t0, end = t0 + (uint64_t)(opt_time * 1e8);
            long warm = 0, batch;
            while (t1 < end) {
                if (codec_ops[o].fn() < 0)
                    die("%s failed", codec_ops[o].name);
                warm++;
                t1 = now_ns();
            }
            batch = (long)((double)warm * 1e6 / (double)(t1 - t0)) + 1;
            {
                static double per[100000];
                long nb = 0, b;
                uint64_t start = now_ns(), dur = (uint64_t)(opt_time * 1e9);
                a0 = n_alloc;
                r0 = n_realloc;
                do {
                    uint64_t b0 = now_ns();
                    for (b = 0; b < batch; b++)
                        codec_ops[o].fn();
                    t1 = now_ns();
                    if (nb < 100000)
                        per[nb++] = (double)(t1 - b0) / (double)batch;
                    iters += batch;
                } while (t1 - start < dur);
                qsort(per, (size_t)nb, sizeof per[0], cmp_double);
                snprintf(name, sizeof name, "codec.%s.time", codec_ops[o].name);
                metric(name, per[0], "ns/op");
                snprintf(name, sizeof name, "codec.%s.time_median", codec_ops[o].name);
                metric(name, per[nb / 2], "ns/op");
                snprintf(name, sizeof name, "codec.%s.time_mean", codec_ops[o].name);
                metric(name, (double)(t1 - start) / (double)iters, "ns/op");
            }
            snprintf(name, sizeof name, "codec.%s.allocs", codec_ops[o].name);
            metric(name, (double)(n_alloc - a0) / (double)iters, "allocs/op");
            snprintf(name, sizeof name, "codec.%s.reallocs", codec_ops[o].name);
            metric(name, (double)(n_realloc - r0) / (double)iters, "reallocs/op");
        }
    }
    if (sink_total == 42)
        printf("info unlikely\n");
    report_rss("codec");
    return 0;
}

/* ------------------------------------------------------------------ */
/* Messaging with a live node                                          */
/* ------------------------------------------------------------------ */

static void node_init(ei_cnode *ec, const char *prefix)
{
    char alive[64], nodename[128];
    struct in_addr loopback;
    static unsigned seq;

    snprintf(alive, sizeof alive, "%s_%d_%u", prefix, (int)getpid(), seq++);
    snprintf(nodename, sizeof nodename, "%s@localhost", alive);
    loopback.s_addr = htonl(INADDR_LOOPBACK);
    if (ei_connect_xinit(ec, "localhost", alive, nodename, &loopback, opt_cookie,
                         (unsigned)time(NULL) ^ ((unsigned)getpid() << 8)) < 0)
        die("ei_connect_xinit(%s)", nodename);
}

static int connect_node(ei_cnode *ec)
{
    int fd = ei_connect(ec, (char *)opt_node);
    if (fd < 0)
        die("ei_connect(%s)", opt_node);
    return fd;
}

/* Next SEND / REG_SEND on fd into x (ticks and other signals skipped). */
static void recv_msg(int fd, erlang_msg *msg, ei_x_buff *x)
{
    for (;;) {
        int rc = ei_xreceive_msg(fd, msg, x);
        if (rc == ERL_TICK)
            continue;
        if (rc == ERL_ERROR)
            die("ei_xreceive_msg");
        if (msg->msgtype == ERL_SEND || msg->msgtype == ERL_REG_SEND)
            return;
    }
}

/* {Self, <<Size bytes>>} */
static void make_echo_msg(ei_x_buff *m, ei_cnode *ec, long size)
{
    char *payload = malloc((size_t)size);
    long i;
    for (i = 0; i < size; i++)
        payload[i] = (char)(i * 13 + 1);
    if (ei_x_new_with_version(m) < 0 || ei_x_encode_tuple_header(m, 2) < 0 ||
        ei_x_encode_pid(m, ei_self(ec)) < 0 || ei_x_encode_binary(m, payload, size) < 0)
        die("encoding the echo message");
    free(payload);
}

static int cmd_rt(void)
{
    ei_cnode ec;
    int fd, s;
    ei_x_buff x;
    erlang_msg msg;
    static char reg[] = "bench_echo";
    static hist_t hist;

    init_data();
    node_init(&ec, "ebrt");
    fd = connect_node(&ec);
    if (ei_x_new(&x) < 0)
        die("ei_x_new");
    for (s = 0; s < n_sizes; s++) {
        ei_x_buff m;
        long i, n = 0, warm = opt_count > 0 ? 20 : 200;
        unsigned long as = 0, ar = 0, a0;
        uint64_t t0, t1, c0, c1;
        char name[64];

        make_echo_msg(&m, &ec, sizes[s]);
        for (i = 0; i < warm; i++) {
            if (ei_reg_send(&ec, fd, reg, m.buff, m.index) < 0)
                die("ei_reg_send");
            recv_msg(fd, &msg, &x);
            if (x.index != m.index)
                die("echo of %d bytes came back as %d", m.index, x.index);
        }
        if (opt_count > 0) {
            snprintf(name, sizeof name, "rt.%ld", sizes[s]);
            cg_begin(name, opt_count);
            for (i = 0; i < opt_count; i++) {
                ei_reg_send(&ec, fd, reg, m.buff, m.index);
                recv_msg(fd, &msg, &x);
            }
            cg_end();
            ei_x_free(&m);
            continue;
        }
        memset(&hist, 0, sizeof hist);
        c0 = cpu_ns();
        t0 = now_ns();
        t1 = t0;
        do {
            uint64_t a = t1, b;
            a0 = n_alloc + n_realloc;
            if (ei_reg_send(&ec, fd, reg, m.buff, m.index) < 0)
                die("ei_reg_send");
            as += n_alloc + n_realloc - a0;
            a0 = n_alloc + n_realloc;
            recv_msg(fd, &msg, &x);
            ar += n_alloc + n_realloc - a0;
            b = now_ns();
            hist_add(&hist, b - a);
            t1 = b;
            n++;
        } while (t1 - t0 < (uint64_t)(opt_time * 1e9));
        c1 = cpu_ns();
        if (x.index != m.index)
            die("echo of %d bytes came back as %d", m.index, x.index);
#define M(fmt, v, unit)                                                                            \
    do {                                                                                           \
        snprintf(name, sizeof name, fmt, sizes[s]);                                                \
        metric(name, v, unit);                                                                     \
    } while (0)
        M("rt.%ld.rate", (double)n * 1e9 / (double)(t1 - t0), "rt/s");
        M("rt.%ld.p50", hist_pct(&hist, 0.50) / 1e3, "us");
        M("rt.%ld.p99", hist_pct(&hist, 0.99) / 1e3, "us");
        M("rt.%ld.cpu", (double)(c1 - c0) / (double)n / 1e3, "us/rt");
        M("rt.%ld.allocs_send", (double)as / (double)n, "allocs/msg");
        M("rt.%ld.allocs_recv", (double)ar / (double)n, "allocs/msg");
        ei_x_free(&m);
    }
    ei_x_free(&x);
    ei_close_connection(fd);
    report_rss("rt");
    return 0;
}

static int cmd_stream(void)
{
    ei_cnode ec;
    int fd, s;
    ei_x_buff x, done;
    erlang_msg msg;
    static char reg[] = "bench_sink";

    init_data();
    node_init(&ec, "ebst");
    fd = connect_node(&ec);
    if (ei_x_new(&x) < 0 || ei_x_new_with_version(&done) < 0 ||
        ei_x_encode_tuple_header(&done, 2) < 0 || ei_x_encode_atom(&done, "done") < 0 ||
        ei_x_encode_pid(&done, ei_self(&ec)) < 0)
        die("encoding {done, Self}");
    for (s = 0; s < n_sizes; s++) {
        ei_x_buff m;
        long i, n = 0, warm = opt_count > 0 ? 20 : 500, got;
        unsigned long a0 = 0;
        uint64_t t0 = 0, t1 = 0, c0 = 0, c1;
        char *payload;
        char name[64];
        int phase;

        payload = malloc((size_t)sizes[s]);
        for (i = 0; i < sizes[s]; i++)
            payload[i] = (char)(i * 13 + 1);
        if (ei_x_new_with_version(&m) < 0 || ei_x_encode_tuple_header(&m, 2) < 0 ||
            ei_x_encode_atom(&m, "data") < 0 || ei_x_encode_binary(&m, payload, sizes[s]) < 0)
            die("encoding {data, Bin}");
        free(payload);

        for (phase = 0; phase < 2; phase++) {
            int idx = 0, v, arity;
            char atom[MAXATOMLEN];
            long bytes;
            n = 0;
            if (phase == 0) {
                for (i = 0; i < warm; i++)
                    if (ei_reg_send(&ec, fd, reg, m.buff, m.index) < 0)
                        die("ei_reg_send");
                n = warm;
            } else if (opt_count > 0) {
                snprintf(name, sizeof name, "stream.%ld", sizes[s]);
                cg_begin(name, opt_count);
                for (i = 0; i < opt_count; i++)
                    ei_reg_send(&ec, fd, reg, m.buff, m.index);
                cg_end();
                n = opt_count;
            } else {
                c0 = cpu_ns();
                a0 = n_alloc + n_realloc;
                t0 = now_ns();
                do {
                    for (i = 0; i < 8; i++)
                        if (ei_reg_send(&ec, fd, reg, m.buff, m.index) < 0)
                            die("ei_reg_send");
                    n += 8;
                    t1 = now_ns();
                } while (t1 - t0 < (uint64_t)(opt_time * 1e9));
                a0 = n_alloc + n_realloc - a0;
            }
            if (ei_reg_send(&ec, fd, reg, done.buff, done.index) < 0)
                die("ei_reg_send done");
            recv_msg(fd, &msg, &x);
            if (ei_decode_version(x.buff, &idx, &v) < 0 ||
                ei_decode_tuple_header(x.buff, &idx, &arity) < 0 || arity != 3 ||
                ei_decode_atom(x.buff, &idx, atom) < 0 || strcmp(atom, "count") != 0 ||
                ei_decode_long(x.buff, &idx, &got) < 0 || ei_decode_long(x.buff, &idx, &bytes) < 0)
                die("bad ack from bench_sink");
            if (got != n || bytes != n * sizes[s])
                die("bench_sink counted %ld messages / %ld bytes, %ld sent", got, bytes, n);
        }
        if (opt_count <= 0) {
            t1 = now_ns();
            c1 = cpu_ns();
            M("stream.%ld.rate", (double)n * 1e9 / (double)(t1 - t0), "msg/s");
            M("stream.%ld.mbps", (double)n * (double)sizes[s] * 1e3 / (double)(t1 - t0), "MB/s");
            M("stream.%ld.cpu", (double)(c1 - c0) / (double)n / 1e3, "us/msg");
            M("stream.%ld.allocs_send", (double)a0 / (double)n, "allocs/msg");
        }
        ei_x_free(&m);
    }
    ei_x_free(&x);
    ei_x_free(&done);
    ei_close_connection(fd);
    report_rss("stream");
    return 0;
}

/* The accepting side: the C node publishes itself, asks bench_driver (over
   a second, outgoing connection under another name) to drive it, accepts
   the node's connection and answers every {Pid, Bin} with the same term
   to Pid.  The driver times the round trips and sends the results. */
static int cmd_accept(void)
{
    ei_cnode acc, ctl;
    int lfd, pfd, cfd, fd, port = 0, s;
    ei_x_buff x, m;
    erlang_msg msg;
    ErlConnect conn;
    static char reg[] = "bench_driver";
    uint64_t c0 = 0;
    unsigned long a0 = 0;
    int done = 0;

    init_data();
    node_init(&acc, "ebacc");
    node_init(&ctl, "ebctl");
    lfd = ei_listen(&acc, &port, 5);
    if (lfd < 0)
        die("ei_listen");
    pfd = ei_publish(&acc, port);
    if (pfd < 0)
        die("ei_publish");
    cfd = connect_node(&ctl);
    /* {drive, CNode, Sizes, {time, Ms} | {count, N}, Warmup} */
    if (ei_x_new_with_version(&m) < 0 || ei_x_encode_tuple_header(&m, 5) < 0 ||
        ei_x_encode_atom(&m, "drive") < 0 || ei_x_encode_atom(&m, ei_thisnodename(&acc)) < 0 ||
        ei_x_encode_list_header(&m, n_sizes) < 0)
        die("encoding drive");
    for (s = 0; s < n_sizes; s++)
        if (ei_x_encode_long(&m, sizes[s]) < 0)
            die("encoding drive");
    if (ei_x_encode_empty_list(&m) < 0 || ei_x_encode_tuple_header(&m, 2) < 0 ||
        (opt_count > 0 ? ei_x_encode_atom(&m, "count") < 0 || ei_x_encode_long(&m, opt_count) < 0
                       : ei_x_encode_atom(&m, "time") < 0 ||
                             ei_x_encode_long(&m, (long)(opt_time * 1000)) < 0) ||
        ei_x_encode_long(&m, opt_count > 0 ? 20 : 200) < 0)
        die("encoding drive");
    if (ei_reg_send(&ctl, cfd, reg, m.buff, m.index) < 0)
        die("ei_reg_send to bench_driver");
    ei_x_free(&m);

    fd = ei_accept_tmo(&acc, lfd, &conn, 30000);
    if (fd < 0)
        die("ei_accept_tmo");
    if (ei_x_new(&x) < 0)
        die("ei_x_new");
    while (!done) {
        int idx = 0, v, arity, type, size;
        recv_msg(fd, &msg, &x);
        if (ei_decode_version(x.buff, &idx, &v) < 0)
            die("bad message");
        if (ei_get_type(x.buff, &idx, &type, &size) < 0)
            die("bad message");
        if (type == ERL_SMALL_TUPLE_EXT) {
            int idx2 = idx;
            ei_decode_tuple_header(x.buff, &idx2, &arity);
            ei_get_type(x.buff, &idx2, &type, &size);
            if (arity == 2 && (type == ERL_NEW_PID_EXT || type == ERL_PID_EXT)) {
                /* {Pid, Bin}: the echo */
                if (ei_send(fd, &msg.from, x.buff, x.index) < 0)
                    die("ei_send");
                continue;
            }
            {
                char atom[MAXATOMLEN];
                long size_, n, ns, p50, p99;
                if (ei_decode_atom(x.buff, &idx2, atom) < 0)
                    die("bad control message");
                if (strcmp(atom, "start") == 0) {
                    if (opt_count > 0) {
                        char name[64];
                        if (ei_decode_long(x.buff, &idx2, &size_) < 0)
                            die("bad start message");
                        snprintf(name, sizeof name, "accept.%ld", size_);
                        cg_begin(name, opt_count);
                    }
                    c0 = cpu_ns();
                    a0 = n_alloc + n_realloc;
                } else if (strcmp(atom, "result") == 0) {
                    uint64_t c1 = cpu_ns();
                    unsigned long a1 = n_alloc + n_realloc;
                    char name[64];
                    if (ei_decode_long(x.buff, &idx2, &size_) < 0 ||
                        ei_decode_long(x.buff, &idx2, &n) < 0 ||
                        ei_decode_long(x.buff, &idx2, &ns) < 0 ||
                        ei_decode_long(x.buff, &idx2, &p50) < 0 ||
                        ei_decode_long(x.buff, &idx2, &p99) < 0)
                        die("bad result message");
                    if (opt_count > 0) {
                        cg_end();
                        if (n != opt_count)
                            die("the driver made %ld round trips, not %ld", n, opt_count);
                        continue;
                    }
#define MA(fmt, v, unit)                                                                           \
    do {                                                                                           \
        snprintf(name, sizeof name, fmt, size_);                                                   \
        metric(name, v, unit);                                                                     \
    } while (0)
                    MA("accept.%ld.rate", (double)n * 1e9 / (double)ns, "rt/s");
                    MA("accept.%ld.p50", (double)p50 / 1e3, "us");
                    MA("accept.%ld.p99", (double)p99 / 1e3, "us");
                    MA("accept.%ld.cpu", (double)(c1 - c0) / (double)n / 1e3, "us/rt");
                    MA("accept.%ld.allocs", (double)(a1 - a0) / (double)n, "allocs/rt");
                } else {
                    die("unknown control message %s", atom);
                }
            }
        } else if (type == ERL_ATOM_EXT || type == ERL_SMALL_ATOM_UTF8_EXT ||
                   type == ERL_ATOM_UTF8_EXT || type == ERL_SMALL_ATOM_EXT) {
            done = 1; /* stop */
        } else {
            die("unexpected message type %d", type);
        }
    }
    ei_x_free(&x);
    ei_close_connection(fd);
    ei_close_connection(cfd);
    close(pfd);
    close(lfd);
    report_rss("accept");
    return 0;
}

/* One connect + handshake + close; a failure is counted (and the first
   few are shown). */
static void connect_close(ei_cnode *ec, long *fails, long n)
{
    int fd = ei_connect(ec, (char *)opt_node);
    if (fd < 0) {
        if ((*fails)++ < 3)
            printf("info connect failed: %d, erl_errno %d (%s), after %ld connects\n", fd,
                   erl_errno, strerror(erl_errno), n);
    } else {
        ei_close_connection(fd);
    }
}

/* connect + handshake + close, again and again under the same node name. */
static int cmd_connect(void)
{
    ei_cnode ec;
    long n = 0, fails = 0, i;
    uint64_t t0, t1, c0, c1;
    unsigned long a0;
    static hist_t hist;

    init_data();
    node_init(&ec, "ebcon");
    for (i = 0; i < 5; i++)
        connect_close(&ec, &fails, i);
    if (opt_count > 0) {
        cg_begin("connect", opt_count);
        for (i = 0; i < opt_count; i++)
            connect_close(&ec, &fails, i);
        cg_end();
    } else {
        c0 = cpu_ns();
        a0 = n_alloc + n_realloc;
        t0 = now_ns();
        t1 = t0;
        do {
            uint64_t a = t1, b;
            connect_close(&ec, &fails, n);
            b = now_ns();
            hist_add(&hist, b - a);
            t1 = b;
            n++;
        } while (t1 - t0 < (uint64_t)(opt_time * 1e9));
        c1 = cpu_ns();
        metric("connect.time", (double)(t1 - t0) / (double)n / 1e3, "us");
        metric("connect.p50", hist_pct(&hist, 0.5) / 1e3, "us");
        metric("connect.p99", hist_pct(&hist, 0.99) / 1e3, "us");
        metric("connect.cpu", (double)(c1 - c0) / (double)n / 1e3, "us");
        metric("connect.allocs", (double)(n_alloc + n_realloc - a0) / (double)n, "allocs/op");
    }
    /* The last connection under this name must still carry messages. */
    {
        ei_x_buff m, x;
        erlang_msg msg;
        static char reg[] = "bench_echo";
        int fd = connect_node(&ec);
        if (ei_x_new(&x) < 0)
            die("ei_x_new");
        make_echo_msg(&m, &ec, 16);
        if (ei_reg_send(&ec, fd, reg, m.buff, m.index) < 0)
            die("ei_reg_send after reconnecting");
        recv_msg(fd, &msg, &x);
        if (x.index != m.index)
            die("echo after reconnecting");
        ei_x_free(&m);
        ei_x_free(&x);
        ei_close_connection(fd);
    }
    metric("connect.fails", (double)fails, "count");
    report_rss("connect");
    return 0;
}

/* ------------------------------------------------------------------ */
/* The machine: memcpy bandwidth, raw loopback TCP                     */
/* ------------------------------------------------------------------ */

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            die("write");
        }
        p += w;
        n -= (size_t)w;
    }
}

static int read_all(int fd, char *p, size_t n)
{
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            die("read");
        }
        if (r == 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static void nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* Server: per connection, an 8-byte header 'E'|'S', size; then either
   echo size-byte messages until EOF, or read until EOF and answer with the
   byte count. */
static void raw_server(int lfd)
{
    static char buf[1 << 20];
    for (;;) {
        char hdr[8];
        uint32_t size;
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            _exit(0);
        nodelay(fd);
        if (read_all(fd, hdr, 8) < 0) {
            close(fd);
            _exit(0);
        }
        memcpy(&size, hdr + 4, 4);
        if (hdr[0] == 'E') {
            while (read_all(fd, buf, size) == 0)
                write_all(fd, buf, size);
        } else {
            uint64_t total = 0;
            ssize_t r;
            while ((r = read(fd, buf, sizeof buf)) > 0)
                total += (uint64_t)r;
            write_all(fd, (char *)&total, 8);
        }
        close(fd);
    }
}

static int raw_connect(int port, char mode, uint32_t size)
{
    struct sockaddr_in a;
    char hdr[8] = {mode, 0, 0, 0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
        die("connect to the raw server");
    nodelay(fd);
    memcpy(hdr + 4, &size, 4);
    write_all(fd, hdr, 8);
    return fd;
}

static int cmd_machine(void)
{
    char name[64];
    /* memcpy: 64 MiB (memory bound) and 64 KiB (cache), page-aligned
       buffers with the destination 64 bytes into its page; and 64 KiB with
       the destination 16 bytes ahead of the source modulo 4 KiB, as two
       neighbouring malloc blocks often are, which some CPUs copy at a
       fraction of the speed. */
    {
        static const size_t szs[3] = {64u << 20, 64u << 10, 64u << 10};
        static const size_t offs[3] = {64, 64, 16};
        static const char *const names[3] = {"machine.memcpy_64M", "machine.memcpy_64K",
                                             "machine.memcpy_64K_dst16"};
        int k;
        for (k = 0; k < 3; k++) {
            size_t sz = szs[k];
            char *a = aligned_alloc(4096, sz + 4096), *b = aligned_alloc(4096, sz + 4096), *d;
            uint64_t t0, t1, bytes = 0;
            if (!a || !b)
                die("out of memory");
            d = b + offs[k];
            memset(a, 1, sz + 4096);
            memset(b, 2, sz + 4096);
            memcpy(d, a, sz);
            t0 = now_ns();
            do {
                int j;
                for (j = 0; j < (k == 0 ? 1 : 256); j++) {
                    memcpy(d, a, sz);
                    a[j] ^= d[sz - 1 - (size_t)j];
                    bytes += sz;
                }
                t1 = now_ns();
            } while (t1 - t0 < (uint64_t)(opt_time * 1e9));
            metric(names[k], (double)bytes / (double)(t1 - t0), "GB/s");
            free(a);
            free(b);
        }
    }
    /* raw loopback TCP */
    {
        struct sockaddr_in a;
        socklen_t alen = sizeof a;
        int lfd = socket(AF_INET, SOCK_STREAM, 0), port, s;
        pid_t child;
        char *buf = malloc(1 << 20);
        memset(buf, 3, 1 << 20);
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 8) < 0 ||
            getsockname(lfd, (struct sockaddr *)&a, &alen) < 0)
            die("raw server socket");
        port = ntohs(a.sin_port);
        child = fork();
        if (child == 0)
            raw_server(lfd);
        close(lfd);
        for (s = 0; s < n_sizes; s++) {
            uint32_t size = (uint32_t)sizes[s];
            long n = 0;
            uint64_t t0, t1, total = 0;
            int fd;
            static hist_t hist;

            /* round trip */
            fd = raw_connect(port, 'E', size);
            for (n = 0; n < 100; n++) {
                write_all(fd, buf, size);
                read_all(fd, buf, size);
            }
            memset(&hist, 0, sizeof hist);
            n = 0;
            t0 = t1 = now_ns();
            do {
                uint64_t b, a_ = t1;
                write_all(fd, buf, size);
                read_all(fd, buf, size);
                b = now_ns();
                hist_add(&hist, b - a_);
                t1 = b;
                n++;
            } while (t1 - t0 < (uint64_t)(opt_time * 1e9));
            close(fd);
            snprintf(name, sizeof name, "machine.tcp_rt.%u.rate", size);
            metric(name, (double)n * 1e9 / (double)(t1 - t0), "rt/s");
            snprintf(name, sizeof name, "machine.tcp_rt.%u.p50", size);
            metric(name, hist_pct(&hist, 0.5) / 1e3, "us");

            /* one way: one write per message, the server counts, answers at EOF */
            fd = raw_connect(port, 'S', size);
            n = 0;
            t0 = now_ns();
            do {
                int j;
                for (j = 0; j < 8; j++)
                    write_all(fd, buf, size);
                n += 8;
                t1 = now_ns();
            } while (t1 - t0 < (uint64_t)(opt_time * 1e9));
            shutdown(fd, SHUT_WR);
            if (read_all(fd, (char *)&total, 8) < 0 || total != (uint64_t)n * size)
                die("raw sink counted %llu bytes", (unsigned long long)total);
            t1 = now_ns();
            close(fd);
            snprintf(name, sizeof name, "machine.tcp_stream.%u.rate", size);
            metric(name, (double)n * 1e9 / (double)(t1 - t0), "msg/s");
            snprintf(name, sizeof name, "machine.tcp_stream.%u.mbps", size);
            metric(name, (double)n * size * 1e3 / (double)(t1 - t0), "MB/s");
        }
        kill(child, SIGTERM);
        waitpid(child, NULL, 0);
        free(buf);
    }
    report_rss("machine");
    return 0;
}

/* ------------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr, "usage: ei_bench codec|rt|stream|accept|connect|machine [-t SEC | -n N] "
                    "[-N NODE -C COOKIE] [-s SIZES] [-o OP]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *cmd;
    int i;

    if (argc < 2)
        usage();
    cmd = argv[1];
    for (i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        if (!strcmp(a, "-t"))
            opt_time = atof(v);
        else if (!strcmp(a, "-n"))
            opt_count = atol(v);
        else if (!strcmp(a, "-N"))
            opt_node = v;
        else if (!strcmp(a, "-C"))
            opt_cookie = v;
        else if (!strcmp(a, "-s"))
            parse_sizes(v);
        else if (!strcmp(a, "-o"))
            opt_op = v;
        else
            usage();
        i++;
    }
    signal(SIGPIPE, SIG_IGN);
    if (ei_init() != 0)
        die("ei_init");

    if (!strcmp(cmd, "codec"))
        return cmd_codec();
    if (!strcmp(cmd, "machine"))
        return cmd_machine();
    if (!opt_node || !opt_cookie)
        usage();
    if (!strcmp(cmd, "rt"))
        return cmd_rt();
    if (!strcmp(cmd, "stream"))
        return cmd_stream();
    if (!strcmp(cmd, "accept"))
        return cmd_accept();
    if (!strcmp(cmd, "connect"))
        return cmd_connect();
    usage();
    return 2;
}
