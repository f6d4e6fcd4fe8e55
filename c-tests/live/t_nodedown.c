/*
 * 6. The peer dies while the C node waits in ei_receive_msg (no timeout):
 * the call returns ERL_ERROR (erl_errno EIO: the connection was closed)
 * promptly instead of hanging; later sends fail with ERL_ERROR instead of
 * killing the process (SIGPIPE is ignored, as a C node must).
 */
#include "live.h"

int t_nodedown(void)
{
    ei_cnode ec;
    ei_x_buff x, st;
    erlang_msg msg;
    int fd, idx = 0, rc, i;
    char sbuf[1024];
    double t0;

    live_section("connect; ask the node to halt in 300 ms", 20);
    live_cnode(&ec, "down", live.cookie);
    fd = live_connect(&ec);
    live_echo_roundtrip(&ec, fd, "before", 6, NULL);
    ei_x_new_with_version(&x);
    ei_x_encode_tuple_header(&x, 3);
    ei_x_encode_atom(&x, "halt");
    ei_x_encode_pid(&x, ei_self(&ec));
    ei_x_encode_long(&x, 300);
    live_reg_send(&ec, fd, "ei_ctl", &x);
    ei_x_free(&x);
    ei_x_new(&x);
    live_recv_send(fd, &msg, &x, 10000);
    live_expect_version(x.buff, &idx);
    live_expect_atom(x.buff, &idx, "halting");
    ei_x_free(&x);

    live_section("ei_receive_msg while the node halts", 15);
    st.buff = sbuf;
    st.buffsz = (int) sizeof sbuf;
    st.index = 0;
    t0 = live_now();
    do {
        rc = ei_receive_msg(fd, &msg, &st);
    } while (rc == ERL_TICK);
    CHECK_RC(rc, ERL_ERROR, EIO, "ei_receive_msg, peer node halted");
    CHECK(live_now() - t0 < 10.0, "took %.1f s", live_now() - t0);
    live_log("returned after %.2f s", live_now() - t0);

    live_section("sending on the dead connection", 15);
    ei_x_new_with_version(&x);
    ei_x_encode_atom(&x, "anyone_there");
    rc = 0;
    for (i = 0; i < 20 && rc == 0; i++)
        rc = ei_reg_send(&ec, fd, "ei_echo", x.buff, x.index);
    CHECK(rc == ERL_ERROR, "ei_reg_send kept returning %d on a dead connection", rc);
    live_log("ei_reg_send: ERL_ERROR after %d call(s), erl_errno %s", i,
             live_errname(erl_errno));
    ei_x_free(&x);
    CHECK(ei_close_connection(fd) == 0, "ei_close_connection");
    return 0;
}
