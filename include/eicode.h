/*
 * eicode.h: kept for programs that include it, as OTP ships it; everything is
 * declared in ei.h.
 */
#ifndef EICODE_H
#define EICODE_H

#include "ei.h"

#endif /* EICODE_H */
