/*
 * cnode_server: a C node that Erlang nodes connect to.
 *
 *   cnode_server THIS_NODE COOKIE
 *
 * Listens on 127.0.0.1 (ei_xlisten), registers THIS_NODE (alive@host) with
 * epmd (ei_publish), accepts connections (ei_accept) and serves, until asked
 * to stop:
 *
 *   {call, From, Ref, Request} sent to any registered name (e.g. cserver),
 *   answered with From ! {reply, Ref, Answer}:
 *       whoami            -> {ThisNode, SelfPid}
 *       {add, A, B}       -> A + B (64-bit; {error, overflow} / {error, badarg})
 *       {reverse, Bin}    -> Bin with its bytes reversed
 *       stop              -> stopping, then the server closes the connection
 *                            and exits 0
 *       anything else     -> {error, {unknown_request, Request}}
 *
 *   {'$gen_call', {From, Tag}, {is_auth, Node}} sent to net_kernel, which is
 *   what net_adm:ping/1 sends: answered with From ! {Tag, yes}, so pinging
 *   the C node gives pong.
 *
 * Link and exit signals are printed and otherwise ignored; so are monitor
 * signals, which libei does not support.  Every message is printed with
 * ei_s_print_term.  Exits 1 if listening, publishing or accepting fails.
 */
#define _POSIX_C_SOURCE 200809L /* strdup, getpid, close in strict C11 */

#include "cnode_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { SERVE_CLOSED, SERVE_STOP };

static ei_cnode ec;

/* Index of the first term in a received message: payloads of SEND and
   REG_SEND carry a version byte, the reason of an EXIT signal does not. */
static int payload_index(const ei_x_buff *x)
{
    return x->index > 0 && (unsigned char)x->buff[0] == 131 ? 1 : 0; /* version magic */
}

static void say_term(const char *label, const char *buf, int index)
{
    char *s = term_str(buf, index);
    say("%s%s", label, s);
    free(s);
}

/* Shortens a printed term to fit a line. */
static char *abbreviate(char *s)
{
    if (strlen(s) > 80)
        strcpy(s + 74, " ...");
    return s;
}

/* {'$gen_call', {From, Tag}, {is_auth, Node}} -> From ! {Tag, yes} */
static void serve_net_kernel(int fd, const ei_x_buff *x)
{
    char atom[MAXATOMLEN_UTF8], node[MAXATOMLEN_UTF8];
    erlang_pid from;
    ei_x_buff r;
    int index = 0, version, arity, tag, tag_end;

    if (ei_decode_version(x->buff, &index, &version) < 0 ||
        ei_decode_tuple_header(x->buff, &index, &arity) < 0 || arity != 3 ||
        ei_decode_atom(x->buff, &index, atom) < 0 || strcmp(atom, "$gen_call") != 0 ||
        ei_decode_tuple_header(x->buff, &index, &arity) < 0 || arity != 2 ||
        ei_decode_pid(x->buff, &index, &from) < 0)
        goto ignore;
    tag = index;
    if (ei_skip_term(x->buff, &index) < 0)
        goto ignore;
    tag_end = index;
    if (ei_decode_tuple_header(x->buff, &index, &arity) < 0 || arity != 2 ||
        ei_decode_atom(x->buff, &index, atom) < 0 || strcmp(atom, "is_auth") != 0 ||
        ei_decode_atom(x->buff, &index, node) < 0)
        goto ignore;

    if (ei_x_new_with_version(&r) < 0 || ei_x_encode_tuple_header(&r, 2) < 0 ||
        ei_x_append_buf(&r, x->buff + tag, tag_end - tag) < 0 || ei_x_encode_atom(&r, "yes") < 0) {
        complain("encoding the is_auth reply failed");
        exit(1);
    }
    if (ei_send(fd, &from, r.buff, r.index) < 0) {
        complain("ei_send failed (erl_errno %d)", erl_errno);
    } else {
        char *p = pid_str(&from), *reply = term_str(r.buff, 1);
        say("net_kernel got {is_auth, %s} from %s (net_adm:ping); replied %s", node, p, reply);
        free(p);
        free(reply);
    }
    ei_x_free(&r);
    return;
ignore:
    say_term("net_kernel: ignoring ", x->buff, payload_index(x));
}

static void encode_error(ei_x_buff *r, const char *reason)
{
    ei_x_encode_tuple_header(r, 2);
    ei_x_encode_atom(r, "error");
    ei_x_encode_atom(r, reason);
}

/* Encodes the answer to buf[index] (the Request, ending at end) into r. */
static int answer(const char *buf, int index, int end, ei_x_buff *r)
{
    char atom[MAXATOMLEN_UTF8];
    int i = index, type, size, arity;

    if (ei_get_type(buf, &i, &type, &size) < 0)
        return -1;
    if (type == ERL_ATOM_EXT && ei_decode_atom(buf, &i, atom) == 0) {
        if (strcmp(atom, "whoami") == 0) {
            ei_x_encode_tuple_header(r, 2);
            ei_x_encode_atom(r, ei_thisnodename(&ec));
            return ei_x_encode_pid(r, ei_self(&ec));
        }
        if (strcmp(atom, "stop") == 0) {
            ei_x_encode_atom(r, "stopping");
            return SERVE_STOP;
        }
    } else if ((type == ERL_SMALL_TUPLE_EXT || type == ERL_LARGE_TUPLE_EXT) &&
               ei_decode_tuple_header(buf, &i, &arity) == 0 &&
               ei_decode_atom(buf, &i, atom) == 0) {
        if (strcmp(atom, "add") == 0 && arity == 3) {
            long long a, b;
            if (ei_decode_longlong(buf, &i, &a) < 0 || ei_decode_longlong(buf, &i, &b) < 0)
                encode_error(r, "badarg");
            else if ((b > 0 && a > LLONG_MAX - b) || (b < 0 && a < LLONG_MIN - b))
                encode_error(r, "overflow");
            else
                ei_x_encode_longlong(r, a + b);
            return 0;
        }
        if (strcmp(atom, "reverse") == 0 && arity == 2) {
            char *bin;
            long len;
            if (ei_get_type(buf, &i, &type, &size) < 0 || type != ERL_BINARY_EXT) {
                encode_error(r, "badarg");
                return 0;
            }
            bin = malloc((size_t)size + 1);
            if (!bin || ei_decode_binary(buf, &i, bin, &len) < 0) {
                free(bin);
                return -1;
            }
            for (long k = 0; k < len / 2; k++) {
                char c = bin[k];
                bin[k] = bin[len - 1 - k];
                bin[len - 1 - k] = c;
            }
            ei_x_encode_binary(r, bin, (int)len);
            free(bin);
            return 0;
        }
    }
    /* {error, {unknown_request, Request}} */
    ei_x_encode_tuple_header(r, 2);
    ei_x_encode_atom(r, "error");
    ei_x_encode_tuple_header(r, 2);
    ei_x_encode_atom(r, "unknown_request");
    return ei_x_append_buf(r, buf + index, end - index);
}

/* {call, From, Ref, Request} -> From ! {reply, Ref, Answer} */
static int serve_call(int fd, const ei_x_buff *x)
{
    char atom[MAXATOMLEN_UTF8];
    erlang_pid from;
    ei_x_buff r;
    int index = 0, version, arity, ref, ref_end, req, req_end, answer_index, rc;
    char *req_s, *answer_s;

    if (ei_decode_version(x->buff, &index, &version) < 0 ||
        ei_decode_tuple_header(x->buff, &index, &arity) < 0 || arity != 4 ||
        ei_decode_atom(x->buff, &index, atom) < 0 || strcmp(atom, "call") != 0 ||
        ei_decode_pid(x->buff, &index, &from) < 0)
        goto ignore;
    ref = index;
    if (ei_skip_term(x->buff, &index) < 0)
        goto ignore;
    ref_end = req = index;
    if (ei_skip_term(x->buff, &index) < 0)
        goto ignore;
    req_end = index;

    if (ei_x_new_with_version(&r) < 0 || ei_x_encode_tuple_header(&r, 3) < 0 ||
        ei_x_encode_atom(&r, "reply") < 0 ||
        ei_x_append_buf(&r, x->buff + ref, ref_end - ref) < 0) {
        complain("out of memory");
        exit(1);
    }
    answer_index = r.index;
    rc = answer(x->buff, req, req_end, &r);
    if (rc < 0) {
        complain("encoding the answer failed");
        exit(1);
    }
    if (ei_send(fd, &from, r.buff, r.index) < 0) {
        complain("ei_send failed (erl_errno %d)", erl_errno);
        ei_x_free(&r);
        return 0;
    }
    req_s = abbreviate(term_str(x->buff, req));
    answer_s = abbreviate(term_str(r.buff, answer_index));
    say("call %-32s -> %s", req_s, answer_s);
    free(req_s);
    free(answer_s);
    ei_x_free(&r);
    return rc;
ignore:
    say_term("ignoring the message ", x->buff, payload_index(x));
    return 0;
}

/* Serves one connection until it closes or a stop request. */
static int serve(int fd)
{
    ei_x_buff x;
    erlang_msg msg;
    int rc = SERVE_CLOSED;

    if (ei_x_new(&x) < 0) {
        complain("out of memory");
        exit(1);
    }
    for (;;) {
        char *from, *to;

        if (receive_msg(fd, &msg, &x, 0) == ERL_ERROR) {
            say("connection closed (erl_errno %d: %s)", erl_errno, strerror(erl_errno));
            break;
        }
        switch (msg.msgtype) {
        case ERL_REG_SEND:
            if (strcmp(msg.toname, "net_kernel") == 0) {
                serve_net_kernel(fd, &x);
                continue;
            }
            /* any other name is ours */
            /* fall through */
        case ERL_SEND:
            if (serve_call(fd, &x) == SERVE_STOP) {
                rc = SERVE_STOP;
                goto out;
            }
            continue;
        case ERL_LINK:
        case ERL_UNLINK:
            from = pid_str(&msg.from);
            to = pid_str(&msg.to);
            say("%s %s %s", from, msg.msgtype == ERL_LINK ? "linked to" : "unlinked from", to);
            free(from);
            free(to);
            continue;
        case ERL_EXIT:
        case ERL_EXIT2:
            from = pid_str(&msg.from);
            to = pid_str(&msg.to);
            {
                char *reason = term_str(x.buff, payload_index(&x));
                say("exit signal (%s) from %s to %s, reason %s: ignored",
                    msgtype_name(msg.msgtype), from, to, reason);
                free(reason);
            }
            free(from);
            free(to);
            continue;
        default:
            say("ignoring a %s signal", msgtype_name(msg.msgtype));
            continue;
        }
    }
out:
    ei_x_free(&x);
    return rc;
}

int main(int argc, char **argv)
{
    struct in_addr loopback;
    int port = 0, lfd, pubfd, fd;

    cnode_prog = "cserver";
    if (argc != 3) {
        fprintf(stderr, "usage: %s THIS_NODE COOKIE\n", argv[0]);
        return 2;
    }
    if (cnode_init(&ec, argv[1], argv[2]) < 0)
        return 1;

    loopback.s_addr = htonl(INADDR_LOOPBACK);
    lfd = ei_xlisten(&ec, &loopback, &port, 5);
    if (lfd < 0) {
        complain("ei_xlisten failed (erl_errno %d: %s)", erl_errno, strerror(erl_errno));
        return 1;
    }
    pubfd = ei_publish(&ec, port);
    if (pubfd < 0) {
        complain("ei_publish(%s, %d) failed (erl_errno %d: %s); is epmd running?",
                 ei_thisalivename(&ec), port, erl_errno, strerror(erl_errno));
        return 1;
    }
    say("C node %s listening on 127.0.0.1:%d, published to epmd", ei_thisnodename(&ec), port);

    for (;;) {
        ErlConnect conn;

        fd = ei_accept(&ec, lfd, &conn);
        if (fd < 0) {
            complain("ei_accept failed (erl_errno %d: %s)", erl_errno, strerror(erl_errno));
            return 1;
        }
        say("accepted a connection from %s", conn.nodename);
        if (serve(fd) == SERVE_STOP) {
            ei_close_connection(fd);
            break;
        }
        ei_close_connection(fd);
    }
    close(pubfd); /* epmd forgets the name when this connection closes */
    ei_close_connection(lfd);
    say("stopped");
    return 0;
}
