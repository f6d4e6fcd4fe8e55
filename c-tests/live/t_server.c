/*
 * 3. A C node serving requests: Erlang connects to it (ei_accept_tmo) and
 * sends {call, From, Req} to a registered name on it ({ei_svc, CNode} !
 * Msg); the C node answers {reply, Result} to From; Erlang checks every
 * answer and reports {service_result, ok} to a second C node (the
 * controller, whose own connection Erlang must not reuse).  Also Erlang
 * sending to an arbitrary registered name on the controller.
 */
#include "live.h"

#include <unistd.h>

static void serve(int afd, int *served)
{
    ei_x_buff x, reply;
    erlang_msg msg;
    erlang_pid from;
    char a[MAXATOMLEN_UTF8];
    ei_x_new(&x);
    for (;;) {
        int idx = 0, type, size;
        live_recv(afd, &msg, &x, 15000);
        CHECK(msg.msgtype == ERL_REG_SEND, "service: msgtype %ld, want ERL_REG_SEND",
              msg.msgtype);
        CHECK(strcmp(msg.toname, "ei_svc") == 0, "service: sent to '%s'", msg.toname);
        live_expect_version(x.buff, &idx);
        CHECK(ei_get_type(x.buff, &idx, &type, &size) == 0, "undecodable request");
        if (type == ERL_ATOM_EXT || type == ERL_SMALL_ATOM_UTF8_EXT
            || type == ERL_ATOM_UTF8_EXT || type == ERL_SMALL_ATOM_EXT) {
            live_expect_atom(x.buff, &idx, "stop");
            ei_x_free(&x);
            return;
        }
        live_expect_tuple(x.buff, &idx, 3);
        live_expect_atom(x.buff, &idx, "call");
        live_decode_pid(x.buff, &idx, &from);
        CHECK(ei_cmp_pids(&from, &msg.from) == 0,
              "REG_SEND's from differs from the From in the request");
        CHECK(ei_decode_tuple_header(x.buff, &idx, &size) == 0 && (size == 2 || size == 3),
              "request is not a 2- or 3-tuple");
        CHECK(ei_decode_atom(x.buff, &idx, a) == 0, "request without an atom");
        ei_x_new_with_version(&reply);
        ei_x_encode_tuple_header(&reply, 2);
        ei_x_encode_atom(&reply, "reply");
        if (strcmp(a, "add") == 0) {
            long p = live_decode_long(x.buff, &idx);
            long q = live_decode_long(x.buff, &idx);
            ei_x_encode_long(&reply, p + q);
        } else if (strcmp(a, "reverse") == 0) {
            long len, i;
            char *bin = live_decode_binary(x.buff, &idx, &len);
            for (i = 0; i < len / 2; i++) {
                char t = bin[i];
                bin[i] = bin[len - 1 - i];
                bin[len - 1 - i] = t;
            }
            ei_x_encode_binary(&reply, bin, len);
            free(bin);
        } else {
            FAIL("unknown request %s", a);
        }
        live_send(afd, &from, &reply);
        ei_x_free(&reply);
        (*served)++;
    }
}

int t_server(void)
{
    ei_cnode ctl, svc;
    int fd, lfd, afd, port, pubfd, served = 0, idx;
    ei_x_buff x;
    erlang_msg msg;
    ErlConnect conn;
    char svc_name[512];
    static const int n_add = 50;

    live_section("controller connects; service node listens and publishes", 20);
    live_cnode(&ctl, "ctl", live.cookie);
    fd = live_connect(&ctl);
    live_cnode(&svc, "svc", live.cookie);
    live_cnode_name(svc_name, sizeof svc_name, "svc");
    port = 0;
    lfd = ei_listen(&svc, &port, 5);
    CHECK(lfd >= 0, "ei_listen returned %d", lfd);
    pubfd = ei_publish(&svc, port);
    CHECK(pubfd >= 0, "ei_publish returned %d, erl_errno %s", pubfd, live_errname(erl_errno));

    live_section("Erlang calls {ei_svc, CNode}", 60);
    ei_x_new_with_version(&x);
    ei_x_encode_tuple_header(&x, 5);
    ei_x_encode_atom(&x, "call_service");
    ei_x_encode_pid(&x, ei_self(&ctl));
    ei_x_encode_atom(&x, svc_name);
    ei_x_encode_atom(&x, "ei_svc");
    ei_x_encode_long(&x, n_add);
    live_reg_send(&ctl, fd, "ei_ctl", &x);
    ei_x_free(&x);
    memset(&conn, 0, sizeof conn);
    afd = ei_accept_tmo(&svc, lfd, &conn, 15000);
    CHECK(afd >= 0, "ei_accept_tmo returned %d, erl_errno %s", afd, live_errname(erl_errno));
    CHECK(strcmp(conn.nodename, live.node) == 0, "accepted %s, want %s", conn.nodename,
          live.node);
    ei_x_new(&x);
    serve(afd, &served);
    CHECK(served == n_add + 3, "served %d requests, want %d", served, n_add + 3);
    live_recv_send(fd, &msg, &x, 15000);
    idx = 0;
    live_expect_version(x.buff, &idx);
    live_expect_tuple(x.buff, &idx, 2);
    live_expect_atom(x.buff, &idx, "service_result");
    {
        char t[512];
        live_term_str(x.buff, idx, t, sizeof t);
        CHECK(strcmp(t, "ok") == 0, "Erlang reports %s", t);
    }
    live_log("served %d requests; Erlang checked every answer", served);

    live_section("Erlang sends to a registered name on the C node", 20);
    {
        char me[512];
        live_cnode_name(me, sizeof me, "ctl");
        ei_x_free(&x);
        ei_x_new_with_version(&x);
        ei_x_encode_tuple_header(&x, 5);
        ei_x_encode_atom(&x, "send_to_reg");
        ei_x_encode_pid(&x, ei_self(&ctl));
        ei_x_encode_atom(&x, me);
        ei_x_encode_atom(&x, "some_mailbox");
        ei_x_encode_tuple_header(&x, 2);
        ei_x_encode_atom(&x, "hello");
        ei_x_encode_long(&x, 123456789);
        live_reg_send(&ctl, fd, "ei_ctl", &x);
        ei_x_free(&x);
        ei_x_new(&x);
        live_recv(fd, &msg, &x, 15000);
        CHECK(msg.msgtype == ERL_REG_SEND && strcmp(msg.toname, "some_mailbox") == 0,
              "expected a message to some_mailbox, got msgtype %ld to '%s'", msg.msgtype,
              msg.toname);
        idx = 0;
        live_expect_version(x.buff, &idx);
        live_expect_tuple(x.buff, &idx, 2);
        live_expect_atom(x.buff, &idx, "hello");
        CHECK(live_decode_long(x.buff, &idx) == 123456789, "wrong payload");
        live_recv_send(fd, &msg, &x, 15000);
        idx = 0;
        live_expect_version(x.buff, &idx);
        live_expect_atom(x.buff, &idx, "sent");
    }

    live_section("close", 10);
    ei_x_free(&x);
    CHECK(ei_close_connection(afd) == 0, "ei_close_connection");
    CHECK(ei_close_connection(lfd) == 0, "ei_close_connection(listen)");
    CHECK(ei_close_connection(fd) == 0, "ei_close_connection");
    close(pubfd);
    return 0;
}
