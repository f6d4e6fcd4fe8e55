/*
 * 10. Node identity: ei_connect_init's names (alive@short host name),
 * ei_thisnodename / ei_thishostname / ei_thisalivename, ei_self (node and
 * creation), ei_make_pid / ei_make_ref (distinct, on this node), checked by
 * Erlang (node(Pid) =:= CNode ...), and a message Erlang sends to a made
 * pid arrives addressed to it.  Also ei_gethostbyname(_r), an
 * uninitialised ei_cnode, and ei_connect_xinit with a dotted host.
 */
#define _GNU_SOURCE
#include "live.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <unistd.h>

static void short_name(char *s)
{
    char *dot = strchr(s, '.');
    if (dot)
        *dot = 0;
}

int t_identity(void)
{
    ei_cnode ec, lc, blank;
    char alive[128], host[256], canon[256], want[600];
    struct hostent *he, hb;
    char hbuf[2048];
    int herr, fd, idx;
    erlang_pid p1, p2, *self;
    erlang_ref r1, r2;
    ei_x_buff x;
    erlang_msg msg;
    static const unsigned creation = 4711;

    live_section("ei_gethostbyname / ei_gethostbyname_r", 10);
    he = ei_gethostbyname("localhost");
    CHECK(he && he->h_addrtype == AF_INET && he->h_addr_list[0]
          && memcmp(he->h_addr_list[0], &live.host_addr, 4) == 0,
          "ei_gethostbyname(localhost) is not 127.0.0.1");
    he = ei_gethostbyname_r("localhost", &hb, hbuf, (int) sizeof hbuf, &herr);
    CHECK(he && he->h_addr_list[0] && memcmp(he->h_addr_list[0], &live.host_addr, 4) == 0,
          "ei_gethostbyname_r(localhost) is not 127.0.0.1");

    live_section("ei_connect_init names", 10);
    snprintf(alive, sizeof alive, "%s_id", live.unique);
    CHECK(ei_connect_init(&ec, alive, live.cookie, creation) == 0, "ei_connect_init failed");
    CHECK(strcmp(ei_thisalivename(&ec), alive) == 0, "ei_thisalivename %s, want %s",
          ei_thisalivename(&ec), alive);
    CHECK(gethostname(host, sizeof host) == 0, "gethostname");
    short_name(host);
    canon[0] = 0;
    he = gethostbyname(host);
    if (he) {
        snprintf(canon, sizeof canon, "%s", he->h_name);
        short_name(canon);
    }
    CHECK(strcmp(ei_thishostname(&ec), host) == 0 || strcmp(ei_thishostname(&ec), canon) == 0,
          "ei_thishostname %s, want %s or %s", ei_thishostname(&ec), host, canon);
    snprintf(want, sizeof want, "%s@%s", alive, ei_thishostname(&ec));
    CHECK(strcmp(ei_thisnodename(&ec), want) == 0, "ei_thisnodename %s, want %s",
          ei_thisnodename(&ec), want);
    live_log("ei_connect_init: %s (host %s, alive %s)", ei_thisnodename(&ec),
             ei_thishostname(&ec), ei_thisalivename(&ec));

    live_section("ei_self", 10);
    self = ei_self(&ec);
    CHECK(self, "ei_self returned NULL");
    CHECK(strcmp(self->node, ei_thisnodename(&ec)) == 0, "ei_self's node %s", self->node);
    CHECK(self->creation == creation, "ei_self's creation %u, want %u", self->creation,
          creation);
    {
        /* OTP's libei moves creations 0..3 (invalid / old tiny values) up by 0xE10000 */
        ei_cnode c0;
        CHECK(ei_connect_init(&c0, alive, live.cookie, 0) == 0, "ei_connect_init(creation 0)");
        CHECK(ei_self(&c0)->creation == 0xE10000u, "creation 0 became %u, want 0xE10000",
              ei_self(&c0)->creation);
        CHECK(ei_connect_init(&c0, alive, live.cookie, 3) == 0, "ei_connect_init(creation 3)");
        CHECK(ei_self(&c0)->creation == 0xE10003u, "creation 3 became %u, want 0xE10003",
              ei_self(&c0)->creation);
    }

    live_section("ei_make_pid / ei_make_ref", 10);
    CHECK(ei_make_pid(&ec, &p1) == 0 && ei_make_pid(&ec, &p2) == 0, "ei_make_pid failed");
    CHECK(ei_cmp_pids(&p1, &p2) != 0, "two ei_make_pid calls gave the same pid");
    CHECK(ei_cmp_pids(&p1, self) != 0 && ei_cmp_pids(&p2, self) != 0,
          "ei_make_pid gave ei_self's pid");
    CHECK(strcmp(p1.node, ei_thisnodename(&ec)) == 0 && p1.creation == creation
          && strcmp(p2.node, ei_thisnodename(&ec)) == 0 && p2.creation == creation,
          "made pids are not on this node");
    CHECK(ei_make_ref(&ec, &r1) == 0 && ei_make_ref(&ec, &r2) == 0, "ei_make_ref failed");
    CHECK(ei_cmp_refs(&r1, &r2) != 0, "two ei_make_ref calls gave the same ref");
    CHECK(strcmp(r1.node, ei_thisnodename(&ec)) == 0 && r1.creation == creation
          && strcmp(r2.node, ei_thisnodename(&ec)) == 0 && r2.creation == creation,
          "made refs are not on this node");

    live_section("an uninitialised ei_cnode", 10);
    memset(&blank, 0, sizeof blank);
    erl_errno = 0;
    CHECK(ei_self(&blank) == NULL, "ei_self of a zeroed ei_cnode is not NULL");
    CHECK_RC(ei_make_pid(&blank, &p1), ERL_ERROR, EINVAL,
             "ei_make_pid on a zeroed ei_cnode");
    CHECK(ei_make_pid(&ec, &p1) == 0, "ei_make_pid");   /* p1 is overwritten: remake */
    CHECK(ei_cmp_pids(&p1, &p2) != 0, "ei_make_pid repeated a pid");

    live_section("Erlang checks the identity", 20);
    fd = live_connect(&ec);
    ei_x_new_with_version(&x);
    ei_x_encode_tuple_header(&x, 7);
    ei_x_encode_atom(&x, "check_identity");
    ei_x_encode_pid(&x, ei_self(&ec));
    ei_x_encode_atom(&x, ei_thisnodename(&ec));
    ei_x_encode_pid(&x, &p1);
    ei_x_encode_pid(&x, &p2);
    ei_x_encode_ref(&x, &r1);
    ei_x_encode_ref(&x, &r2);
    live_reg_send(&ec, fd, "ei_ctl", &x);
    ei_x_free(&x);
    ei_x_new(&x);
    live_recv_send(fd, &msg, &x, 15000);
    CHECK(ei_cmp_pids(&msg.to, ei_self(&ec)) == 0, "result not sent to ei_self");
    idx = 0;
    live_expect_version(x.buff, &idx);
    live_expect_tuple(x.buff, &idx, 2);
    live_expect_atom(x.buff, &idx, "identity_result");
    {
        char t[512];
        live_term_str(x.buff, idx, t, sizeof t);
        CHECK(strcmp(t, "ok") == 0, "Erlang says %s", t);
    }
    live_recv_send(fd, &msg, &x, 15000);
    CHECK(msg.msgtype == ERL_SEND && ei_cmp_pids(&msg.to, &p1) == 0,
          "Erlang's message to a made pid arrived addressed to <%u.%u>", msg.to.num,
          msg.to.serial);
    idx = 0;
    live_expect_version(x.buff, &idx);
    live_expect_tuple(x.buff, &idx, 2);
    live_expect_atom(x.buff, &idx, "to_made_pid");
    {
        erlang_pid back;
        live_decode_pid(x.buff, &idx, &back);
        CHECK(ei_cmp_pids(&back, &p1) == 0, "the made pid came back different");
    }
    live_log("Erlang: node(Pid) and node(Ref) are %s; pids and refs distinct",
             ei_thisnodename(&ec));
    ei_x_free(&x);
    CHECK(ei_close_connection(fd) == 0, "ei_close_connection");

    live_section("ei_connect_xinit with a dotted host", 10);
    {
        struct in_addr ip;
        inet_aton("127.0.0.1", &ip);
        CHECK(ei_connect_xinit(&lc, "127.0.0.1", "dotted", "dotted@127.0.0.1", &ip,
                               live.cookie, 5) == 0, "ei_connect_xinit");
        CHECK(strcmp(ei_thisnodename(&lc), "dotted@127.0.0.1") == 0
              && strcmp(ei_thishostname(&lc), "127.0.0.1") == 0
              && strcmp(ei_thisalivename(&lc), "dotted") == 0, "names of a long-named node");
        CHECK(strcmp(ei_self(&lc)->node, "dotted@127.0.0.1") == 0, "ei_self's node");
    }
    return 0;
}
