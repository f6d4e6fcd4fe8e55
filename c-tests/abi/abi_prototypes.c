/*
 * Signature check: include the header under test, then re-declare every
 * function exactly as OTP's ei.h declares it (otp_prototypes.h is extracted
 * from OTP's ei.h at configure time).  A C compiler rejects any redeclaration
 * whose type differs ("conflicting types"), so this compiles only if every
 * prototype in the header under test matches OTP's.
 */
#include <ei.h>
#include "otp_prototypes.h"

/* The socket callbacks must have exactly OTP's function-pointer types. */
int abi_callbacks_check(ei_socket_callbacks *cbs);
int abi_callbacks_check(ei_socket_callbacks *cbs)
{
    int (*socket_)(void **ctx, void *setup_ctx) = cbs->socket;
    int (*close_)(void *ctx) = cbs->close;
    int (*listen_)(void *ctx, void *addr, int *len, int backlog) = cbs->listen;
    int (*accept_)(void **ctx, void *addr, int *len, unsigned tmo) =
        cbs->EI_ACCEPT_NAME;
    int (*connect_)(void *ctx, void *addr, int len, unsigned tmo) = cbs->connect;
    int (*writev_)(void *ctx, const void *iov, int iovcnt, ssize_t *len,
                   unsigned tmo) = cbs->writev;
    int (*write_)(void *ctx, const char *buf, ssize_t *len, unsigned tmo) =
        cbs->write;
    int (*read_)(void *ctx, char *buf, ssize_t *len, unsigned tmo) = cbs->read;
    int (*hps_)(void *ctx, int *sz) = cbs->handshake_packet_header_size;
    int (*chc_)(void *ctx) = cbs->connect_handshake_complete;
    int (*ahc_)(void *ctx) = cbs->accept_handshake_complete;
    int (*get_fd_)(void *ctx, int *fd) = cbs->get_fd;
    return (socket_ != 0) + (close_ != 0) + (listen_ != 0) + (accept_ != 0) +
           (connect_ != 0) + (writev_ != 0) + (write_ != 0) + (read_ != 0) +
           (hps_ != 0) + (chc_ != 0) + (ahc_ != 0) + (get_fd_ != 0);
}
