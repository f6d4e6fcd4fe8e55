/*
 * ei_rpc, ei_rpc_to, ei_xrpc_to, ei_rpc_from and the ei_global_* functions
 * against a live Erlang node (started by run_rpc.sh).
 *
 *   rpc_test TEST NODE COOKIE
 *
 * TEST is one of: call, from, stdout, global, errors.  The same source is
 * built against OTP's libei (which proves the expectations) and against
 * ours; RPC_TEST_OURS adds the bad-input checks that would crash libei.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ei.h>

static const char *g_test;

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "%s: %s:%d: CHECK failed: %s (erl_errno %d)\n", \
                    g_test, __FILE__, __LINE__, #cond, erl_errno);         \
            exit(1);                                                       \
        }                                                                  \
    } while (0)

/* A reply that is not the expected one: EBADMSG (OTP's libei is built with
 * EI_HIDE_REAL_ERRNO, which turns every such code into EIO). */
#ifdef RPC_TEST_OURS
#define BAD_REPLY(e) ((e) == EBADMSG)
#else
#define BAD_REPLY(e) ((e) == EIO)
#endif

static ei_cnode g_ec;
static int g_fd = -1;

static void connect_node(const char *node, const char *cookie)
{
    char alive[64];

    CHECK(ei_init() == 0);
    snprintf(alive, sizeof alive, "c_rpc_%ld", (long)getpid());
    CHECK(ei_connect_init(&g_ec, alive, cookie, 0) == 0);
    g_fd = ei_connect(&g_ec, (char *)node);
    CHECK(g_fd >= 0);
}

/* ---- small helpers ------------------------------------------------------ */

/* The printed form of the term at buf[*index], advancing *index. */
static char *print_at(const char *buf, int *index)
{
    char *s = NULL;
    CHECK(ei_s_print_term(&s, buf, index) >= 0);
    CHECK(s != NULL);
    return s;
}

/* Checks that x holds exactly one term (no version byte) printed as
 * `want`: the layout ei_rpc leaves. */
static void check_reply(const ei_x_buff *x, const char *want)
{
    int index = 0, version;
    char *s;

    /* libei strips {rex, ...} and the version byte with it. */
    CHECK(ei_decode_version(x->buff, &index, &version) < 0);
    CHECK(index == 0);
    s = print_at(x->buff, &index);
    if (strcmp(s, want) != 0) {
        fprintf(stderr, "%s: got %s, want %s\n", g_test, s, want);
        exit(1);
    }
    CHECK(index == x->index);
    free(s);
}

/* Checks that x holds a whole message (version byte and term) printed as
 * `want`: what ei_rpc_from leaves. */
static void check_message(const ei_x_buff *x, const char *want)
{
    int index = 0, version;
    char *s;

    CHECK(ei_decode_version(x->buff, &index, &version) == 0);
    CHECK(version == 131);
    s = print_at(x->buff, &index);
    if (strcmp(s, want) != 0) {
        fprintf(stderr, "%s: got %s, want %s\n", g_test, s, want);
        exit(1);
    }
    CHECK(index == x->index);
    free(s);
}

/* ei_rpc_from, answering ticks until something else arrives. */
/* ei_rpc_from, skipping ticks, within `timeout` ms in all: ticks arrive
 * every second, so restarting the timeout after each would wait for ever
 * for a reply that never comes. ERL_NO_TIMEOUT waits without limit. */
static int rpc_from(int timeout, erlang_msg *msg, ei_x_buff *x)
{
    struct timespec start, now;
    int r, left = timeout;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while ((r = ei_rpc_from(&g_ec, g_fd, left, msg, x)) == ERL_TICK) {
        if (timeout <= 0)
            continue;
        clock_gettime(CLOCK_MONOTONIC, &now);
        left = timeout - (int)((now.tv_sec - start.tv_sec) * 1000
                               + (now.tv_nsec - start.tv_nsec) / 1000000);
        if (left <= 0) {
            fprintf(stderr, "rpc_from: nothing but ticks for %d ms\n", timeout);
            return ERL_TIMEOUT;
        }
    }
    return r;
}

/* Arguments [] */
static void args_nil(ei_x_buff *a)
{
    CHECK(ei_x_new(a) == 0);
    CHECK(ei_x_encode_empty_list(a) == 0);
}

/* Arguments [N] */
static void args_long(ei_x_buff *a, long n)
{
    CHECK(ei_x_new(a) == 0);
    CHECK(ei_x_encode_list_header(a, 1) == 0);
    CHECK(ei_x_encode_long(a, n) == 0);
    CHECK(ei_x_encode_empty_list(a) == 0);
}

/* Arguments [Atom] */
static void args_atom(ei_x_buff *a, const char *atom)
{
    CHECK(ei_x_new(a) == 0);
    CHECK(ei_x_encode_list_header(a, 1) == 0);
    CHECK(ei_x_encode_atom(a, atom) == 0);
    CHECK(ei_x_encode_empty_list(a) == 0);
}

/* rpc mod:fun(args) with ei_rpc, expecting the reply printed as `want`. */
static void rpc_expect(const char *mod, const char *fun, ei_x_buff *args, const char *want)
{
    ei_x_buff x;
    CHECK(ei_x_new(&x) == 0);
    CHECK(ei_rpc(&g_ec, g_fd, (char *)mod, (char *)fun, args->buff, args->index, &x) == 0);
    check_reply(&x, want);
    ei_x_free(&x);
}

/* ---- tests ---------------------------------------------------------------- */

/* ei_rpc: a result, arguments, an error, ticks while waiting. */
static void test_call(const char *node)
{
    ei_x_buff args, x;
    char want[600];
    int index;

    /* erlang:node() */
    args_nil(&args);
    snprintf(want, sizeof want, "%s", node);
    rpc_expect("erlang", "node", &args, want);
    ei_x_free(&args);

    /* lists:reverse([1,2,3]) */
    CHECK(ei_x_new(&args) == 0);
    CHECK(ei_x_encode_list_header(&args, 1) == 0);
    CHECK(ei_x_encode_list_header(&args, 3) == 0);
    CHECK(ei_x_encode_long(&args, 1) == 0);
    CHECK(ei_x_encode_long(&args, 2) == 0);
    CHECK(ei_x_encode_long(&args, 3) == 0);
    CHECK(ei_x_encode_empty_list(&args) == 0);
    CHECK(ei_x_encode_empty_list(&args) == 0);
    CHECK(ei_x_new(&x) == 0);
    CHECK(ei_rpc(&g_ec, g_fd, "lists", "reverse", args.buff, args.index, &x) == 0);
    {
        char s[8];
        index = 0;
        /* [3,2,1] comes as a string: "\3\2\1" */
        CHECK(ei_decode_string(x.buff, &index, s) == 0);
        CHECK(strcmp(s, "\3\2\1") == 0);
        CHECK(index == x.index);
    }
    ei_x_free(&x);
    ei_x_free(&args);

    /* A call that fails: {badrpc, {'EXIT', {undef, [...]}}} */
    args_nil(&args);
    CHECK(ei_x_new(&x) == 0);
    CHECK(ei_rpc(&g_ec, g_fd, "no_such_module", "f", args.buff, args.index, &x) == 0);
    {
        int arity;
        char a[MAXATOMLEN];
        index = 0;
        CHECK(ei_decode_tuple_header(x.buff, &index, &arity) == 0 && arity == 2);
        CHECK(ei_decode_atom(x.buff, &index, a) == 0 && strcmp(a, "badrpc") == 0);
        CHECK(ei_decode_tuple_header(x.buff, &index, &arity) == 0 && arity == 2);
        CHECK(ei_decode_atom(x.buff, &index, a) == 0 && strcmp(a, "EXIT") == 0);
        CHECK(ei_decode_tuple_header(x.buff, &index, &arity) == 0 && arity == 2);
        CHECK(ei_decode_atom(x.buff, &index, a) == 0 && strcmp(a, "undef") == 0);
        CHECK(ei_skip_term(x.buff, &index) == 0);
        CHECK(index == x.index);
    }
    ei_x_free(&x);
    ei_x_free(&args);

    /* erlang:error(boom): {badrpc, {'EXIT', {boom, Stack}}} */
    args_atom(&args, "boom");
    CHECK(ei_x_new(&x) == 0);
    CHECK(ei_rpc(&g_ec, g_fd, "erlang", "error", args.buff, args.index, &x) == 0);
    {
        char *s;
        index = 0;
        s = print_at(x.buff, &index);
        CHECK(strncmp(s, "{badrpc, {'EXIT', {boom, ", 25) == 0);
        free(s);
    }
    ei_x_free(&x);
    ei_x_free(&args);

    /* throw(thrown) comes back as the result itself */
    args_atom(&args, "thrown");
    rpc_expect("erlang", "throw", &args, "thrown");
    ei_x_free(&args);

    /* ei_rpc answers the ticks (one a second) that arrive while it waits. */
    args_long(&args, 3000);
    rpc_expect("timer", "sleep", &args, "ok");
    ei_x_free(&args);

    /* x reused: the old contents go */
    args_nil(&args);
    CHECK(ei_x_new(&x) == 0);
    CHECK(ei_x_encode_atom(&x, "garbage") == 0);
    CHECK(ei_rpc(&g_ec, g_fd, "erlang", "node", args.buff, args.index, &x) == 0);
    snprintf(want, sizeof want, "%s", node);
    check_reply(&x, want);
    ei_x_free(&x);
    ei_x_free(&args);
}

/* ei_rpc_to + ei_rpc_from: a time-out that expires, one that does not. */
static void test_from(void)
{
    ei_x_buff args, x;
    erlang_msg msg;
    int r;

    args_long(&args, 1500);
    CHECK(ei_rpc_to(&g_ec, g_fd, "timer", "sleep", args.buff, args.index) == 0);
    ei_x_free(&args);

    CHECK(ei_x_new(&x) == 0);
    erl_errno = 0;
    r = rpc_from(200, &msg, &x);
    CHECK(r == ERL_TIMEOUT);
    CHECK(erl_errno == ETIMEDOUT);

    r = rpc_from(10000, &msg, &x);
    CHECK(r == ERL_MSG);
    CHECK(msg.msgtype == ERL_SEND);
    CHECK(ei_cmp_pids(&msg.to, ei_self(&g_ec)) == 0);
    check_message(&x, "{rex, ok}");
    ei_x_free(&x);

    /* ERL_NO_TIMEOUT waits for as long as it takes */
    args_long(&args, 300);
    CHECK(ei_rpc_to(&g_ec, g_fd, "timer", "sleep", args.buff, args.index) == 0);
    ei_x_free(&args);
    CHECK(ei_x_new(&x) == 0);
    CHECK(rpc_from(ERL_NO_TIMEOUT, &msg, &x) == ERL_MSG);
    check_message(&x, "{rex, ok}");
    ei_x_free(&x);

    /* ei_xrpc_to without flags is ei_rpc_to */
    args_long(&args, 7);
    CHECK(ei_xrpc_to(&g_ec, g_fd, "erlang", "abs", args.buff, args.index, 0) == 0);
    ei_x_free(&args);
    CHECK(ei_x_new(&x) == 0);
    CHECK(rpc_from(5000, &msg, &x) == ERL_MSG);
    check_message(&x, "{rex, 7}");
    ei_x_free(&x);

    /* A message other than {rex, _} first: ei_rpc does not skip it, it
     * fails with EBADMSG; the reply is still there to be read. */
    CHECK(ei_x_new(&args) == 0);
    CHECK(ei_x_encode_list_header(&args, 2) == 0);
    CHECK(ei_x_encode_pid(&args, ei_self(&g_ec)) == 0);
    CHECK(ei_x_encode_atom(&args, "stray") == 0);
    CHECK(ei_x_encode_empty_list(&args) == 0);
    CHECK(ei_x_new(&x) == 0);
    erl_errno = 0;
    CHECK(ei_rpc(&g_ec, g_fd, "erlang", "send", args.buff, args.index, &x) == ERL_ERROR);
    CHECK(BAD_REPLY(erl_errno));
    ei_x_free(&args);
    CHECK(rpc_from(5000, &msg, &x) == ERL_MSG);
    check_message(&x, "{rex, stray}");
    ei_x_free(&x);
}

/* ei_xrpc_to with EI_RPC_FETCH_STDOUT: the output, then the result. */
static void test_stdout(void)
{
    ei_x_buff args, x;
    erlang_msg msg;

    CHECK(ei_x_new(&args) == 0);
    CHECK(ei_x_encode_list_header(&args, 1) == 0);
    CHECK(ei_x_encode_string(&args, "hello~n") == 0);
    CHECK(ei_x_encode_empty_list(&args) == 0);

    CHECK(ei_xrpc_to(&g_ec, g_fd, "io", "format", args.buff, args.index,
                     EI_RPC_FETCH_STDOUT) == 0);
    CHECK(ei_x_new(&x) == 0);
    CHECK(rpc_from(10000, &msg, &x) == ERL_MSG);
    CHECK(msg.msgtype == ERL_SEND);
    {
        int index = 0, version, arity, type, size;
        char a[MAXATOMLEN];
        char bin[16];
        long len;
        CHECK(ei_decode_version(x.buff, &index, &version) == 0);
        CHECK(ei_decode_tuple_header(x.buff, &index, &arity) == 0 && arity == 2);
        CHECK(ei_decode_atom(x.buff, &index, a) == 0 && strcmp(a, "rex_stdout") == 0);
        CHECK(ei_get_type(x.buff, &index, &type, &size) == 0);
        CHECK(type == ERL_BINARY_EXT && size == 6);
        CHECK(ei_decode_binary(x.buff, &index, bin, &len) == 0);
        CHECK(len == 6 && memcmp(bin, "hello\n", 6) == 0);
        CHECK(index == x.index);
    }
    CHECK(rpc_from(10000, &msg, &x) == ERL_MSG);
    check_message(&x, "{rex, ok}");

    /* Without the flag the output goes to the node's own user: only the
     * result comes back. */
    CHECK(ei_xrpc_to(&g_ec, g_fd, "io", "format", args.buff, args.index, 0) == 0);
    CHECK(rpc_from(10000, &msg, &x) == ERL_MSG);
    check_message(&x, "{rex, ok}");

    ei_x_free(&x);
    ei_x_free(&args);
}

static int names_contain(char **names, int count, const char *name)
{
    int i;
    for (i = 0; i < count; i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

/* whereis_name from Erlang's side, via ei_rpc; the reply printed. */
static char *erlang_whereis(const char *name)
{
    ei_x_buff args, x;
    int index = 0;
    char *s;

    args_atom(&args, name);
    CHECK(ei_x_new(&x) == 0);
    CHECK(ei_rpc(&g_ec, g_fd, "global", "whereis_name", args.buff, args.index, &x) == 0);
    s = print_at(x.buff, &index);
    ei_x_free(&x);
    ei_x_free(&args);
    return s;
}

static void test_global(void)
{
    char name[64];
    char nodebuf[MAXNODELEN + 1];
    erlang_pid pid;
    erlang_pid *self = ei_self(&g_ec);
    char **names;
    int count, i;
    char *s;

    snprintf(name, sizeof name, "ei_rpc_test_%ld", (long)getpid());

    /* Register the C node's pid. */
    CHECK(ei_global_register(g_fd, name, self) == 0);

    /* Erlang resolves the name to it. */
    {
        ei_x_buff args, x;
        erlang_pid got;
        int index = 0;
        args_atom(&args, name);
        CHECK(ei_x_new(&x) == 0);
        CHECK(ei_rpc(&g_ec, g_fd, "global", "whereis_name", args.buff, args.index, &x) == 0);
        CHECK(ei_decode_pid(x.buff, &index, &got) == 0);
        CHECK(ei_cmp_pids(&got, self) == 0);
        ei_x_free(&x);
        ei_x_free(&args);
    }

    /* ei_global_whereis finds it, with its node's name. */
    memset(&pid, 0, sizeof pid);
    memset(nodebuf, 'x', sizeof nodebuf);
    CHECK(ei_global_whereis(&g_ec, g_fd, name, &pid, nodebuf) == 0);
    CHECK(ei_cmp_pids(&pid, self) == 0);
    CHECK(strcmp(nodebuf, ei_thisnodename(&g_ec)) == 0);
    /* node may be NULL */
    CHECK(ei_global_whereis(&g_ec, g_fd, name, &pid, NULL) == 0);
    CHECK(ei_cmp_pids(&pid, self) == 0);

    /* ei_global_names lists it: one malloc'ed block, NULL-terminated. */
    count = -1;
    names = ei_global_names(&g_ec, g_fd, &count);
    CHECK(names != NULL);
    CHECK(count >= 1);
    CHECK(names[count] == NULL);
    CHECK(names_contain(names, count, name));
    for (i = 0; i < count; i++) {
        /* the strings follow the pointer array, in order, in the block */
        CHECK(names[i] > (char *)&names[count]);
        if (i > 0)
            CHECK(names[i] == names[i - 1] + strlen(names[i - 1]) + 1);
    }
    free(names);
    /* count may be NULL */
    names = ei_global_names(&g_ec, g_fd, NULL);
    CHECK(names != NULL);
    free(names);

    /* A second registration of the name is refused: {rex, no}. */
    erl_errno = 0;
    CHECK(ei_global_register(g_fd, name, self) == ERL_ERROR);
    CHECK(BAD_REPLY(erl_errno));

    /* Unregister. */
    CHECK(ei_global_unregister(&g_ec, g_fd, name) == 0);
    s = erlang_whereis(name);
    CHECK(strcmp(s, "undefined") == 0);
    free(s);

    /* {rex, undefined} is not a pid */
    erl_errno = 0;
    CHECK(ei_global_whereis(&g_ec, g_fd, name, &pid, nodebuf) == ERL_ERROR);
    CHECK(BAD_REPLY(erl_errno));

    count = -1;
    names = ei_global_names(&g_ec, g_fd, &count);
    CHECK(names != NULL);
    CHECK(count >= 0);
    CHECK(names[count] == NULL);
    CHECK(!names_contain(names, count, name));
    free(names);

    /* Unregistering an unknown name is fine ({rex, ok}). */
    CHECK(ei_global_unregister(&g_ec, g_fd, name) == 0);

    /* Register again: the link and monitor come again; then the
     * connection still works for plain rpc. */
    CHECK(ei_global_register(g_fd, name, self) == 0);
    s = erlang_whereis(name);
    CHECK(s[0] == '<' && strstr(s, ei_thisnodename(&g_ec)) == s + 1);
    free(s);
    CHECK(ei_global_unregister(&g_ec, g_fd, name) == 0);
    s = erlang_whereis(name);
    CHECK(strcmp(s, "undefined") == 0);
    free(s);
}

/* Bad input: a clear -1 (NULL for ei_global_names) and erl_errno. */
static void test_errors(const char *node)
{
    ei_x_buff args, x;
    erlang_msg msg;
    erlang_pid pid;
    int count = 12345;
    int bad_fd = 1000;  /* not a connection */
    char want[600];

    args_nil(&args);
    CHECK(ei_x_new(&x) == 0);

    /* Not a connection. */
    CHECK(ei_rpc(&g_ec, bad_fd, "erlang", "node", args.buff, args.index, &x) == ERL_ERROR);
    CHECK(ei_rpc_to(&g_ec, bad_fd, "erlang", "node", args.buff, args.index) == ERL_ERROR);
    CHECK(ei_xrpc_to(&g_ec, bad_fd, "erlang", "node", args.buff, args.index,
                     EI_RPC_FETCH_STDOUT) == ERL_ERROR);
#ifdef RPC_TEST_OURS
    CHECK(ei_rpc_from(&g_ec, bad_fd, 100, &msg, &x) == ERL_ERROR);
#else
    /* libei polls the unknown descriptor until the time-out. */
    CHECK(ei_rpc_from(&g_ec, bad_fd, 100, &msg, &x) == ERL_TIMEOUT);
#endif
    CHECK(ei_global_names(&g_ec, bad_fd, &count) == NULL);
    CHECK(count == 12345);
    CHECK(ei_global_whereis(&g_ec, bad_fd, "x", &pid, NULL) == ERL_ERROR);
    CHECK(ei_global_register(bad_fd, "x", ei_self(&g_ec)) == ERL_ERROR);
    CHECK(ei_global_unregister(&g_ec, bad_fd, "x") == ERL_ERROR);

#ifdef RPC_TEST_OURS
    /* NULL pointers, bad lengths, malformed arguments: libei crashes or
     * sends garbage that makes the node drop the connection. */
#define EINVAL_CALL(call)                     \
    do {                                      \
        erl_errno = 0;                        \
        CHECK((call) == ERL_ERROR);           \
        CHECK(erl_errno == EINVAL);           \
    } while (0)
    EINVAL_CALL(ei_rpc(NULL, g_fd, "erlang", "node", args.buff, args.index, &x));
    EINVAL_CALL(ei_rpc(&g_ec, g_fd, NULL, "node", args.buff, args.index, &x));
    EINVAL_CALL(ei_rpc(&g_ec, g_fd, "erlang", NULL, args.buff, args.index, &x));
    EINVAL_CALL(ei_rpc(&g_ec, g_fd, "erlang", "node", NULL, 1, &x));
    EINVAL_CALL(ei_rpc(&g_ec, g_fd, "erlang", "node", args.buff, -1, &x));
    EINVAL_CALL(ei_rpc(&g_ec, g_fd, "erlang", "node", args.buff, args.index, NULL));
    EINVAL_CALL(ei_rpc_to(NULL, g_fd, "erlang", "node", args.buff, args.index));
    EINVAL_CALL(ei_xrpc_to(&g_ec, g_fd, "erlang", NULL, args.buff, args.index, 0));
    {
        /* A version byte in front of the arguments (a classic mistake),
         * a truncated term, trailing bytes, nothing at all. */
        static const char with_version[] = {(char)131, 106};
        static const char truncated[] = {108, 0, 0, 0, 1, 97};
        static const char trailing[] = {106, 106};
        EINVAL_CALL(ei_rpc_to(&g_ec, g_fd, "erlang", "node", with_version, 2));
        EINVAL_CALL(ei_rpc_to(&g_ec, g_fd, "erlang", "node", truncated, 6));
        EINVAL_CALL(ei_rpc_to(&g_ec, g_fd, "erlang", "node", trailing, 2));
        EINVAL_CALL(ei_rpc_to(&g_ec, g_fd, "erlang", "node", NULL, 0));
    }
    {
        char long_atom[300];
        memset(long_atom, 'a', sizeof long_atom - 1);
        long_atom[sizeof long_atom - 1] = 0;
        EINVAL_CALL(ei_rpc_to(&g_ec, g_fd, long_atom, "node", args.buff, args.index));
    }
    EINVAL_CALL(ei_rpc_from(&g_ec, g_fd, 100, NULL, &x));
    EINVAL_CALL(ei_rpc_from(&g_ec, g_fd, 100, &msg, NULL));

    erl_errno = 0;
    CHECK(ei_global_names(NULL, g_fd, &count) == NULL);
    CHECK(erl_errno == EINVAL && count == 12345);
    EINVAL_CALL(ei_global_whereis(NULL, g_fd, "x", &pid, NULL));
    EINVAL_CALL(ei_global_whereis(&g_ec, g_fd, NULL, &pid, NULL));
    EINVAL_CALL(ei_global_whereis(&g_ec, g_fd, "x", NULL, NULL));
    EINVAL_CALL(ei_global_register(g_fd, NULL, ei_self(&g_ec)));
    EINVAL_CALL(ei_global_register(g_fd, "x", NULL));
    EINVAL_CALL(ei_global_unregister(NULL, g_fd, "x"));
    EINVAL_CALL(ei_global_unregister(&g_ec, g_fd, NULL));
    {
        ei_cnode unnamed;
        memset(&unnamed, 0, sizeof unnamed);
        EINVAL_CALL(ei_rpc_to(&unnamed, g_fd, "erlang", "node", args.buff, args.index));
        EINVAL_CALL(ei_global_unregister(&unnamed, g_fd, "x"));
    }
#endif

    /* The connection is still good. */
    snprintf(want, sizeof want, "%s", node);
    rpc_expect("erlang", "node", &args, want);

    ei_x_free(&x);
    ei_x_free(&args);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s call|from|stdout|global|errors NODE COOKIE\n", argv[0]);
        return 2;
    }
    g_test = argv[1];
    alarm(80);
    connect_node(argv[2], argv[3]);

    if (strcmp(g_test, "call") == 0)
        test_call(argv[2]);
    else if (strcmp(g_test, "from") == 0)
        test_from();
    else if (strcmp(g_test, "stdout") == 0)
        test_stdout();
    else if (strcmp(g_test, "global") == 0)
        test_global();
    else if (strcmp(g_test, "errors") == 0)
        test_errors(argv[2]);
    else {
        fprintf(stderr, "unknown test %s\n", g_test);
        return 2;
    }
    ei_close_connection(g_fd);
    printf("%s: ok\n", g_test);
    return 0;
}
