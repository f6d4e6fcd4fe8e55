/*
 * cnode_client: a C node that connects to an Erlang node.
 *
 *   cnode_client ERLANG_NODE COOKIE [THIS_NODE]
 *
 * ERLANG_NODE runs cnode_demo:start_echo/1 (examples/cnode_demo.erl), which
 * registers an echo process as cnode_echo.  This program
 *
 *   1. connects (ei_connect_xinit + ei_connect) as THIS_NODE (default
 *      cclient_<pid>@<ERLANG_NODE's host>);
 *   2. sends terms to the registered name (ei_reg_send) as {echo, Self, Term}
 *      and receives {echo, EchoPid, Term} (ei_xreceive_msg_tmo), checking
 *      that each echo equals what was sent;
 *   3. sends one more term to EchoPid, learned from the replies (ei_send);
 *   4. asks the echo process questions with {call, Self, Ref, Request},
 *      answered by {reply, Ref, Answer}: the node's OTP release
 *      (erlang:system_info(otp_release)) and how Erlang prints a bignum.
 *
 * Every exchange is printed with ei_s_print_term.  Exits 0 if all of it
 * worked, 1 otherwise (with a message on stderr), 2 on bad arguments.
 */
#define _POSIX_C_SOURCE 200809L /* strdup, getpid, close in strict C11 */

#include "cnode_util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TIMEOUT_MS 10000
#define ECHO_NAME "cnode_echo"
/* 2^100 + 1, as Erlang prints it. */
#define BIG_DECIMAL "1267650600228229401496703205377"

static ei_cnode ec;
static int fd = -1;
static erlang_pid echo_pid;
static int have_echo_pid;
static int exchanges;

#define FAIL_IF(failed, ...)                                                                       \
    do {                                                                                           \
        if (failed) {                                                                              \
            complain(__VA_ARGS__);                                                                 \
            return -1;                                                                             \
        }                                                                                          \
    } while (0)

/* Waits for the next message (SEND or REG_SEND) on the connection. */
static int await_message(ei_x_buff *x, erlang_msg *msg)
{
    for (;;) {
        int rc = receive_msg(fd, msg, x, TIMEOUT_MS);
        if (rc == ERL_ERROR || rc == ERL_TIMEOUT) {
            if (rc == ERL_TIMEOUT || erl_errno == ETIMEDOUT)
                complain("no message within %d ms", TIMEOUT_MS);
            else
                complain("receiving failed (erl_errno %d: %s); connection lost?", erl_errno,
                         strerror(erl_errno));
            return -1;
        }
        if (rc != ERL_MSG) {
            complain("ei_xreceive_msg returned %d", rc);
            return -1;
        }
        switch (msg->msgtype) {
        case ERL_SEND:
        case ERL_REG_SEND:
            return 0;
        default: {
            char *from = pid_str(&msg->from);
            say("(ignoring a %s signal from %s)", msgtype_name(msg->msgtype), from);
            free(from);
        }
        }
    }
}

/* {echo, Self, Term} to cnode_echo (to == NULL) or to a pid; expects
   {echo, EchoPid, Term} back. */
static int echo(const erlang_pid *to, const char *what, const ei_x_buff *term)
{
    ei_x_buff m, x;
    erlang_msg msg;
    erlang_pid from;
    char atom[MAXATOMLEN_UTF8], name[] = ECHO_NAME;
    int index = 0, tindex = 0, version, arity, eq, rc = -1;
    char *s;

    s = term_str(term->buff, 0);
    say("%-9s %s", what, s);
    free(s);

    if (ei_x_new_with_version(&m) < 0 || ei_x_new(&x) < 0) {
        complain("out of memory");
        exit(1);
    }
    if (ei_x_encode_tuple_header(&m, 3) < 0 || ei_x_encode_atom(&m, "echo") < 0 ||
        ei_x_encode_pid(&m, ei_self(&ec)) < 0 || ei_x_append(&m, term) < 0) {
        complain("encoding {echo, Self, Term} failed");
        goto out;
    }
    if (to ? ei_send(fd, (erlang_pid *)to, m.buff, m.index)
           : ei_reg_send(&ec, fd, name, m.buff, m.index)) {
        complain("%s failed (erl_errno %d)", to ? "ei_send" : "ei_reg_send", erl_errno);
        goto out;
    }
    if (await_message(&x, &msg) < 0)
        goto out;

    if (ei_decode_version(x.buff, &index, &version) < 0 ||
        ei_decode_tuple_header(x.buff, &index, &arity) < 0 || arity != 3 ||
        ei_decode_atom(x.buff, &index, atom) < 0 || strcmp(atom, "echo") != 0 ||
        ei_decode_pid(x.buff, &index, &from) < 0) {
        s = term_str(x.buff, 1);
        complain("expected {echo, Pid, Term}, got %s", s);
        free(s);
        goto out;
    }
    s = term_str(x.buff, index);
    {
        char *p = pid_str(&from);
        say("%-9s %s   (from %s)", "echoed", s, p);
        free(p);
    }
    eq = term_equal(x.buff, &index, term->buff, &tindex);
    if (eq != 1) {
        complain("the echo %s what was sent", eq < 0 ? "cannot be compared with" : "differs from");
        free(s);
        goto out;
    }
    free(s);
    if (to && ei_cmp_pids(&from, (erlang_pid *)to) != 0) {
        complain("the echo came from another process");
        goto out;
    }
    echo_pid = from;
    have_echo_pid = 1;
    exchanges++;
    rc = 0;
out:
    ei_x_free(&m);
    ei_x_free(&x);
    return rc;
}

/* {call, Self, Ref, Request} to the echo process; expects {reply, Ref,
   Answer} back, leaves it in *reply with *index at Answer. */
static int call(const ei_x_buff *request, ei_x_buff *reply, int *index)
{
    ei_x_buff m;
    erlang_msg msg;
    erlang_ref ref, got;
    char atom[MAXATOMLEN_UTF8];
    int version, arity, rc = -1;
    char *s;

    s = term_str(request->buff, 0);
    say("%-9s %s", "request", s);
    free(s);

    if (ei_make_ref(&ec, &ref) < 0) {
        complain("ei_make_ref failed");
        return -1;
    }
    if (ei_x_new_with_version(&m) < 0) {
        complain("out of memory");
        exit(1);
    }
    if (ei_x_encode_tuple_header(&m, 4) < 0 || ei_x_encode_atom(&m, "call") < 0 ||
        ei_x_encode_pid(&m, ei_self(&ec)) < 0 || ei_x_encode_ref(&m, &ref) < 0 ||
        ei_x_append(&m, request) < 0) {
        complain("encoding {call, Self, Ref, Request} failed");
        goto out;
    }
    if (ei_send(fd, &echo_pid, m.buff, m.index) < 0) {
        complain("ei_send failed (erl_errno %d)", erl_errno);
        goto out;
    }
    if (await_message(reply, &msg) < 0)
        goto out;
    *index = 0;
    if (ei_decode_version(reply->buff, index, &version) < 0 ||
        ei_decode_tuple_header(reply->buff, index, &arity) < 0 || arity != 3 ||
        ei_decode_atom(reply->buff, index, atom) < 0 || strcmp(atom, "reply") != 0 ||
        ei_decode_ref(reply->buff, index, &got) < 0) {
        s = term_str(reply->buff, 1);
        complain("expected {reply, Ref, Answer}, got %s", s);
        free(s);
        goto out;
    }
    if (ei_cmp_refs(&ref, &got) != 0) {
        complain("the reply carries another reference");
        goto out;
    }
    s = term_str(reply->buff, *index);
    say("%-9s %s", "answer", s);
    free(s);
    exchanges++;
    rc = 0;
out:
    ei_x_free(&m);
    return rc;
}

/* The string at buf[*index] into out (at most outsz - 1 bytes). */
static int decode_short_string(const char *buf, int *index, char *out, size_t outsz)
{
    int type, size;
    if (ei_get_type(buf, index, &type, &size) < 0 || type != ERL_STRING_EXT ||
        (size_t)size >= outsz)
        return -1;
    return ei_decode_string(buf, index, out);
}

static int encode_big_2_100_plus_1(ei_x_buff *x)
{
    /* erlang_big digits: 16-bit little-endian words, arity counts bytes. */
    erlang_big *big = ei_alloc_big(13);
    unsigned short *d;
    int rc;

    if (!big)
        return -1;
    d = big->digits;
    d[0] = 1;        /* bits 0..15 */
    d[6] = 0x0010;   /* bit 100 = bit 4 of word 6 */
    big->is_neg = 0;
    rc = ei_x_encode_big(x, big);
    ei_free_big(big);
    return rc;
}

static int run(void)
{
    ei_x_buff t, r;
    erlang_ref ref;
    int index;
    char str[256];

    if (ei_x_new(&t) < 0 || ei_x_new(&r) < 0)
        return -1;

    say("--- 1. terms to the registered name " ECHO_NAME " (ei_reg_send) ---");

    /* an atom */
    FAIL_IF(ei_x_encode_atom(&t, "hello") < 0, "encoding an atom failed");
    FAIL_IF(echo(NULL, "atom", &t) < 0, "atom exchange failed");

    /* {"a string", <<"binary">>, 42, -3.25, [1, two, "three", []]} */
    t.index = 0;
    FAIL_IF(ei_x_encode_tuple_header(&t, 5) < 0 || ei_x_encode_string(&t, "a string") < 0 ||
                ei_x_encode_binary(&t, "binary", 6) < 0 || ei_x_encode_long(&t, 42) < 0 ||
                ei_x_encode_double(&t, -3.25) < 0 || ei_x_encode_list_header(&t, 4) < 0 ||
                ei_x_encode_long(&t, 1) < 0 || ei_x_encode_atom(&t, "two") < 0 ||
                ei_x_encode_string(&t, "three") < 0 || ei_x_encode_empty_list(&t) < 0 ||
                ei_x_encode_empty_list(&t) < 0,
            "encoding a tuple failed");
    FAIL_IF(echo(NULL, "tuple", &t) < 0, "tuple exchange failed");

    /* #{name => <<"ei">>, langs => [c, rust], version => 5} */
    t.index = 0;
    FAIL_IF(ei_x_encode_map_header(&t, 3) < 0 || ei_x_encode_atom(&t, "name") < 0 ||
                ei_x_encode_binary(&t, "ei", 2) < 0 || ei_x_encode_atom(&t, "langs") < 0 ||
                ei_x_encode_list_header(&t, 2) < 0 || ei_x_encode_atom(&t, "c") < 0 ||
                ei_x_encode_atom(&t, "rust") < 0 || ei_x_encode_empty_list(&t) < 0 ||
                ei_x_encode_atom(&t, "version") < 0 || ei_x_encode_long(&t, 5) < 0,
            "encoding a map failed");
    FAIL_IF(echo(NULL, "map", &t) < 0, "map exchange failed");

    /* 2^100 + 1 */
    t.index = 0;
    FAIL_IF(encode_big_2_100_plus_1(&t) < 0, "encoding a bignum failed");
    FAIL_IF(echo(NULL, "bignum", &t) < 0, "bignum exchange failed");

    /* {18446744073709551615, -9223372036854775808, -1} */
    t.index = 0;
    FAIL_IF(ei_x_encode_tuple_header(&t, 3) < 0 || ei_x_encode_ulonglong(&t, ULLONG_MAX) < 0 ||
                ei_x_encode_longlong(&t, LLONG_MIN) < 0 || ei_x_encode_long(&t, -1) < 0,
            "encoding integers failed");
    FAIL_IF(echo(NULL, "integers", &t) < 0, "integer exchange failed");

    /* {self, Self, Ref}: our own pid and a reference made by ei_make_ref */
    t.index = 0;
    FAIL_IF(ei_make_ref(&ec, &ref) < 0, "ei_make_ref failed");
    FAIL_IF(ei_x_encode_tuple_header(&t, 3) < 0 || ei_x_encode_atom(&t, "self") < 0 ||
                ei_x_encode_pid(&t, ei_self(&ec)) < 0 || ei_x_encode_ref(&t, &ref) < 0,
            "encoding a pid and a ref failed");
    FAIL_IF(echo(NULL, "pid+ref", &t) < 0, "pid/ref exchange failed");

    FAIL_IF(!have_echo_pid, "no echo pid");
    {
        char *p = pid_str(&echo_pid);
        say("--- 2. a term to the echo process's pid %s (ei_send) ---", p);
        free(p);
    }
    t.index = 0;
    FAIL_IF(ei_x_encode_tuple_header(&t, 2) < 0 || ei_x_encode_atom(&t, "to_pid") < 0 ||
                ei_x_encode_binary(&t, "via ei_send", 11) < 0,
            "encoding failed");
    FAIL_IF(echo(&echo_pid, "direct", &t) < 0, "exchange with the pid failed");

    say("--- 3. requests {call, Self, Ref, Request} -> {reply, Ref, Answer} ---");
    t.index = 0;
    FAIL_IF(ei_x_encode_tuple_header(&t, 2) < 0 || ei_x_encode_atom(&t, "system_info") < 0 ||
                ei_x_encode_atom(&t, "otp_release") < 0,
            "encoding failed");
    FAIL_IF(call(&t, &r, &index) < 0, "system_info request failed");
    FAIL_IF(decode_short_string(r.buff, &index, str, sizeof str) < 0,
            "the OTP release is not a string");
    FAIL_IF(str[0] == '\0' || strspn(str, "0123456789") != strlen(str),
            "'%s' does not look like an OTP release", str);
    say("the Erlang node runs Erlang/OTP %s", str);

    t.index = 0;
    FAIL_IF(ei_x_encode_tuple_header(&t, 2) < 0 || ei_x_encode_atom(&t, "format") < 0 ||
                encode_big_2_100_plus_1(&t) < 0,
            "encoding failed");
    FAIL_IF(call(&t, &r, &index) < 0, "format request failed");
    FAIL_IF(decode_short_string(r.buff, &index, str, sizeof str) < 0,
            "the answer is not a string");
    FAIL_IF(strcmp(str, BIG_DECIMAL) != 0, "Erlang reads our bignum as %s, not " BIG_DECIMAL,
            str);
    say("Erlang reads our bignum as 2^100 + 1 = %s", str);

    ei_x_free(&t);
    ei_x_free(&r);
    return 0;
}

int main(int argc, char **argv)
{
    char peer[MAXNODELEN + 1], self_name[MAXNODELEN + 1];
    const char *at;

    cnode_prog = "cclient";
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s ERLANG_NODE COOKIE [THIS_NODE]\n", argv[0]);
        return 2;
    }
    at = strchr(argv[1], '@');
    if (!at || strlen(argv[1]) >= sizeof peer) {
        fprintf(stderr, "%s: ERLANG_NODE must be alive@host\n", argv[0]);
        return 2;
    }
    strcpy(peer, argv[1]);
    if (argc == 4) {
        if (strlen(argv[3]) >= sizeof self_name) {
            fprintf(stderr, "%s: THIS_NODE is too long\n", argv[0]);
            return 2;
        }
        strcpy(self_name, argv[3]);
    } else {
        snprintf(self_name, sizeof self_name, "cclient_%ld%s", (long)getpid(), at);
    }

    if (cnode_init(&ec, self_name, argv[2]) < 0)
        return 1;
    say("I am C node %s; connecting to %s", ei_thisnodename(&ec), peer);
    fd = ei_connect(&ec, peer);
    if (fd < 0) {
        complain("ei_connect(%s) failed: %d (erl_errno %d: %s); is the node running, known "
                 "to epmd (ERL_EPMD_PORT) and using the same cookie?",
                 peer, fd, erl_errno, strerror(erl_errno));
        return 1;
    }
    {
        char *p = pid_str(ei_self(&ec));
        say("connected (fd %d); my pid is %s", fd, p);
        free(p);
    }

    if (run() < 0) {
        complain("C node client demo FAILED after %d good exchanges", exchanges);
        ei_close_connection(fd);
        return 1;
    }
    if (ei_close_connection(fd) < 0) {
        complain("ei_close_connection failed");
        return 1;
    }
    say("C node client demo OK: %d exchanges, each answer checked", exchanges);
    return 0;
}
