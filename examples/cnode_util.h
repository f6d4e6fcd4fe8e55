/*
 * cnode_util: helpers shared by the C node examples (cnode_client.c,
 * cnode_server.c).  Nothing here is specific to one libei: the examples are
 * built against ei-rs and against OTP's libei from the same sources.
 */
#ifndef CNODE_UTIL_H
#define CNODE_UTIL_H

#include <ei.h>

/* Prefix of every line the program prints ("cclient", "cserver"). */
extern const char *cnode_prog;

/* Prints "<prog>: <message>" to stdout and flushes. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "<prog>: error: <message>" to stderr. */
void complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * ei_connect_xinit for a node name "alive@host" given on the command line:
 * the C node then has exactly that name (ei_connect_init would take the host
 * part from gethostname(), which may not match the Erlang nodes' -sname host).
 */
int cnode_init(ei_cnode *ec, const char *nodename, const char *cookie);

/* The term at buf[index] as ei_s_print_term prints it (malloc'd; never NULL). */
char *term_str(const char *buf, int index);
/* A pid as ei_s_print_term prints it (malloc'd; never NULL). */
char *pid_str(const erlang_pid *pid);

/* Name of an erlang_msg.msgtype ("SEND", "REG_SEND", "LINK", ...). */
const char *msgtype_name(long msgtype);

/*
 * ei_xreceive_msg (ms == 0) or ei_xreceive_msg_tmo (ms > 0), minus the
 * signals a C node has no use for: ticks (libei answers them itself) and
 * monitor signals.  libei does not implement monitors; it reads such a
 * signal completely, sets msg->msgtype (ERL_MONITOR_P, ...) and returns
 * ERL_ERROR with erl_errno EIO, and the connection stays usable.
 * Returns ERL_MSG (msg->msgtype says what arrived) or ERL_ERROR / ERL_TIMEOUT.
 */
int receive_msg(int fd, erlang_msg *msg, ei_x_buff *x, unsigned ms);

/*
 * Compares the terms at a[*ia] and b[*ib] by value, as Erlang's =:= does,
 * whatever encoding each side chose (atom, integer and list encodings vary;
 * map pairs may come in any order).  Advances both indexes past the terms.
 * Returns 1 if equal, 0 if not, -1 if either term cannot be decoded.
 */
int term_equal(const char *a, int *ia, const char *b, int *ib);

#endif
