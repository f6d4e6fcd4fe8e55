/*
 * 7. User socket callbacks (ei_connect_xinit_ussi / ei_connect_init_ussi):
 *   own       plain TCP callbacks of this file, flags 0 (libei does the
 *             timeouts with select() on get_fd)
 *   own_full  the same with EI_SCLBK_FLG_FULL_IMPL: the callbacks do the
 *             timeouts themselves (poll) and see the caller's tmo
 *   dflt      counting wrappers around ei_default_socket_callbacks' members
 * Each carries a connection to Erlang (echoes up to 1 MiB, a receive
 * timeout) and an accepted connection (Erlang's net_adm:ping), and the
 * callback invocations are counted to prove they were used.
 */
#define _GNU_SOURCE
#include "live.h"

#include <netinet/tcp.h>
#include <poll.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

enum { K_SOCKET, K_CLOSE, K_LISTEN, K_ACCEPT, K_CONNECT, K_WRITEV, K_WRITE, K_READ,
       K_HS_SIZE, K_CONNECT_DONE, K_ACCEPT_DONE, K_GET_FD, K_N };
static const char *const k_names[K_N] = {
    "socket", "close", "listen", "accept", "connect", "writev", "write", "read",
    "handshake_packet_header_size", "connect_handshake_complete",
    "accept_handshake_complete", "get_fd"};
static atomic_int counts[K_N];
static atomic_int bad_setup, bad_ctx;
static atomic_uint last_read_tmo;
static int full_impl;
static int setup_token;

#define CTX_MAGIC 0x5ca1ab1eu
struct my_ctx {
    unsigned magic;
    int fd;
};

static struct my_ctx *ctx_of(void *ctx)
{
    struct my_ctx *c = ctx;
    if (!c || c->magic != CTX_MAGIC) {
        bad_ctx++;
        return NULL;
    }
    return c;
}

/* With FULL_IMPL, the callbacks wait themselves. */
static int wait_io(int fd, short ev, unsigned tmo)
{
    struct pollfd p;
    int r;
    if (!full_impl || tmo == EI_SCLBK_INF_TMO)
        return 0;
    p.fd = fd;
    p.events = ev;
    do {
        r = poll(&p, 1, (int) tmo);
    } while (r < 0 && errno == EINTR);
    if (r == 0)
        return ETIMEDOUT;
    return r < 0 ? errno : 0;
}

static int my_socket(void **ctx, void *setup_ctx)
{
    struct my_ctx *c;
    counts[K_SOCKET]++;
    if (setup_ctx != &setup_token)
        bad_setup++;
    c = malloc(sizeof *c);
    if (!c)
        return ENOMEM;
    c->magic = CTX_MAGIC;
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0) {
        int e = errno;
        free(c);
        return e;
    }
    *ctx = c;
    return 0;
}

static int my_close(void *ctx)
{
    struct my_ctx *c = ctx_of(ctx);
    counts[K_CLOSE]++;
    if (!c)
        return EBADF;
    close(c->fd);
    c->magic = 0;
    free(c);
    return 0;
}

static int my_listen(void *ctx, void *addr, int *len, int backlog)
{
    struct my_ctx *c = ctx_of(ctx);
    socklen_t sl = (socklen_t) *len;
    int on = 1;
    counts[K_LISTEN]++;
    if (!c)
        return EBADF;
    setsockopt(c->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(c->fd, addr, sl) < 0 || getsockname(c->fd, addr, &sl) < 0
        || listen(c->fd, backlog) < 0)
        return errno;
    *len = (int) sl;
    return 0;
}

static int my_accept(void **ctx, void *addr, int *len, unsigned tmo)
{
    struct my_ctx *c = ctx_of(*ctx), *n;
    socklen_t sl = (socklen_t) *len;
    int fd, e;
    counts[K_ACCEPT]++;
    if (!c)
        return EBADF;
    if ((e = wait_io(c->fd, POLLIN, tmo)))
        return e;
    fd = accept(c->fd, addr, &sl);
    if (fd < 0)
        return errno;
    n = malloc(sizeof *n);
    if (!n) {
        close(fd);
        return ENOMEM;
    }
    n->magic = CTX_MAGIC;
    n->fd = fd;
    *len = (int) sl;
    *ctx = n;
    return 0;
}

static int my_connect(void *ctx, void *addr, int len, unsigned tmo)
{
    struct my_ctx *c = ctx_of(ctx);
    counts[K_CONNECT]++;
    if (!c)
        return EBADF;
    (void) tmo;   /* connects on loopback do not take long */
    if (connect(c->fd, addr, (socklen_t) len) < 0)
        return errno;
    return 0;
}

static int my_writev(void *ctx, const void *iov, int iovcnt, ssize_t *len, unsigned tmo)
{
    struct my_ctx *c = ctx_of(ctx);
    ssize_t r;
    int e;
    counts[K_WRITEV]++;
    if (!c)
        return EBADF;
    if ((e = wait_io(c->fd, POLLOUT, tmo)))
        return e;
    r = writev(c->fd, iov, iovcnt);
    if (r < 0)
        return errno;
    *len = r;
    return 0;
}

static int my_write(void *ctx, const char *buf, ssize_t *len, unsigned tmo)
{
    struct my_ctx *c = ctx_of(ctx);
    ssize_t r;
    int e;
    counts[K_WRITE]++;
    if (!c)
        return EBADF;
    if ((e = wait_io(c->fd, POLLOUT, tmo)))
        return e;
    r = write(c->fd, buf, (size_t) *len);
    if (r < 0)
        return errno;
    *len = r;
    return 0;
}

static int my_read(void *ctx, char *buf, ssize_t *len, unsigned tmo)
{
    struct my_ctx *c = ctx_of(ctx);
    ssize_t r;
    int e;
    counts[K_READ]++;
    last_read_tmo = tmo;
    if (!c)
        return EBADF;
    if ((e = wait_io(c->fd, POLLIN, tmo)))
        return e;
    r = read(c->fd, buf, (size_t) *len);
    if (r < 0)
        return errno;
    *len = r;
    return 0;
}

static int my_hs_size(void *ctx, int *sz)
{
    counts[K_HS_SIZE]++;
    if (!ctx_of(ctx))
        return EBADF;
    *sz = 2;   /* TCP distribution: 2-byte handshake packet lengths */
    return 0;
}

static int my_handshake_done(void *ctx, int k)
{
    struct my_ctx *c = ctx_of(ctx);
    int one = 1;
    counts[k]++;
    if (!c)
        return EBADF;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return 0;
}
static int my_connect_done(void *ctx) { return my_handshake_done(ctx, K_CONNECT_DONE); }
static int my_accept_done(void *ctx) { return my_handshake_done(ctx, K_ACCEPT_DONE); }

static int my_get_fd(void *ctx, int *fd)
{
    struct my_ctx *c = ctx_of(ctx);
    counts[K_GET_FD]++;
    if (!c)
        return EBADF;
    *fd = c->fd;
    return 0;
}

/* ---- counting wrappers around ei_default_socket_callbacks ---------------- */

static int d_socket(void **ctx, void *setup_ctx)
{
    counts[K_SOCKET]++;
    if (setup_ctx != &setup_token)
        bad_setup++;
    return ei_default_socket_callbacks.socket(ctx, setup_ctx);
}
static int d_close(void *ctx)
{
    counts[K_CLOSE]++;
    return ei_default_socket_callbacks.close(ctx);
}
static int d_listen(void *ctx, void *addr, int *len, int backlog)
{
    counts[K_LISTEN]++;
    return ei_default_socket_callbacks.listen(ctx, addr, len, backlog);
}
static int d_accept(void **ctx, void *addr, int *len, unsigned tmo)
{
    counts[K_ACCEPT]++;
    return ei_default_socket_callbacks.EI_ACCEPT_NAME(ctx, addr, len, tmo);
}
static int d_connect(void *ctx, void *addr, int len, unsigned tmo)
{
    counts[K_CONNECT]++;
    return ei_default_socket_callbacks.connect(ctx, addr, len, tmo);
}
static int d_writev(void *ctx, const void *iov, int iovcnt, ssize_t *len, unsigned tmo)
{
    counts[K_WRITEV]++;
    return ei_default_socket_callbacks.writev(ctx, iov, iovcnt, len, tmo);
}
static int d_write(void *ctx, const char *buf, ssize_t *len, unsigned tmo)
{
    counts[K_WRITE]++;
    return ei_default_socket_callbacks.write(ctx, buf, len, tmo);
}
static int d_read(void *ctx, char *buf, ssize_t *len, unsigned tmo)
{
    counts[K_READ]++;
    last_read_tmo = tmo;
    return ei_default_socket_callbacks.read(ctx, buf, len, tmo);
}
static int d_hs_size(void *ctx, int *sz)
{
    counts[K_HS_SIZE]++;
    return ei_default_socket_callbacks.handshake_packet_header_size(ctx, sz);
}
static int d_connect_done(void *ctx)
{
    counts[K_CONNECT_DONE]++;
    return ei_default_socket_callbacks.connect_handshake_complete
        ? ei_default_socket_callbacks.connect_handshake_complete(ctx) : 0;
}
static int d_accept_done(void *ctx)
{
    counts[K_ACCEPT_DONE]++;
    return ei_default_socket_callbacks.accept_handshake_complete
        ? ei_default_socket_callbacks.accept_handshake_complete(ctx) : 0;
}
static int d_get_fd(void *ctx, int *fd)
{
    counts[K_GET_FD]++;
    return ei_default_socket_callbacks.get_fd(ctx, fd);
}

/* ---- the test ------------------------------------------------------------ */

static void reset_counts(void)
{
    int k;
    for (k = 0; k < K_N; k++)
        counts[k] = 0;
}

static void print_counts(const char *when)
{
    char line[512];
    int k, n = 0;
    for (k = 0; k < K_N; k++)
        n += snprintf(line + n, sizeof line - (size_t) n, " %s=%d", k_names[k],
                      (int) counts[k]);
    live_log("callbacks %s:%s", when, line);
}

static void run_variant(const char *variant, ei_socket_callbacks *cbs, int use_init_ussi)
{
    ei_cnode ec, ln;
    char alive[128], node[256], section[160];
    int fd, lfd, afd, port = 0, pubfd, rc;
    ErlConnect conn;
    erlang_msg msg;
    ei_x_buff x;
    char *big;
    static const long big_len = 1024 * 1024;

    snprintf(section, sizeof section, "%s: init and connect (%s)", variant,
             use_init_ussi ? "ei_connect_init_ussi" : "ei_connect_xinit_ussi");
    live_section(section, 30);
    reset_counts();
    bad_setup = bad_ctx = 0;
    snprintf(alive, sizeof alive, "%s_u%s", live.unique, variant);
    if (use_init_ussi) {
        rc = ei_connect_init_ussi(&ec, alive, live.cookie, 77, cbs, (int) sizeof *cbs,
                                  &setup_token);
        CHECK(rc == 0, "ei_connect_init_ussi returned %d", rc);
    } else {
        snprintf(node, sizeof node, "%s@%s", alive, live.host);
        rc = ei_connect_xinit_ussi(&ec, live.host, alive, node, &live.host_addr, live.cookie,
                                   77, cbs, (int) sizeof *cbs, &setup_token);
        CHECK(rc == 0, "ei_connect_xinit_ussi returned %d", rc);
    }
    fd = live_connect(&ec);
    CHECK(counts[K_SOCKET] == 1 && counts[K_CONNECT] == 1,
          "socket/connect callbacks called %d/%d times, want 1/1", (int) counts[K_SOCKET],
          (int) counts[K_CONNECT]);
    CHECK(counts[K_HS_SIZE] >= 1, "handshake_packet_header_size not called");
    CHECK(counts[K_CONNECT_DONE] == 1, "connect_handshake_complete called %d times",
          (int) counts[K_CONNECT_DONE]);
    CHECK(counts[K_READ] >= 4, "read called only %d times during the handshake",
          (int) counts[K_READ]);
    CHECK(counts[K_WRITE] + counts[K_WRITEV] >= 2, "write/writev hardly called");

    snprintf(section, sizeof section, "%s: echoes through the callbacks", variant);
    live_section(section, 30);
    big = malloc((size_t) big_len);
    CHECK(big, "out of memory");
    live_fill(big, (size_t) big_len, 99);
    live_echo_roundtrip(&ec, fd, "ussi", 4, NULL);
    live_echo_roundtrip(&ec, fd, big, big_len, NULL);
    free(big);

    snprintf(section, sizeof section, "%s: receive timeout through the callbacks", variant);
    live_section(section, 30);
    ei_x_new(&x);
    CHECK_RC(ei_xreceive_msg_tmo(fd, &msg, &x, 300), ERL_ERROR, ETIMEDOUT,
             "ei_xreceive_msg_tmo(300) through the callbacks");
    /* OTP's libei passes the caller's 300; what is left of it is fine too */
    if (full_impl)
        CHECK(last_read_tmo >= 200 && last_read_tmo <= 300,
              "FULL_IMPL read got tmo %u, want the caller's 300 ms (or what is left)",
              (unsigned) last_read_tmo);
    ei_x_free(&x);
    live_echo_roundtrip(&ec, fd, "still there", 11, NULL);

    snprintf(section, sizeof section, "%s: Erlang connects (ei_listen, ei_accept_tmo)",
             variant);
    live_section(section, 30);
    snprintf(alive, sizeof alive, "%s_l%s", live.unique, variant);
    snprintf(node, sizeof node, "%s@%s", alive, live.host);
    rc = ei_connect_xinit_ussi(&ln, live.host, alive, node, &live.host_addr, live.cookie, 78,
                               cbs, (int) sizeof *cbs, &setup_token);
    CHECK(rc == 0, "ei_connect_xinit_ussi returned %d", rc);
    lfd = ei_listen(&ln, &port, 5);
    CHECK(lfd >= 0 && port > 0, "ei_listen returned %d (erl_errno %s)", lfd,
          live_errname(erl_errno));
    CHECK(counts[K_LISTEN] == 1, "listen callback called %d times", (int) counts[K_LISTEN]);
    pubfd = ei_publish(&ln, port);
    CHECK(pubfd >= 0, "ei_publish returned %d", pubfd);
    live_request_ping(&ec, fd, node);
    memset(&conn, 0, sizeof conn);
    afd = ei_accept_tmo(&ln, lfd, &conn, 15000);
    CHECK(afd >= 0, "ei_accept_tmo returned %d (erl_errno %s)", afd, live_errname(erl_errno));
    CHECK(counts[K_ACCEPT] == 1 && counts[K_ACCEPT_DONE] == 1,
          "accept/accept_handshake_complete called %d/%d times", (int) counts[K_ACCEPT],
          (int) counts[K_ACCEPT_DONE]);
    CHECK(strcmp(conn.nodename, live.node) == 0, "accepted %s", conn.nodename);
    live_serve_is_auth(afd);
    CHECK(live_ping_result_is_pong(fd, node), "net_adm:ping of the ussi node: pang");
    live_log("net_adm:ping('%s') = pong", node);

    snprintf(section, sizeof section, "%s: close", variant);
    live_section(section, 10);
    CHECK(ei_close_connection(afd) == 0, "ei_close_connection(accepted)");
    CHECK(ei_close_connection(lfd) == 0, "ei_close_connection(listen)");
    CHECK(ei_close_connection(fd) == 0, "ei_close_connection");
    close(pubfd);
    CHECK(counts[K_CLOSE] == 3, "close callback called %d times, want 3",
          (int) counts[K_CLOSE]);
    CHECK(counts[K_SOCKET] == 2, "socket callback called %d times, want 2",
          (int) counts[K_SOCKET]);
    CHECK(!bad_setup, "socket callback got another setup_context");
    CHECK(!bad_ctx, "a callback got a context that socket/accept did not create");
    print_counts("in total");
}

int t_ussi(void)
{
    ei_socket_callbacks own, dflt;

    memset(&own, 0, sizeof own);
    own.flags = 0;
    own.socket = my_socket;
    own.close = my_close;
    own.listen = my_listen;
    own.EI_ACCEPT_NAME = my_accept;
    own.connect = my_connect;
    own.writev = my_writev;
    own.write = my_write;
    own.read = my_read;
    own.handshake_packet_header_size = my_hs_size;
    own.connect_handshake_complete = my_connect_done;
    own.accept_handshake_complete = my_accept_done;
    own.get_fd = my_get_fd;
    full_impl = 0;
    run_variant("own", &own, 0);
    CHECK(counts[K_GET_FD] > 0, "flags 0: libei never asked get_fd (it needs it for select)");

    own.flags = EI_SCLBK_FLG_FULL_IMPL;
    own.writev = NULL;            /* and without writev: write only */
    full_impl = 1;
    run_variant("ownfull", &own, 1);
    CHECK(counts[K_WRITEV] == 0 && counts[K_WRITE] > 0, "writev %d / write %d calls",
          (int) counts[K_WRITEV], (int) counts[K_WRITE]);

    memset(&dflt, 0, sizeof dflt);
    dflt.flags = ei_default_socket_callbacks.flags;
    dflt.socket = d_socket;
    dflt.close = d_close;
    dflt.listen = d_listen;
    dflt.EI_ACCEPT_NAME = d_accept;
    dflt.connect = d_connect;
    dflt.writev = ei_default_socket_callbacks.writev ? d_writev : NULL;
    dflt.write = d_write;
    dflt.read = d_read;
    dflt.handshake_packet_header_size = d_hs_size;
    dflt.connect_handshake_complete = d_connect_done;
    dflt.accept_handshake_complete = d_accept_done;
    dflt.get_fd = d_get_fd;
    full_impl = 0;
    run_variant("dflt", &dflt, 1);
    return 0;
}
