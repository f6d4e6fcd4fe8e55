/*
 * 1. Both directions: the C node reaches Erlang (ei_connect, ei_xconnect,
 * ei_connect_host_port, ei_xconnect_host_port, each carrying a message
 * round trip), and Erlang's net_adm:ping reaches the C node (ei_listen /
 * ei_xlisten + ei_publish + ei_accept_tmo, answering net_kernel's is_auth
 * like real C nodes do).  Run with short names and with long names
 * (LIVE_HOST=127.0.0.1, the C nodes then have a dotted host too).
 */
#include "live.h"

#include <arpa/inet.h>
#include <unistd.h>

static int ping_from_erlang(ei_cnode *ctl, int ctl_fd, ei_cnode *ln, int lfd)
{
    ErlConnect conn;
    int afd;
    memset(&conn, 0, sizeof conn);
    live_request_ping(ctl, ctl_fd, ei_thisnodename(ln));
    afd = ei_accept_tmo(ln, lfd, &conn, 15000);
    CHECK(afd >= 0, "ei_accept_tmo returned %d, erl_errno %s", afd,
          live_errname(erl_errno));
    CHECK(strcmp(conn.nodename, live.node) == 0, "ErlConnect.nodename %s, want %s",
          conn.nodename, live.node);
    CHECK((unsigned char) conn.ipadr[0] == 127 && conn.ipadr[1] == 0
          && conn.ipadr[2] == 0 && conn.ipadr[3] == 1,
          "ErlConnect.ipadr %u.%u.%u.%u, want 127.0.0.1",
          (unsigned char) conn.ipadr[0], (unsigned char) conn.ipadr[1],
          (unsigned char) conn.ipadr[2], (unsigned char) conn.ipadr[3]);
    live_serve_is_auth(afd);
    CHECK(live_ping_result_is_pong(ctl_fd, ei_thisnodename(ln)),
          "net_adm:ping('%s') returned pang", ei_thisnodename(ln));
    live_log("net_adm:ping('%s') = pong", ei_thisnodename(ln));
    return afd;
}

int t_ping(void)
{
    ei_cnode a, b, c, d, l, x;
    int fd, fd2, afd, lfd, xfd, port, pubfd, xpubfd, rc;
    static const char hello[] = "hello from a C node";
    struct in_addr any;

    live_section("ei_connect + round trip", 30);
    live_cnode(&a, "a", live.cookie);
    fd = live_connect(&a);
    live_echo_roundtrip(&a, fd, hello, (long) strlen(hello), NULL);

    live_section("ei_xconnect (IP address + alive name) + round trip", 30);
    live_cnode(&b, "b", live.cookie);
    fd2 = ei_xconnect(&b, &live.host_addr, live.node_alive);
    CHECK(fd2 >= 0, "ei_xconnect returned %d, erl_errno %s", fd2, live_errname(erl_errno));
    live_echo_roundtrip(&b, fd2, hello, 5, NULL);
    CHECK(ei_close_connection(fd2) == 0, "ei_close_connection");

    if (live.node_port > 0) {
        live_section("ei_connect_host_port / ei_xconnect_host_port + round trip", 30);
        live_cnode(&c, "c", live.cookie);
        fd2 = ei_connect_host_port(&c, (char *) live.host, live.node_port);
        CHECK(fd2 >= 0, "ei_connect_host_port(%s, %d) returned %d, erl_errno %s",
              live.host, live.node_port, fd2, live_errname(erl_errno));
        live_echo_roundtrip(&c, fd2, hello, 3, NULL);
        CHECK(ei_close_connection(fd2) == 0, "ei_close_connection");
        live_cnode(&d, "d", live.cookie);
        fd2 = ei_xconnect_host_port(&d, &live.host_addr, live.node_port);
        CHECK(fd2 >= 0, "ei_xconnect_host_port returned %d, erl_errno %s", fd2,
              live_errname(erl_errno));
        live_echo_roundtrip(&d, fd2, hello, 0, NULL);
        CHECK(ei_close_connection(fd2) == 0, "ei_close_connection");
    }

    live_section("net_adm:ping from Erlang (ei_listen + ei_publish + ei_accept_tmo)", 40);
    live_cnode(&l, "l", live.cookie);
    port = 0;
    lfd = ei_listen(&l, &port, 5);
    CHECK(lfd >= 0 && port > 0, "ei_listen returned %d (port %d), erl_errno %s", lfd,
          port, live_errname(erl_errno));
    pubfd = ei_publish(&l, port);
    CHECK(pubfd >= 0, "ei_publish returned %d, erl_errno %s", pubfd,
          live_errname(erl_errno));
    afd = ping_from_erlang(&a, fd, &l, lfd);
    /* A second ping reuses Erlang's connection: no new accept. */
    live_request_ping(&a, fd, ei_thisnodename(&l));
    live_serve_is_auth(afd);
    CHECK(live_ping_result_is_pong(fd, ei_thisnodename(&l)), "second ping: pang");
    CHECK(ei_close_connection(afd) == 0, "ei_close_connection(accepted)");

    live_section("net_adm:ping from Erlang (ei_xlisten on 127.0.0.1, port 0)", 40);
    live_cnode(&x, "x", live.cookie);
    inet_aton("127.0.0.1", &any);
    port = 0;
    xfd = ei_xlisten(&x, &any, &port, 5);
    CHECK(xfd >= 0 && port > 0, "ei_xlisten returned %d (port %d), erl_errno %s", xfd,
          port, live_errname(erl_errno));
    CHECK(any.s_addr == htonl(INADDR_LOOPBACK), "ei_xlisten changed the address");
    xpubfd = ei_publish_tmo(&x, port, 5000);
    CHECK(xpubfd >= 0, "ei_publish_tmo returned %d, erl_errno %s", xpubfd,
          live_errname(erl_errno));
    afd = ping_from_erlang(&a, fd, &x, xfd);
    CHECK(ei_close_connection(afd) == 0, "ei_close_connection(accepted)");

    live_section("close", 10);
    rc = ei_close_connection(fd);
    CHECK(rc == 0, "ei_close_connection returned %d", rc);
    CHECK(ei_close_connection(lfd) == 0, "ei_close_connection(listen fd)");
    CHECK(ei_close_connection(xfd) == 0, "ei_close_connection(listen fd)");
    close(pubfd);
    close(xpubfd);
    return 0;
}
