/* C helpers for the cgo files of package ei (each of them includes this). */
#ifndef GEI_H
#define GEI_H

#define _REENTRANT 1 /* erl_errno per thread */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ei.h>

/* erl_errno is per thread: read it on the thread that made the call (the
 * Go side holds runtime.LockOSThread around every sequence of calls). */
static inline int gei_errno(void) { return erl_errno; }

/* A non-NULL pointer for empty inputs. */
static char gei_empty[1];
static inline char *gei_empty_ptr(void) { return gei_empty; }

/* ei_decode_fun, keeping what Go shows of a fun: module, arity, kind and,
 * for an export fun, the function name (module and func hold
 * MAXATOMLEN_UTF8 bytes). Releases what ei_decode_fun allocated. */
static inline int gei_decode_fun(const char *buf, int *index, char *module, char *func,
                                 long *arity, int *is_export)
{
	erlang_fun f;
	int rc;

	memset(&f, 0, sizeof f);
	rc = ei_decode_fun(buf, index, &f);
	if (rc < 0)
		return rc;
	memcpy(module, f.module, MAXATOMLEN_UTF8);
	module[MAXATOMLEN_UTF8 - 1] = 0;
	*arity = f.arity;
	*is_export = f.type == EI_FUN_EXPORT;
	func[0] = 0;
	if (f.type == EI_FUN_EXPORT && f.u.exprt.func != NULL) {
		strncpy(func, f.u.exprt.func, MAXATOMLEN_UTF8 - 1);
		func[MAXATOMLEN_UTF8 - 1] = 0;
	}
	free_fun(&f);
	return 0;
}

/* ei_x_encode_fun of the export fun `fun Module:Func/Arity`. */
static inline int gei_x_encode_export(ei_x_buff *x, const char *module, char *func, long arity)
{
	erlang_fun f;

	if (strlen(module) >= MAXATOMLEN_UTF8) {
		erl_errno = EINVAL;
		return -1;
	}
	memset(&f, 0, sizeof f);
	strcpy(f.module, module);
	f.arity = arity;
	f.type = EI_FUN_EXPORT;
	f.u.exprt.func = func;
	f.u.exprt.func_allocated = 0;
	return ei_x_encode_fun(x, &f);
}

static inline int gei_close_fd(int fd) { return close(fd); }

#endif /* GEI_H */
