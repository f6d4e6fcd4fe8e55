/*
 * port_demo: an Erlang port program using ei.
 *
 * Started by Erlang (see port_demo.escript) with
 *   open_port({spawn_executable, Path}, [{packet, 4}, binary, exit_status])
 * it talks the {packet, 4} protocol on stdin/stdout: every message is a
 * 4-byte big-endian length followed by an external-format term.
 *
 *   1. encodes  {request, port_demo, [1,2,3], <<"hello">>, 3.14, #{key => 'héllo'}}
 *      and sends it to Erlang;
 *   2. receives Erlang's answer, which must be
 *      {reply, 6, <<"olleh">>, Node, OtpRelease, 6.28, #{key => 'héllo', count => 3}}
 *   3. prints both terms (to stderr: stdout is the port channel) and exits 0
 *      if the answer is the expected one, 1 otherwise.
 */
#include <ei.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HELLO_UTF8 "h\xc3\xa9llo" /* 'héllo' */

static int read_exact(int fd, char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = read(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static int write_exact(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static int send_packet(const char *buf, int len)
{
    unsigned char hdr[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16),
                            (unsigned char)(len >> 8), (unsigned char)len};
    if (write_exact(1, (const char *)hdr, 4) < 0)
        return -1;
    return write_exact(1, buf, (size_t)len);
}

/* Returns a malloc'd buffer holding one packet, or NULL. */
static char *recv_packet(int *lenp)
{
    unsigned char hdr[4];
    char *buf;
    size_t len;

    if (read_exact(0, (char *)hdr, 4) < 0)
        return NULL;
    len = ((size_t)hdr[0] << 24) | ((size_t)hdr[1] << 16) | ((size_t)hdr[2] << 8) | hdr[3];
    if (len == 0 || len > (1u << 24))
        return NULL;
    buf = malloc(len);
    if (!buf)
        return NULL;
    if (read_exact(0, buf, len) < 0) {
        free(buf);
        return NULL;
    }
    *lenp = (int)len;
    return buf;
}

/* ei_print_term writes atoms in Latin-1: show them as UTF-8 on the terminal. */
static void print_latin1(const char *label, const char *s)
{
    fputs(label, stderr);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x80) {
            fputc(*p, stderr);
        } else {
            fputc(0xc0 | (*p >> 6), stderr);
            fputc(0x80 | (*p & 0x3f), stderr);
        }
    }
    fputc('\n', stderr);
}

static int print_term(const char *label, const char *buf)
{
    char *s = NULL;
    int index = 0, version;

    if (ei_decode_version(buf, &index, &version) < 0 || ei_s_print_term(&s, buf, &index) < 0) {
        fprintf(stderr, "port_demo: cannot print %s\n", label);
        free(s);
        return -1;
    }
    print_latin1(label, s);
    free(s);
    return 0;
}

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "port_demo: " __VA_ARGS__);                                                \
        fputc('\n', stderr);                                                                       \
        return -1;                                                                                 \
    } while (0)

static int encode_request(ei_x_buff *x)
{
    if (ei_x_new_with_version(x) < 0)
        return -1;
    if (ei_x_encode_tuple_header(x, 6) < 0 || ei_x_encode_atom(x, "request") < 0 ||
        ei_x_encode_atom(x, "port_demo") < 0)
        return -1;
    if (ei_x_encode_list_header(x, 3) < 0 || ei_x_encode_long(x, 1) < 0 ||
        ei_x_encode_long(x, 2) < 0 || ei_x_encode_long(x, 3) < 0 || ei_x_encode_empty_list(x) < 0)
        return -1;
    if (ei_x_encode_binary(x, "hello", 5) < 0 || ei_x_encode_double(x, 3.14) < 0)
        return -1;
    if (ei_x_encode_map_header(x, 1) < 0 || ei_x_encode_atom(x, "key") < 0 ||
        ei_x_encode_atom_as(x, HELLO_UTF8, ERLANG_UTF8, ERLANG_UTF8) < 0)
        return -1;
    return 0;
}

/* {reply, 6, <<"olleh">>, Node, OtpRelease, 6.28, #{key => 'héllo', count => 3}} */
static int check_reply(const char *buf)
{
    int index = 0, version, arity, type, size;
    char atom[MAXATOMLEN_UTF8], bin[16], release[64];
    long l, binlen;
    double d;
    int saw_key = 0, saw_count = 0;

    if (ei_decode_version(buf, &index, &version) < 0)
        FAIL("reply: no version byte");
    if (ei_decode_tuple_header(buf, &index, &arity) < 0 || arity != 7)
        FAIL("reply: not a 7-tuple");
    if (ei_decode_atom(buf, &index, atom) < 0 || strcmp(atom, "reply") != 0)
        FAIL("reply: first element is not 'reply'");
    if (ei_decode_long(buf, &index, &l) < 0 || l != 6)
        FAIL("reply: sum is not 6");
    if (ei_get_type(buf, &index, &type, &size) < 0 || type != ERL_BINARY_EXT ||
        size >= (int)sizeof bin)
        FAIL("reply: third element is not a small binary");
    if (ei_decode_binary(buf, &index, bin, &binlen) < 0 || binlen != 5 ||
        memcmp(bin, "olleh", 5) != 0)
        FAIL("reply: binary is not <<\"olleh\">>");
    if (ei_decode_atom(buf, &index, atom) < 0 || strchr(atom, '@') == NULL)
        FAIL("reply: node is not a node name");
    fprintf(stderr, "port_demo: Erlang node: %s\n", atom);
    if (ei_get_type(buf, &index, &type, &size) < 0 || type != ERL_STRING_EXT ||
        size >= (int)sizeof release || ei_decode_string(buf, &index, release) < 0)
        FAIL("reply: OTP release is not a string");
    fprintf(stderr, "port_demo: Erlang/OTP release: %s\n", release);
    if (ei_decode_double(buf, &index, &d) < 0 || fabs(d - 6.28) > 1e-12)
        FAIL("reply: double is not 6.28");
    if (ei_decode_map_header(buf, &index, &arity) < 0 || arity != 2)
        FAIL("reply: not a map of two pairs");
    for (int i = 0; i < arity; i++) {
        if (ei_decode_atom(buf, &index, atom) < 0)
            FAIL("reply: map key is not an atom");
        if (strcmp(atom, "key") == 0) {
            erlang_char_encoding was, got;
            if (ei_decode_atom_as(buf, &index, atom, sizeof atom, ERLANG_UTF8, &was, &got) < 0 ||
                strcmp(atom, HELLO_UTF8) != 0)
                FAIL("reply: key => value is not 'héllo'");
            saw_key = 1;
        } else if (strcmp(atom, "count") == 0) {
            if (ei_decode_long(buf, &index, &l) < 0 || l != 3)
                FAIL("reply: count is not 3");
            saw_count = 1;
        } else {
            FAIL("reply: unexpected map key %s", atom);
        }
    }
    if (!saw_key || !saw_count)
        FAIL("reply: map keys missing");
    return 0;
}

int main(void)
{
    ei_x_buff x;
    char *reply;
    int len, rc;

    if (ei_init() != 0)
        FAIL("ei_init failed");
    if (encode_request(&x) < 0)
        FAIL("encoding the request failed");
    if (print_term("port_demo: C sends:     ", x.buff) < 0)
        return 1;
    if (send_packet(x.buff, x.index) < 0)
        FAIL("write to Erlang failed");
    ei_x_free(&x);

    reply = recv_packet(&len);
    if (!reply)
        FAIL("no reply from Erlang");
    if (print_term("port_demo: C received: ", reply) < 0) {
        free(reply);
        return 1;
    }
    rc = check_reply(reply);
    free(reply);
    if (rc < 0)
        return 1;
    fprintf(stderr, "port_demo: C side OK\n");
    return 0;
}
