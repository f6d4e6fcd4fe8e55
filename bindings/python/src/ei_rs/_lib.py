"""Loading libei.so and declaring the parts of ei.h the package uses.

The structures mirror include/ei.h field for field; ctypes lays them out as
the C compiler does.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from ctypes import (
    POINTER,
    Structure,
    c_char,
    c_char_p,
    c_double,
    c_int,
    c_long,
    c_longlong,
    c_size_t,
    c_uint,
    c_ulonglong,
    c_void_p,
)

LIBRARY_ENV = "EI_RS_LIBRARY"

# Macros of ei.h.
MAXATOMLEN = 255 + 1
MAXATOMLEN_UTF8 = 255 * 4 + 1
MAXNODELEN = MAXATOMLEN
EI_MAX_COOKIE_SIZE = 512

ERL_ERROR = -1
ERL_NO_DAEMON = -2
ERL_NO_PORT = -3
ERL_CONNECT_FAIL = -4
ERL_TIMEOUT = -5

ERL_TICK = 0
ERL_MSG = 1

ERLANG_ASCII = 1
ERLANG_LATIN1 = 2
ERLANG_UTF8 = 4

VERSION_MAGIC = 131

# Type tags as ei_get_type reports them (normalised).
SMALL_INTEGER_EXT = ord("a")
INTEGER_EXT = ord("b")
FLOAT_EXT = ord("c")
ATOM_EXT = ord("d")
NEW_REFERENCE_EXT = ord("r")
PORT_EXT = ord("f")
PID_EXT = ord("g")
SMALL_TUPLE_EXT = ord("h")
LARGE_TUPLE_EXT = ord("i")
NIL_EXT = ord("j")
STRING_EXT = ord("k")
LIST_EXT = ord("l")
BINARY_EXT = ord("m")
BIT_BINARY_EXT = ord("M")
SMALL_BIG_EXT = ord("n")
LARGE_BIG_EXT = ord("o")
NEW_FUN_EXT = ord("p")
EXPORT_EXT = ord("q")
MAP_EXT = ord("t")


class erlang_pid(Structure):
    _fields_ = [
        ("node", c_char * MAXATOMLEN_UTF8),
        ("num", c_uint),
        ("serial", c_uint),
        ("creation", c_uint),
    ]


class erlang_port(Structure):
    _fields_ = [
        ("node", c_char * MAXATOMLEN_UTF8),
        ("id", c_ulonglong),
        ("creation", c_uint),
    ]


class erlang_ref(Structure):
    _fields_ = [
        ("node", c_char * MAXATOMLEN_UTF8),
        ("len", c_int),
        ("n", c_uint * 5),
        ("creation", c_uint),
    ]


class erlang_trace(Structure):
    _fields_ = [
        ("serial", c_long),
        ("prev", c_long),
        ("from_", erlang_pid),
        ("label", c_long),
        ("flags", c_long),
    ]


class erlang_msg(Structure):
    _fields_ = [
        ("msgtype", c_long),
        ("from_", erlang_pid),
        ("to", erlang_pid),
        ("toname", c_char * MAXATOMLEN_UTF8),
        ("cookie", c_char * MAXATOMLEN_UTF8),
        ("token", erlang_trace),
    ]


class erlang_big(Structure):
    _fields_ = [
        ("arity", c_uint),
        ("is_neg", c_int),
        ("digits", c_void_p),
    ]


class ei_x_buff(Structure):
    _fields_ = [
        ("buff", c_void_p),
        ("buffsz", c_int),
        ("index", c_int),
    ]


class ei_cnode(Structure):
    _fields_ = [
        ("thishostname", c_char * 255),  # EI_MAXHOSTNAMELEN + 1
        ("thisnodename", c_char * (MAXNODELEN + 1)),
        ("thisalivename", c_char * 255),  # EI_MAXALIVELEN + 1
        ("ei_connect_cookie", c_char * (EI_MAX_COOKIE_SIZE + 1)),
        ("creation", c_uint),
        ("self", erlang_pid),
        ("cbs", c_void_p),
        ("setup_context", c_void_p),
        ("pidsn", c_uint),
    ]


class ErlConnect(Structure):
    _fields_ = [
        ("ipadr", c_char * 4),
        ("nodename", c_char * (MAXNODELEN + 1)),
    ]


class in_addr(Structure):
    _fields_ = [("s_addr", ctypes.c_uint32)]


def _find_library() -> str:
    path = os.environ.get(LIBRARY_ENV)
    if path:
        if not os.path.exists(path):
            raise ImportError(f"ei_rs: {LIBRARY_ENV}={path!r}: no such file")
        return path
    found = ctypes.util.find_library("ei")
    if found:
        return found
    raise ImportError(
        "ei_rs: cannot find libei.so; set "
        f"{LIBRARY_ENV} to its full path (e.g. .../target/release/libei.so) "
        "or install it where the dynamic linker looks (ldconfig, LD_LIBRARY_PATH)"
    )


def _load() -> ctypes.CDLL:
    path = _find_library()
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise ImportError(f"ei_rs: cannot load {path}: {e}") from e
    try:
        lib.__erl_errno_place
        lib.ei_x_new
    except AttributeError as e:
        raise ImportError(f"ei_rs: {path} is not libei (missing {e})") from e
    return lib


lib = _load()
path = getattr(lib, "_name", None)

PI = POINTER(c_int)
XB = POINTER(ei_x_buff)
EC = POINTER(ei_cnode)
PID = POINTER(erlang_pid)
MSG = POINTER(erlang_msg)

_PROTOTYPES = {
    # misc
    "__erl_errno_place": (POINTER(c_int), []),
    "ei_init": (c_int, []),
    # buffers
    "ei_x_new": (c_int, [XB]),
    "ei_x_new_with_version": (c_int, [XB]),
    "ei_x_free": (c_int, [XB]),
    "ei_x_append_buf": (c_int, [XB, c_char_p, c_int]),
    # encoding
    "ei_x_encode_version": (c_int, [XB]),
    "ei_x_encode_longlong": (c_int, [XB, c_longlong]),
    "ei_x_encode_ulonglong": (c_int, [XB, c_ulonglong]),
    "ei_x_encode_double": (c_int, [XB, c_double]),
    "ei_x_encode_boolean": (c_int, [XB, c_int]),
    "ei_x_encode_string_len": (c_int, [XB, c_char_p, c_int]),
    "ei_x_encode_atom_len_as": (c_int, [XB, c_char_p, c_int, c_int, c_int]),
    "ei_x_encode_binary": (c_int, [XB, c_char_p, c_int]),
    "ei_x_encode_bitstring": (c_int, [XB, c_char_p, c_size_t, c_size_t]),
    "ei_x_encode_pid": (c_int, [XB, PID]),
    "ei_x_encode_port": (c_int, [XB, POINTER(erlang_port)]),
    "ei_x_encode_ref": (c_int, [XB, POINTER(erlang_ref)]),
    "ei_x_encode_tuple_header": (c_int, [XB, c_long]),
    "ei_x_encode_list_header": (c_int, [XB, c_long]),
    "ei_x_encode_empty_list": (c_int, [XB]),
    "ei_x_encode_map_header": (c_int, [XB, c_long]),
    "ei_x_encode_big": (c_int, [XB, POINTER(erlang_big)]),
    # decoding
    "ei_decode_version": (c_int, [c_void_p, PI, PI]),
    "ei_get_type": (c_int, [c_void_p, PI, PI, PI]),
    "ei_skip_term": (c_int, [c_void_p, PI]),
    "ei_decode_longlong": (c_int, [c_void_p, PI, POINTER(c_longlong)]),
    "ei_decode_ulonglong": (c_int, [c_void_p, PI, POINTER(c_ulonglong)]),
    "ei_decode_double": (c_int, [c_void_p, PI, POINTER(c_double)]),
    "ei_decode_string": (c_int, [c_void_p, PI, c_void_p]),
    "ei_decode_atom_as": (c_int, [c_void_p, PI, c_void_p, c_int, c_int, PI, PI]),
    "ei_decode_binary": (c_int, [c_void_p, PI, c_void_p, POINTER(c_long)]),
    "ei_decode_bitstring": (
        c_int,
        [c_void_p, PI, POINTER(c_void_p), POINTER(c_uint), POINTER(c_size_t)],
    ),
    "ei_decode_pid": (c_int, [c_void_p, PI, PID]),
    "ei_decode_port": (c_int, [c_void_p, PI, POINTER(erlang_port)]),
    "ei_decode_ref": (c_int, [c_void_p, PI, POINTER(erlang_ref)]),
    "ei_decode_tuple_header": (c_int, [c_void_p, PI, PI]),
    "ei_decode_list_header": (c_int, [c_void_p, PI, PI]),
    "ei_decode_map_header": (c_int, [c_void_p, PI, PI]),
    "ei_decode_big": (c_int, [c_void_p, PI, POINTER(erlang_big)]),
    "ei_alloc_big": (POINTER(erlang_big), [c_uint]),
    "ei_free_big": (None, [POINTER(erlang_big)]),
    "ei_s_print_term": (c_int, [POINTER(c_void_p), c_void_p, PI]),
    # nodes
    "ei_connect_init": (c_int, [EC, c_char_p, c_char_p, c_uint]),
    "ei_connect_xinit": (
        c_int,
        [EC, c_char_p, c_char_p, c_char_p, POINTER(in_addr), c_char_p, c_uint],
    ),
    "ei_thisnodename": (c_char_p, [EC]),
    "ei_thishostname": (c_char_p, [EC]),
    "ei_thisalivename": (c_char_p, [EC]),
    "ei_self": (PID, [EC]),
    "ei_make_pid": (c_int, [EC, PID]),
    "ei_make_ref": (c_int, [EC, POINTER(erlang_ref)]),
    "ei_connect": (c_int, [EC, c_char_p]),
    "ei_connect_tmo": (c_int, [EC, c_char_p, c_uint]),
    "ei_connect_host_port_tmo": (c_int, [EC, c_char_p, c_int, c_uint]),
    "ei_listen": (c_int, [EC, PI, c_int]),
    "ei_xlisten": (c_int, [EC, POINTER(in_addr), PI, c_int]),
    "ei_accept_tmo": (c_int, [EC, c_int, POINTER(ErlConnect), c_uint]),
    "ei_publish_tmo": (c_int, [EC, c_int, c_uint]),
    "ei_close_connection": (c_int, [c_int]),
    # messages
    "ei_send_tmo": (c_int, [c_int, PID, c_char_p, c_int, c_uint]),
    "ei_reg_send_tmo": (c_int, [EC, c_int, c_char_p, c_char_p, c_int, c_uint]),
    "ei_xreceive_msg_tmo": (c_int, [c_int, MSG, XB, c_uint]),
    # rpc
    "ei_rpc_to": (c_int, [EC, c_int, c_char_p, c_char_p, c_char_p, c_int]),
    "ei_rpc_from": (c_int, [EC, c_int, c_int, MSG, XB]),
}

for _name, (_res, _args) in _PROTOTYPES.items():
    _f = getattr(lib, _name)
    _f.restype = _res
    _f.argtypes = _args

# `free` for what the library allocates with malloc (ei_s_print_term).
libc_free = ctypes.CDLL(None).free
libc_free.restype = None
libc_free.argtypes = [c_void_p]

# ~0u: no time limit for the _tmo functions.
INF_TMO = 0xFFFFFFFF


def erl_errno() -> int:
    """The calling thread's erl_errno."""
    return lib.__erl_errno_place()[0]


def set_erl_errno(value: int) -> None:
    lib.__erl_errno_place()[0] = value


# ei_init() once, as libei requires before any other call.
if lib.ei_init() != 0:  # pragma: no cover - ei-rs always returns 0
    raise ImportError("ei_rs: ei_init() failed")
