/*
 * Soak program (scripts/soak.sh): mixed traffic between a C node and one
 * Erlang node running ei_soak_peer, for a set time, while the C process's
 * resident memory (VmRSS) and open descriptors are sampled.
 *
 *   soak_rs|soak_otp --seconds S [--sample S] [--seed N]
 *
 * The node is described by the environment as for the live tests (LIVE_NODE,
 * LIVE_COOKIE, LIVE_HOST, LIVE_UNIQUE, ERL_EPMD_PORT).  Traffic, chosen at
 * random from a seeded generator, one operation at a time, each checked:
 *
 *   echo        {echo, Self, {Seq, Bin}} to soak_echo, Bin of 16 B..256 KiB
 *               (log-uniform); the reply must carry the same Seq and bytes
 *   burst out   20..200 messages one way to soak_sink, then a sync: the sink
 *               must have counted all of them, in order, and their bytes
 *   burst in    the node sends 20..200 messages; all arrive, in order, intact
 *   rpc         ei_rpc erlang:node(), lists:seq/2, ei_soak_peer:sum_bin/1
 *   link/exit   a node process links to the C node's pid and exits (ERL_EXIT),
 *               or sends exit/2 and unlinks (ERL_EXIT2, ERL_UNLINK)
 * and, every few seconds,
 *   accept      the node connects to a second, published C node (ei_listen,
 *               ei_publish, ei_accept_tmo) and exchanges 1..5 messages; the
 *               connection is then closed by the C node or by the node
 *   reconnect   the client connection is closed by the C node
 *               (ei_close_connection) or by the node (disconnect_node), and
 *               connected again
 *   idle        6 s without traffic: only ticks arrive (the node runs with
 *               net_ticktime 10) and the connection must survive them
 *
 * Every --sample seconds (default 3), between operations (no transient
 * connection is open then), the process's VmRSS, its malloc'ed bytes in use
 * (mallinfo2) and its number of open descriptors are recorded.  The first
 * sixth of the run (at least 15 s) is warm-up; the rest is split in thirds.
 * The run fails if
 *   - the largest RSS of the last third exceeds the largest of the first
 *     third by more than 10 % + 1 MiB,
 *   - the largest heap in use of the last third exceeds the largest of the
 *     first third by more than 10 % + 256 KiB, or
 *   - any descriptor count after warm-up exceeds the count at the end of
 *     warm-up,
 * or if any operation fails or hangs (120 s watchdog).  A summary is printed
 * at the end.
 */
#define _GNU_SOURCE
#include "live.h"

#include <dirent.h>
#include <malloc.h>
#include <stddef.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#define MAX_ECHO (256 * 1024)

static struct {
    ei_cnode ec;        /* the client node */
    ei_cnode srv;       /* the published node the Erlang node connects to */
    char srv_name[512];
    int fd;             /* client connection */
    int lfd, pubfd, srv_port;
    erlang_pid echo_pid;
    unsigned long long rng;
    long tag;
    const char *op;
} S;

static struct {
    long echo, burst_out, burst_out_msgs, burst_in, burst_in_msgs, rpc, link, accept,
        accept_node_closed, reconnect, reconnect_node_closed, reconnect_retries, idle,
        ticks;
    long long echo_bytes;
} C;

struct sample {
    double t;
    long rss_kb;   /* VmRSS */
    long heap_kb;  /* malloc'ed bytes in use (mallinfo2: arenas and mmapped chunks) */
    int fds;
};
static double sample_every = 3;
static struct sample *samples;
static int n_samples, max_samples;

/* ---- helpers ------------------------------------------------------------- */

static unsigned long long rnd(void)
{
    /* xorshift64* */
    S.rng ^= S.rng >> 12;
    S.rng ^= S.rng << 25;
    S.rng ^= S.rng >> 27;
    return S.rng * 2685821657736338717ull;
}

static long rnd_range(long lo, long hi) /* inclusive */
{
    return lo + (long) (rnd() % (unsigned long long) (hi - lo + 1));
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    CHECK(f, "cannot open /proc/self/status");
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    CHECK(kb > 0, "no VmRSS in /proc/self/status");
    return kb;
}

static long heap_kb(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (long) ((mi.uordblks + mi.hblkhd) / 1024);
}

static int fd_count(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;
    CHECK(d, "cannot open /proc/self/fd");
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory itself */
}

/* Receives the next message on fd within ms milliseconds in all, counting
 * ticks; fails on anything else than a message. */
static void recv_msg(int fd, erlang_msg *msg, ei_x_buff *x, unsigned ms)
{
    double deadline = live_now() + ms / 1000.0;
    for (;;) {
        double left = deadline - live_now();
        int rc = ei_xreceive_msg_tmo(fd, msg, x, left > 0.001 ? (unsigned) (left * 1000) : 1);
        if (rc == ERL_TICK) {
            C.ticks++;
            continue;
        }
        CHECK(rc == ERL_MSG, "%s: ei_xreceive_msg_tmo returned %d, erl_errno %s", S.op, rc,
              live_errname(erl_errno));
        return;
    }
}

/* Receives a plain message to us and leaves *idx after the version. */
static void recv_send(int fd, erlang_msg *msg, ei_x_buff *x, int *idx)
{
    recv_msg(fd, msg, x, 30000);
    CHECK(msg->msgtype == ERL_SEND || msg->msgtype == ERL_REG_SEND,
          "%s: msgtype %ld, want a message", S.op, msg->msgtype);
    *idx = 0;
    live_expect_version(x->buff, idx);
}

static void new_msg(ei_x_buff *x, int arity, const char *first)
{
    CHECK(ei_x_new_with_version(x) == 0 && ei_x_encode_tuple_header(x, arity) == 0
              && ei_x_encode_atom(x, first) == 0,
          "%s: encoding", S.op);
}

static void send_to(const char *name, ei_x_buff *x)
{
    int rc = ei_reg_send(&S.ec, S.fd, (char *) name, x->buff, x->index);
    CHECK(rc == 0, "%s: ei_reg_send(%s) returned %d, erl_errno %s", S.op, name, rc,
          live_errname(erl_errno));
    ei_x_free(x);
}

static void expect_tag(const char *buf, int *idx)
{
    long t = live_decode_long(buf, idx);
    CHECK(t == S.tag, "%s: tag %ld, want %ld", S.op, t, S.tag);
}

static void expect_end(const ei_x_buff *x, int idx)
{
    CHECK(idx == x->index, "%s: trailing bytes in a message", S.op);
}

/* ---- connection ------------------------------------------------------------ */

/* {echo, Self, hello} to soak_echo; learns its pid (for ei_send). */
static void small_echo(void)
{
    ei_x_buff x;
    erlang_msg msg;
    int idx;
    new_msg(&x, 3, "echo");
    CHECK(ei_x_encode_pid(&x, ei_self(&S.ec)) == 0 && ei_x_encode_atom(&x, "hello") == 0,
          "encoding");
    send_to("soak_echo", &x);
    ei_x_new(&x);
    recv_send(S.fd, &msg, &x, &idx);
    live_expect_tuple(x.buff, &idx, 3);
    live_expect_atom(x.buff, &idx, "echo");
    live_decode_pid(x.buff, &idx, &S.echo_pid);
    live_expect_atom(x.buff, &idx, "hello");
    expect_end(&x, idx);
    ei_x_free(&x);
}

/* Connects the client node; the previous connection of the same name may
 * still be going away on the node ("alive"), hence the retries. */
static void connect_client(void)
{
    int tries;
    for (tries = 0; tries < 50; tries++) {
        S.fd = ei_connect_tmo(&S.ec, (char *) live.node, 10000);
        if (S.fd >= 0)
            break;
        if (tries == 0)
            live_log("%s: ei_connect_tmo returned %d, erl_errno %s; retrying", S.op, S.fd,
                     live_errname(erl_errno));
        C.reconnect_retries++;
        usleep(100000);
    }
    CHECK(S.fd >= 0, "%s: ei_connect_tmo failed 50 times, last %d, erl_errno %s", S.op,
          S.fd, live_errname(erl_errno));
    small_echo();
}

/* ---- operations -------------------------------------------------------------- */

static void op_echo(void)
{
    /* 16 B .. 256 KiB, each power of two as likely as the next */
    long base = 16L << (rnd() % 14), len = base + rnd_range(0, base - 1);
    char *payload, *got;
    ei_x_buff x, fixed;
    erlang_msg msg;
    erlang_pid p;
    long seq = S.tag, got_len;
    int idx, rc, use_fixed = (int) (rnd() % 4 == 0);

    payload = malloc((size_t) len);
    CHECK(payload, "out of memory");
    live_fill(payload, (size_t) len, (unsigned) seq);
    new_msg(&x, 3, "echo");
    CHECK(ei_x_encode_pid(&x, ei_self(&S.ec)) == 0 && ei_x_encode_tuple_header(&x, 2) == 0
              && ei_x_encode_long(&x, seq) == 0 && ei_x_encode_binary(&x, payload, len) == 0,
          "echo: encoding");
    if (seq % 2)
        send_to("soak_echo", &x);
    else {
        rc = ei_send_tmo(S.fd, &S.echo_pid, x.buff, x.index, 30000);
        CHECK(rc == 0, "echo: ei_send_tmo returned %d, erl_errno %s", rc,
              live_errname(erl_errno));
        ei_x_free(&x);
    }
    if (use_fixed) {
        /* the static-buffer receive: room for the largest reply */
        fixed.buffsz = MAX_ECHO + 1024;
        fixed.buff = malloc((size_t) fixed.buffsz);
        CHECK(fixed.buff, "out of memory");
        do {
            fixed.index = 0;
            rc = ei_receive_msg_tmo(S.fd, &msg, &fixed, 30000);
            if (rc == ERL_TICK)
                C.ticks++;
        } while (rc == ERL_TICK);
        CHECK(rc == ERL_MSG, "echo: ei_receive_msg_tmo returned %d, erl_errno %s", rc,
              live_errname(erl_errno));
        x = fixed;
        idx = 0;
        live_expect_version(x.buff, &idx);
    } else {
        ei_x_new(&x);
        recv_send(S.fd, &msg, &x, &idx);
    }
    CHECK(ei_cmp_pids(&msg.to, ei_self(&S.ec)) == 0, "echo: reply not addressed to us");
    live_expect_tuple(x.buff, &idx, 3);
    live_expect_atom(x.buff, &idx, "echo");
    live_decode_pid(x.buff, &idx, &p);
    live_expect_tuple(x.buff, &idx, 2);
    CHECK(live_decode_long(x.buff, &idx) == seq, "echo: wrong sequence number");
    got = live_decode_binary(x.buff, &idx, &got_len);
    CHECK(got_len == len && memcmp(got, payload, (size_t) len) == 0,
          "echo: %ld bytes sent, %ld different bytes came back", len, got_len);
    expect_end(&x, idx);
    free(got);
    free(payload);
    if (use_fixed)
        free(fixed.buff);
    else
        ei_x_free(&x);
    C.echo++;
    C.echo_bytes += len;
}

static void op_burst_out(void)
{
    long k = rnd_range(20, 200), i, bytes = 0, count, got_bytes;
    char *buf = malloc(4096);
    ei_x_buff x;
    erlang_msg msg;
    int idx;

    CHECK(buf, "out of memory");
    for (i = 0; i < k; i++) {
        long len = rnd_range(16, 4096);
        live_fill(buf, (size_t) len, (unsigned) (S.tag + i));
        new_msg(&x, 3, "burst");
        CHECK(ei_x_encode_long(&x, i) == 0 && ei_x_encode_binary(&x, buf, len) == 0,
              "burst out: encoding");
        send_to("soak_sink", &x);
        bytes += len;
    }
    free(buf);
    new_msg(&x, 3, "sync");
    CHECK(ei_x_encode_pid(&x, ei_self(&S.ec)) == 0 && ei_x_encode_long(&x, S.tag) == 0,
          "encoding");
    send_to("soak_sink", &x);
    ei_x_new(&x);
    recv_send(S.fd, &msg, &x, &idx);
    live_expect_tuple(x.buff, &idx, 5);
    live_expect_atom(x.buff, &idx, "synced");
    expect_tag(x.buff, &idx);
    count = live_decode_long(x.buff, &idx);
    got_bytes = live_decode_long(x.buff, &idx);
    CHECK(count == k && got_bytes == bytes,
          "burst out: the sink got %ld messages (%ld bytes), want %ld (%ld bytes)", count,
          got_bytes, k, bytes);
    live_expect_atom(x.buff, &idx, "ok");
    expect_end(&x, idx);
    ei_x_free(&x);
    C.burst_out++;
    C.burst_out_msgs += k;
}

static void op_burst_in(void)
{
    long k = rnd_range(20, 200), size = rnd_range(0, 8192), i;
    ei_x_buff x;
    erlang_msg msg;
    int idx;

    new_msg(&x, 5, "burst_to");
    CHECK(ei_x_encode_pid(&x, ei_self(&S.ec)) == 0 && ei_x_encode_long(&x, S.tag) == 0
              && ei_x_encode_long(&x, k) == 0 && ei_x_encode_long(&x, size) == 0,
          "encoding");
    send_to("soak_ctl", &x);
    ei_x_new(&x);
    for (i = 1; i <= k; i++) {
        char *got;
        long got_len, j;
        recv_send(S.fd, &msg, &x, &idx);
        live_expect_tuple(x.buff, &idx, 4);
        live_expect_atom(x.buff, &idx, "burst");
        expect_tag(x.buff, &idx);
        CHECK(live_decode_long(x.buff, &idx) == i, "burst in: message %ld out of order", i);
        got = live_decode_binary(x.buff, &idx, &got_len);
        CHECK(got_len == size, "burst in: message %ld has %ld bytes, want %ld", i, got_len,
              size);
        for (j = 0; j < got_len; j++)
            CHECK((unsigned char) got[j] == (i & 255), "burst in: message %ld: byte %ld", i,
                  j);
        free(got);
        expect_end(&x, idx);
    }
    recv_send(S.fd, &msg, &x, &idx);
    live_expect_tuple(x.buff, &idx, 3);
    live_expect_atom(x.buff, &idx, "burst_end");
    expect_tag(x.buff, &idx);
    CHECK(live_decode_long(x.buff, &idx) == k, "burst in: wrong count");
    ei_x_free(&x);
    C.burst_in++;
    C.burst_in_msgs += k;
}

static void op_rpc(void)
{
    ei_x_buff args, res;
    int idx = 0, rc, n;
    long which = rnd_range(0, 2);

    ei_x_new(&args);
    ei_x_new(&res);
    if (which == 0) {
        CHECK(ei_x_encode_empty_list(&args) == 0, "encoding");
        rc = ei_rpc(&S.ec, S.fd, "erlang", "node", args.buff, args.index, &res);
        CHECK(rc >= 0, "rpc erlang:node(): %d, erl_errno %s", rc, live_errname(erl_errno));
        live_expect_atom(res.buff, &idx, live.node);
    } else if (which == 1) {
        long lo = rnd_range(1000, 100000), k = rnd_range(0, 500), i;
        CHECK(ei_x_encode_list_header(&args, 2) == 0 && ei_x_encode_long(&args, lo) == 0
                  && ei_x_encode_long(&args, lo + k - 1) == 0
                  && ei_x_encode_empty_list(&args) == 0,
              "encoding");
        rc = ei_rpc(&S.ec, S.fd, "lists", "seq", args.buff, args.index, &res);
        CHECK(rc >= 0, "rpc lists:seq: %d, erl_errno %s", rc, live_errname(erl_errno));
        CHECK(ei_decode_list_header(res.buff, &idx, &n) == 0 && n == k,
              "rpc lists:seq(%ld, %ld): not a list of %ld", lo, lo + k - 1, k);
        for (i = 0; i < k; i++)
            CHECK(live_decode_long(res.buff, &idx) == lo + i, "rpc lists:seq: element %ld",
                  i);
        if (k > 0)
            CHECK(ei_decode_list_header(res.buff, &idx, &n) == 0 && n == 0,
                  "rpc lists:seq: no [] tail");
    } else {
        long len = rnd_range(0, 20000), sum = 0, i;
        char *buf = malloc((size_t) len + 1);
        CHECK(buf, "out of memory");
        live_fill(buf, (size_t) len, (unsigned) S.tag);
        for (i = 0; i < len; i++)
            sum += (unsigned char) buf[i];
        CHECK(ei_x_encode_list_header(&args, 1) == 0
                  && ei_x_encode_binary(&args, buf, len) == 0
                  && ei_x_encode_empty_list(&args) == 0,
              "encoding");
        free(buf);
        rc = ei_rpc(&S.ec, S.fd, "ei_soak_peer", "sum_bin", args.buff, args.index, &res);
        CHECK(rc >= 0, "rpc sum_bin: %d, erl_errno %s", rc, live_errname(erl_errno));
        CHECK(live_decode_long(res.buff, &idx) == sum, "rpc sum_bin: wrong sum");
    }
    expect_end(&res, idx);
    ei_x_free(&args);
    ei_x_free(&res);
    C.rpc++;
}

/* The next signal or message; checks its type and, for exits, the reason
 * {reason, Tag} (at index 0, without a version byte). */
static void expect_signal(ei_x_buff *x, long type, const char *reason)
{
    erlang_msg msg;
    recv_msg(S.fd, &msg, x, 30000);
    CHECK(msg.msgtype == type, "link/exit: msgtype %ld, want %ld", msg.msgtype, type);
    if (type != ERL_SEND)
        CHECK(ei_cmp_pids(&msg.to, ei_self(&S.ec)) == 0, "link/exit: signal to another pid");
    if (reason) {
        int idx = 0;
        live_expect_tuple(x->buff, &idx, 2);
        live_expect_atom(x->buff, &idx, reason);
        expect_tag(x->buff, &idx);
        expect_end(x, idx);
    }
}

static void expect_tagged(ei_x_buff *x, const char *what)
{
    int idx = 0;
    live_expect_version(x->buff, &idx);
    live_expect_tuple(x->buff, &idx, 2);
    live_expect_atom(x->buff, &idx, what);
    expect_tag(x->buff, &idx);
    expect_end(x, idx);
}

static void op_link(void)
{
    int exit2 = (int) (rnd() % 2);
    ei_x_buff x;

    new_msg(&x, 4, "link_exit");
    CHECK(ei_x_encode_pid(&x, ei_self(&S.ec)) == 0 && ei_x_encode_long(&x, S.tag) == 0
              && ei_x_encode_atom(&x, exit2 ? "exit2" : "exit") == 0,
          "encoding");
    send_to("soak_ctl", &x);
    ei_x_new(&x);
    expect_signal(&x, ERL_LINK, NULL);
    expect_signal(&x, ERL_SEND, NULL);
    expect_tagged(&x, "linked");
    if (exit2) {
        expect_signal(&x, ERL_EXIT2, "soak_kill");
        expect_signal(&x, ERL_UNLINK, NULL);
        expect_signal(&x, ERL_SEND, NULL);
        expect_tagged(&x, "done");
    } else {
        expect_signal(&x, ERL_EXIT, "soak_exit");
    }
    ei_x_free(&x);
    C.link++;
}

static void op_accept(void)
{
    long n = rnd_range(1, 5), i;
    int by_node = (int) (rnd() % 2), afd, idx, rc;
    ErlConnect conp;
    ei_x_buff x;
    erlang_msg msg;

    new_msg(&x, 6, "connect_me");
    CHECK(ei_x_encode_pid(&x, ei_self(&S.ec)) == 0 && ei_x_encode_long(&x, S.tag) == 0
              && ei_x_encode_atom(&x, S.srv_name) == 0 && ei_x_encode_long(&x, n) == 0
              && ei_x_encode_atom(&x, by_node ? "node" : "c") == 0,
          "encoding");
    send_to("soak_ctl", &x);
    memset(&conp, 0, sizeof conp);
    afd = ei_accept_tmo(&S.srv, S.lfd, &conp, 15000);
    CHECK(afd >= 0, "accept: ei_accept_tmo returned %d, erl_errno %s", afd,
          live_errname(erl_errno));
    CHECK(strcmp(conp.nodename, live.node) == 0, "accept: connection from %s, want %s",
          conp.nodename, live.node);
    ei_x_new(&x);
    for (i = 1; i <= n; i++) {
        erlang_pid from;
        ei_x_buff ack;
        recv_send(afd, &msg, &x, &idx);
        CHECK(msg.msgtype == ERL_REG_SEND && strcmp(msg.toname, "soak_srv") == 0,
              "accept: message %ld: type %ld to '%s'", i, msg.msgtype, msg.toname);
        live_expect_tuple(x.buff, &idx, 4);
        live_expect_atom(x.buff, &idx, "hello");
        live_decode_pid(x.buff, &idx, &from);
        expect_tag(x.buff, &idx);
        CHECK(live_decode_long(x.buff, &idx) == i, "accept: hello out of order");
        expect_end(&x, idx);
        new_msg(&ack, 3, "hello_ack");
        CHECK(ei_x_encode_long(&ack, S.tag) == 0 && ei_x_encode_long(&ack, i) == 0,
              "encoding");
        rc = ei_send(afd, &from, ack.buff, ack.index);
        CHECK(rc == 0, "accept: ei_send returned %d, erl_errno %s", rc,
              live_errname(erl_errno));
        ei_x_free(&ack);
    }
    if (!by_node)
        CHECK(ei_close_connection(afd) == 0, "accept: ei_close_connection: erl_errno %s",
              live_errname(erl_errno));
    recv_send(S.fd, &msg, &x, &idx);
    live_expect_tuple(x.buff, &idx, 3);
    live_expect_atom(x.buff, &idx, "connect_done");
    expect_tag(x.buff, &idx);
    live_expect_atom(x.buff, &idx, "ok");
    if (by_node) {
        /* The node has closed the connection: the next receive says so. */
        do
            rc = ei_xreceive_msg_tmo(afd, &msg, &x, 10000);
        while (rc == ERL_TICK);
        CHECK(rc == ERL_ERROR && erl_errno != ETIMEDOUT,
              "accept: after disconnect_node a receive returned %d, erl_errno %s", rc,
              live_errname(erl_errno));
        CHECK(ei_close_connection(afd) == 0, "accept: ei_close_connection: erl_errno %s",
              live_errname(erl_errno));
        C.accept_node_closed++;
    }
    ei_x_free(&x);
    C.accept++;
}

static void op_reconnect(void)
{
    int by_node = (int) (C.reconnect % 2);
    if (by_node) {
        ei_x_buff x;
        erlang_msg msg;
        int rc;
        new_msg(&x, 2, "disconnect_me");
        CHECK(ei_x_encode_pid(&x, ei_self(&S.ec)) == 0, "encoding");
        send_to("soak_ctl", &x);
        ei_x_new(&x);
        do
            rc = ei_xreceive_msg_tmo(S.fd, &msg, &x, 10000);
        while (rc == ERL_TICK);
        CHECK(rc == ERL_ERROR && erl_errno != ETIMEDOUT,
              "reconnect: after disconnect_node a receive returned %d, erl_errno %s", rc,
              live_errname(erl_errno));
        ei_x_free(&x);
        C.reconnect_node_closed++;
    }
    CHECK(ei_close_connection(S.fd) == 0, "reconnect: ei_close_connection: erl_errno %s",
          live_errname(erl_errno));
    connect_client();
    C.reconnect++;
}

static void op_idle(void)
{
    ei_x_buff x;
    erlang_msg msg;
    double t0 = live_now();
    ei_x_new(&x);
    while (live_now() - t0 < 6.0) {
        int rc = ei_xreceive_msg_tmo(S.fd, &msg, &x, 500);
        if (rc == ERL_TICK) {
            C.ticks++;
            continue;
        }
        CHECK(rc == ERL_ERROR && erl_errno == ETIMEDOUT,
              "idle: ei_xreceive_msg_tmo returned %d, erl_errno %s", rc,
              live_errname(erl_errno));
    }
    ei_x_free(&x);
    small_echo();
    C.idle++;
}

/* ---- sampling and verdict ------------------------------------------------------ */

static void take_sample(double t)
{
    struct sample *s;
    CHECK(n_samples < max_samples, "too many samples");
    s = &samples[n_samples++];
    s->t = t;
    s->rss_kb = rss_kb();
    s->heap_kb = heap_kb();
    s->fds = fd_count();
    printf("sample t=%6.1f s  rss=%6ld KiB  heap=%6ld KiB  fds=%d  ops=%ld\n", t, s->rss_kb,
           s->heap_kb, s->fds,
           C.echo + C.burst_out + C.burst_in + C.rpc + C.link + C.accept + C.reconnect
               + C.idle);
}

/* Which part of the run a sample belongs to: 0 warm-up, 1..3 the thirds. */
static int part_of(const struct sample *s, double warmup, double third)
{
    if (s->t <= warmup)
        return 0;
    if (s->t <= warmup + third)
        return 1;
    if (s->t <= warmup + 2 * third)
        return 2;
    return 3;
}

/*
 * The growth check for one measure (offset of a long in struct sample):
 * max of the last third against max of the first third + 10 % + slack_kb.
 * Prints a line; returns 0 if it grew.
 */
static int check_growth(const char *what, size_t off, long slack_kb, double warmup,
                        double third)
{
    long min = -1, max = 0, first = -1, last = -1, limit;
    int i;
    for (i = 0; i < n_samples; i++) {
        long v = *(const long *) ((const char *) &samples[i] + off);
        int part = part_of(&samples[i], warmup, third);
        if (min < 0 || v < min)
            min = v;
        if (v > max)
            max = v;
        if (part == 1 && v > first)
            first = v;
        if (part == 3 && v > last)
            last = v;
    }
    limit = first + first / 10 + slack_kb;
    printf("  %-18s min %ld KiB, max %ld KiB; first third max %ld KiB, last third max "
           "%ld KiB (limit %ld KiB)\n", what, min, max, first, last, limit);
    if (first < 0 || last < 0) {
        printf("FAIL: too few samples for a verdict (run longer)\n");
        return 0;
    }
    if (last > limit) {
        printf("FAIL: %s grew: last third max %ld KiB > first third max %ld KiB + 10%% + "
               "%ld KiB\n", what, last, first, slack_kb);
        return 0;
    }
    return 1;
}

static int verdict(double seconds, double warmup, unsigned long long seed)
{
    double third = (seconds - warmup) / 3.0;
    int i, fd_min = -1, fd_max = 0, fd_base = -1, fd_over = 0, ok = 1;
    for (i = 0; i < n_samples; i++) {
        const struct sample *s = &samples[i];
        if (fd_min < 0 || s->fds < fd_min)
            fd_min = s->fds;
        if (s->fds > fd_max)
            fd_max = s->fds;
        if (part_of(s, warmup, third) == 0)
            fd_base = s->fds;
        else if (fd_base >= 0 && s->fds > fd_base)
            fd_over++;
    }
    printf("\nsoak summary (%s, %.0f s, seed %llu)\n", LIVE_LIB, seconds, seed);
    printf("  echo round trips   %ld (%.1f MiB of payload, 16 B..256 KiB)\n", C.echo,
           (double) C.echo_bytes / 1048576.0);
    printf("  bursts out         %ld (%ld messages)\n", C.burst_out, C.burst_out_msgs);
    printf("  bursts in          %ld (%ld messages)\n", C.burst_in, C.burst_in_msgs);
    printf("  ei_rpc calls       %ld\n", C.rpc);
    printf("  links/exits        %ld\n", C.link);
    printf("  accepted conns     %ld (%ld closed by the node)\n", C.accept,
           C.accept_node_closed);
    printf("  reconnects         %ld (%ld closed by the node, %ld connect retries)\n",
           C.reconnect, C.reconnect_node_closed, C.reconnect_retries);
    printf("  idle periods       %ld (%ld ticks received in all)\n", C.idle, C.ticks);
    printf("  samples            %d, every %.0f s; warm-up %.0f s, then thirds of %.0f s\n",
           n_samples, sample_every, warmup, third);
    ok &= check_growth("RSS", offsetof(struct sample, rss_kb), 1024, warmup, third);
    ok &= check_growth("heap in use", offsetof(struct sample, heap_kb), 256, warmup, third);
    printf("  open descriptors   min %d, max %d, at the end of warm-up %d\n", fd_min, fd_max,
           fd_base);
    if (fd_base < 0) {
        printf("FAIL: no sample during warm-up\n");
        ok = 0;
    }
    if (fd_over) {
        printf("FAIL: %d samples after warm-up have more descriptors than the %d at the end "
               "of warm-up\n", fd_over, fd_base);
        ok = 0;
    }
    printf("soak: %s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}

static void on_alarm(int sig)
{
    static const char pre[] = "FAIL watchdog: operation took too long (hang?): ";
    ssize_t r;
    (void) sig;
    r = write(1, pre, sizeof pre - 1);
    r = write(1, S.op, strlen(S.op));
    r = write(1, "\n", 1);
    (void) r;
    _exit(3);
}

/* ---- main -------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    double seconds = 600, warmup, t0, now, next_sample, next_accept,
           next_reconnect, next_idle;
    unsigned long long seed = 0;
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--sample") == 0 && i + 1 < argc)
            sample_every = atof(argv[++i]);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: %s [--seconds S] [--sample S] [--seed N]\n", argv[0]);
            return 2;
        }
    }
    if (seconds < 30 || sample_every <= 0) {
        fprintf(stderr, "soak: --seconds must be at least 30, --sample above 0\n");
        return 2;
    }
    if (seed == 0)
        seed = (unsigned long long) getpid() * 1000003ull ^ (unsigned long long) time(NULL);
    S.rng = seed | 1;
    warmup = seconds / 6 > 15 ? seconds / 6 : 15;
    max_samples = (int) (seconds / sample_every) + 64;
    samples = calloc((size_t) max_samples, sizeof *samples);
    CHECK(samples, "out of memory");

    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    CHECK(ei_init() == 0, "ei_init failed");
    live_load_cfg(1);
    printf("soak against %s: node %s, %.0f s, seed %llu\n", LIVE_LIB, live.node, seconds,
           seed);

    live_section("setup", 60);
    live_cnode(&S.ec, "soak", live.cookie);
    live_cnode(&S.srv, "srv", live.cookie);
    live_cnode_name(S.srv_name, sizeof S.srv_name, "srv");
    S.srv_port = 0;
    S.lfd = ei_listen(&S.srv, &S.srv_port, 5);
    CHECK(S.lfd >= 0, "ei_listen: %d, erl_errno %s", S.lfd, live_errname(erl_errno));
    S.pubfd = ei_publish(&S.srv, S.srv_port);
    CHECK(S.pubfd >= 0, "ei_publish: %d, erl_errno %s", S.pubfd, live_errname(erl_errno));
    S.op = "connect";
    connect_client();

    live_section("soak", 0);
    {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_alarm;
        sigaction(SIGALRM, &sa, NULL);
    }
    t0 = live_now();
    next_sample = 0;
    next_accept = 2;
    next_reconnect = 7;
    next_idle = 30;
    for (;;) {
        long r;
        now = live_now() - t0;
        if (now >= next_sample) {
            take_sample(now);
            while (next_sample <= now)
                next_sample += sample_every;
        }
        if (now >= seconds)
            break;
        alarm(120);
        S.tag++;
        if (now >= next_idle) {
            S.op = "idle";
            op_idle();
            next_idle = now + 90;
        } else if (now >= next_reconnect) {
            S.op = "reconnect";
            op_reconnect();
            next_reconnect = now + 10;
        } else if (now >= next_accept) {
            S.op = "accept";
            op_accept();
            next_accept = now + 3;
        } else if ((r = (long) (rnd() % 100)) < 55) {
            S.op = "echo";
            op_echo();
        } else if (r < 67) {
            S.op = "burst out";
            op_burst_out();
        } else if (r < 79) {
            S.op = "burst in";
            op_burst_in();
        } else if (r < 94) {
            S.op = "rpc";
            op_rpc();
        } else {
            S.op = "link/exit";
            op_link();
        }
    }
    alarm(0);
    CHECK(ei_close_connection(S.fd) == 0, "ei_close_connection");
    return verdict(seconds, warmup, seed);
}
