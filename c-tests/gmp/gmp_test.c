/*
 * The GMP variants (ei_encode_bignum, ei_x_encode_bignum, ei_decode_bignum),
 * declared by ei.h only when <gmp.h> comes first. Built when ei-rs is
 * configured with EI_RS_WITH_GMP=ON.
 */
#include <gmp.h>
#include <ei.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,  \
                    #cond);                                                    \
            failures++;                                                        \
        }                                                                      \
    } while (0)

/* Encode z both ways, check sizes agree, decode it back, compare. */
static void round_trip(const char *decimal)
{
    mpz_t z, back;
    ei_x_buff x;
    char buf[4096];
    int size = 0, idx = 0, i2 = 0;

    mpz_init_set_str(z, decimal, 10);
    mpz_init(back);
    CHECK(ei_encode_bignum(NULL, &size, z) == 0);
    CHECK(ei_encode_bignum(buf, &idx, z) == 0);
    CHECK(idx == size);
    CHECK(ei_x_new(&x) == 0);
    CHECK(ei_x_encode_bignum(&x, z) == 0);
    CHECK(x.index == idx && memcmp(x.buff, buf, idx) == 0);
    CHECK(ei_decode_bignum(buf, &i2, back) == 0);
    CHECK(i2 == idx);
    if (mpz_cmp(z, back) != 0) {
        fprintf(stderr, "round trip of %s gave ", decimal);
        mpz_out_str(stderr, 10, back);
        fprintf(stderr, "\n");
        failures++;
    }
    ei_x_free(&x);
    mpz_clear(z);
    mpz_clear(back);
}

/* Decode bytes Erlang produces (term_to_binary) and compare. */
static void decode_erlang(const unsigned char *ext, int len, const char *decimal)
{
    mpz_t want, got;
    int idx = 1; /* after the version byte */
    mpz_init_set_str(want, decimal, 10);
    mpz_init(got);
    CHECK(ei_decode_bignum((const char *)ext, &idx, got) == 0);
    CHECK(idx == len);
    if (mpz_cmp(want, got) != 0) {
        fprintf(stderr, "decoding %s failed\n", decimal);
        failures++;
    }
    mpz_clear(want);
    mpz_clear(got);
}

int main(void)
{
    /* term_to_binary(7), (-5), (70000), (-70000), (1 bsl 64), -(1 bsl 70) */
    static const unsigned char small[] = {131, 97, 7};
    static const unsigned char neg[] = {131, 98, 255, 255, 255, 251};
    static const unsigned char mid[] = {131, 98, 0, 1, 17, 112};
    static const unsigned char negmid[] = {131, 98, 255, 254, 238, 144};
    static const unsigned char big64[] = {131, 110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const unsigned char negbig[] = {131, 110, 9, 1, 0, 0, 0, 0, 0, 0, 0, 0, 64};
    /* libei's form for 2^64: always LARGE_BIG_EXT. */
    static const unsigned char enc64[] = {111, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    mpz_t z;
    char buf[64];
    int idx = 0;

    decode_erlang(small, sizeof small, "7");
    decode_erlang(neg, sizeof neg, "-5");
    decode_erlang(mid, sizeof mid, "70000");
    decode_erlang(negmid, sizeof negmid, "-70000");
    decode_erlang(big64, sizeof big64, "18446744073709551616");
    decode_erlang(negbig, sizeof negbig, "-1180591620717411303424");

    mpz_init_set_str(z, "18446744073709551616", 10);
    CHECK(ei_encode_bignum(buf, &idx, z) == 0);
    CHECK(idx == (int)sizeof enc64 && memcmp(buf, enc64, sizeof enc64) == 0);
    mpz_clear(z);

    round_trip("0");
    round_trip("1");
    round_trip("-1");
    round_trip("255");
    round_trip("4294967296");
    round_trip("-123456789012345678901234567890123456789");
    round_trip("340282366920938463463374607431768211456");

    {   /* a 10,000-bit number */
        mpz_t big;
        char *s;
        mpz_init(big);
        mpz_ui_pow_ui(big, 3, 6300);
        mpz_neg(big, big);
        s = mpz_get_str(NULL, 10, big);
        round_trip(s);
        free(s);
        mpz_clear(big);
    }

    {   /* a wrong tag fails and leaves the index alone */
        static const char atom[] = {(char)131, 119, 1, 'a'};
        mpz_t v;
        int i = 1;
        mpz_init(v);
        CHECK(ei_decode_bignum(atom, &i, v) == -1);
        CHECK(i == 1);
        mpz_clear(v);
    }

    if (failures) {
        fprintf(stderr, "gmp_test: %d failures\n", failures);
        return 1;
    }
    printf("gmp_test: ok\n");
    return 0;
}
