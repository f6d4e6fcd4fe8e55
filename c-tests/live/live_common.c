/* Shared helpers of the live C-node tests; see live.h. */
#define _GNU_SOURCE
#include "live.h"

#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

struct live_cfg live;

static const char *current_section = "(start)";

void live_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    char msg[2048];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stdout, "FAIL [%s, section %s] %s:%d: %s\n", LIVE_LIB,
            current_section, file, line, msg);
    fflush(stdout);
    fflush(stderr);
    _exit(1);
}

int live_soft_failures;

void live_soft_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    char msg[2048];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stdout, "FAIL [%s, section %s] %s:%d: %s\n", LIVE_LIB, current_section, file,
            line, msg);
    fflush(stdout);
    __atomic_fetch_add(&live_soft_failures, 1, __ATOMIC_RELAXED);
}

void live_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("  ", stdout);
    vfprintf(stdout, fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    fflush(stdout);
}

static void on_alarm(int sig)
{
    static const char pre[] = "FAIL watchdog: section took too long (hang?): ";
    ssize_t r;
    (void) sig;
    r = write(1, pre, sizeof pre - 1);
    r = write(1, current_section, strlen(current_section));
    r = write(1, "\n", 1);
    (void) r;
    _exit(3);
}

void live_section(const char *name, unsigned watchdog_seconds)
{
    static int installed;
    if (!installed) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_alarm;
        sigaction(SIGALRM, &sa, NULL);
        installed = 1;
    }
    current_section = name;
    printf("--- %s\n", name);
    fflush(stdout);
    alarm(watchdog_seconds);
}

const char *live_errname(int e)
{
    switch (e) {
    case 0: return "0";
    case EIO: return "EIO";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EBADF: return "EBADF";
    case EMSGSIZE: return "EMSGSIZE";
    case EAGAIN: return "EAGAIN";
    case EINVAL: return "EINVAL";
    case EBADMSG: return "EBADMSG";
    case EPIPE: return "EPIPE";
    case ECONNRESET: return "ECONNRESET";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENOMEM: return "ENOMEM";
    case ERANGE: return "ERANGE";
    default: {
        static __thread char buf[32];
        snprintf(buf, sizeof buf, "errno %d", e);
        return buf;
    }
    }
}

double live_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static const char *env_or(const char *name, const char *dflt, int required)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        if (required)
            FAIL("environment variable %s is not set (run through run_live.sh)", name);
        return dflt;
    }
    return v;
}

void live_load_cfg(int need_node)
{
    const char *at;
    live.unique = env_or("LIVE_UNIQUE", "eilive", 0);
    live.host = env_or("LIVE_HOST", "localhost", 0);
    live.node = env_or("LIVE_NODE", NULL, need_node);
    live.cookie = env_or("LIVE_COOKIE", NULL, need_node);
    live.node_port = atoi(env_or("LIVE_NODE_PORT", "0", 0));
    if (live.node) {
        at = strchr(live.node, '@');
        CHECK(at && (size_t) (at - live.node) < sizeof live.node_alive,
              "bad LIVE_NODE %s", live.node);
        memcpy(live.node_alive, live.node, (size_t) (at - live.node));
        live.node_alive[at - live.node] = 0;
    }
    live.host_addr.s_addr = htonl(INADDR_LOOPBACK);
}

void live_cnode_name(char *buf, size_t sz, const char *suffix)
{
    int n = snprintf(buf, sz, "%s_%s@%s", live.unique, suffix, live.host);
    CHECK(n > 0 && (size_t) n < sz, "node name too long");
}

void live_cnode(ei_cnode *ec, const char *suffix, const char *cookie)
{
    char alive[256], node[512];
    static unsigned counter;   /* distinct creations, also across threads */
    unsigned creation = 1000u + (unsigned) (getpid() % 100000) * 64u
                        + __atomic_fetch_add(&counter, 1u, __ATOMIC_RELAXED);
    int n, rc;
    n = snprintf(alive, sizeof alive, "%s_%s", live.unique, suffix);
    CHECK(n > 0 && (size_t) n < sizeof alive, "alive name too long");
    live_cnode_name(node, sizeof node, suffix);
    memset(ec, 0, sizeof *ec);
    rc = ei_connect_xinit(ec, live.host, alive, node, &live.host_addr,
                          cookie, creation);
    CHECK(rc == 0, "ei_connect_xinit(%s) returned %d", node, rc);
    CHECK(strcmp(ei_thisnodename(ec), node) == 0, "ei_thisnodename: %s, want %s",
          ei_thisnodename(ec), node);
}

int live_connect(ei_cnode *ec)
{
    int fd = ei_connect_tmo(ec, (char *) live.node, 10000);
    CHECK(fd >= 0, "ei_connect_tmo(%s -> %s) returned %d, erl_errno %s",
          ei_thisnodename(ec), live.node, fd, live_errname(erl_errno));
    return fd;
}

void live_reg_send(ei_cnode *ec, int fd, const char *name, ei_x_buff *x)
{
    int rc = ei_reg_send(ec, fd, (char *) name, x->buff, x->index);
    CHECK(rc == 0, "ei_reg_send(%s) returned %d, erl_errno %s", name, rc,
          live_errname(erl_errno));
}

void live_send(int fd, erlang_pid *to, ei_x_buff *x)
{
    int rc = ei_send(fd, to, x->buff, x->index);
    CHECK(rc == 0, "ei_send returned %d, erl_errno %s", rc, live_errname(erl_errno));
}

long live_recv(int fd, erlang_msg *msg, ei_x_buff *x, unsigned ms)
{
    for (;;) {
        int rc = ei_xreceive_msg_tmo(fd, msg, x, ms);
        if (rc == ERL_TICK)
            continue;
        CHECK(rc == ERL_MSG, "ei_xreceive_msg_tmo returned %d, erl_errno %s",
              rc, live_errname(erl_errno));
        return msg->msgtype;
    }
}

void live_recv_send(int fd, erlang_msg *msg, ei_x_buff *x, unsigned ms)
{
    long t = live_recv(fd, msg, x, ms);
    CHECK(t == ERL_SEND || t == ERL_REG_SEND,
          "expected a message (ERL_SEND/ERL_REG_SEND), got msgtype %ld", t);
}

void live_expect_version(const char *buf, int *idx)
{
    int v;
    CHECK(ei_decode_version(buf, idx, &v) == 0 && v == 131,
          "message has no version byte");
}

void live_term_str(const char *buf, int idx, char *out, size_t sz)
{
    char *s = NULL;
    int i = idx;
    if (ei_s_print_term(&s, buf, &i) < 0 || !s) {
        snprintf(out, sz, "<undecodable>");
    } else {
        snprintf(out, sz, "%s", s);
    }
    free(s);
}

void live_expect_tuple(const char *buf, int *idx, int arity)
{
    int a;
    char t[512];
    if (ei_decode_tuple_header(buf, idx, &a) != 0 || a != arity) {
        live_term_str(buf, *idx, t, sizeof t);
        FAIL("expected a %d-tuple, got %s", arity, t);
    }
}

void live_expect_atom(const char *buf, int *idx, const char *atom)
{
    char a[MAXATOMLEN_UTF8];
    char t[512];
    int i = *idx;
    if (ei_decode_atom(buf, idx, a) != 0 || strcmp(a, atom) != 0) {
        live_term_str(buf, i, t, sizeof t);
        FAIL("expected atom '%s', got %s", atom, t);
    }
}

void live_decode_pid(const char *buf, int *idx, erlang_pid *pid)
{
    char t[512];
    int i = *idx;
    if (ei_decode_pid(buf, idx, pid) != 0) {
        live_term_str(buf, i, t, sizeof t);
        FAIL("expected a pid, got %s", t);
    }
}

long live_decode_long(const char *buf, int *idx)
{
    long v;
    char t[512];
    int i = *idx;
    if (ei_decode_long(buf, idx, &v) != 0) {
        live_term_str(buf, i, t, sizeof t);
        FAIL("expected an integer, got %s", t);
    }
    return v;
}

char *live_decode_binary(const char *buf, int *idx, long *len)
{
    int type, size;
    char *p;
    CHECK(ei_get_type(buf, idx, &type, &size) == 0 && type == ERL_BINARY_EXT,
          "expected a binary, got type %d", type);
    p = malloc(size > 0 ? (size_t) size : 1);
    CHECK(p, "out of memory");
    CHECK(ei_decode_binary(buf, idx, p, len) == 0, "ei_decode_binary failed");
    CHECK(*len == size, "binary size %ld, ei_get_type said %d", *len, size);
    return p;
}

void live_fill(char *buf, size_t len, unsigned seed)
{
    unsigned long long s = 0x9E3779B97F4A7C15ull ^ seed;
    size_t i;
    for (i = 0; i < len; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        buf[i] = (char) (s >> 56);
    }
}

void live_request_ping(ei_cnode *ec, int fd, const char *name)
{
    ei_x_buff x;
    ei_x_new_with_version(&x);
    ei_x_encode_tuple_header(&x, 3);
    ei_x_encode_atom(&x, "ping");
    ei_x_encode_pid(&x, ei_self(ec));
    ei_x_encode_atom(&x, name);
    live_reg_send(ec, fd, "ei_ctl", &x);
    ei_x_free(&x);
}

int live_ping_result_is_pong(int fd, const char *name)
{
    erlang_msg msg;
    ei_x_buff x;
    char a[MAXATOMLEN_UTF8];
    int idx = 0, pong;
    ei_x_new(&x);
    live_recv_send(fd, &msg, &x, 20000);
    live_expect_version(x.buff, &idx);
    live_expect_tuple(x.buff, &idx, 3);
    live_expect_atom(x.buff, &idx, "ping_result");
    live_expect_atom(x.buff, &idx, name);
    CHECK(ei_decode_atom(x.buff, &idx, a) == 0, "ping result is not an atom");
    pong = strcmp(a, "pong") == 0;
    CHECK(pong || strcmp(a, "pang") == 0, "ping result %s", a);
    ei_x_free(&x);
    return pong;
}

void live_serve_is_auth(int fd)
{
    erlang_msg msg;
    ei_x_buff x, reply;
    int idx = 0, tag_start, tag_end, a;
    erlang_pid from;
    ei_x_new(&x);
    live_recv(fd, &msg, &x, 10000);
    CHECK(msg.msgtype == ERL_REG_SEND && strcmp(msg.toname, "net_kernel") == 0,
          "expected a message to net_kernel, got msgtype %ld to '%s'",
          msg.msgtype, msg.toname);
    live_expect_version(x.buff, &idx);
    live_expect_tuple(x.buff, &idx, 3);
    live_expect_atom(x.buff, &idx, "$gen_call");
    live_expect_tuple(x.buff, &idx, 2);
    live_decode_pid(x.buff, &idx, &from);
    CHECK(ei_cmp_pids(&from, &msg.from) == 0, "gen_call From differs from the sender");
    tag_start = idx;
    CHECK(ei_skip_term(x.buff, &idx) == 0, "bad gen_call tag");
    tag_end = idx;
    CHECK(ei_decode_tuple_header(x.buff, &idx, &a) == 0 && a == 2,
          "bad is_auth request");
    live_expect_atom(x.buff, &idx, "is_auth");
    /* {Tag, yes} to the caller */
    ei_x_new_with_version(&reply);
    ei_x_encode_tuple_header(&reply, 2);
    ei_x_append_buf(&reply, x.buff + tag_start, tag_end - tag_start);
    ei_x_encode_atom(&reply, "yes");
    live_send(fd, &from, &reply);
    ei_x_free(&reply);
    ei_x_free(&x);
}
void live_echo_roundtrip(ei_cnode *ec, int fd, const char *payload, long len,
                         erlang_pid *echo_pid)
{
    ei_x_buff x;
    erlang_msg msg;
    erlang_pid pid;
    char *got;
    long got_len;
    int idx = 0;
    ei_x_new_with_version(&x);
    ei_x_encode_tuple_header(&x, 3);
    ei_x_encode_atom(&x, "echo");
    ei_x_encode_pid(&x, ei_self(ec));
    ei_x_encode_binary(&x, payload, len);
    live_reg_send(ec, fd, "ei_echo", &x);
    ei_x_free(&x);
    ei_x_new(&x);
    live_recv_send(fd, &msg, &x, 30000);
    CHECK(msg.msgtype == ERL_SEND, "echo reply: msgtype %ld, want ERL_SEND", msg.msgtype);
    CHECK(ei_cmp_pids(&msg.to, ei_self(ec)) == 0, "echo reply not addressed to ei_self");
    live_expect_version(x.buff, &idx);
    live_expect_tuple(x.buff, &idx, 3);
    live_expect_atom(x.buff, &idx, "echo");
    live_decode_pid(x.buff, &idx, &pid);
    got = live_decode_binary(x.buff, &idx, &got_len);
    CHECK(got_len == len && memcmp(got, payload, (size_t) len) == 0,
          "echo of %ld bytes came back different (%ld bytes)", len, got_len);
    free(got);
    CHECK(idx == x.index, "trailing bytes after the echo reply");
    if (echo_pid)
        *echo_pid = pid;
    ei_x_free(&x);
}
