/*
 * ei_connect.h: kept for programs that include it, as OTP ships it; everything is
 * declared in ei.h.
 */
#ifndef EI_CONNECT_H
#define EI_CONNECT_H

#include "ei.h"

#endif /* EI_CONNECT_H */
