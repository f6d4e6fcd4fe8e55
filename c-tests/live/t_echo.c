/*
 * 2. Echo through Erlang: binaries of 0 B, 13 B, 64 KiB, 1 MiB and 8 MiB,
 * each sent four ways and received four ways, compared byte for byte:
 *   ei_reg_send / ei_reg_send_tmo      -> ei_xreceive_msg (buffer grows)
 *   ei_send / ei_send_tmo to the pid   -> ei_receive_msg (static buffer)
 *   ei_send_encoded(_tmo), {echo_bin,...} -> ei_receive_encoded (realloc'ed buffer)
 *   ei_send_reg_encoded(_tmo)          -> ei_xreceive_msg_tmo
 * plus ei_receive_msg with a too small static buffer (ERL_ERROR/EMSGSIZE,
 * the message is drained and the connection stays usable) and ei_receive_tmo
 * (the raw packet).
 */
#include "live.h"

static void encode_echo(ei_x_buff *x, const char *tag, ei_cnode *ec, const char *p,
                        long len)
{
    ei_x_new_with_version(x);
    ei_x_encode_tuple_header(x, 3);
    ei_x_encode_atom(x, tag);
    ei_x_encode_pid(x, ei_self(ec));
    ei_x_encode_binary(x, p, len);
}

/* Checks {echo, Pid, Bin} at buf (with version); returns Pid. */
static void check_echo(const char *buf, int msglen, const char *p, long len,
                       erlang_pid *pid, const char *how)
{
    int idx = 0;
    long got_len;
    char *got;
    live_expect_version(buf, &idx);
    live_expect_tuple(buf, &idx, 3);
    live_expect_atom(buf, &idx, "echo");
    live_decode_pid(buf, &idx, pid);
    got = live_decode_binary(buf, &idx, &got_len);
    CHECK(got_len == len, "%s: echo of %ld bytes came back with %ld", how, len, got_len);
    CHECK(memcmp(got, p, (size_t) len) == 0, "%s: echo of %ld bytes differs", how, len);
    CHECK(idx == msglen, "%s: message is %d bytes, decoded %d", how, msglen, idx);
    free(got);
}

static void echo_size(ei_cnode *ec, int fd, long len, erlang_pid *echo_pid, int use_tmo)
{
    char *p = malloc(len > 0 ? (size_t) len : 1);
    ei_x_buff x, st;
    erlang_msg msg;
    erlang_pid pid;
    int rc, msglen, idx, bufsz;
    char *mbuf;
    long got_len;
    char *got;
    char what[96];

    CHECK(p, "out of memory");
    live_fill(p, (size_t) len, (unsigned) len);

    /* a) registered name -> ei_xreceive_msg into a fresh (small) ei_x_buff */
    snprintf(what, sizeof what, "reg_send+xreceive_msg %ld B", len);
    encode_echo(&x, "echo", ec, p, len);
    rc = use_tmo ? ei_reg_send_tmo(ec, fd, "ei_echo", x.buff, x.index, 30000)
                 : ei_reg_send(ec, fd, "ei_echo", x.buff, x.index);
    CHECK(rc == 0, "%s: send returned %d (erl_errno %s)", what, rc, live_errname(erl_errno));
    ei_x_free(&x);
    ei_x_new(&x);
    do {
        rc = ei_xreceive_msg(fd, &msg, &x);
    } while (rc == ERL_TICK);
    CHECK(rc == ERL_MSG, "%s: ei_xreceive_msg returned %d (erl_errno %s)", what, rc,
          live_errname(erl_errno));
    CHECK(msg.msgtype == ERL_SEND, "%s: msgtype %ld", what, msg.msgtype);
    CHECK(ei_cmp_pids(&msg.to, ei_self(ec)) == 0, "%s: not addressed to ei_self", what);
    CHECK(x.buffsz >= x.index, "%s: buffsz %d < index %d", what, x.buffsz, x.index);
    check_echo(x.buff, x.index, p, len, echo_pid, what);
    ei_x_free(&x);

    /* b) the echo pid -> ei_receive_msg into a static buffer that is large enough */
    snprintf(what, sizeof what, "send+receive_msg %ld B", len);
    encode_echo(&x, "echo", ec, p, len);
    rc = use_tmo ? ei_send_tmo(fd, echo_pid, x.buff, x.index, 30000)
                 : ei_send(fd, echo_pid, x.buff, x.index);
    CHECK(rc == 0, "%s: send returned %d (erl_errno %s)", what, rc, live_errname(erl_errno));
    ei_x_free(&x);
    st.buffsz = (int) len + 1024;
    st.buff = malloc((size_t) st.buffsz);
    st.index = 0;
    CHECK(st.buff, "out of memory");
    do {
        rc = use_tmo ? ei_receive_msg_tmo(fd, &msg, &st, 30000)
                     : ei_receive_msg(fd, &msg, &st);
    } while (rc == ERL_TICK);
    CHECK(rc == ERL_MSG, "%s: returned %d (erl_errno %s)", what, rc, live_errname(erl_errno));
    CHECK(msg.msgtype == ERL_SEND, "%s: msgtype %ld", what, msg.msgtype);
    CHECK(st.buffsz == (int) len + 1024, "%s: the static buffer's size changed", what);
    check_echo(st.buff, st.index, p, len, &pid, what);
    CHECK(ei_cmp_pids(&pid, echo_pid) == 0, "%s: a different echo pid", what);
    free(st.buff);

    /* c) ei_send_encoded {echo_bin, Self, Bin} -> Bin itself, ei_receive_encoded */
    snprintf(what, sizeof what, "send_encoded+receive_encoded %ld B", len);
    encode_echo(&x, "echo_bin", ec, p, len);
    rc = use_tmo ? ei_send_encoded_tmo(fd, echo_pid, x.buff, x.index, 30000)
                 : ei_send_encoded(fd, echo_pid, x.buff, x.index);
    CHECK(rc == 0, "%s: send returned %d (erl_errno %s)", what, rc, live_errname(erl_errno));
    ei_x_free(&x);
    bufsz = 16;
    mbuf = malloc((size_t) bufsz);
    CHECK(mbuf, "out of memory");
    msglen = -1;
    do {
        rc = use_tmo ? ei_receive_encoded_tmo(fd, &mbuf, &bufsz, &msg, &msglen, 30000)
                     : ei_receive_encoded(fd, &mbuf, &bufsz, &msg, &msglen);
    } while (rc == ERL_TICK);
    CHECK(rc == ERL_SEND, "%s: returned %d, want ERL_SEND (erl_errno %s)", what, rc,
          live_errname(erl_errno));
    CHECK(msglen > 0 && bufsz >= msglen, "%s: msglen %d bufsz %d", what, msglen, bufsz);
    idx = 0;
    live_expect_version(mbuf, &idx);
    got = live_decode_binary(mbuf, &idx, &got_len);
    CHECK(got_len == len && memcmp(got, p, (size_t) len) == 0, "%s: differs", what);
    CHECK(idx == msglen, "%s: msglen %d, decoded %d", what, msglen, idx);
    free(got);
    free(mbuf);

    /* d) ei_send_reg_encoded (explicit from) -> ei_xreceive_msg_tmo */
    snprintf(what, sizeof what, "send_reg_encoded+xreceive_msg_tmo %ld B", len);
    encode_echo(&x, "echo", ec, p, len);
    rc = use_tmo ? ei_send_reg_encoded_tmo(fd, ei_self(ec), "ei_echo", x.buff, x.index, 30000)
                 : ei_send_reg_encoded(fd, ei_self(ec), "ei_echo", x.buff, x.index);
    CHECK(rc == 0, "%s: send returned %d (erl_errno %s)", what, rc, live_errname(erl_errno));
    ei_x_free(&x);
    ei_x_new(&x);
    live_recv_send(fd, &msg, &x, 30000);
    check_echo(x.buff, x.index, p, len, &pid, what);
    ei_x_free(&x);

    free(p);
    live_log("%ld bytes: 4 round trips OK", len);
}

static void too_small(ei_cnode *ec, int fd, long len)
{
    char *p = malloc((size_t) len);
    ei_x_buff x, st;
    erlang_msg msg;
    int rc;
    CHECK(p, "out of memory");
    live_fill(p, (size_t) len, 7);
    encode_echo(&x, "echo", ec, p, len);
    live_reg_send(ec, fd, "ei_echo", &x);
    ei_x_free(&x);
    st.buffsz = 100;
    st.buff = malloc(100);
    st.index = 0;
    do {
        rc = ei_receive_msg_tmo(fd, &msg, &st, 30000);
    } while (rc == ERL_TICK);
    CHECK_RC(rc, ERL_ERROR, EMSGSIZE, "ei_receive_msg_tmo, message larger than the static buffer");
    CHECK(st.buffsz == 100, "the static buffer's size changed");
    free(st.buff);
    free(p);
    /* The oversized message was drained: the next one arrives intact. */
    live_echo_roundtrip(ec, fd, "still in sync", 13, NULL);
}

static void raw_receive(ei_cnode *ec, int fd)
{
    ei_x_buff x;
    unsigned char buf[4096];
    int n, idx, arity;
    long type;
    erlang_pid to, pid;
    long got_len;
    char *got;
    char cookie[MAXATOMLEN_UTF8];
    encode_echo(&x, "echo", ec, "raw", 3);
    live_reg_send(ec, fd, "ei_echo", &x);
    ei_x_free(&x);
    do {
        n = ei_receive_tmo(fd, buf, (int) sizeof buf, 10000);
    } while (n == ERL_TICK);
    CHECK(n > 0, "ei_receive_tmo returned %d (erl_errno %s)", n, live_errname(erl_errno));
    /* 'p' (pass through), then the control message {SEND, Cookie, To}, then the message */
    CHECK(buf[0] == 'p', "raw packet starts with %u, want 'p'", buf[0]);
    idx = 1;
    live_expect_version((char *) buf, &idx);
    CHECK(ei_decode_tuple_header((char *) buf, &idx, &arity) == 0 && arity == 3,
          "control message is not a 3-tuple");
    type = live_decode_long((char *) buf, &idx);
    CHECK(type == ERL_SEND, "control message type %ld, want ERL_SEND", type);
    CHECK(ei_decode_atom((char *) buf, &idx, cookie) == 0, "no cookie atom");
    live_decode_pid((char *) buf, &idx, &to);
    CHECK(ei_cmp_pids(&to, ei_self(ec)) == 0, "raw: not addressed to ei_self");
    live_expect_version((char *) buf, &idx);
    live_expect_tuple((char *) buf, &idx, 3);
    live_expect_atom((char *) buf, &idx, "echo");
    live_decode_pid((char *) buf, &idx, &pid);
    got = live_decode_binary((char *) buf, &idx, &got_len);
    CHECK(got_len == 3 && memcmp(got, "raw", 3) == 0, "raw: wrong payload");
    free(got);
    CHECK(idx == n, "raw: packet is %d bytes, decoded %d", n, idx);
    live_log("ei_receive_tmo: raw packet of %d bytes decoded", n);
}

int t_echo(void)
{
    static const long sizes[] = {0, 13, 64 * 1024, 1024 * 1024, 8 * 1024 * 1024};
    ei_cnode ec;
    erlang_pid echo_pid;
    int fd;
    size_t i;
    char name[64];

    live_section("connect", 20);
    live_cnode(&ec, "echo", live.cookie);
    fd = live_connect(&ec);

    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        snprintf(name, sizeof name, "echo %ld bytes", sizes[i]);
        live_section(name, 60);
        echo_size(&ec, fd, sizes[i], &echo_pid, (int) (i % 2));
    }

    live_section("ei_receive_msg with a too small static buffer (64 KiB, 1 MiB)", 30);
    too_small(&ec, fd, 64 * 1024);
    too_small(&ec, fd, 1024 * 1024);

    live_section("ei_receive_tmo (raw packet)", 20);
    raw_receive(&ec, fd);

    live_section("close", 10);
    CHECK(ei_close_connection(fd) == 0, "ei_close_connection");
    return 0;
}
