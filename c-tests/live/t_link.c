/*
 * 4. Link signals: an Erlang process P links to the C node's pid
 * (ei_self) -> ERL_LINK from P to us; unlinks -> ERL_UNLINK (sent as
 * UNLINK_ID by OTP 23+, which libei acknowledges itself); exit(Self,
 * Reason) -> ERL_EXIT2 with the reason; monitor/demonitor of our pid (no
 * signal reaches a C node: only P's notes arrive);
 * links again and exits -> ERL_LINK then ERL_EXIT with the reason.  Every
 * step is followed by a plain message from P, which must arrive after the
 * signal (signal order between two processes is kept).  See link_test/1 in
 * ei_live_peer.erl.
 */
#include "live.h"

static ei_cnode ec;
static int fd;
static erlang_pid peer;

static void next(const char *step)
{
    ei_x_buff x;
    ei_x_new_with_version(&x);
    ei_x_encode_tuple_header(&x, 2);
    ei_x_encode_atom(&x, "next");
    ei_x_encode_atom(&x, step);
    live_send(fd, &peer, &x);
    ei_x_free(&x);
}

/* The next message must be {Tag, P}; with have_peer == 0, P is learnt. */
static void expect_note(const char *tag, int have_peer)
{
    ei_x_buff x;
    erlang_msg msg;
    erlang_pid p;
    int idx = 0;
    ei_x_new(&x);
    live_recv_send(fd, &msg, &x, 15000);
    live_expect_version(x.buff, &idx);
    live_expect_tuple(x.buff, &idx, 2);
    live_expect_atom(x.buff, &idx, tag);
    live_decode_pid(x.buff, &idx, &p);
    if (have_peer)
        CHECK(ei_cmp_pids(&p, &peer) == 0, "{%s, P}: P is another process", tag);
    else
        peer = p;
    ei_x_free(&x);
}

/* The next thing must be a link-type signal `type` from P (or, when P is
 * not known yet, from anyone: it is returned in *from) to ei_self. */
static void expect_signal(long type, const char *name, erlang_pid *from,
                          ei_x_buff *x)
{
    erlang_msg msg;
    long t = live_recv(fd, &msg, x, 15000);
    CHECK(t == type, "expected %s (%ld), got msgtype %ld", name, type, t);
    CHECK(ei_cmp_pids(&msg.to, ei_self(&ec)) == 0, "%s: 'to' is not ei_self (%s <%u.%u>)",
          name, msg.to.node, msg.to.num, msg.to.serial);
    CHECK(strcmp(msg.from.node, live.node) == 0, "%s: 'from' is on node %s", name,
          msg.from.node);
    *from = msg.from;
    live_log("%s from <%s.%u.%u> to ei_self", name, msg.from.node, msg.from.num,
             msg.from.serial);
}

/*
 * The exit reason of ERL_EXIT / ERL_EXIT2: the rest of the control message
 * (OTP's libei: at index 0, without a version byte).  want_bin == NULL:
 * {Atom, Int}; otherwise {Atom, Int, Bin}.
 */
static void check_reason(ei_x_buff *x, const char *atom, long n, const char *want_bin)
{
    char got[512];
    int idx = 0;
    long len;
    char *bin;
    live_term_str(x->buff, 0, got, sizeof got);
    live_log("reason %s (%d bytes)", got, x->index);
    live_expect_tuple(x->buff, &idx, want_bin ? 3 : 2);
    live_expect_atom(x->buff, &idx, atom);
    CHECK(live_decode_long(x->buff, &idx) == n, "wrong integer in the reason");
    if (want_bin) {
        bin = live_decode_binary(x->buff, &idx, &len);
        CHECK(len == (long) strlen(want_bin) && memcmp(bin, want_bin, (size_t) len) == 0,
              "wrong binary in the reason");
        free(bin);
    }
    CHECK(idx == x->index, "exit reason is %d bytes, the term %d", x->index, idx);
}

int t_link(void)
{
    ei_x_buff x;
    erlang_pid from;

    live_section("connect; ask for a linking process", 20);
    live_cnode(&ec, "link", live.cookie);
    fd = live_connect(&ec);
    ei_x_new_with_version(&x);
    ei_x_encode_tuple_header(&x, 2);
    ei_x_encode_atom(&x, "link_test");
    ei_x_encode_pid(&x, ei_self(&ec));
    live_reg_send(&ec, fd, "ei_ctl", &x);
    ei_x_free(&x);
    ei_x_new(&x);

    live_section("link -> ERL_LINK", 20);
    expect_signal(ERL_LINK, "ERL_LINK", &from, &x);
    expect_note("linked", 0);
    CHECK(ei_cmp_pids(&from, &peer) == 0, "ERL_LINK came from another process");

    live_section("unlink -> ERL_UNLINK (UNLINK_ID, acknowledged by the library)", 20);
    next("unlink");
    expect_signal(ERL_UNLINK, "ERL_UNLINK", &from, &x);
    CHECK(ei_cmp_pids(&from, &peer) == 0, "ERL_UNLINK from another process");
    expect_note("unlinked", 1);

    live_section("exit/2 -> ERL_EXIT2", 20);
    next("exit2");
    expect_signal(ERL_EXIT2, "ERL_EXIT2", &from, &x);
    CHECK(ei_cmp_pids(&from, &peer) == 0, "ERL_EXIT2 from another process");
    check_reason(&x, "kill_you", 2, NULL);
    expect_note("exit2_sent", 1);

    /*
     * OTP 25 and 28 send no MONITOR_P / DEMONITOR_P to a libei node (the
     * monitor stays local): the next thing to arrive is P's note, and the
     * receive must not report an error for anything in between.
     */
    live_section("monitor / demonitor of ei_self: nothing but the notes arrives", 20);
    next("monitor");
    expect_note("monitored", 1);
    next("demonitor");
    expect_note("demonitored", 1);

    live_section("link again, exit(Reason) -> ERL_LINK, ERL_EXIT", 20);
    next("exit");
    expect_signal(ERL_LINK, "ERL_LINK", &from, &x);
    CHECK(ei_cmp_pids(&from, &peer) == 0, "ERL_LINK from another process");
    expect_note("linked_again", 1);
    next("die");
    expect_signal(ERL_EXIT, "ERL_EXIT", &from, &x);
    CHECK(ei_cmp_pids(&from, &peer) == 0, "ERL_EXIT from another process");
    check_reason(&x, "bye", 42, "reason");

    live_section("the connection still works", 20);
    live_echo_roundtrip(&ec, fd, "after exit", 10, NULL);
    ei_x_free(&x);
    CHECK(ei_close_connection(fd) == 0, "ei_close_connection");
    return 0;
}
