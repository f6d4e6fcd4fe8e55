/*
 * 5. Ticks: the node runs with a low net_ticktime (run_live.sh --ticktime);
 * the C node sits idle in ei_receive_msg_tmo / ei_xreceive_msg_tmo loops
 * (short timeouts: ERL_ERROR with erl_errno ETIMEDOUT; ticks: ERL_TICK,
 * answered by the library) for 2.5 x net_ticktime, then an echo still
 * works: Erlang kept the connection.
 */
#include "live.h"

int t_tick(void)
{
    ei_cnode ec;
    ei_x_buff x;
    erlang_msg msg;
    int fd, idx = 0, ticks = 0, timeouts = 0, i = 0;
    long ticktime;
    double start, idle;

    live_section("connect; ask the node's net_ticktime", 20);
    live_cnode(&ec, "tick", live.cookie);
    fd = live_connect(&ec);
    ei_x_new_with_version(&x);
    ei_x_encode_tuple_header(&x, 2);
    ei_x_encode_atom(&x, "info");
    ei_x_encode_pid(&x, ei_self(&ec));
    live_reg_send(&ec, fd, "ei_ctl", &x);
    ei_x_free(&x);
    ei_x_new(&x);
    live_recv_send(fd, &msg, &x, 10000);
    live_expect_version(x.buff, &idx);
    live_expect_tuple(x.buff, &idx, 3);
    live_expect_atom(x.buff, &idx, "info");
    live_expect_atom(x.buff, &idx, live.node);
    ticktime = live_decode_long(x.buff, &idx);
    CHECK(ticktime > 0 && ticktime <= 10,
          "net_ticktime is %ld s: the driver must pass a low --ticktime", ticktime);
    idle = 2.5 * (double) ticktime;
    live_log("net_ticktime %ld s: idle for %.1f s", ticktime, idle);

    live_section("idle in ei_receive_msg_tmo loops", (unsigned) idle + 20);
    start = live_now();
    while (live_now() - start < idle) {
        ei_x_buff st;
        char sbuf[256];
        int rc;
        if (i++ % 2) {
            st.buff = sbuf;
            st.buffsz = (int) sizeof sbuf;
            st.index = 0;
            rc = ei_receive_msg_tmo(fd, &msg, &st, 300);
        } else {
            rc = ei_xreceive_msg_tmo(fd, &msg, &x, 300);
        }
        if (rc == ERL_TICK) {
            CHECK(erl_errno == EAGAIN, "ERL_TICK with erl_errno %s, want EAGAIN",
                  live_errname(erl_errno));
            ticks++;
        } else if (rc == ERL_ERROR && erl_errno == ETIMEDOUT) {
            timeouts++;
        } else {
            FAIL("idle receive returned %d, erl_errno %s", rc, live_errname(erl_errno));
        }
    }
    live_log("%d ERL_TICK, %d timeouts in %.1f s", ticks, timeouts, live_now() - start);
    CHECK(ticks >= 1, "no ERL_TICK in %.1f s with net_ticktime %ld", idle, ticktime);
    CHECK(timeouts >= 1, "no timeout at all in the idle loop");

    live_section("the connection is still up", 20);
    live_echo_roundtrip(&ec, fd, "after the ticks", 15, NULL);
    ei_x_free(&x);
    CHECK(ei_close_connection(fd) == 0, "ei_close_connection");
    return 0;
}
