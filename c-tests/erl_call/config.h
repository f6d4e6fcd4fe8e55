/*
 * config.h for compiling OTP's own erl_call.c (erl_interface/src/prog) outside
 * OTP's build. OTP's configure generates this file per target; erl_call.c
 * consults only the two macros below, which Linux with glibc provides.
 */
#ifndef ERL_CALL_TEST_CONFIG_H
#define ERL_CALL_TEST_CONFIG_H

/* <sys/time.h> exists (gettimeofday, struct timeval). */
#define HAVE_SYS_TIME_H 1

/* socklen_t exists: wait_for_erlang() and erl_start_sys() declare their
 * address lengths with it instead of int. */
#define HAVE_SOCKLEN_T 1

#endif
