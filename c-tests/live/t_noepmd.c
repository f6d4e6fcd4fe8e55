/*
 * 6. No epmd at all: ERL_EPMD_PORT points at a closed port (libei reads it
 * once per process, so this test runs alone: run_live.sh --no-node).
 *   ei_connect / ei_xconnect          ERL_NO_PORT, ECONNREFUSED
 *   ei_publish                        -1, ECONNREFUSED
 *   the _tmo variants                 the same, but OTP's libei gives erl_errno
 *                                     EIO (known difference, LIVE_TMO_REFUSED_ERRNO)
 * (OTP's libei never returns ERL_NO_DAEMON: a failed epmd lookup is
 * ERL_NO_PORT with erl_errno telling why.)
 */
#include "live.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

int t_noepmd(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int s, port, lfd, lport = 0;
    char buf[32], name[600];
    ei_cnode ec;

    live_section("ERL_EPMD_PORT -> a closed port", 10);
    s = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(s >= 0 && bind(s, (struct sockaddr *) &a, sizeof a) == 0
          && getsockname(s, (struct sockaddr *) &a, &len) == 0, "socket/bind");
    port = ntohs(a.sin_port);
    close(s);
    snprintf(buf, sizeof buf, "%d", port);
    setenv("ERL_EPMD_PORT", buf, 1);
    live_log("ERL_EPMD_PORT=%s (nothing listens there)", buf);

    live_cnode(&ec, "noepmd", "some_cookie");
    snprintf(name, sizeof name, "%s_peer@localhost", live.unique);

    live_section("connect by name without epmd", 20);
    CHECK_RC(ei_connect(&ec, name), LIVE_NO_EPMD_RC, ECONNREFUSED, "ei_connect, no epmd");
    CHECK_RC(ei_xconnect(&ec, &live.host_addr, "peer"), LIVE_NO_EPMD_RC, ECONNREFUSED,
             "ei_xconnect, no epmd");
    /* Known difference (erl_errno only): see LIVE_TMO_REFUSED_ERRNO in live.h. */
    CHECK_RC(ei_connect_tmo(&ec, name, 2000), LIVE_NO_EPMD_RC, LIVE_TMO_REFUSED_ERRNO,
             "ei_connect_tmo, no epmd");
    CHECK_RC(ei_xconnect_tmo(&ec, &live.host_addr, "peer", 2000), LIVE_NO_EPMD_RC,
             LIVE_TMO_REFUSED_ERRNO, "ei_xconnect_tmo, no epmd");

    live_section("publish without epmd", 20);
    lfd = ei_listen(&ec, &lport, 5);
    CHECK(lfd >= 0 && lport > 0, "ei_listen returned %d", lfd);
    CHECK_RC(ei_publish(&ec, lport), -1, ECONNREFUSED, "ei_publish, no epmd");
    CHECK_RC(ei_publish_tmo(&ec, lport, 2000), -1, LIVE_TMO_REFUSED_ERRNO,
             "ei_publish_tmo, no epmd");
    CHECK(ei_close_connection(lfd) == 0, "ei_close_connection(listen)");
    return 0;
}
