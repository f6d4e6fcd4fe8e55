/*
 * 6. Error cases against a live node, with the exact return values and
 * erl_errno that OTP's libei gives (live_errors_*_otp proves them):
 *   wrong cookie, C -> Erlang             ERL_ERROR, EIO
 *   wrong cookie, Erlang -> C             ei_accept_tmo: ERL_ERROR, EIO; Erlang: pang
 *   unknown node name (epmd says no)      ERL_NO_PORT, EIO
 *   ei_(x)connect_host_port, closed port  ERL_CONNECT_FAIL, ECONNREFUSED
 *     (the _tmo variants: known difference, see LIVE_TMO_REFUSED_RC)
 *   node name without '@'                 ERL_ERROR
 *   receive functions' timeouts           ERL_ERROR, ETIMEDOUT (after about ms)
 *   ei_accept_tmo, nobody connects        ERL_ERROR, ETIMEDOUT
 *   connect to a peer that accepts but never answers the handshake,
 *   by port and by name (ei_publish'ed)   ERL_ERROR, ETIMEDOUT
 *   bad / closed descriptors              ERL_ERROR, EIO (ei_close_connection: EBADF)
 */
#include "live.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

/* A port on 127.0.0.1 where nothing listens (bound, then closed). */
static int closed_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int s = socket(AF_INET, SOCK_STREAM, 0), port;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(s >= 0 && bind(s, (struct sockaddr *) &a, sizeof a) == 0
          && getsockname(s, (struct sockaddr *) &a, &len) == 0, "socket/bind");
    port = ntohs(a.sin_port);
    close(s);
    return port;
}

/* A socket listening on 127.0.0.1 that never accepts nor answers: the
 * kernel completes TCP connects into its backlog. */
static int silent_listener(int *port)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(s >= 0 && bind(s, (struct sockaddr *) &a, sizeof a) == 0 && listen(s, 16) == 0
          && getsockname(s, (struct sockaddr *) &a, &len) == 0, "silent listener");
    *port = ntohs(a.sin_port);
    return s;
}

static void check_elapsed(double start, double lo, double hi, const char *what)
{
    double t = live_now() - start;
    CHECK(t >= lo && t <= hi, "%s took %.2f s, want %.1f..%.1f s", what, t, lo, hi);
    live_log("%s: %.2f s", what, t);
}

int t_errors(void)
{
    ei_cnode ctl, wc, wl, e, silent;
    int fd, lfd, port, pubfd, rc, bufsz, msglen, sl, sport;
    ErlConnect conn;
    char name[600], wrong_cookie[256], *mbuf;
    ei_x_buff x, st;
    erlang_msg msg;
    unsigned char raw[64];
    double t0;

    snprintf(wrong_cookie, sizeof wrong_cookie, "%s_not_the_cookie", live.cookie);

    live_section("wrong cookie: the C node connects", 20);
    live_cnode(&wc, "wc", wrong_cookie);
    CHECK_RC(ei_connect_tmo(&wc, (char *) live.node, 5000), ERL_ERROR, EIO,
             "ei_connect_tmo with a wrong cookie");
    CHECK_RC(ei_connect(&wc, (char *) live.node), ERL_ERROR, EIO,
             "ei_connect with a wrong cookie");

    live_section("wrong cookie: Erlang connects (net_adm:ping)", 30);
    live_cnode(&ctl, "ctl", live.cookie);
    fd = live_connect(&ctl);
    live_cnode(&wl, "wl", wrong_cookie);
    port = 0;
    lfd = ei_listen(&wl, &port, 5);
    CHECK(lfd >= 0, "ei_listen returned %d", lfd);
    pubfd = ei_publish(&wl, port);
    CHECK(pubfd >= 0, "ei_publish returned %d", pubfd);
    live_request_ping(&ctl, fd, ei_thisnodename(&wl));
    CHECK_RC(ei_accept_tmo(&wl, lfd, &conn, 15000), ERL_ERROR, EIO,
             "ei_accept_tmo, peer with another cookie");
    CHECK(!live_ping_result_is_pong(fd, ei_thisnodename(&wl)),
          "net_adm:ping of a C node with another cookie returned pong");
    live_log("net_adm:ping = pang");
    close(pubfd);
    CHECK(ei_close_connection(lfd) == 0, "ei_close_connection(listen)");

    live_section("unknown node name", 20);
    live_cnode(&e, "e", live.cookie);
    snprintf(name, sizeof name, "%s_nosuchnode@%s", live.unique, live.host);
    CHECK_RC(ei_connect(&e, name), ERL_NO_PORT, EIO, "ei_connect to an unknown node");
    CHECK_RC(ei_connect_tmo(&e, name, 3000), ERL_NO_PORT, EIO,
             "ei_connect_tmo to an unknown node");
    snprintf(name, sizeof name, "%s_nosuchnode", live.unique);
    CHECK_RC(ei_xconnect(&e, &live.host_addr, name), ERL_NO_PORT, EIO,
             "ei_xconnect to an unknown alive name");
    CHECK_RC(ei_xconnect_tmo(&e, &live.host_addr, name, 3000), ERL_NO_PORT, EIO,
             "ei_xconnect_tmo to an unknown alive name");

    live_section("connect to a closed port", 20);
    port = closed_port();
    CHECK_RC(ei_connect_host_port(&e, "127.0.0.1", port), ERL_CONNECT_FAIL, ECONNREFUSED,
             "ei_connect_host_port to a closed port");
    CHECK_RC(ei_xconnect_host_port(&e, &live.host_addr, port), ERL_CONNECT_FAIL,
             ECONNREFUSED, "ei_xconnect_host_port to a closed port");
    /* Known difference: see LIVE_TMO_REFUSED_RC in live.h. */
    CHECK_RC(ei_connect_host_port_tmo(&e, "localhost", port, 2000), LIVE_TMO_REFUSED_RC,
             LIVE_TMO_REFUSED_ERRNO, "ei_connect_host_port_tmo to a closed port");
    CHECK_RC(ei_xconnect_host_port_tmo(&e, &live.host_addr, port, 2000), LIVE_TMO_REFUSED_RC,
             LIVE_TMO_REFUSED_ERRNO, "ei_xconnect_host_port_tmo to a closed port");

    live_section("node name without '@'", 10);
    rc = ei_connect(&e, "no_at_sign");
    CHECK(rc == ERL_ERROR, "ei_connect(\"no_at_sign\") returned %d, want ERL_ERROR", rc);
    live_log("ei_connect(\"no_at_sign\"): %d", rc);

    live_section("receive timeouts on a live connection", 20);
    ei_x_new(&x);
    t0 = live_now();
    CHECK_RC(ei_xreceive_msg_tmo(fd, &msg, &x, 500), ERL_ERROR, ETIMEDOUT,
             "ei_xreceive_msg_tmo, nothing arrives");
    check_elapsed(t0, 0.45, 3.0, "ei_xreceive_msg_tmo(500 ms)");
    st.buff = (char *) raw;
    st.buffsz = (int) sizeof raw;
    st.index = 0;
    t0 = live_now();
    CHECK_RC(ei_receive_msg_tmo(fd, &msg, &st, 300), ERL_ERROR, ETIMEDOUT,
             "ei_receive_msg_tmo, nothing arrives");
    check_elapsed(t0, 0.25, 3.0, "ei_receive_msg_tmo(300 ms)");
    t0 = live_now();
    CHECK_RC(ei_receive_tmo(fd, raw, (int) sizeof raw, 300), ERL_ERROR, ETIMEDOUT,
             "ei_receive_tmo, nothing arrives");
    check_elapsed(t0, 0.25, 3.0, "ei_receive_tmo(300 ms)");
    bufsz = 16;
    mbuf = malloc(16);
    t0 = live_now();
    CHECK_RC(ei_receive_encoded_tmo(fd, &mbuf, &bufsz, &msg, &msglen, 300), ERL_ERROR,
             ETIMEDOUT, "ei_receive_encoded_tmo, nothing arrives");
    check_elapsed(t0, 0.25, 3.0, "ei_receive_encoded_tmo(300 ms)");
    free(mbuf);
    /* The timeouts consumed nothing: the connection still works. */
    live_echo_roundtrip(&ctl, fd, "after timeouts", 14, NULL);

    live_section("ei_accept_tmo: nobody connects", 20);
    port = 0;
    lfd = ei_listen(&e, &port, 5);
    CHECK(lfd >= 0, "ei_listen returned %d", lfd);
    t0 = live_now();
    CHECK_RC(ei_accept_tmo(&e, lfd, &conn, 500), ERL_ERROR, ETIMEDOUT,
             "ei_accept_tmo, nobody connects");
    check_elapsed(t0, 0.45, 3.0, "ei_accept_tmo(500 ms)");
    CHECK(ei_close_connection(lfd) == 0, "ei_close_connection(listen)");

    live_section("connect to a listener that never answers", 30);
    sl = silent_listener(&sport);
    t0 = live_now();
    CHECK_RC(ei_connect_host_port_tmo(&e, "127.0.0.1", sport, 800), ERL_ERROR, ETIMEDOUT,
             "ei_connect_host_port_tmo, silent peer");
    check_elapsed(t0, 0.7, 4.0, "ei_connect_host_port_tmo(800 ms)");
    t0 = live_now();
    CHECK_RC(ei_xconnect_host_port_tmo(&e, &live.host_addr, sport, 800), ERL_ERROR,
             ETIMEDOUT, "ei_xconnect_host_port_tmo, silent peer");
    check_elapsed(t0, 0.7, 4.0, "ei_xconnect_host_port_tmo(800 ms)");
    live_cnode(&silent, "silent", live.cookie);
    pubfd = ei_publish(&silent, sport);
    CHECK(pubfd >= 0, "ei_publish returned %d", pubfd);
    t0 = live_now();
    CHECK_RC(ei_connect_tmo(&e, (char *) ei_thisnodename(&silent), 800), ERL_ERROR,
             ETIMEDOUT, "ei_connect_tmo, silent peer found through epmd");
    check_elapsed(t0, 0.7, 4.0, "ei_connect_tmo(800 ms)");
    t0 = live_now();
    CHECK_RC(ei_xconnect_tmo(&e, &live.host_addr, (char *) ei_thisalivename(&silent), 800),
             ERL_ERROR, ETIMEDOUT, "ei_xconnect_tmo, silent peer found through epmd");
    check_elapsed(t0, 0.7, 4.0, "ei_xconnect_tmo(800 ms)");
    close(pubfd);
    close(sl);

    /*
     * OTP's libei is built with EI_HIDE_REAL_ERRNO: socket errors reported
     * through its EI_CONN_SAVE_ERRNO__ become EIO (all but ETIMEDOUT), so
     * a bad descriptor gives EIO from the send/receive functions, while
     * ei_close_connection sets EBADF itself.
     */
    live_section("bad and closed descriptors", 20);
    ei_x_free(&x);
    ei_x_new_with_version(&x);
    ei_x_encode_atom(&x, "hello");
    CHECK_RC(ei_send(-1, ei_self(&ctl), x.buff, x.index), ERL_ERROR, LIVE_REAL_ERRNO(EBADF), "ei_send(-1)");
    CHECK_RC(ei_reg_send(&ctl, -1, "ei_echo", x.buff, x.index), ERL_ERROR, LIVE_REAL_ERRNO(EBADF),
             "ei_reg_send(-1)");
    {
        ei_x_buff y;
        ei_x_new(&y);
        CHECK_RC(ei_xreceive_msg_tmo(-1, &msg, &y, 100), ERL_ERROR, LIVE_REAL_ERRNO(EBADF),
                 "ei_xreceive_msg_tmo(-1)");
        CHECK_RC(ei_receive_msg(-1, &msg, &y), ERL_ERROR, LIVE_REAL_ERRNO(EBADF), "ei_receive_msg(-1)");
        CHECK_RC(ei_close_connection(-1), ERL_ERROR, EBADF, "ei_close_connection(-1)");
        CHECK(ei_close_connection(fd) == 0, "ei_close_connection");
        /* fd is closed (and not reused: this thread opens nothing meanwhile) */
        CHECK_RC(ei_send(fd, ei_self(&ctl), x.buff, x.index), ERL_ERROR, LIVE_REAL_ERRNO(EBADF),
                 "ei_send on a closed connection");
        CHECK_RC(ei_xreceive_msg_tmo(fd, &msg, &y, 100), ERL_ERROR, LIVE_REAL_ERRNO(EBADF),
                 "ei_xreceive_msg_tmo on a closed connection");
        CHECK_RC(ei_close_connection(fd), ERL_ERROR, EBADF, "ei_close_connection twice");
        ei_x_free(&y);
    }
    ei_x_free(&x);
    return 0;
}
