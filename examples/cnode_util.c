/*
 * cnode_util: helpers shared by the C node examples; see cnode_util.h.
 */
#define _POSIX_C_SOURCE 200809L /* strdup, getpid, close in strict C11 */

#include "cnode_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *cnode_prog = "cnode";

void say(const char *fmt, ...)
{
    va_list ap;
    printf("%s: ", cnode_prog);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

void complain(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "%s: error: ", cnode_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cnode_init(ei_cnode *ec, const char *nodename, const char *cookie)
{
    char alive[MAXATOMLEN], host[EI_MAXHOSTNAMELEN + 1];
    const char *at = strchr(nodename, '@');
    struct in_addr loopback;
    size_t alen, hlen;

    if (!at || at == nodename || at[1] == '\0') {
        complain("node name '%s' is not of the form alive@host", nodename);
        return -1;
    }
    alen = (size_t)(at - nodename);
    hlen = strlen(at + 1);
    if (alen >= sizeof alive || hlen >= sizeof host) {
        complain("node name '%s' is too long", nodename);
        return -1;
    }
    memcpy(alive, nodename, alen);
    alive[alen] = '\0';
    memcpy(host, at + 1, hlen + 1);
    loopback.s_addr = htonl(INADDR_LOOPBACK);

    if (ei_init() != 0) {
        complain("ei_init failed");
        return -1;
    }
    /* A new creation per run: Erlang tells incarnations of a node apart by it. */
    if (ei_connect_xinit(ec, host, alive, nodename, &loopback, cookie,
                         (unsigned int)time(NULL)) < 0) {
        complain("ei_connect_xinit(%s) failed (erl_errno %d)", nodename, erl_errno);
        return -1;
    }
    return 0;
}

char *term_str(const char *buf, int index)
{
    char *s = NULL;

    if (ei_s_print_term(&s, buf, &index) < 0) {
        free(s);
        s = strdup("<unprintable term>");
    }
    if (!s) {
        fputs("out of memory\n", stderr);
        exit(2);
    }
    return s;
}

char *pid_str(const erlang_pid *pid)
{
    char buf[MAXATOMLEN_UTF8 + 64];
    int index = 0;

    if (ei_encode_pid(buf, &index, pid) < 0)
        return strdup("<bad pid>");
    return term_str(buf, 0);
}

const char *msgtype_name(long msgtype)
{
    switch (msgtype) {
    case ERL_LINK: return "LINK";
    case ERL_SEND: return "SEND";
    case ERL_EXIT: return "EXIT";
    case ERL_UNLINK: return "UNLINK";
    case ERL_NODE_LINK: return "NODE_LINK";
    case ERL_REG_SEND: return "REG_SEND";
    case ERL_GROUP_LEADER: return "GROUP_LEADER";
    case ERL_EXIT2: return "EXIT2";
    case ERL_SEND_TT: return "SEND_TT";
    case ERL_EXIT_TT: return "EXIT_TT";
    case ERL_REG_SEND_TT: return "REG_SEND_TT";
    case ERL_EXIT2_TT: return "EXIT2_TT";
    case ERL_MONITOR_P: return "MONITOR_P";
    case ERL_DEMONITOR_P: return "DEMONITOR_P";
    case ERL_MONITOR_P_EXIT: return "MONITOR_P_EXIT";
    default: return "unknown";
    }
}

int receive_msg(int fd, erlang_msg *msg, ei_x_buff *x, unsigned ms)
{
    for (;;) {
        int rc;

        msg->msgtype = -1;
        rc = ms ? ei_xreceive_msg_tmo(fd, msg, x, ms) : ei_xreceive_msg(fd, msg, x);
        if (rc == ERL_TICK)
            continue;
        if (rc == ERL_ERROR && erl_errno == EIO &&
            (msg->msgtype == ERL_MONITOR_P || msg->msgtype == ERL_DEMONITOR_P ||
             msg->msgtype == ERL_MONITOR_P_EXIT)) {
            say("(ignoring a %s signal: libei has no monitors)", msgtype_name(msg->msgtype));
            continue;
        }
        return rc;
    }
}

/* ---- term_equal ------------------------------------------------------- */

enum kind { K_INT, K_FLOAT, K_ATOM, K_LIST, K_TUPLE, K_MAP, K_BINARY, K_PID, K_REF, K_PORT, K_OTHER };

static enum kind kind_of(int tag)
{
    switch (tag) {
    case ERL_SMALL_INTEGER_EXT:
    case ERL_INTEGER_EXT:
    case ERL_SMALL_BIG_EXT:
    case ERL_LARGE_BIG_EXT:
        return K_INT;
    case ERL_FLOAT_EXT:
    case NEW_FLOAT_EXT:
        return K_FLOAT;
    case ERL_ATOM_EXT:
    case ERL_SMALL_ATOM_EXT:
    case ERL_ATOM_UTF8_EXT:
    case ERL_SMALL_ATOM_UTF8_EXT:
        return K_ATOM;
    case ERL_NIL_EXT:
    case ERL_STRING_EXT:
    case ERL_LIST_EXT:
        return K_LIST;
    case ERL_SMALL_TUPLE_EXT:
    case ERL_LARGE_TUPLE_EXT:
        return K_TUPLE;
    case ERL_MAP_EXT:
        return K_MAP;
    case ERL_BINARY_EXT:
        return K_BINARY;
    case ERL_PID_EXT:
    case ERL_NEW_PID_EXT:
        return K_PID;
    case ERL_REFERENCE_EXT:
    case ERL_NEW_REFERENCE_EXT:
    case ERL_NEWER_REFERENCE_EXT:
        return K_REF;
    case ERL_PORT_EXT:
    case ERL_NEW_PORT_EXT:
    case ERL_V4_PORT_EXT:
        return K_PORT;
    default:
        return K_OTHER;
    }
}

static int big_equal(const char *a, int *ia, const char *b, int *ib)
{
    int ta, sa, tb, sb, rc = -1;
    erlang_big *x = NULL, *y = NULL;

    if (ei_get_type(a, ia, &ta, &sa) < 0 || ei_get_type(b, ib, &tb, &sb) < 0)
        return -1;
    if ((ta != ERL_SMALL_BIG_EXT && ta != ERL_LARGE_BIG_EXT) ||
        (tb != ERL_SMALL_BIG_EXT && tb != ERL_LARGE_BIG_EXT))
        return 0; /* one fits a long long, the other does not */
    x = ei_alloc_big((unsigned int)sa);
    y = ei_alloc_big((unsigned int)sb);
    if (x && y && ei_decode_big(a, ia, x) == 0 && ei_decode_big(b, ib, y) == 0)
        rc = ei_big_comp(x, y) == 0;
    ei_free_big(x);
    ei_free_big(y);
    return rc;
}

static int binary_equal(const char *a, int *ia, const char *b, int *ib)
{
    int t, sa, sb, rc = -1;
    long la, lb;
    char *x, *y;

    if (ei_get_type(a, ia, &t, &sa) < 0 || ei_get_type(b, ib, &t, &sb) < 0)
        return -1;
    x = malloc((size_t)sa + 1);
    y = malloc((size_t)sb + 1);
    if (x && y && ei_decode_binary(a, ia, x, &la) == 0 && ei_decode_binary(b, ib, y, &lb) == 0)
        rc = la == lb && memcmp(x, y, (size_t)la) == 0;
    free(x);
    free(y);
    return rc;
}

/*
 * A cursor over the elements of a list, which may be encoded as STRING_EXT
 * (elements are bytes), LIST_EXT (elements are terms), NIL_EXT, or a chain
 * of those (a LIST_EXT whose tail is another list).
 */
struct list_cursor {
    const char *buf;
    int index;  /* next term (mode LIST) or next list encoding (mode TAIL) */
    enum { MODE_TAIL, MODE_STRING, MODE_LIST } mode;
    char *str;  /* MODE_STRING: the decoded string */
    int slen, spos;
    int left;   /* MODE_LIST: elements left */
};

/* An element of a list: a byte of a STRING_EXT, or a term at buf[pos]. */
struct list_elem {
    int is_byte;
    int byte;
    int pos;
};

/* 1: *e is the next element; 0: the list ended with []; 2: improper tail at
   c->index; -1: bad encoding. */
static int list_next(struct list_cursor *c, struct list_elem *e)
{
    int type, size, arity;

    for (;;) {
        switch (c->mode) {
        case MODE_STRING:
            if (c->spos < c->slen) {
                e->is_byte = 1;
                e->byte = (unsigned char)c->str[c->spos++];
                return 1;
            }
            free(c->str);
            c->str = NULL;
            c->mode = MODE_TAIL;
            return 0; /* a string is a proper list */
        case MODE_LIST:
            if (c->left > 0) {
                e->is_byte = 0;
                e->pos = c->index;
                c->left--;
                return ei_skip_term(c->buf, &c->index) < 0 ? -1 : 1;
            }
            c->mode = MODE_TAIL;
            break;
        case MODE_TAIL:
            if (ei_get_type(c->buf, &c->index, &type, &size) < 0)
                return -1;
            if (type == ERL_NIL_EXT)
                return ei_decode_list_header(c->buf, &c->index, &arity) < 0 ? -1 : 0;
            if (type == ERL_STRING_EXT) {
                c->str = malloc((size_t)size + 1);
                if (!c->str || ei_decode_string(c->buf, &c->index, c->str) < 0)
                    return -1;
                c->slen = size;
                c->spos = 0;
                c->mode = MODE_STRING;
            } else if (type == ERL_LIST_EXT) {
                if (ei_decode_list_header(c->buf, &c->index, &arity) < 0)
                    return -1;
                c->left = arity;
                c->mode = MODE_LIST;
            } else {
                return 2;
            }
            break;
        }
    }
}

static int byte_equals_term(int byte, const char *buf, int pos)
{
    long long v;
    return ei_decode_longlong(buf, &pos, &v) == 0 && v == byte;
}

static int list_equal(const char *a, int *ia, const char *b, int *ib)
{
    struct list_cursor ca = {a, *ia, MODE_TAIL, NULL, 0, 0, 0};
    struct list_cursor cb = {b, *ib, MODE_TAIL, NULL, 0, 0, 0};
    struct list_elem ea, eb;
    int ra, rb, rc = -1;

    for (;;) {
        ra = list_next(&ca, &ea);
        rb = list_next(&cb, &eb);
        if (ra < 0 || rb < 0)
            goto out;
        if (ra != rb) {
            rc = 0;
            goto out;
        }
        if (ra == 0) {
            rc = 1;
            break;
        }
        if (ra == 2) {
            rc = term_equal(a, &ca.index, b, &cb.index);
            break;
        }
        if (ea.is_byte && eb.is_byte)
            rc = ea.byte == eb.byte;
        else if (ea.is_byte)
            rc = byte_equals_term(ea.byte, b, eb.pos);
        else if (eb.is_byte)
            rc = byte_equals_term(eb.byte, a, ea.pos);
        else
            rc = term_equal(a, &ea.pos, b, &eb.pos);
        if (rc != 1)
            goto out;
    }
    *ia = ca.index;
    *ib = cb.index;
out:
    free(ca.str);
    free(cb.str);
    return rc;
}

static int map_equal(const char *a, int *ia, const char *b, int *ib)
{
    int na, nb, i, j, rc = -1;
    int *bkeys = NULL;
    char *used = NULL;

    if (ei_decode_map_header(a, ia, &na) < 0 || ei_decode_map_header(b, ib, &nb) < 0)
        return -1;
    if (na != nb)
        return 0;
    bkeys = malloc(sizeof *bkeys * (size_t)(nb + 1));
    used = calloc((size_t)nb + 1, 1);
    if (!bkeys || !used)
        goto out;
    for (j = 0; j < nb; j++) { /* key j at bkeys[j], its value right after it */
        bkeys[j] = *ib;
        if (ei_skip_term(b, ib) < 0 || ei_skip_term(b, ib) < 0)
            goto out;
    }
    for (i = 0; i < na; i++) {
        int found = 0;
        for (j = 0; j < nb && !found; j++) {
            int ka = *ia, kb = bkeys[j], r;
            if (used[j])
                continue;
            r = term_equal(a, &ka, b, &kb);
            if (r < 0)
                goto out;
            if (r == 1) {
                used[j] = 1;
                found = 1;
                *ia = ka; /* the value follows the key */
                r = term_equal(a, ia, b, &kb);
                if (r != 1) {
                    rc = r;
                    goto out;
                }
            }
        }
        if (!found) {
            rc = 0;
            goto out;
        }
    }
    rc = 1;
out:
    free(bkeys);
    free(used);
    return rc;
}

int term_equal(const char *a, int *ia, const char *b, int *ib)
{
    int ta, tb, size, i, na, nb, r;
    enum kind k;

    if (ei_get_type(a, ia, &ta, &size) < 0 || ei_get_type(b, ib, &tb, &size) < 0)
        return -1;
    /* ei_get_type folds some tags; the raw tag bytes tell more. */
    ta = (unsigned char)a[*ia];
    tb = (unsigned char)b[*ib];
    k = kind_of(ta);
    if (k != kind_of(tb)) {
        if (ei_skip_term(a, ia) < 0 || ei_skip_term(b, ib) < 0)
            return -1;
        return 0;
    }
    switch (k) {
    case K_INT: {
        long long x, y;
        int ja = *ia, jb = *ib;
        int fa = ei_decode_longlong(a, &ja, &x) == 0;
        int fb = ei_decode_longlong(b, &jb, &y) == 0;
        if (fa && fb) {
            *ia = ja;
            *ib = jb;
            return x == y;
        }
        return big_equal(a, ia, b, ib);
    }
    case K_FLOAT: {
        double x, y;
        if (ei_decode_double(a, ia, &x) < 0 || ei_decode_double(b, ib, &y) < 0)
            return -1;
        return x == y;
    }
    case K_ATOM: {
        char x[MAXATOMLEN_UTF8], y[MAXATOMLEN_UTF8];
        if (ei_decode_atom_as(a, ia, x, sizeof x, ERLANG_UTF8, NULL, NULL) < 0 ||
            ei_decode_atom_as(b, ib, y, sizeof y, ERLANG_UTF8, NULL, NULL) < 0)
            return -1;
        return strcmp(x, y) == 0;
    }
    case K_LIST:
        return list_equal(a, ia, b, ib);
    case K_TUPLE:
        if (ei_decode_tuple_header(a, ia, &na) < 0 || ei_decode_tuple_header(b, ib, &nb) < 0)
            return -1;
        if (na != nb)
            return 0;
        for (i = 0; i < na; i++) {
            r = term_equal(a, ia, b, ib);
            if (r != 1)
                return r;
        }
        return 1;
    case K_MAP:
        return map_equal(a, ia, b, ib);
    case K_BINARY:
        return binary_equal(a, ia, b, ib);
    case K_PID: {
        erlang_pid x, y;
        if (ei_decode_pid(a, ia, &x) < 0 || ei_decode_pid(b, ib, &y) < 0)
            return -1;
        return ei_cmp_pids(&x, &y) == 0;
    }
    case K_REF: {
        erlang_ref x, y;
        if (ei_decode_ref(a, ia, &x) < 0 || ei_decode_ref(b, ib, &y) < 0)
            return -1;
        return ei_cmp_refs(&x, &y) == 0;
    }
    case K_PORT: {
        erlang_port x, y;
        if (ei_decode_port(a, ia, &x) < 0 || ei_decode_port(b, ib, &y) < 0)
            return -1;
        return ei_cmp_ports(&x, &y) == 0;
    }
    case K_OTHER:
    default: {
        /* Funs, bitstrings, ...: compare the encodings. */
        int sa = *ia, sb = *ib;
        if (ei_skip_term(a, ia) < 0 || ei_skip_term(b, ib) < 0)
            return -1;
        return *ia - sa == *ib - sb && memcmp(a + sa, b + sb, (size_t)(*ia - sa)) == 0;
    }
    }
}
