/*
 * Concurrency stress tests against a live Erlang node, run by
 * c-tests/live/run_live.sh (epmd, a node running ei_live_peer, LIVE_* in the
 * environment) and built against OTP's libei (stress_otp) and ei-rs
 * (stress_rs):
 *
 *   stress_<lib> threads   8 threads, each with its own C node and its own
 *                          connection to the same Erlang node, 10,000 echoes
 *                          each through ei_echo at the same time, 4 in flight
 *                          per thread.  Every reply must be addressed to the
 *                          thread's own pid and carry its thread id, the next
 *                          sequence number and the payload sent (0 B..64 KiB).
 *   stress_<lib> shared    one connection, two threads: one sends 20,000
 *                          numbered echoes while the other receives on the
 *                          same descriptor and checks that all arrive, in
 *                          order and intact.  Half-way the sender pauses until
 *                          the receiver has answered 5 ticks (the node runs
 *                          with net_ticktime 4: without the answers the node
 *                          would drop the connection, and the second half
 *                          would not arrive).
 *
 * STRESS_SCALE (percent, default 100) scales the message counts.
 */
#define _GNU_SOURCE
#include "live.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#define MAX_PAYLOAD (64 * 1024)

static long scaled(long n)
{
    const char *s = getenv("STRESS_SCALE");
    long pct = s && *s ? atol(s) : 100;
    long v = n * (pct > 0 ? pct : 100) / 100;
    return v > 10 ? v : 10;
}

/* Payload size of message `seq` of thread `id`: mostly 0..2 KiB, every 97th
 * one 8..64 KiB. */
static long payload_size(int id, long seq)
{
    unsigned long h = (unsigned long) seq * 2654435761u + (unsigned long) id * 40503u;
    if (seq % 97 == 13)
        return 8192 + (long) (h % (MAX_PAYLOAD - 8192 + 1));
    return (long) (h % 2049);
}

static unsigned payload_seed(int id, long seq)
{
    return (unsigned) id * 7919u + (unsigned) seq * 104729u;
}

/* {echo, Self, Inner}: Inner is already encoded (without version) in inner. */
static void encode_echo(ei_x_buff *x, ei_cnode *ec, const ei_x_buff *inner)
{
    CHECK(ei_x_new_with_version(x) == 0, "ei_x_new_with_version");
    CHECK(ei_x_encode_tuple_header(x, 3) == 0 && ei_x_encode_atom(x, "echo") == 0
              && ei_x_encode_pid(x, ei_self(ec)) == 0
              && ei_x_append_buf(x, inner->buff, inner->index) == 0,
          "encoding an echo request");
}

/*
 * Decodes {echo, EchoPid, Rest} from a received message and leaves *idx at
 * Rest; the message must be an ERL_SEND to self.
 */
static void expect_echo_reply(erlang_msg *msg, const ei_x_buff *x, ei_cnode *ec,
                              int *idx, const char *who)
{
    erlang_pid p;
    CHECK(msg->msgtype == ERL_SEND, "%s: msgtype %ld, want ERL_SEND", who, msg->msgtype);
    CHECK(ei_cmp_pids(&msg->to, ei_self(ec)) == 0, "%s: reply addressed to another pid",
          who);
    *idx = 0;
    live_expect_version(x->buff, idx);
    live_expect_tuple(x->buff, idx, 3);
    live_expect_atom(x->buff, idx, "echo");
    live_decode_pid(x->buff, idx, &p);
}

/* Checks the binary at *idx: len bytes equal to live_fill(seed). */
static void expect_payload(const char *buf, int *idx, long len, unsigned seed,
                           char *scratch, const char *who, long seq)
{
    int type, size;
    long got_len;
    const char *data;
    CHECK(ei_get_type(buf, idx, &type, &size) == 0 && type == ERL_BINARY_EXT,
          "%s, message %ld: payload is not a binary (type %d)", who, seq, type);
    CHECK(size == len, "%s, message %ld: payload of %d bytes, want %ld", who, seq, size,
          len);
    /* BINARY_EXT: tag, 4-byte length, then the bytes. */
    data = buf + *idx + 5;
    CHECK(ei_decode_binary(buf, idx, NULL, &got_len) == 0 && got_len == len,
          "%s, message %ld: ei_decode_binary", who, seq);
    live_fill(scratch, (size_t) len, seed);
    CHECK(memcmp(data, scratch, (size_t) len) == 0,
          "%s, message %ld: payload of %ld bytes differs from what was sent", who, seq,
          len);
}

/* ---- 1. threads -------------------------------------------------------- */

#define T_THREADS 8
#define T_WINDOW 4

static pthread_barrier_t t_barrier;
static long t_rounds;

struct t_result {
    long replies;
    long long bytes;
    long ticks;
};
static struct t_result t_results[T_THREADS];

/* Sends message seq of thread id, with one of four send functions. */
static void t_send(ei_cnode *ec, int fd, int id, long seq, const erlang_pid *echo_pid,
                   char *payload)
{
    ei_x_buff inner, x;
    long len = payload_size(id, seq);
    int rc;
    live_fill(payload, (size_t) len, payload_seed(id, seq));
    /* {Tid, Seq, Bin} */
    CHECK(ei_x_new(&inner) == 0 && ei_x_encode_tuple_header(&inner, 3) == 0
              && ei_x_encode_long(&inner, id) == 0 && ei_x_encode_long(&inner, seq) == 0
              && ei_x_encode_binary(&inner, payload, len) == 0,
          "encoding message %ld", seq);
    encode_echo(&x, ec, &inner);
    ei_x_free(&inner);
    switch (seq % 4) {
    case 0:
        rc = ei_reg_send(ec, fd, "ei_echo", x.buff, x.index);
        break;
    case 1:
        rc = ei_send(fd, (erlang_pid *) echo_pid, x.buff, x.index);
        break;
    case 2:
        rc = ei_send_encoded_tmo(fd, echo_pid, x.buff, x.index, 30000);
        break;
    default:
        rc = ei_reg_send_tmo(ec, fd, "ei_echo", x.buff, x.index, 30000);
        break;
    }
    CHECK(rc == 0, "thread %d: sending message %ld returned %d, erl_errno %s", id, seq, rc,
          live_errname(erl_errno));
    ei_x_free(&x);
}

/* Receives the reply to message seq of thread id, with one of three receive
 * functions, and checks it. */
static void t_receive(ei_cnode *ec, int fd, int id, long seq, ei_x_buff *rx,
                      ei_x_buff *fixed, char *scratch, struct t_result *res)
{
    erlang_msg msg;
    ei_x_buff *x = rx;
    char who[32];
    int rc, idx;
    long len = payload_size(id, seq);
    snprintf(who, sizeof who, "thread %d", id);
    for (;;) {
        switch (seq % 3) {
        case 0:
            rc = ei_xreceive_msg_tmo(fd, &msg, rx, 30000);
            break;
        case 1:
            rc = ei_xreceive_msg(fd, &msg, rx);
            break;
        default:
            fixed->index = 0;
            x = fixed;
            rc = ei_receive_msg_tmo(fd, &msg, fixed, 30000);
            break;
        }
        if (rc != ERL_TICK)
            break;
        res->ticks++;
    }
    CHECK(rc == ERL_MSG, "thread %d: receiving the reply to message %ld returned %d, "
          "erl_errno %s", id, seq, rc, live_errname(erl_errno));
    expect_echo_reply(&msg, x, ec, &idx, who);
    live_expect_tuple(x->buff, &idx, 3);
    {
        long tid = live_decode_long(x->buff, &idx);
        long got_seq = live_decode_long(x->buff, &idx);
        CHECK(tid == id, "thread %d got a reply meant for thread %ld (its message %ld)", id,
              tid, got_seq);
        CHECK(got_seq == seq, "thread %d: reply to message %ld, want %ld (lost or "
              "reordered)", id, got_seq, seq);
    }
    expect_payload(x->buff, &idx, len, payload_seed(id, seq), scratch, who, seq);
    CHECK(idx == x->index, "thread %d, message %ld: trailing bytes", id, seq);
    res->replies++;
    res->bytes += len;
}

static void *t_worker(void *arg)
{
    int id = (int) (long) arg, fd, rc;
    ei_cnode ec;
    char suffix[16];
    erlang_pid echo_pid;
    ei_x_buff rx, fixed;
    char *payload = malloc(MAX_PAYLOAD), *scratch = malloc(MAX_PAYLOAD);
    long seq;

    CHECK(payload && scratch, "out of memory");
    snprintf(suffix, sizeof suffix, "st%d", id);
    live_cnode(&ec, suffix, live.cookie);
    fd = live_connect(&ec);
    live_echo_roundtrip(&ec, fd, suffix, (long) strlen(suffix), &echo_pid);
    CHECK(ei_x_new(&rx) == 0, "ei_x_new");
    /* ei_receive_msg_tmo does not grow the buffer: room for the largest reply. */
    fixed.buffsz = MAX_PAYLOAD + 1024;
    fixed.buff = malloc((size_t) fixed.buffsz);
    fixed.index = 0;
    CHECK(fixed.buff, "out of memory");

    rc = pthread_barrier_wait(&t_barrier);
    CHECK(rc == 0 || rc == PTHREAD_BARRIER_SERIAL_THREAD, "pthread_barrier_wait");
    for (seq = 0; seq < t_rounds + T_WINDOW; seq++) {
        if (seq < t_rounds)
            t_send(&ec, fd, id, seq, &echo_pid, payload);
        if (seq >= T_WINDOW)
            t_receive(&ec, fd, id, seq - T_WINDOW, &rx, &fixed, scratch, &t_results[id]);
    }
    /* Nothing left over: a duplicate or stray reply would show here. */
    rc = ei_xreceive_msg_tmo(fd, &(erlang_msg){0}, &rx, 200);
    CHECK(rc == ERL_ERROR && erl_errno == ETIMEDOUT,
          "thread %d: after the last reply another message (%d, erl_errno %s)", id, rc,
          live_errname(erl_errno));
    live_echo_roundtrip(&ec, fd, "bye", 3, NULL);
    CHECK(ei_close_connection(fd) == 0, "thread %d: ei_close_connection", id);
    ei_x_free(&rx);
    free(fixed.buff);
    free(payload);
    free(scratch);
    return NULL;
}

static int s_threads(void)
{
    pthread_t t[T_THREADS];
    long i, replies = 0, ticks = 0;
    long long bytes = 0;
    double t0, dt;

    t_rounds = scaled(10000);
    live_section("8 threads, 8 connections, 10,000 echoes each", 100);
    CHECK(pthread_barrier_init(&t_barrier, NULL, T_THREADS) == 0, "pthread_barrier_init");
    t0 = live_now();
    for (i = 0; i < T_THREADS; i++)
        CHECK(pthread_create(&t[i], NULL, t_worker, (void *) i) == 0, "pthread_create");
    for (i = 0; i < T_THREADS; i++)
        CHECK(pthread_join(t[i], NULL) == 0, "pthread_join");
    dt = live_now() - t0;
    pthread_barrier_destroy(&t_barrier);
    for (i = 0; i < T_THREADS; i++) {
        CHECK(t_results[i].replies == t_rounds, "thread %ld: %ld replies, want %ld", i,
              t_results[i].replies, t_rounds);
        replies += t_results[i].replies;
        bytes += t_results[i].bytes;
        ticks += t_results[i].ticks;
    }
    live_log("%d threads x %ld echoes: %ld replies, %.1f MiB of payload, %ld ticks, "
             "%.2f s (%.0f round trips/s)", T_THREADS, t_rounds, replies,
             (double) bytes / 1048576.0, ticks, dt, (double) replies / dt);
    return 0;
}

/* ---- 2. one connection, a sending and a receiving thread ----------------- */

#define S_PAUSE_TICKS 5

static struct {
    ei_cnode ec;
    int fd;
    long n;
    erlang_pid echo_pid;
    /* written by the receiver, read by the sender */
    long received;
    long ticks;
    long long bytes;
} sh;

static void *s_receiver(void *arg)
{
    ei_x_buff rx, fixed;
    char *scratch = malloc(MAX_PAYLOAD);
    long seq;
    (void) arg;
    CHECK(scratch, "out of memory");
    CHECK(ei_x_new(&rx) == 0, "ei_x_new");
    fixed.buffsz = MAX_PAYLOAD + 1024;
    fixed.buff = malloc((size_t) fixed.buffsz);
    CHECK(fixed.buff, "out of memory");
    for (seq = 0; seq < sh.n;) {
        erlang_msg msg;
        ei_x_buff *x = &rx;
        int rc, idx;
        long got_seq, len;
        if (seq % 2) {
            fixed.index = 0;
            x = &fixed;
            rc = ei_receive_msg_tmo(sh.fd, &msg, &fixed, 20000);
        } else {
            rc = ei_xreceive_msg_tmo(sh.fd, &msg, &rx, 20000);
        }
        if (rc == ERL_TICK) {
            __atomic_fetch_add(&sh.ticks, 1, __ATOMIC_SEQ_CST);
            continue;
        }
        CHECK(rc == ERL_MSG, "receiver: waiting for message %ld: %d, erl_errno %s", seq, rc,
              live_errname(erl_errno));
        expect_echo_reply(&msg, x, &sh.ec, &idx, "receiver");
        live_expect_tuple(x->buff, &idx, 2);
        got_seq = live_decode_long(x->buff, &idx);
        CHECK(got_seq == seq, "receiver: got message %ld, want %ld (lost or reordered)",
              got_seq, seq);
        len = payload_size(0, seq);
        expect_payload(x->buff, &idx, len, payload_seed(0, seq), scratch, "receiver", seq);
        CHECK(idx == x->index, "receiver, message %ld: trailing bytes", seq);
        sh.bytes += len;
        seq++;
        __atomic_store_n(&sh.received, seq, __ATOMIC_SEQ_CST);
    }
    ei_x_free(&rx);
    free(fixed.buff);
    free(scratch);
    return NULL;
}

static void s_sender_pause(long sent)
{
    double t0 = live_now(), t_drained;
    long ticks0;
    /* Everything sent so far has come back: from now on the node has nothing
     * to send but ticks. */
    while (__atomic_load_n(&sh.received, __ATOMIC_SEQ_CST) < sent) {
        CHECK(live_now() - t0 < 30, "sender: only %ld of %ld echoes back after 30 s",
              __atomic_load_n(&sh.received, __ATOMIC_SEQ_CST), sent);
        usleep(2000);
    }
    t_drained = live_now();
    ticks0 = __atomic_load_n(&sh.ticks, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&sh.ticks, __ATOMIC_SEQ_CST) < ticks0 + S_PAUSE_TICKS) {
        CHECK(live_now() - t_drained < 20,
              "sender: the receiver saw %ld ticks in 20 s of silence, want %d",
              __atomic_load_n(&sh.ticks, __ATOMIC_SEQ_CST) - ticks0, S_PAUSE_TICKS);
        usleep(10000);
    }
    live_log("sender paused after %ld messages: %d ticks answered in %.1f s of silence",
             sent, S_PAUSE_TICKS, live_now() - t_drained);
}

static int s_shared(void)
{
    pthread_t rt;
    long seq;
    char *payload = malloc(MAX_PAYLOAD);
    double t0, dt;

    sh.n = scaled(20000);
    CHECK(payload, "out of memory");
    live_section("one connection: a sending and a receiving thread, 20,000 echoes", 100);
    live_cnode(&sh.ec, "sh", live.cookie);
    sh.fd = live_connect(&sh.ec);
    live_echo_roundtrip(&sh.ec, sh.fd, "hello", 5, &sh.echo_pid);

    t0 = live_now();
    CHECK(pthread_create(&rt, NULL, s_receiver, NULL) == 0, "pthread_create");
    for (seq = 0; seq < sh.n; seq++) {
        ei_x_buff inner, x;
        long len = payload_size(0, seq);
        int rc;
        if (seq == sh.n / 2)
            s_sender_pause(seq);
        live_fill(payload, (size_t) len, payload_seed(0, seq));
        CHECK(ei_x_new(&inner) == 0 && ei_x_encode_tuple_header(&inner, 2) == 0
                  && ei_x_encode_long(&inner, seq) == 0
                  && ei_x_encode_binary(&inner, payload, len) == 0,
              "encoding message %ld", seq);
        encode_echo(&x, &sh.ec, &inner);
        ei_x_free(&inner);
        if (seq % 2)
            rc = ei_send_tmo(sh.fd, &sh.echo_pid, x.buff, x.index, 30000);
        else
            rc = ei_reg_send(&sh.ec, sh.fd, "ei_echo", x.buff, x.index);
        CHECK(rc == 0, "sender: message %ld: %d, erl_errno %s", seq, rc,
              live_errname(erl_errno));
        ei_x_free(&x);
    }
    CHECK(pthread_join(rt, NULL) == 0, "pthread_join");
    dt = live_now() - t0;
    CHECK(sh.received == sh.n, "received %ld of %ld", sh.received, sh.n);
    CHECK(sh.ticks >= S_PAUSE_TICKS, "%ld ticks", sh.ticks);
    /* The connection is still in order. */
    live_echo_roundtrip(&sh.ec, sh.fd, "bye", 3, NULL);
    CHECK(ei_close_connection(sh.fd) == 0, "ei_close_connection");
    live_log("%ld messages sent and received on one connection (%.1f MiB of payload), "
             "%ld ticks, %.2f s", sh.n, (double) sh.bytes / 1048576.0, sh.ticks, dt);
    free(payload);
    return 0;
}

int main(int argc, char **argv)
{
    int rc;
    if (argc != 2 || (strcmp(argv[1], "threads") != 0 && strcmp(argv[1], "shared") != 0)) {
        fprintf(stderr, "usage: %s threads|shared (run by c-tests/live/run_live.sh)\n",
                argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    CHECK(ei_init() == 0, "ei_init failed");
    live_load_cfg(1);
    printf("stress test '%s' against %s (node %s)\n", argv[1], LIVE_LIB, live.node);
    rc = strcmp(argv[1], "threads") == 0 ? s_threads() : s_shared();
    printf("%s: %s\n", argv[1], rc == 0 ? "PASS" : "FAIL");
    return rc;
}
