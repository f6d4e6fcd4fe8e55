/*
 * 6. Faults from outside, with the C node in the middle of its work:
 *   - epmd dies after the C node published: connections already open go
 *     on working, a connect by name fails clearly, a connect by host and
 *     port still works, publishing again fails clearly;
 *   - the Erlang node is killed (SIGKILL) while the C node waits in
 *     ei_xreceive_msg without a timeout: the call returns ERL_ERROR
 *     promptly;
 *   - afterwards the program opens new connections (C node to C node,
 *     through its own listen socket) and exchanges messages on them.
 * run_live.sh gives the epmd's pid in LIVE_EPMD_PID.
 */
#define _GNU_SOURCE
#include "live.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

/* True once nothing accepts connections on 127.0.0.1:port. */
static int port_closed(int port)
{
    struct sockaddr_in a;
    int s = socket(AF_INET, SOCK_STREAM, 0), rc;
    CHECK(s >= 0, "socket");
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short) port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = connect(s, (struct sockaddr *) &a, sizeof a);
    close(s);
    return rc != 0;
}

/* The Erlang node's OS pid, through rpc os:getpid(). */
static pid_t node_os_pid(ei_cnode *ec, int fd)
{
    ei_x_buff args, x;
    char s[32];
    int idx = 0;
    ei_x_new(&args);
    ei_x_encode_empty_list(&args);
    ei_x_new(&x);
    CHECK(ei_rpc(ec, fd, "os", "getpid", args.buff, args.index, &x) >= 0,
          "rpc os:getpid() failed (erl_errno %s)", live_errname(erl_errno));
    CHECK(ei_decode_string(x.buff, &idx, s) == 0, "os:getpid() did not return a string");
    ei_x_free(&args);
    ei_x_free(&x);
    return (pid_t) atol(s);
}

static void *kill_later(void *arg)
{
    usleep(300 * 1000);
    kill(*(pid_t *) arg, SIGKILL);
    return NULL;
}

struct acceptor {
    ei_cnode *ec;
    int lfd;
    const char *problem;
};

/* Accepts one connection, answers one {hello, Pid} with {hello_back}. */
static void *accept_one(void *arg)
{
    struct acceptor *a = arg;
    ErlConnect conn;
    erlang_msg msg;
    ei_x_buff x, reply;
    int fd, rc, idx = 0, arity, version;
    char atom[MAXATOMLEN];
    erlang_pid from;
    fd = ei_accept_tmo(a->ec, a->lfd, &conn, 10000);
    if (fd < 0) {
        a->problem = "ei_accept_tmo failed";
        return NULL;
    }
    ei_x_new(&x);
    do {
        rc = ei_xreceive_msg_tmo(fd, &msg, &x, 10000);
    } while (rc == ERL_TICK);
    if (rc != ERL_MSG || msg.msgtype != ERL_REG_SEND || strcmp(msg.toname, "faults") != 0
        || ei_decode_version(x.buff, &idx, &version) != 0
        || ei_decode_tuple_header(x.buff, &idx, &arity) != 0 || arity != 2
        || ei_decode_atom(x.buff, &idx, atom) != 0 || strcmp(atom, "hello") != 0
        || ei_decode_pid(x.buff, &idx, &from) != 0) {
        a->problem = "the accepted connection did not deliver {hello, Pid}";
    } else {
        ei_x_new_with_version(&reply);
        ei_x_encode_atom(&reply, "hello_back");
        if (ei_send(fd, &from, reply.buff, reply.index) != 0)
            a->problem = "ei_send on the accepted connection failed";
        ei_x_free(&reply);
    }
    ei_x_free(&x);
    ei_close_connection(fd);
    return NULL;
}

int t_faults(void)
{
    ei_cnode ec, ec2;
    ei_x_buff x;
    erlang_msg msg;
    pthread_t t;
    pid_t node_pid, epmd_pid;
    int lfd, port = 0, pub, fd, fd2, rc, i, idx, version;
    double t0;
    const char *s = getenv("LIVE_EPMD_PID");
    struct acceptor acc;

    CHECK(s && atoi(s) > 0, "LIVE_EPMD_PID not set");
    epmd_pid = (pid_t) atoi(s);

    live_section("listen, publish, connect", 20);
    live_cnode(&ec, "faults", live.cookie);
    lfd = ei_listen(&ec, &port, 5);
    CHECK(lfd >= 0, "ei_listen returned %d (erl_errno %s)", lfd, live_errname(erl_errno));
    pub = ei_publish(&ec, port);
    CHECK(pub >= 0, "ei_publish returned %d (erl_errno %s)", pub, live_errname(erl_errno));
    fd = live_connect(&ec);
    live_echo_roundtrip(&ec, fd, "before", 6, NULL);
    node_pid = node_os_pid(&ec, fd);
    CHECK(node_pid > 1, "node pid %ld", (long) node_pid);

    live_section("epmd dies", 20);
    CHECK(kill(epmd_pid, SIGKILL) == 0, "kill epmd %ld", (long) epmd_pid);
    for (i = 0; i < 100 && !port_closed(atoi(getenv("ERL_EPMD_PORT"))); i++)
        usleep(50 * 1000);
    CHECK(i < 100, "epmd still answers after SIGKILL");
    live_echo_roundtrip(&ec, fd, "an open connection goes on", 26, NULL);
    CHECK_RC(ei_connect(&ec, (char *) live.node), LIVE_NO_EPMD_RC, ECONNREFUSED,
             "ei_connect by name, epmd gone");
    /* (a second C node: the Erlang node refuses a second connection from
     * a node it is connected to) */
    live_cnode(&ec2, "faults2", live.cookie);
    fd2 = ei_connect_host_port(&ec2, "127.0.0.1", live.node_port);
    CHECK(fd2 >= 0, "ei_connect_host_port without epmd returned %d (erl_errno %s)", fd2,
          live_errname(erl_errno));
    live_echo_roundtrip(&ec2, fd2, "by host and port", 16, NULL);
    CHECK(ei_close_connection(fd2) == 0, "ei_close_connection");
    CHECK_RC(ei_publish(&ec, port), -1, ECONNREFUSED, "ei_publish again, epmd gone");
    close(pub);

    live_section("the node is killed while we wait in ei_xreceive_msg", 20);
    CHECK(pthread_create(&t, NULL, kill_later, &node_pid) == 0, "pthread_create");
    ei_x_new(&x);
    t0 = live_now();
    do {
        rc = ei_xreceive_msg(fd, &msg, &x);
    } while (rc == ERL_TICK);
    CHECK_RC(rc, ERL_ERROR, EIO, "ei_xreceive_msg, node killed");
    CHECK(live_now() - t0 < 5, "the receive took %.1f s to notice", live_now() - t0);
    CHECK(pthread_join(t, NULL) == 0, "pthread_join");
    ei_x_free(&x);
    ei_close_connection(fd);

    live_section("new connections afterwards", 20);
    for (i = 0; i < 3; i++) {
        ei_x_buff hello;
        char atom[MAXATOMLEN];
        memset(&acc, 0, sizeof acc);
        acc.ec = &ec;
        acc.lfd = lfd;
        CHECK(pthread_create(&t, NULL, accept_one, &acc) == 0, "pthread_create");
        fd = ei_connect_host_port(&ec2, "127.0.0.1", port);
        CHECK(fd >= 0, "connect %d to our own listener returned %d (erl_errno %s)", i, fd,
              live_errname(erl_errno));
        ei_x_new_with_version(&hello);
        ei_x_encode_tuple_header(&hello, 2);
        ei_x_encode_atom(&hello, "hello");
        ei_x_encode_pid(&hello, ei_self(&ec2));
        CHECK(ei_reg_send(&ec2, fd, "faults", hello.buff, hello.index) == 0, "ei_reg_send");
        ei_x_free(&hello);
        ei_x_new(&x);
        live_recv_send(fd, &msg, &x, 10000);
        idx = 0;
        CHECK(ei_decode_version(x.buff, &idx, &version) == 0
                  && ei_decode_atom(x.buff, &idx, atom) == 0 && strcmp(atom, "hello_back") == 0,
              "no hello_back");
        ei_x_free(&x);
        CHECK(pthread_join(t, NULL) == 0, "pthread_join");
        CHECK(!acc.problem, "connection %d: %s", i, acc.problem);
        CHECK(ei_close_connection(fd) == 0, "ei_close_connection");
    }
    live_log("3 new connections after the faults, each with a round trip");
    CHECK(ei_close_connection(lfd) == 0, "ei_close_connection(listen)");
    return 0;
}
