/*
 * ABI layout check: prints, one per line, the size and offset of every public
 * struct and field declared in <ei.h>, and the value of every macro <ei.h>
 * defines.  Built against OTP's ei.h and against ei-rs' include/ei.h (as C and
 * as C++); the outputs must be identical (see compare_abi.sh).
 */
#include <ei.h>
#include <ei.h> /* include guard */
#include <ei_connect.h>
#include <eicode.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#ifdef __cplusplus
#include <type_traits>
#define TYPE_NAME(T)                                                          \
    (std::is_same<T, long long>::value            ? "long long"               \
     : std::is_same<T, unsigned long long>::value ? "unsigned long long"      \
     : std::is_same<T, long>::value               ? "long"                    \
     : std::is_same<T, unsigned long>::value      ? "unsigned long"           \
                                                  : "other")
template <typename T> static const char *tname_()
{
    return std::is_enum<T>::value                          ? "enum"
           : std::is_same<T, char>::value                  ? "char"
           : std::is_same<T, signed char>::value           ? "signed char"
           : std::is_same<T, unsigned char>::value         ? "unsigned char"
           : std::is_same<T, short>::value                 ? "short"
           : std::is_same<T, unsigned short>::value        ? "unsigned short"
           : std::is_same<T, int>::value                   ? "int"
           : std::is_same<T, unsigned int>::value          ? "unsigned int"
           : std::is_same<T, long>::value                  ? "long"
           : std::is_same<T, unsigned long>::value         ? "unsigned long"
           : std::is_same<T, long long>::value             ? "long long"
           : std::is_same<T, unsigned long long>::value    ? "unsigned long long"
           : std::is_same<T, double>::value                ? "double"
           : std::is_same<T, char *>::value                ? "char *"
           : std::is_same<T, void *>::value                ? "void *"
           : std::is_pointer<T>::value                     ? "pointer"
                                                           : "other";
}
#define TNAME(e) tname_<std::decay<decltype(e)>::type>()
#define FUN_CLOSURE erlang_fun::EI_FUN_CLOSURE
#define FUN_EXPORT erlang_fun::EI_FUN_EXPORT
#else
#define TYPE_NAME(T)                                                          \
    _Generic((T)0, long long: "long long",                                    \
             unsigned long long: "unsigned long long",                        \
             long: "long",                                                    \
             unsigned long: "unsigned long",                                  \
             default: "other")
/* the controlling expression of _Generic is not evaluated; arrays decay */
#define TNAME(e)                                                              \
    _Generic((e), char: "char", signed char: "signed char",                   \
             unsigned char: "unsigned char", short: "short",                  \
             unsigned short: "unsigned short", int: "int",                    \
             unsigned int: "unsigned int", long: "long",                      \
             unsigned long: "unsigned long", long long: "long long",          \
             unsigned long long: "unsigned long long", double: "double",      \
             char *: "char *", void *: "void *", default: "other")
#define FUN_CLOSURE EI_FUN_CLOSURE
#define FUN_EXPORT EI_FUN_EXPORT
#endif

#define STR_(x) #x
#define STR(x) STR_(x)

#define SIZE(T) printf("sizeof(%s) = %zu\n", #T, sizeof(T))
#define ALIGN(T) printf("alignof(%s) = %zu\n", #T, (size_t)_Alignof(T))
#define FIELD(T, f)                                                           \
    printf("offsetof(%s, %s) = %zu sizeof = %zu type = %s\n", #T, #f,        \
           offsetof(T, f), sizeof(((T *)0)->f), TNAME(((T *)0)->f))
#define MACRO(m) printf("%s = %lld\n", #m, (long long)(m))
#define UMACRO(m) printf("%s = %llu\n", #m, (unsigned long long)(m))
#define DEFINED(m) printf("defined(%s) = yes\n", #m)

#ifdef __cplusplus
#undef ALIGN
#define ALIGN(T) printf("alignof(%s) = %zu\n", #T, (size_t)alignof(T))
#endif

static void structs(void)
{
    SIZE(erlang_char_encoding);
    ALIGN(erlang_char_encoding);

    SIZE(erlang_pid);
    ALIGN(erlang_pid);
    FIELD(erlang_pid, node);
    FIELD(erlang_pid, num);
    FIELD(erlang_pid, serial);
    FIELD(erlang_pid, creation);

    SIZE(erlang_port);
    ALIGN(erlang_port);
    FIELD(erlang_port, node);
    FIELD(erlang_port, id);
    FIELD(erlang_port, creation);

    SIZE(erlang_ref);
    ALIGN(erlang_ref);
    FIELD(erlang_ref, node);
    FIELD(erlang_ref, len);
    FIELD(erlang_ref, n);
    FIELD(erlang_ref, n[4]);
    FIELD(erlang_ref, creation);

    SIZE(erlang_trace);
    ALIGN(erlang_trace);
    FIELD(erlang_trace, serial);
    FIELD(erlang_trace, prev);
    FIELD(erlang_trace, from);
    FIELD(erlang_trace, from.creation);
    FIELD(erlang_trace, label);
    FIELD(erlang_trace, flags);

    SIZE(erlang_msg);
    ALIGN(erlang_msg);
    FIELD(erlang_msg, msgtype);
    FIELD(erlang_msg, from);
    FIELD(erlang_msg, to);
    FIELD(erlang_msg, toname);
    FIELD(erlang_msg, cookie);
    FIELD(erlang_msg, token);
    FIELD(erlang_msg, token.flags);

    SIZE(erlang_fun);
    ALIGN(erlang_fun);
    FIELD(erlang_fun, arity);
    FIELD(erlang_fun, module);
    FIELD(erlang_fun, type);
    FIELD(erlang_fun, u);
    FIELD(erlang_fun, u.closure);
    FIELD(erlang_fun, u.closure.md5);
    FIELD(erlang_fun, u.closure.index);
    FIELD(erlang_fun, u.closure.old_index);
    FIELD(erlang_fun, u.closure.uniq);
    FIELD(erlang_fun, u.closure.n_free_vars);
    FIELD(erlang_fun, u.closure.pid);
    FIELD(erlang_fun, u.closure.free_var_len);
    FIELD(erlang_fun, u.closure.free_vars);
    FIELD(erlang_fun, u.exprt);
    FIELD(erlang_fun, u.exprt.func);
    FIELD(erlang_fun, u.exprt.func_allocated);
    printf("EI_FUN_CLOSURE = %d\n", (int)FUN_CLOSURE);
    printf("EI_FUN_EXPORT = %d\n", (int)FUN_EXPORT);
    {
        erlang_fun f;
        memset(&f, 0, sizeof f);
        f.type = FUN_EXPORT;
        printf("sizeof(erlang_fun.type) = %zu\n", sizeof f.type);
    }

    SIZE(erlang_big);
    ALIGN(erlang_big);
    FIELD(erlang_big, arity);
    FIELD(erlang_big, is_neg);
    FIELD(erlang_big, digits);

    SIZE(ei_term);
    ALIGN(ei_term);
    FIELD(ei_term, ei_type);
    FIELD(ei_term, arity);
    FIELD(ei_term, size);
    FIELD(ei_term, value);
    FIELD(ei_term, value.i_val);
    FIELD(ei_term, value.d_val);
    FIELD(ei_term, value.atom_name);
    FIELD(ei_term, value.pid);
    FIELD(ei_term, value.port);
    FIELD(ei_term, value.ref);

    SIZE(ErlConnect);
    ALIGN(ErlConnect);
    FIELD(ErlConnect, ipadr);
    FIELD(ErlConnect, nodename);

    SIZE(ei_socket_callbacks);
    ALIGN(ei_socket_callbacks);
    FIELD(ei_socket_callbacks, flags);
    FIELD(ei_socket_callbacks, socket);
    FIELD(ei_socket_callbacks, close);
    FIELD(ei_socket_callbacks, listen);
    FIELD(ei_socket_callbacks, EI_ACCEPT_NAME);
    FIELD(ei_socket_callbacks, accept);
    FIELD(ei_socket_callbacks, connect);
    FIELD(ei_socket_callbacks, writev);
    FIELD(ei_socket_callbacks, write);
    FIELD(ei_socket_callbacks, read);
    FIELD(ei_socket_callbacks, handshake_packet_header_size);
    FIELD(ei_socket_callbacks, connect_handshake_complete);
    FIELD(ei_socket_callbacks, accept_handshake_complete);
    FIELD(ei_socket_callbacks, get_fd);

    SIZE(ei_cnode);
    ALIGN(ei_cnode);
    SIZE(struct ei_cnode_s);
    FIELD(ei_cnode, thishostname);
    FIELD(ei_cnode, thisnodename);
    FIELD(ei_cnode, thisalivename);
    FIELD(ei_cnode, ei_connect_cookie);
    FIELD(ei_cnode, creation);
    FIELD(ei_cnode, self);
    FIELD(ei_cnode, cbs);
    FIELD(ei_cnode, setup_context);
    FIELD(ei_cnode, pidsn);

    SIZE(ei_x_buff);
    ALIGN(ei_x_buff);
    SIZE(struct ei_x_buff_TAG);
    FIELD(ei_x_buff, buff);
    FIELD(ei_x_buff, buffsz);
    FIELD(ei_x_buff, index);

    SIZE(Erl_IpAddr);
    SIZE(EI_LONGLONG);
    SIZE(EI_ULONGLONG);
    printf("type(EI_LONGLONG) = %s\n", TYPE_NAME(EI_LONGLONG));
    printf("type(EI_ULONGLONG) = %s\n", TYPE_NAME(EI_ULONGLONG));
    {
        EI_LONGLONG sm1 = (EI_LONGLONG)-1, s0 = 0;
        EI_ULONGLONG um1 = (EI_ULONGLONG)-1, u0 = 0;
        printf("signed(EI_LONGLONG) = %d\n", sm1 < s0);
        printf("signed(EI_ULONGLONG) = %d\n", um1 < u0);
    }
}

static void macros(void)
{
    MACRO(ERL_ERROR);
    MACRO(ERL_NO_DAEMON);
    MACRO(ERL_NO_PORT);
    MACRO(ERL_CONNECT_FAIL);
    MACRO(ERL_TIMEOUT);
    MACRO(ERL_NO_REMOTE);
    MACRO(ERL_TICK);
    MACRO(ERL_MSG);
    MACRO(ERL_NO_TIMEOUT);

    MACRO(ERL_LINK);
    MACRO(ERL_SEND);
    MACRO(ERL_EXIT);
    MACRO(ERL_UNLINK);
    MACRO(ERL_NODE_LINK);
    MACRO(ERL_REG_SEND);
    MACRO(ERL_GROUP_LEADER);
    MACRO(ERL_EXIT2);
    MACRO(ERL_PASS_THROUGH);
    MACRO(ERL_SEND_TT);
    MACRO(ERL_EXIT_TT);
    MACRO(ERL_REG_SEND_TT);
    MACRO(ERL_EXIT2_TT);
    MACRO(ERL_MONITOR_P);
    MACRO(ERL_DEMONITOR_P);
    MACRO(ERL_MONITOR_P_EXIT);
    MACRO(EI_RPC_FETCH_STDOUT);

    MACRO(ERL_SMALL_INTEGER_EXT);
    MACRO(ERL_INTEGER_EXT);
    MACRO(ERL_FLOAT_EXT);
    MACRO(NEW_FLOAT_EXT);
    MACRO(ERL_ATOM_EXT);
    MACRO(ERL_SMALL_ATOM_EXT);
    MACRO(ERL_ATOM_UTF8_EXT);
    MACRO(ERL_SMALL_ATOM_UTF8_EXT);
    MACRO(ERL_REFERENCE_EXT);
    MACRO(ERL_NEW_REFERENCE_EXT);
    MACRO(ERL_NEWER_REFERENCE_EXT);
    MACRO(ERL_PORT_EXT);
    MACRO(ERL_NEW_PORT_EXT);
    MACRO(ERL_PID_EXT);
    MACRO(ERL_NEW_PID_EXT);
    MACRO(ERL_SMALL_TUPLE_EXT);
    MACRO(ERL_LARGE_TUPLE_EXT);
    MACRO(ERL_NIL_EXT);
    MACRO(ERL_STRING_EXT);
    MACRO(ERL_LIST_EXT);
    MACRO(ERL_BINARY_EXT);
    MACRO(ERL_BIT_BINARY_EXT);
    MACRO(ERL_SMALL_BIG_EXT);
    MACRO(ERL_LARGE_BIG_EXT);
    MACRO(ERL_NEW_FUN_EXT);
    MACRO(ERL_MAP_EXT);
    MACRO(ERL_FUN_EXT);
    MACRO(ERL_EXPORT_EXT);
    MACRO(ERL_V4_PORT_EXT);
    MACRO(ERL_NEW_CACHE);
    MACRO(ERL_CACHED_ATOM);

    MACRO(EI_MAX_COOKIE_SIZE);
    MACRO(MAXATOMLEN);
    MACRO(MAXATOMLEN_UTF8);
    MACRO(EI_MAXHOSTNAMELEN);
    MACRO(EI_MAXALIVELEN);
    MACRO(MAXNODELEN);
    UMACRO(EI_SCLBK_INF_TMO);
    printf("sizeof(EI_SCLBK_INF_TMO) = %zu\n", sizeof(EI_SCLBK_INF_TMO));
    MACRO(EI_SCLBK_FLG_FULL_IMPL);
    MACRO(EI_HAVE_TIMEOUT);
    printf("EI_ACCEPT_NAME = %s\n", STR(EI_ACCEPT_NAME));

    MACRO(ERLANG_ASCII);
    MACRO(ERLANG_LATIN1);
    MACRO(ERLANG_UTF8);

    MACRO(EMSGSIZE);
    MACRO(ETIMEDOUT);
    MACRO(EHOSTUNREACH);

#ifdef EI_H
    DEFINED(EI_H);
#endif
#ifdef USE_EI_UNDOCUMENTED
    DEFINED(USE_EI_UNDOCUMENTED);
#endif
#ifdef EI_LONGLONG
    DEFINED(EI_LONGLONG);
#endif
#ifdef EI_ULONGLONG
    DEFINED(EI_ULONGLONG);
#endif
#ifdef ei_encode_empty_list
    DEFINED(ei_encode_empty_list);
#endif
#ifdef erl_errno
    DEFINED(erl_errno);
#endif
#ifdef ei_send_encoded_timeout
    DEFINED(ei_send_encoded_timeout);
#endif
#ifdef ei_send_reg_encoded_timeout
    DEFINED(ei_send_reg_encoded_timeout);
#endif
#ifdef EI_HAVE_DEPRECATED_ATTR__
    DEFINED(EI_HAVE_DEPRECATED_ATTR__);
#endif
#ifdef EI_DEPRECATED_ATTR
    DEFINED(EI_DEPRECATED_ATTR);
#endif
#ifdef EI_DEPRECATED_ATTR_NAME
    DEFINED(EI_DEPRECATED_ATTR_NAME);
#endif
#ifdef EI_ACCEPT_NAME
    DEFINED(EI_ACCEPT_NAME);
#endif
#ifdef EI_CONNECT_H
    DEFINED(EI_CONNECT_H);
#endif
#ifdef EICODE_H
    DEFINED(EICODE_H);
#endif

    /* The function-like macros must expand to the right calls. */
    {
        char buf[8];
        int index = 0;
        int rc = ei_encode_empty_list(buf, &index);
        printf("ei_encode_empty_list -> rc %d index %d byte %d\n", rc, index,
               buf[0]);
    }
    printf("erl_errno lvalue size = %zu\n", sizeof(erl_errno));
}

int main(void)
{
    structs();
    macros();
    return 0;
}
