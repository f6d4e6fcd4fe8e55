/*
 * 9. Tracing: ei_set_tracelevel / ei_get_tracelevel round trip; level 0
 * prints nothing; EI_TRACELEVEL=5 (read by ei_connect_init/xinit) makes a
 * connect + send + receive + a failed (wrong cookie) connect print a trace
 * on stderr, and that trace never contains either cookie.
 */
#define _GNU_SOURCE
#include "live.h"

#include <fcntl.h>
#include <unistd.h>

static int saved_stderr = -1;

static void capture_stderr(const char *path)
{
    int fd;
    fflush(stderr);
    saved_stderr = dup(2);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(saved_stderr >= 0 && fd >= 0 && dup2(fd, 2) == 2, "redirecting stderr");
    close(fd);
}

static void restore_stderr(void)
{
    fflush(stderr);
    CHECK(dup2(saved_stderr, 2) == 2, "restoring stderr");
    close(saved_stderr);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    CHECK(f, "cannot read %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t) n + 1);
    CHECK(buf && fread(buf, 1, (size_t) n, f) == (size_t) n, "reading %s", path);
    buf[n] = 0;
    fclose(f);
    *len = (size_t) n;
    return buf;
}

/* connect, echo, close; then a connect with a wrong cookie */
static void traffic(const char *suffix, const char *wrong_cookie)
{
    ei_cnode ec, bad;
    char s2[64];
    int fd, rc;
    live_cnode(&ec, suffix, live.cookie);
    fd = live_connect(&ec);
    live_echo_roundtrip(&ec, fd, "traced", 6, NULL);
    CHECK(ei_close_connection(fd) == 0, "ei_close_connection");
    snprintf(s2, sizeof s2, "%sbad", suffix);
    live_cnode(&bad, s2, wrong_cookie);
    rc = ei_connect_tmo(&bad, (char *) live.node, 5000);
    CHECK(rc < 0, "connect with a wrong cookie succeeded");
}

int t_trace(void)
{
    char path[256], wrong_cookie[300];
    char *trace, *line, *end;
    size_t len;
    int shown = 0;

    live_section("ei_set_tracelevel / ei_get_tracelevel", 10);
    unsetenv("EI_TRACELEVEL");
    unsetenv("ERL_DEBUG_DIST");
    ei_set_tracelevel(3);
    CHECK(ei_get_tracelevel() == 3, "ei_get_tracelevel() = %d after setting 3",
          ei_get_tracelevel());
    ei_set_tracelevel(5);
    CHECK(ei_get_tracelevel() == 5, "ei_get_tracelevel() = %d after setting 5",
          ei_get_tracelevel());
    ei_set_tracelevel(0);
    CHECK(ei_get_tracelevel() == 0, "ei_get_tracelevel() = %d after setting 0",
          ei_get_tracelevel());

    snprintf(wrong_cookie, sizeof wrong_cookie, "W%sxWRONG", live.cookie);
    snprintf(path, sizeof path, "/tmp/ei_live_trace_%s.txt", live.unique);

    live_section("level 0: no trace", 30);
    capture_stderr(path);
    traffic("quiet", wrong_cookie);
    restore_stderr();
    trace = slurp(path, &len);
    CHECK(len == 0, "tracelevel 0 printed %zu bytes: %.200s", len, trace);
    free(trace);

    live_section("EI_TRACELEVEL=5: a trace without the cookies", 30);
    setenv("EI_TRACELEVEL", "5", 1);
    {
        ei_cnode probe;
        live_cnode(&probe, "probe", live.cookie);   /* reads EI_TRACELEVEL */
    }
    CHECK(ei_get_tracelevel() == 5, "EI_TRACELEVEL=5, ei_get_tracelevel() = %d",
          ei_get_tracelevel());
    capture_stderr(path);
    traffic("loud", wrong_cookie);
    restore_stderr();
    unsetenv("EI_TRACELEVEL");
    ei_set_tracelevel(0);
    trace = slurp(path, &len);
    unlink(path);
    CHECK(len > 0, "tracelevel 5 printed nothing for a connect, send and receive");
    CHECK(!memmem(trace, len, live.cookie, strlen(live.cookie)),
          "the trace contains the cookie");
    CHECK(!memmem(trace, len, wrong_cookie, strlen(wrong_cookie)),
          "the trace contains the (wrong) cookie of the failed connect");
    live_log("trace: %zu bytes, no cookie; it starts:", len);
    for (line = trace; *line && shown < 4; line = end + 1, shown++) {
        end = strchr(line, '\n');
        if (!end)
            break;
        live_log("  | %.*s", (int) (end - line), line);
    }
    free(trace);
    return 0;
}
