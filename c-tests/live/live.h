/*
 * Shared helpers of the live C-node tests (c-tests/live).  Everything here
 * uses libei's documented C API only; the same sources are built against
 * OTP's libei (live_otp) and against ei-rs (live_rs, with EI_RS_BUILD).
 *
 * The driver (run_live.sh) passes the peer through the environment:
 *   LIVE_NODE       the Erlang node's name (foo@localhost or foo@127.0.0.1)
 *   LIVE_COOKIE     its cookie
 *   LIVE_HOST       the host part to give C nodes (localhost or 127.0.0.1)
 *   LIVE_NODE_PORT  the Erlang node's distribution port
 *   LIVE_UNIQUE     a prefix for C node names that no other test run uses
 *   ERL_EPMD_PORT   the test's own epmd (libei reads it)
 */
#ifndef EI_LIVE_H
#define EI_LIVE_H

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <netinet/in.h>

#include "ei.h"

/* OTP's libei exports this data symbol without declaring it in ei.h. */
extern ei_socket_callbacks ei_default_socket_callbacks;

#ifdef EI_RS_BUILD
#define LIVE_LIB "ei-rs"
#else
#define LIVE_LIB "OTP libei"
#endif

/*
 * Known difference (documented in README.md): a connect *with a timeout* to
 * a port where nothing listens.  OTP's libei then connects non-blocking and
 * takes "writable" from select() as success without reading SO_ERROR; the
 * refusal only shows when the first write fails, which it reports as EIO
 * (EI_HIDE_REAL_ERRNO) and, for a node's port, as ERL_ERROR instead of
 * ERL_CONNECT_FAIL.  ei-rs reports it like the calls without a timeout do.
 */
/*
 * Debian's libei is built with EI_HIDE_REAL_ERRNO: every socket or protocol
 * error but ETIMEDOUT reaches erl_errno as EIO. ei-rs reports the real
 * reason, as libei's own sources do without that switch: EBADF for a bad
 * descriptor, ECONNRESET/EPIPE when the peer went away, EBADMSG for a
 * malformed frame, EMSGSIZE for a frame over the 1 GiB cap. And a connect
 * that finds no epmd is ERL_NO_DAEMON (libei: ERL_NO_PORT).
 */
#ifdef EI_RS_BUILD
#define LIVE_REAL_ERRNO(e) (e)
#define LIVE_NO_EPMD_RC ERL_NO_DAEMON
#else
#define LIVE_REAL_ERRNO(e) EIO
#define LIVE_NO_EPMD_RC ERL_NO_PORT
#endif

#ifdef EI_RS_BUILD
#define LIVE_TMO_REFUSED_RC ERL_CONNECT_FAIL
#define LIVE_TMO_REFUSED_ERRNO ECONNREFUSED
#else
#define LIVE_TMO_REFUSED_RC ERL_ERROR
#define LIVE_TMO_REFUSED_ERRNO EIO
#endif

/* ---- failure reporting ------------------------------------------------ */

void live_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
#define FAIL(...) live_fail(__FILE__, __LINE__, __VA_ARGS__)
#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond))                                                         \
            FAIL(__VA_ARGS__);                                               \
    } while (0)
/*
 * A libei call's result and erl_errno, exactly.  A mismatch is reported
 * (FAIL line) but the test goes on, so that one run lists every differing
 * error code; the program then exits non-zero.
 */
#define CHECK_RC(got, want_rc, want_errno, what)                             \
    do {                                                                     \
        int got_rc_ = (got);                                                 \
        int got_errno_ = erl_errno;                                          \
        if (got_rc_ == (want_rc) && got_errno_ == (want_errno))              \
            live_log("%s: %d, erl_errno %s as expected", (what), got_rc_,    \
                     live_errname(got_errno_));                              \
        else                                                                 \
            live_soft_fail(__FILE__, __LINE__,                               \
                "%s: got %d (erl_errno %d %s), want %d (erl_errno %d %s)",   \
                (what), got_rc_, got_errno_, live_errname(got_errno_),       \
                (want_rc), (want_errno), live_errname(want_errno));          \
    } while (0)
void live_soft_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
extern int live_soft_failures;

void live_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Starts a section: logs it and (re)arms the watchdog (SIGALRM). */
void live_section(const char *name, unsigned watchdog_seconds);
const char *live_errname(int e);
double live_now(void);                      /* monotonic seconds */

/* ---- configuration ------------------------------------------------------ */

struct live_cfg {
    const char *node;        /* LIVE_NODE */
    const char *cookie;      /* LIVE_COOKIE */
    const char *host;        /* LIVE_HOST */
    const char *unique;      /* LIVE_UNIQUE */
    int node_port;           /* LIVE_NODE_PORT (0 if unset) */
    char node_alive[256];    /* LIVE_NODE before the @ */
    struct in_addr host_addr;
};
extern struct live_cfg live;
void live_load_cfg(int need_node);

/* A C node named <LIVE_UNIQUE>_<suffix>@<LIVE_HOST>, via ei_connect_xinit. */
void live_cnode(ei_cnode *ec, const char *suffix, const char *cookie);
/* The full name live_cnode() gives for suffix. */
void live_cnode_name(char *buf, size_t sz, const char *suffix);
/* ei_connect_tmo to the Erlang peer; fails the test unless it works. */
int live_connect(ei_cnode *ec);

/* ---- messages ----------------------------------------------------------- */

/* Sends x (with version) to a registered name / a pid, failing on error. */
void live_reg_send(ei_cnode *ec, int fd, const char *name, ei_x_buff *x);
void live_send(int fd, erlang_pid *to, ei_x_buff *x);
/*
 * Receives the next message (skipping ERL_TICK) with ei_xreceive_msg_tmo;
 * fails the test on ERL_ERROR.  Returns msg.msgtype.
 */
long live_recv(int fd, erlang_msg *msg, ei_x_buff *x, unsigned ms);
/* Like live_recv, and the message must be an ERL_SEND/ERL_REG_SEND to us. */
void live_recv_send(int fd, erlang_msg *msg, ei_x_buff *x, unsigned ms);

/* Decoding helpers (fail the test on mismatch). idx is advanced. */
void live_expect_version(const char *buf, int *idx);
void live_expect_tuple(const char *buf, int *idx, int arity);
void live_expect_atom(const char *buf, int *idx, const char *atom);
void live_decode_pid(const char *buf, int *idx, erlang_pid *pid);
long live_decode_long(const char *buf, int *idx);
/* Returns a malloc'ed copy of a binary (caller frees); *len = its size. */
char *live_decode_binary(const char *buf, int *idx, long *len);
/* Prints the term at buf+idx (for diagnostics) into out. */
void live_term_str(const char *buf, int idx, char *out, size_t sz);

/*
 * {echo, Self, Bin} to the registered ei_echo; checks the reply
 * {echo, EchoPid, Bin} (byte for byte) and returns EchoPid in echo_pid
 * (may be NULL).
 */
void live_echo_roundtrip(ei_cnode *ec, int fd, const char *payload, long len,
                         erlang_pid *echo_pid);

/* Deterministic pseudo-random bytes. */
void live_fill(char *buf, size_t len, unsigned seed);

/* Asks ei_ctl to ping node (the C node named `name`) and returns the result. */
void live_request_ping(ei_cnode *ec, int fd, const char *name);
int live_ping_result_is_pong(int fd, const char *name);
/*
 * Serves one incoming connection the way a real C node does for
 * net_adm:ping: answers {'$gen_call', {Pid, Tag}, {is_auth, _}} sent to
 * net_kernel with {Tag, yes}.
 */
void live_serve_is_auth(int fd);

/* ---- the tests ---------------------------------------------------------- */
int t_ping(void);
int t_echo(void);
int t_server(void);
int t_link(void);
int t_tick(void);
int t_errors(void);
int t_noepmd(void);
int t_nodedown(void);
int t_hostile(void);
int t_ussi(void);
int t_threads(void);
int t_trace(void);
int t_identity(void);
int t_faults(void);
int t_epmdbad(void);

#endif
