/*
 * <ei.h> must be self-contained (no other header needed before it) and
 * protected by an include guard.  Compiled as C and C++ with
 * -Wall -Wextra -Werror by compile_check.sh.
 */
#include <ei.h>
#include <ei.h>
#include <ei_connect.h>
#include <eicode.h>

int header_standalone_use(ei_x_buff *x, ei_cnode *ec, erlang_msg *msg);

int header_standalone_use(ei_x_buff *x, ei_cnode *ec, erlang_msg *msg)
{
    ei_term term;
    erlang_big big;
    erlang_fun fun;
    ErlConnect conn;
    ei_socket_callbacks cbs;
    (void)term; (void)big; (void)fun; (void)conn; (void)cbs;
    (void)ec; (void)msg;
    return ei_x_encode_atom(x, "ok");
}
