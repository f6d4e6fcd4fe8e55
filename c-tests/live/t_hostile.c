/*
 * 6. A hostile peer (plain sockets, a thread of this program) that closes
 * or sends garbage at each step of the distribution handshake, in both
 * roles, and after a valid handshake sends broken frames.  The library must
 * return an error (exact values: OTP's, see the tables below), never hang
 * (watchdog) or crash.  No Erlang node is involved (run_live.sh --no-node).
 *
 * The handshake (2-byte length prefix on TCP):
 *   client -> server  'N' flags:64 creation:32 namelen:16 name
 *   server -> client  's' "ok"                       (status)
 *   server -> client  'N' flags:64 challenge:32 creation:32 namelen:16 name
 *   client -> server  'r' challenge:32 digest:128    digest = md5(cookie ++ "%u" of challenge)
 *   server -> client  'a' digest:128
 * then frames with a 4-byte length prefix: 0 = tick, else 'p' + control + message.
 */
#define _GNU_SOURCE
#include "live.h"

#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#define COOKIE "hostile_cookie"
#define PEER_NAME "hostile@localhost"

/* ---- MD5 (RFC 1321), just enough for handshake digests ------------------ */

struct md5 {
    uint32_t s[4];
    uint64_t n;
    unsigned char b[64];
};

static uint32_t rol(uint32_t x, int c) { return (x << c) | (x >> (32 - c)); }

static void md5_block(struct md5 *m, const unsigned char *p)
{
    static const uint32_t k[64] = {
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a,
        0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
        0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
        0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
        0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
        0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
        0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
        0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
        0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
        0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
        0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
    static const int r[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                              5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                              4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                              6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
    uint32_t w[16], a = m->s[0], b = m->s[1], c = m->s[2], d = m->s[3], f, t;
    int i, g;
    for (i = 0; i < 16; i++)
        w[i] = (uint32_t) p[4 * i] | (uint32_t) p[4 * i + 1] << 8
             | (uint32_t) p[4 * i + 2] << 16 | (uint32_t) p[4 * i + 3] << 24;
    for (i = 0; i < 64; i++) {
        if (i < 16) {
            f = (b & c) | (~b & d);
            g = i;
        } else if (i < 32) {
            f = (d & b) | (~d & c);
            g = (5 * i + 1) % 16;
        } else if (i < 48) {
            f = b ^ c ^ d;
            g = (3 * i + 5) % 16;
        } else {
            f = c ^ (b | ~d);
            g = (7 * i) % 16;
        }
        t = d;
        d = c;
        c = b;
        b = b + rol(a + f + k[i] + w[g], r[i]);
        a = t;
    }
    m->s[0] += a;
    m->s[1] += b;
    m->s[2] += c;
    m->s[3] += d;
}

static void md5_init(struct md5 *m)
{
    m->s[0] = 0x67452301;
    m->s[1] = 0xefcdab89;
    m->s[2] = 0x98badcfe;
    m->s[3] = 0x10325476;
    m->n = 0;
}

static void md5_update(struct md5 *m, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len--) {
        m->b[m->n++ % 64] = *p++;
        if (m->n % 64 == 0)
            md5_block(m, m->b);
    }
}

static void md5_final(struct md5 *m, unsigned char out[16])
{
    uint64_t bits = m->n * 8;
    unsigned char pad = 0x80, len[8];
    int i;
    md5_update(m, &pad, 1);
    pad = 0;
    while (m->n % 64 != 56)
        md5_update(m, &pad, 1);
    for (i = 0; i < 8; i++)
        len[i] = (unsigned char) (bits >> (8 * i));
    md5_update(m, len, 8);
    for (i = 0; i < 16; i++)
        out[i] = (unsigned char) (m->s[i / 4] >> (8 * (i % 4)));
}

static void digest(unsigned challenge, unsigned char out[16])
{
    struct md5 m;
    char num[16];
    snprintf(num, sizeof num, "%u", challenge);
    md5_init(&m);
    md5_update(&m, COOKIE, strlen(COOKIE));
    md5_update(&m, num, strlen(num));
    md5_final(&m, out);
}

/* ---- socket helpers for the peer (every wait is bounded) ----------------- */

static int wait_fd(int fd, short ev, int ms)
{
    struct pollfd p;
    p.fd = fd;
    p.events = ev;
    return poll(&p, 1, ms) == 1;
}

/* Reads exactly n bytes within 5 s; 0 on success. */
static int read_n(int fd, unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r;
        if (!wait_fd(fd, POLLIN, 5000))
            return -1;
        r = read(fd, buf + got, n - got);
        if (r <= 0)
            return -1;
        got += (size_t) r;
    }
    return 0;
}

static void write_all(int fd, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return;                  /* the library hung up: fine */
        p += w;
        n -= (size_t) w;
    }
}

/* A handshake packet (2-byte length); returns its length or -1. */
static int read_hs(int fd, unsigned char *buf, size_t sz)
{
    unsigned char h[2];
    size_t len;
    if (read_n(fd, h, 2))
        return -1;
    len = (size_t) h[0] << 8 | h[1];
    if (len > sz || read_n(fd, buf, len))
        return -1;
    return (int) len;
}

static void write_hs(int fd, const unsigned char *body, size_t len)
{
    unsigned char h[2];
    h[0] = (unsigned char) (len >> 8);
    h[1] = (unsigned char) len;
    write_all(fd, h, 2);
    write_all(fd, body, len);
}

static unsigned char *put_u16(unsigned char *p, unsigned v)
{
    *p++ = (unsigned char) (v >> 8);
    *p++ = (unsigned char) v;
    return p;
}
static unsigned char *put_u32(unsigned char *p, uint32_t v)
{
    p = put_u16(p, v >> 16);
    return put_u16(p, v & 0xffff);
}
static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

/* Everything libei requires (DFLAG_DIST_MANDATORY) and the 23/25 handshake. */
static const uint64_t good_flags = 0x4 | 0x8 | 0x10 | 0x80 | 0x100 | 0x200 | 0x400
    | 0x800 | 0x4000 | 0x10000 | 0x20000 | 0x40000 | 0x1000000 | 0x2000000
    | 0x4000000 | ((uint64_t) 0x4 << 32);

static size_t name_body(unsigned char *b, uint64_t flags, int with_challenge,
                        uint32_t challenge)
{
    unsigned char *p = b;
    *p++ = 'N';
    p = put_u32(p, (uint32_t) (flags >> 32));
    p = put_u32(p, (uint32_t) flags);
    if (with_challenge)
        p = put_u32(p, challenge);
    p = put_u32(p, 1234);                      /* creation */
    p = put_u16(p, (unsigned) strlen(PEER_NAME));
    memcpy(p, PEER_NAME, strlen(PEER_NAME));
    return (size_t) (p - b) + strlen(PEER_NAME);
}

/* Holds the connection until the library closes it (at most 5 s). */
static void linger_until_closed(int fd)
{
    unsigned char junk[4096];
    while (wait_fd(fd, POLLIN, 5000) && read(fd, junk, sizeof junk) > 0)
        ;
}

/* A frame: 4-byte length, then the bytes. */
static void write_frame(int fd, const void *body, size_t len, size_t claimed_len)
{
    unsigned char h[4];
    put_u32(h, (uint32_t) claimed_len);
    write_all(fd, h, 4);
    write_all(fd, body, len);
}

/* ---- scenarios ----------------------------------------------------------- */

enum step {
    /* the peer is the server, the library connects */
    S_CLOSE_AT_ONCE, S_CLOSE_AFTER_NAME, S_STATUS_NOK, S_STATUS_TRUNCATED,
    S_CHALLENGE_BAD_TAG, S_CHALLENGE_SHORT, S_CHALLENGE_NAME_OVERFLOW,
    S_CHALLENGE_NO_FLAGS, S_CLOSE_AFTER_REPLY, S_ACK_BAD_DIGEST, S_ACK_SHORT,
    S_OK, /* a valid handshake, then `frames` */
    /* the peer is the client, the library accepts */
    C_CLOSE_AT_ONCE, C_NAME_BAD_TAG, C_NAME_SHORT, C_NAME_NO_FLAGS,
    C_CLOSE_AFTER_CHALLENGE, C_REPLY_BAD_DIGEST, C_REPLY_SHORT, C_OK
};

enum frames {
    F_NONE, F_NOT_PASS_THROUGH, F_BAD_VERSION, F_TRUNCATED, F_HUGE, F_UNKNOWN_CONTROL,
    F_MALFORMED_PAYLOAD, F_TICK
};

struct peer {
    enum step step;
    enum frames frames;
    int port;            /* server: where we listen (lsock); client: where to connect */
    int lsock;
    erlang_pid to;       /* the library's ei_self, for F_UNKNOWN_CONTROL */
    int tock_ok;         /* F_TICK: the library answered the tick */
    const char *problem; /* set when the peer itself saw something wrong */
};

/* 'p' and the control message {SEND, '', To} into buf; returns the index. */
static int send_header(char *buf, const erlang_pid *to)
{
    int idx = 1;
    buf[0] = 'p';
    ei_encode_version(buf, &idx);
    ei_encode_tuple_header(buf, &idx, 3);
    ei_encode_long(buf, &idx, ERL_SEND);
    ei_encode_atom(buf, &idx, "");
    ei_encode_pid(buf, &idx, to);
    return idx;
}

static void send_frames(struct peer *pe, int s)
{
    static const unsigned char not_p[] = {'x', 131, 104, 0};
    static const unsigned char bad_version[] = {'p', 130, 104, 3, 97, 2, 100, 0, 0};
    unsigned char junk[16] = {'p', 131};
    char buf[512];
    int idx;
    switch (pe->frames) {
    case F_NONE:
        return;
    case F_NOT_PASS_THROUGH:
        write_frame(s, not_p, sizeof not_p, sizeof not_p);
        break;
    case F_BAD_VERSION:
        write_frame(s, bad_version, sizeof bad_version, sizeof bad_version);
        break;
    case F_TRUNCATED:
        write_frame(s, junk, sizeof junk, 1000);
        close(s);
        return;
    case F_HUGE:
        write_frame(s, junk, 2, 0x7ffffff0);
        close(s);
        return;
    case F_UNKNOWN_CONTROL:
        /* 'p' {99, x} hello, then a valid {SEND, '', To} {after, unknown} */
        buf[0] = 'p';
        idx = 1;
        ei_encode_version(buf, &idx);
        ei_encode_tuple_header(buf, &idx, 2);
        ei_encode_long(buf, &idx, 99);
        ei_encode_atom(buf, &idx, "x");
        ei_encode_version(buf, &idx);
        ei_encode_atom(buf, &idx, "hello");
        write_frame(s, buf, (size_t) idx, (size_t) idx);
        idx = send_header(buf, &pe->to);
        ei_encode_version(buf, &idx);
        ei_encode_tuple_header(buf, &idx, 2);
        ei_encode_atom(buf, &idx, "after");
        ei_encode_atom(buf, &idx, "unknown");
        write_frame(s, buf, (size_t) idx, (size_t) idx);
        break;
    case F_MALFORMED_PAYLOAD:
        /* {SEND, '', To} then a list that claims 5 elements and has 1;
         * then the same frame with a whole list */
        for (int whole = 0; whole <= 1; whole++) {
            idx = send_header(buf, &pe->to);
            ei_encode_version(buf, &idx);
            ei_encode_list_header(buf, &idx, whole ? 1 : 5);
            ei_encode_atom(buf, &idx, "only");
            ei_encode_empty_list(buf, &idx);
            write_frame(s, buf, (size_t) idx, (size_t) idx);
        }
        break;
    case F_TICK: {
        unsigned char tock[4];
        write_frame(s, "", 0, 0);
        if (read_n(s, tock, 4) == 0 && get_u32(tock) == 0)
            pe->tock_ok = 1;
        break;
    }
    }
    linger_until_closed(s);
    close(s);
}

static void *server_peer(void *arg)
{
    struct peer *pe = arg;
    unsigned char b[1024], d[16];
    size_t n;
    int s, len;
    uint32_t challenge = 0x5eed1234u;

    if (!wait_fd(pe->lsock, POLLIN, 10000)) {
        pe->problem = "nobody connected";
        return NULL;
    }
    s = accept(pe->lsock, NULL, NULL);
    if (s < 0) {
        pe->problem = "accept failed";
        return NULL;
    }
    if (pe->step == S_CLOSE_AT_ONCE)
        goto close;
    len = read_hs(s, b, sizeof b);
    if (len < 15 || b[0] != 'N') {
        pe->problem = "no valid send_name from the library";
        goto close;
    }
    if (pe->step == S_CLOSE_AFTER_NAME)
        goto close;
    if (pe->step == S_STATUS_NOK) {
        write_hs(s, (const unsigned char *) "snok", 4);
        goto linger;
    }
    if (pe->step == S_STATUS_TRUNCATED) {
        write_all(s, "\xff\xff" "sok", 5);  /* claims 65535 bytes, sends 3 */
        goto close;
    }
    write_hs(s, (const unsigned char *) "sok", 3);
    switch (pe->step) {
    case S_CHALLENGE_BAD_TAG:
        n = name_body(b, good_flags, 1, challenge);
        b[0] = 'X';
        write_hs(s, b, n);
        goto linger;
    case S_CHALLENGE_SHORT:
        write_hs(s, (const unsigned char *) "N\0\0\0\0\0", 6);
        goto linger;
    case S_CHALLENGE_NAME_OVERFLOW:
        n = name_body(b, good_flags, 1, challenge);
        put_u16(b + 1 + 8 + 4 + 4, 60000);  /* name longer than the packet */
        write_hs(s, b, n);
        goto linger;
    case S_CHALLENGE_NO_FLAGS:
        n = name_body(b, 0, 1, challenge);
        write_hs(s, b, n);
        goto linger;
    default:
        break;
    }
    n = name_body(b, good_flags, 1, challenge);
    write_hs(s, b, n);
    len = read_hs(s, b, sizeof b);
    if (len != 21 || b[0] != 'r') {
        pe->problem = "no valid challenge reply from the library";
        goto close;
    }
    digest(challenge, d);
    if (memcmp(b + 5, d, 16) != 0) {
        pe->problem = "the library's digest is wrong";
        goto close;
    }
    if (pe->step == S_CLOSE_AFTER_REPLY)
        goto close;
    if (pe->step == S_ACK_BAD_DIGEST) {
        memset(b + 1, 0, 16);
        b[0] = 'a';
        write_hs(s, b, 17);
        goto linger;
    }
    if (pe->step == S_ACK_SHORT) {
        write_hs(s, (const unsigned char *) "a123456789", 10);
        goto linger;
    }
    digest(get_u32(b + 1), d);
    b[0] = 'a';
    memcpy(b + 1, d, 16);
    write_hs(s, b, 17);
    send_frames(pe, s);
    return NULL;
linger:
    linger_until_closed(s);
close:
    close(s);
    return NULL;
}

static void *client_peer(void *arg)
{
    struct peer *pe = arg;
    struct sockaddr_in a;
    unsigned char b[1024], d[16];
    size_t n;
    int s, len;
    uint32_t my_challenge = 0x0badcafeu;

    s = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t) pe->port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s < 0 || connect(s, (struct sockaddr *) &a, sizeof a) != 0) {
        pe->problem = "cannot connect to the library's listener";
        if (s >= 0)
            close(s);
        return NULL;
    }
    switch (pe->step) {
    case C_CLOSE_AT_ONCE:
        goto close;
    case C_NAME_BAD_TAG:
        n = name_body(b, good_flags, 0, 0);
        b[0] = 'n';
        write_hs(s, b, n);
        goto linger;
    case C_NAME_SHORT:
        write_hs(s, (const unsigned char *) "N\0\0", 3);
        goto linger;
    case C_NAME_NO_FLAGS:
        n = name_body(b, 0, 0, 0);
        write_hs(s, b, n);
        goto linger;
    default:
        break;
    }
    n = name_body(b, good_flags, 0, 0);
    write_hs(s, b, n);
    len = read_hs(s, b, sizeof b);
    if (len < 3 || memcmp(b, "sok", 3) != 0) {
        pe->problem = "no 'sok' status from the library";
        goto close;
    }
    len = read_hs(s, b, sizeof b);
    if (len < 19 || b[0] != 'N') {
        pe->problem = "no valid challenge from the library";
        goto close;
    }
    if (pe->step == C_CLOSE_AFTER_CHALLENGE)
        goto close;
    digest(get_u32(b + 9), d);
    if (pe->step == C_REPLY_BAD_DIGEST)
        d[0] ^= 0xff;
    b[0] = 'r';
    put_u32(b + 1, my_challenge);
    memcpy(b + 5, d, 16);
    write_hs(s, b, pe->step == C_REPLY_SHORT ? 12 : 21);
    if (pe->step != C_OK)
        goto linger;
    len = read_hs(s, b, sizeof b);
    digest(my_challenge, d);
    if (len != 17 || b[0] != 'a' || memcmp(b + 1, d, 16) != 0) {
        pe->problem = "no valid challenge ack from the library";
        goto close;
    }
    send_frames(pe, s);
    return NULL;
linger:
    linger_until_closed(s);
close:
    close(s);
    return NULL;
}

/* ---- the test ------------------------------------------------------------ */

static ei_cnode ec;

static int listen_socket(int *port)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(s >= 0 && bind(s, (struct sockaddr *) &a, sizeof a) == 0 && listen(s, 4) == 0
          && getsockname(s, (struct sockaddr *) &a, &len) == 0, "listen socket");
    *port = ntohs(a.sin_port);
    return s;
}

/* The library connects to a hostile server (no timeout: it must notice the
 * peer's misbehaviour by itself). */
static void connect_case(const char *what, enum step step, int want_rc, int want_errno)
{
    struct peer pe;
    pthread_t t;
    memset(&pe, 0, sizeof pe);
    pe.step = step;
    pe.lsock = listen_socket(&pe.port);
    CHECK(pthread_create(&t, NULL, server_peer, &pe) == 0, "pthread_create");
    live_section(what, 20);
    {
        int rc = ei_connect_host_port(&ec, "127.0.0.1", pe.port);
        /* A peer that closes at once resets the connection or just ends
         * it, before or after our first write, depending on timing: ei-rs
         * reports ECONNRESET, EPIPE (the reset came before the write) or
         * EIO. */
        if (want_errno == ECONNRESET && (erl_errno == EIO || erl_errno == EPIPE))
            erl_errno = ECONNRESET;
        CHECK_RC(rc, want_rc, want_errno, what);
    }
    CHECK(pthread_join(t, NULL) == 0, "pthread_join");
    CHECK(!pe.problem, "%s: hostile peer: %s", what, pe.problem);
    close(pe.lsock);
}

static pthread_t frames_thread;

static int connect_ok(const char *what, enum frames frames, struct peer *pe)
{
    pthread_t t;
    int fd;
    memset(pe, 0, sizeof *pe);
    pe->step = S_OK;
    pe->frames = frames;
    pe->lsock = listen_socket(&pe->port);
    pe->to = *ei_self(&ec);
    CHECK(pthread_create(&t, NULL, server_peer, pe) == 0, "pthread_create");
    live_section(what, 20);
    fd = ei_connect_host_port(&ec, "127.0.0.1", pe->port);
    CHECK(fd >= 0, "%s: ei_connect_host_port returned %d (erl_errno %s)", what, fd,
          live_errname(erl_errno));
    frames_thread = t;
    return fd;
}

static void finish_ok(struct peer *pe, int fd)
{
    ei_close_connection(fd);
    CHECK(pthread_join(frames_thread, NULL) == 0, "pthread_join");
    CHECK(!pe->problem, "hostile peer: %s", pe->problem);
    close(pe->lsock);
}

static void frame_case(const char *what, enum frames frames, int want_errno)
{
    struct peer pe;
    erlang_msg msg;
    ei_x_buff x;
    int fd = connect_ok(what, frames, &pe);
    ei_x_new(&x);
    CHECK_RC(ei_xreceive_msg_tmo(fd, &msg, &x, 10000), ERL_ERROR, want_errno, what);
    ei_x_free(&x);
    finish_ok(&pe, fd);
}

/* The library accepts a hostile client. */
static void accept_case(const char *what, enum step step, unsigned tmo, int want_errno)
{
    struct peer pe;
    pthread_t t;
    int lfd, port = 0, rc;
    ErlConnect conn;
    memset(&pe, 0, sizeof pe);
    live_section(what, 20);
    lfd = ei_listen(&ec, &port, 5);
    CHECK(lfd >= 0, "ei_listen returned %d", lfd);
    pe.step = step;
    pe.port = port;
    CHECK(pthread_create(&t, NULL, client_peer, &pe) == 0, "pthread_create");
    rc = ei_accept_tmo(&ec, lfd, &conn, tmo);
    CHECK_RC(rc, ERL_ERROR, want_errno, what);
    CHECK(pthread_join(t, NULL) == 0, "pthread_join");
    CHECK(!pe.problem, "%s: hostile peer: %s", what, pe.problem);
    CHECK(ei_close_connection(lfd) == 0, "ei_close_connection(listen)");
}

int t_hostile(void)
{
    struct peer pe;
    erlang_msg msg;
    ei_x_buff x;
    int fd, idx, port = 0, lfd, afd, arity;
    pthread_t t;
    ErlConnect conn;

    live_section("init", 10);
    live_cnode(&ec, "h", COOKIE);

    /* the library connects; the peer misbehaves at each step */
    connect_case("connect: peer closes at once", S_CLOSE_AT_ONCE, ERL_ERROR, LIVE_REAL_ERRNO(ECONNRESET));
    connect_case("connect: peer closes after send_name", S_CLOSE_AFTER_NAME, ERL_ERROR, EIO);
    connect_case("connect: status 'nok'", S_STATUS_NOK, ERL_ERROR, EIO);
    connect_case("connect: truncated status packet", S_STATUS_TRUNCATED, ERL_ERROR, EIO);
    connect_case("connect: challenge with a bad tag", S_CHALLENGE_BAD_TAG, ERL_ERROR, EIO);
    connect_case("connect: challenge too short", S_CHALLENGE_SHORT, ERL_ERROR,
                 EIO);
    connect_case("connect: challenge name longer than the packet",
                 S_CHALLENGE_NAME_OVERFLOW, ERL_ERROR, EIO);
    connect_case("connect: challenge without the mandatory flags", S_CHALLENGE_NO_FLAGS,
                 ERL_ERROR, EIO);
    connect_case("connect: peer closes after the challenge reply", S_CLOSE_AFTER_REPLY,
                 ERL_ERROR, EIO);
    connect_case("connect: challenge ack with a wrong digest", S_ACK_BAD_DIGEST, ERL_ERROR, EIO);
    connect_case("connect: challenge ack too short", S_ACK_SHORT, ERL_ERROR,
                 EIO);

    /* a valid handshake, then broken frames */
    frame_case("frames: first byte not 'p'", F_NOT_PASS_THROUGH, LIVE_REAL_ERRNO(EBADMSG));
    frame_case("frames: bad version byte", F_BAD_VERSION, LIVE_REAL_ERRNO(EBADMSG));
    frame_case("frames: truncated frame, then close", F_TRUNCATED, EIO);
    frame_case("frames: 2 GB length, then close", F_HUGE, LIVE_REAL_ERRNO(EMSGSIZE));

    fd = connect_ok("frames: unknown control message, then a valid one", F_UNKNOWN_CONTROL,
                    &pe);
    ei_x_new(&x);
    CHECK_RC(ei_xreceive_msg_tmo(fd, &msg, &x, 10000), ERL_ERROR, EIO,
             "unknown control message type 99");
    CHECK(ei_xreceive_msg_tmo(fd, &msg, &x, 10000) == ERL_MSG && msg.msgtype == ERL_SEND,
          "the message after the unknown one did not arrive (erl_errno %s)",
          live_errname(erl_errno));
    idx = 0;
    live_expect_version(x.buff, &idx);
    live_expect_tuple(x.buff, &idx, 2);
    live_expect_atom(x.buff, &idx, "after");
    live_expect_atom(x.buff, &idx, "unknown");
    live_log("the next message arrived intact");
    ei_x_free(&x);
    finish_ok(&pe, fd);

    /* ei-rs checks that a message is one whole term before handing it
     * over; libei hands over whatever the frame holds. */
    fd = connect_ok("frames: a message that is not a whole term, then a valid one",
                    F_MALFORMED_PAYLOAD, &pe);
    ei_x_new(&x);
#ifdef EI_RS_BUILD
    CHECK_RC(ei_xreceive_msg_tmo(fd, &msg, &x, 10000), ERL_ERROR, EBADMSG,
             "a list claiming 5 elements with 1");
#else
    CHECK(ei_xreceive_msg_tmo(fd, &msg, &x, 10000) == ERL_MSG,
          "libei hands over the malformed message (erl_errno %s)", live_errname(erl_errno));
#endif
    CHECK(ei_xreceive_msg_tmo(fd, &msg, &x, 10000) == ERL_MSG && msg.msgtype == ERL_SEND,
          "the message after the malformed one did not arrive (erl_errno %s)",
          live_errname(erl_errno));
    idx = 0;
    live_expect_version(x.buff, &idx);
    CHECK(ei_decode_list_header(x.buff, &idx, &arity) == 0 && arity == 1, "list of 1");
    live_expect_atom(x.buff, &idx, "only");
    live_log("the next message arrived intact");
    ei_x_free(&x);
    finish_ok(&pe, fd);

    fd = connect_ok("frames: a tick is answered with a tock", F_TICK, &pe);
    ei_x_new(&x);
    CHECK_RC(ei_xreceive_msg_tmo(fd, &msg, &x, 10000), ERL_TICK, EAGAIN, "tick");
    ei_x_free(&x);
    finish_ok(&pe, fd);
    CHECK(pe.tock_ok, "the library did not answer the tick with 4 zero bytes");

    /* the library accepts; the peer misbehaves at each step */
    accept_case("accept: peer closes at once", C_CLOSE_AT_ONCE, 5000, EIO);
    accept_case("accept: send_name with a bad tag", C_NAME_BAD_TAG, 5000, EIO);
    accept_case("accept: send_name too short", C_NAME_SHORT, 5000, EIO);
    accept_case("accept: send_name without the mandatory flags", C_NAME_NO_FLAGS, 5000, EIO);
    accept_case("accept: peer closes after the challenge", C_CLOSE_AFTER_CHALLENGE, 5000,
                EIO);
    accept_case("accept: challenge reply with a wrong digest", C_REPLY_BAD_DIGEST, 5000,
                EIO);
    accept_case("accept: challenge reply too short", C_REPLY_SHORT, 5000, EIO);

    /* a valid handshake from the peer, then garbage */
    live_section("accept: valid handshake, then a frame not starting with 'p'", 20);
    memset(&pe, 0, sizeof pe);
    lfd = ei_listen(&ec, &port, 5);
    CHECK(lfd >= 0, "ei_listen returned %d", lfd);
    pe.step = C_OK;
    pe.frames = F_NOT_PASS_THROUGH;
    pe.port = port;
    CHECK(pthread_create(&t, NULL, client_peer, &pe) == 0, "pthread_create");
    afd = ei_accept_tmo(&ec, lfd, &conn, 5000);
    CHECK(afd >= 0, "ei_accept_tmo returned %d (erl_errno %s)", afd, live_errname(erl_errno));
    CHECK(strcmp(conn.nodename, PEER_NAME) == 0, "ErlConnect.nodename %s", conn.nodename);
    ei_x_new(&x);
    CHECK_RC(ei_xreceive_msg_tmo(afd, &msg, &x, 10000), ERL_ERROR, LIVE_REAL_ERRNO(EBADMSG),
             "garbage frame on an accepted connection");
    ei_x_free(&x);
    ei_close_connection(afd);
    CHECK(pthread_join(t, NULL) == 0, "pthread_join");
    CHECK(!pe.problem, "hostile peer: %s", pe.problem);
    CHECK(ei_close_connection(lfd) == 0, "ei_close_connection(listen)");
    return 0;
}
