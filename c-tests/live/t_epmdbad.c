/*
 * 6. A hostile epmd: ERL_EPMD_PORT points at a fake epmd (a thread of this
 * test) that closes at once, answers garbage, cuts its answer short, claims
 * a node name longer than what it sends, or never answers.  Looking a node
 * up (ei_connect) and publishing (ei_publish) must fail with a clear error,
 * within the timeout where one is given, and never hang or crash.  libei
 * reads ERL_EPMD_PORT once per process, so this test runs alone
 * (run_live.sh --no-node).
 *
 * A lookup answer whose node name is cut short still gives the port (both
 * libraries ignore the name), here port 1, where nothing listens.  A failed
 * publish is -1 for ei-rs, as documented; OTP's libei returns -2 when epmd
 * answered wrongly or not at all, but -1 for an answer with a wrong tag.
 */
#define _GNU_SOURCE
#include "live.h"

#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

enum mode { CLOSE, GARBAGE, TRUNCATED, LONG_NAME, STALL, QUIT };

/* ei_publish's result when epmd answers wrongly: OTP's libei returns the
 * given value, ei-rs -1. */
#ifdef EI_RS_BUILD
#define BAD_PUBLISH_RC(otp) ((otp) * 0 - 1)
#else
#define BAD_PUBLISH_RC(otp) (otp)
#endif

static volatile enum mode mode;
static int lsock;

static int read_n(int fd, unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t k;
        if (poll(&p, 1, 10000) != 1)
            return -1;
        k = read(fd, buf + got, n - got);
        if (k <= 0)
            return -1;
        got += (size_t) k;
    }
    return 0;
}

static void write_all(int fd, const void *buf, size_t n)
{
    if (send(fd, buf, n, MSG_NOSIGNAL) != (ssize_t) n)
        live_log("fake epmd: short write");
}

/* Serves one request the way `mode` says. */
static void serve(int s)
{
    unsigned char len[2], req[600], c;
    size_t n;
    if (read_n(s, len, 2) != 0)
        return;
    n = (size_t) (len[0] << 8 | len[1]);
    if (n == 0 || n > sizeof req || read_n(s, req, n) != 0)
        return;
    /* req[0]: 122 PORT_PLEASE2_REQ (answered by 119 PORT2_RESP) or 120
     * ALIVE2_REQ (answered by 121 ALIVE2_RESP) */
    switch (mode) {
    case CLOSE:
        break;
    case GARBAGE:
        write_all(s, "HTTP/1.0 400 Bad Request\r\n\r\n", 28);
        break;
    case TRUNCATED:
        if (req[0] == 122) {
            static const unsigned char r[] = {119, 0, 0x12};
            write_all(s, r, sizeof r);
        } else {
            static const unsigned char r[] = {121, 0, 0};
            write_all(s, r, sizeof r);
        }
        break;
    case LONG_NAME:
        if (req[0] == 122) {
            /* result 0, port 1, hidden, tcp, versions 5..6, a name of
             * 65535 bytes of which 4 arrive */
            static const unsigned char r[] = {119, 0, 0, 1, 72, 0, 0, 6, 0, 5,
                                              0xff, 0xff, 'a', 'b', 'c', 'd'};
            write_all(s, r, sizeof r);
        } else {
            static const unsigned char r[] = {121, 0};
            write_all(s, r, sizeof r);
        }
        break;
    case STALL:
        /* never answer; wait until the client gives up and closes */
        while (read(s, &c, 1) > 0)
            ;
        break;
    case QUIT:
        break;
    }
}

static void *fake_epmd(void *arg)
{
    (void) arg;
    for (;;) {
        int s = accept(lsock, NULL, NULL);
        if (s < 0 || mode == QUIT) {
            if (s >= 0)
                close(s);
            return NULL;
        }
        serve(s);
        close(s);
    }
}

int t_epmdbad(void)
{
    static const struct {
        enum mode mode;
        const char *what;
        int connect_rc, connect_errno, tmo_rc, tmo_errno, publish_rc;
    } cases[] = {
        {CLOSE, "closes at once", ERL_NO_PORT, EIO, ERL_NO_PORT, EIO, BAD_PUBLISH_RC(-2)},
        {GARBAGE, "answers garbage", ERL_NO_PORT, EIO, ERL_NO_PORT, EIO, BAD_PUBLISH_RC(-1)},
        {TRUNCATED, "cuts its answer short", ERL_NO_PORT, EIO, ERL_NO_PORT, EIO,
         BAD_PUBLISH_RC(-2)},
        {LONG_NAME, "claims a 65535-byte node name, sends 4 bytes", ERL_CONNECT_FAIL,
         ECONNREFUSED, LIVE_TMO_REFUSED_RC, LIVE_TMO_REFUSED_ERRNO, BAD_PUBLISH_RC(-2)},
    };
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    pthread_t t;
    char buf[32], name[600], what[200];
    ei_cnode ec;
    int lfd, lport = 0, port, wake;
    size_t i;
    double t0;

    live_section("a fake epmd", 10);
    lsock = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(lsock >= 0 && bind(lsock, (struct sockaddr *) &a, sizeof a) == 0
              && listen(lsock, 8) == 0 && getsockname(lsock, (struct sockaddr *) &a, &alen) == 0,
          "listen socket");
    port = ntohs(a.sin_port);
    snprintf(buf, sizeof buf, "%d", port);
    setenv("ERL_EPMD_PORT", buf, 1);
    CHECK(pthread_create(&t, NULL, fake_epmd, NULL) == 0, "pthread_create");
    live_cnode(&ec, "epmdbad", "some_cookie");
    snprintf(name, sizeof name, "%s_peer@localhost", live.unique);
    lfd = ei_listen(&ec, &lport, 5);
    CHECK(lfd >= 0 && lport > 0, "ei_listen returned %d", lfd);

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mode = cases[i].mode;
        snprintf(what, sizeof what, "epmd %s", cases[i].what);
        live_section(what, 20);
        snprintf(what, sizeof what, "ei_connect, epmd %s", cases[i].what);
        CHECK_RC(ei_connect(&ec, name), cases[i].connect_rc, cases[i].connect_errno, what);
        snprintf(what, sizeof what, "ei_connect_tmo, epmd %s", cases[i].what);
        CHECK_RC(ei_connect_tmo(&ec, name, 2000), cases[i].tmo_rc, cases[i].tmo_errno, what);
        snprintf(what, sizeof what, "ei_publish, epmd %s", cases[i].what);
        CHECK_RC(ei_publish(&ec, lport), cases[i].publish_rc, EIO, what);
        snprintf(what, sizeof what, "ei_publish_tmo, epmd %s", cases[i].what);
        CHECK_RC(ei_publish_tmo(&ec, lport, 2000), cases[i].publish_rc, EIO, what);
    }

    live_section("epmd never answers: the _tmo calls give up in time", 20);
    mode = STALL;
    t0 = live_now();
    CHECK_RC(ei_connect_tmo(&ec, name, 1000), ERL_NO_PORT, ETIMEDOUT,
             "ei_connect_tmo, epmd silent");
    CHECK(live_now() - t0 < 5, "ei_connect_tmo took %.1f s", live_now() - t0);
    t0 = live_now();
    CHECK_RC(ei_publish_tmo(&ec, lport, 1000), BAD_PUBLISH_RC(-2), ETIMEDOUT,
             "ei_publish_tmo, epmd silent");
    CHECK(live_now() - t0 < 5, "ei_publish_tmo took %.1f s", live_now() - t0);

    /* stop the fake epmd: wake its accept with one last connection */
    mode = QUIT;
    wake = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(wake >= 0 && connect(wake, (struct sockaddr *) &a, sizeof a) == 0, "wake fake epmd");
    CHECK(pthread_join(t, NULL) == 0, "pthread_join");
    close(wake);
    close(lsock);
    CHECK(ei_close_connection(lfd) == 0, "ei_close_connection(listen)");
    return 0;
}
