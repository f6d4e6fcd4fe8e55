/*
 * ei_hello: a small program built outside this project against an installed
 * ei-rs (c-tests/install): it encodes a term, prints it with ei_s_print_term,
 * decodes it back, and reports the libei shared objects the process has
 * mapped (none when libei.a was linked in).
 *
 * Output:
 *   term: <the term, as ei_s_print_term prints it>
 *   decode: ok
 *   libei: <path of each mapped libei*.so*, as the kernel resolved it>
 *
 * Exits 0 if every call succeeded and the decoded values match, 1 otherwise.
 */
#define _GNU_SOURCE /* getline */

#include <ei.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failed(const char *what)
{
    fprintf(stderr, "ei_hello: %s failed (erl_errno %d)\n", what, erl_errno);
    return 1;
}

/* Every distinct file mapped into this process whose name starts with "libei". */
static void print_mapped_libei(void)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    char *line = NULL, *last = NULL;
    size_t cap = 0;

    if (!maps)
        return;
    while (getline(&line, &cap, maps) > 0) {
        char *path = strchr(line, '/');
        char *base;

        if (!path)
            continue;
        path[strcspn(path, "\n")] = '\0';
        base = strrchr(path, '/') + 1;
        if (strncmp(base, "libei", 5) != 0 || !strstr(base, ".so"))
            continue;
        if (last && strcmp(last, path) == 0)
            continue;
        printf("libei: %s\n", path);
        free(last);
        last = strdup(path);
    }
    free(last);
    free(line);
    fclose(maps);
}

int main(void)
{
    ei_x_buff x;
    char atom[MAXATOMLEN_UTF8], str[16], *text = NULL;
    long n;
    double d;
    int index = 0, version, arity;

    if (ei_init() != 0)
        return failed("ei_init");
    /* {hello, "caf\xe9", 42, [1.5], <<"ei">>} */
    if (ei_x_new_with_version(&x) < 0 || ei_x_encode_tuple_header(&x, 5) < 0 ||
        ei_x_encode_atom(&x, "hello") < 0 || ei_x_encode_string(&x, "caf\xe9") < 0 ||
        ei_x_encode_long(&x, 42) < 0 || ei_x_encode_list_header(&x, 1) < 0 ||
        ei_x_encode_double(&x, 1.5) < 0 || ei_x_encode_empty_list(&x) < 0 ||
        ei_x_encode_binary(&x, "ei", 2) < 0)
        return failed("encoding");

    index = 1; /* after the version byte */
    if (ei_s_print_term(&text, x.buff, &index) < 0)
        return failed("ei_s_print_term");
    printf("term: %s\n", text);
    free(text);

    index = 0;
    if (ei_decode_version(x.buff, &index, &version) < 0 ||
        ei_decode_tuple_header(x.buff, &index, &arity) < 0 || arity != 5 ||
        ei_decode_atom(x.buff, &index, atom) < 0 || strcmp(atom, "hello") != 0 ||
        ei_decode_string(x.buff, &index, str) < 0 || strcmp(str, "caf\xe9") != 0 ||
        ei_decode_long(x.buff, &index, &n) < 0 || n != 42 ||
        ei_decode_list_header(x.buff, &index, &arity) < 0 || arity != 1 ||
        ei_decode_double(x.buff, &index, &d) < 0 || d != 1.5 ||
        ei_decode_list_header(x.buff, &index, &arity) < 0 || arity != 0 ||
        ei_skip_term(x.buff, &index) < 0 || index != x.index)
        return failed("decoding");
    printf("decode: ok\n");
    ei_x_free(&x);

    print_mapped_libei();
    return 0;
}
