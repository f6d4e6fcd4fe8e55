/*
 * Force-included (-include) by abi_aux_info.sh before ei.h: <gmp.h>, with the
 * version it reports lowered to 4.1.  OTP 25's ei.h declares
 * ei_decode_bignum, ei_encode_bignum and ei_x_encode_bignum only when
 * __GNU_MP_VERSION == 4 (so never with GMP 5 or 6); this lets the test see and
 * compare those three prototypes.  Only the version macros change: mpz_t and
 * every other type still come from the installed <gmp.h>.
 */
#include <gmp.h>
#undef __GNU_MP_VERSION
#define __GNU_MP_VERSION 4
#undef __GNU_MP_VERSION_MINOR
#define __GNU_MP_VERSION_MINOR 1
