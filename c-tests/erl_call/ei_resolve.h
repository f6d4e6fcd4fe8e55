/*
 * erl_call.c includes libei's internal header connect/ei_resolve.h, which
 * declares a single function. erl_call.c never calls it (it resolves names
 * with the public ei_gethostbyname and ei_gethostbyname_r from ei.h), so
 * only the declaration is needed, as in OTP.
 */
#ifndef _EI_RESOLVE_H
#define _EI_RESOLVE_H

int ei_init_resolve(void);

#endif /* _EI_RESOLVE_H */
