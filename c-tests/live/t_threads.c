/*
 * 8. Threads: 4 threads, each with its own C node and connection
 * (ei_connect) to the same Erlang node, exchange 1000 echoes each at once,
 * with per-thread payloads checked.  erl_errno is per thread: between
 * barriers, thread 0 provokes an error (a send on a bad descriptor) and thread 1
 * ETIMEDOUT (a receive timeout); everyone else's erl_errno stays 0.
 */
#include "live.h"

#include <pthread.h>

#define N_THREADS 4
#define N_ECHOES 1000

static pthread_barrier_t barrier;
static int bad_fd_errno;   /* thread 0's erl_errno after ei_send(-1) */

static void sync_all(void)
{
    int rc = pthread_barrier_wait(&barrier);
    CHECK(rc == 0 || rc == PTHREAD_BARRIER_SERIAL_THREAD, "pthread_barrier_wait");
}

static void *worker(void *arg)
{
    int id = (int) (long) arg, fd, i;
    ei_cnode ec;
    char suffix[16], payload[600];
    erlang_pid echo_pid;
    erlang_msg msg;
    ei_x_buff x, rx;

    snprintf(suffix, sizeof suffix, "t%d", id);
    live_cnode(&ec, suffix, live.cookie);
    fd = live_connect(&ec);
    live_echo_roundtrip(&ec, fd, suffix, (long) strlen(suffix), &echo_pid);
    sync_all();

    /* all threads at once */
    ei_x_new(&rx);
    for (i = 0; i < N_ECHOES; i++) {
        long len = 16 + (i * 37 + id * 101) % 500, got_len;
        char *got;
        int idx = 0;
        erlang_pid p;
        live_fill(payload, (size_t) len, (unsigned) (id * 100000 + i));
        snprintf(payload, 16, "t%d#%d", id, i);
        ei_x_new_with_version(&x);
        ei_x_encode_tuple_header(&x, 3);
        ei_x_encode_atom(&x, "echo");
        ei_x_encode_pid(&x, ei_self(&ec));
        ei_x_encode_binary(&x, payload, len);
        if (i % 2)
            live_send(fd, &echo_pid, &x);
        else
            live_reg_send(&ec, fd, "ei_echo", &x);
        ei_x_free(&x);
        live_recv_send(fd, &msg, &rx, 30000);
        CHECK(ei_cmp_pids(&msg.to, ei_self(&ec)) == 0, "thread %d: reply to another pid", id);
        live_expect_version(rx.buff, &idx);
        live_expect_tuple(rx.buff, &idx, 3);
        live_expect_atom(rx.buff, &idx, "echo");
        live_decode_pid(rx.buff, &idx, &p);
        got = live_decode_binary(rx.buff, &idx, &got_len);
        CHECK(got_len == len && memcmp(got, payload, (size_t) len) == 0,
              "thread %d, echo %d: wrong payload (%.15s)", id, i, got);
        free(got);
    }
    sync_all();

    /* erl_errno is per thread (t_errors checks the values themselves) */
    erl_errno = 0;
    sync_all();
    if (id == 0) {
        ei_x_new_with_version(&x);
        ei_x_encode_atom(&x, "x");
        CHECK(ei_send(-1, ei_self(&ec), x.buff, x.index) == ERL_ERROR,
              "ei_send(-1) did not fail");
        ei_x_free(&x);
        bad_fd_errno = erl_errno;
        CHECK(bad_fd_errno != 0 && bad_fd_errno != ETIMEDOUT,
              "thread 0: erl_errno %s after ei_send(-1)", live_errname(bad_fd_errno));
    }
    sync_all();
    if (id != 0)
        CHECK(erl_errno == 0, "thread %d: erl_errno %s: thread 0's error leaked", id,
              live_errname(erl_errno));
    sync_all();
    if (id == 1)
        CHECK(ei_xreceive_msg_tmo(fd, &msg, &rx, 100) == ERL_ERROR && erl_errno == ETIMEDOUT,
              "thread 1: receive did not time out (erl_errno %s)", live_errname(erl_errno));
    sync_all();
    if (id == 0)
        CHECK(erl_errno == bad_fd_errno, "thread 0: erl_errno %s, want its own %s still",
              live_errname(erl_errno), live_errname(bad_fd_errno));
    else if (id == 1)
        CHECK(erl_errno == ETIMEDOUT, "thread 1: erl_errno %s, want ETIMEDOUT",
              live_errname(erl_errno));
    else
        CHECK(erl_errno == 0, "thread %d: erl_errno %s, want 0", id, live_errname(erl_errno));
    sync_all();

    live_echo_roundtrip(&ec, fd, "bye", 3, NULL);
    ei_x_free(&rx);
    CHECK(ei_close_connection(fd) == 0, "thread %d: ei_close_connection", id);
    return NULL;
}

int t_threads(void)
{
    pthread_t t[N_THREADS];
    long i;
    double t0;

    live_section("4 threads x 1000 echoes, erl_errno per thread", 90);
    CHECK(pthread_barrier_init(&barrier, NULL, N_THREADS) == 0, "pthread_barrier_init");
    t0 = live_now();
    for (i = 0; i < N_THREADS; i++)
        CHECK(pthread_create(&t[i], NULL, worker, (void *) i) == 0, "pthread_create");
    for (i = 0; i < N_THREADS; i++)
        CHECK(pthread_join(t[i], NULL) == 0, "pthread_join");
    live_log("%d threads x %d echoes in %.2f s", N_THREADS, N_ECHOES, live_now() - t0);
    pthread_barrier_destroy(&barrier);
    return 0;
}
