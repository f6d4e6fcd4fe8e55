/*
 * Live C-node tests: `live_otp TEST` / `live_rs TEST`, normally run by
 * run_live.sh (which starts epmd and an Erlang node and sets LIVE_*).
 * Exit status 0 = pass; failures print a line starting with FAIL.
 */
#include "live.h"

#include <signal.h>

static const struct {
    const char *name;
    int (*fn)(void);
    int needs_node;
} tests[] = {
    {"ping", t_ping, 1},
    {"echo", t_echo, 1},
    {"server", t_server, 1},
    {"link", t_link, 1},
    {"tick", t_tick, 1},
    {"errors", t_errors, 1},
    {"nodedown", t_nodedown, 1},
    {"ussi", t_ussi, 1},
    {"threads", t_threads, 1},
    {"trace", t_trace, 1},
    {"identity", t_identity, 1},
    {"faults", t_faults, 1},
    {"noepmd", t_noepmd, 0},
    {"hostile", t_hostile, 0},
    {"epmdbad", t_epmdbad, 0},
};

int main(int argc, char **argv)
{
    size_t i;
    if (argc != 2) {
        fprintf(stderr, "usage: %s TEST\ntests:", argv[0]);
        for (i = 0; i < sizeof tests / sizeof tests[0]; i++)
            fprintf(stderr, " %s", tests[i].name);
        fprintf(stderr, "\n");
        return 2;
    }
    /* A C node must survive writes to a connection the peer has closed. */
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if (strcmp(argv[1], tests[i].name) == 0) {
            int rc;
            CHECK(ei_init() == 0, "ei_init failed");
            live_load_cfg(tests[i].needs_node);
            printf("live test '%s' against %s (node %s)\n", tests[i].name,
                   LIVE_LIB, live.node ? live.node : "-");
            rc = tests[i].fn();
            if (live_soft_failures) {
                printf("%d check(s) failed\n", live_soft_failures);
                rc = 1;
            }
            printf("%s: %s\n", tests[i].name, rc == 0 ? "PASS" : "FAIL");
            return rc;
        }
    }
    fprintf(stderr, "unknown test %s\n", argv[1]);
    return 2;
}
