"""Erlang terms and C nodes for Python, through ei-rs's libei.

The library is found through the ``EI_RS_LIBRARY`` environment variable (the
full path of ``libei.so``), else ``ctypes.util.find_library("ei")``.
"""

from ._lib import path as library_path
from .codec import decode, encode, format_term
from .node import Connection, Message, MessageType, Node
from .errors import (
    ConnectError,
    ConnectionClosed,
    DecodeError,
    EiError,
    EiTimeoutError,
    EncodeError,
    RpcError,
)
from .types import (
    Atom,
    BitString,
    Charlist,
    FrozenList,
    FrozenMap,
    ImproperList,
    OpaqueTerm,
    Pid,
    Port,
    Reference,
)

__version__ = "0.1.0"

__all__ = [
    "Atom",
    "BitString",
    "Charlist",
    "Connection",
    "ConnectError",
    "ConnectionClosed",
    "DecodeError",
    "EiError",
    "EiTimeoutError",
    "EncodeError",
    "FrozenList",
    "FrozenMap",
    "ImproperList",
    "Message",
    "MessageType",
    "Node",
    "OpaqueTerm",
    "Pid",
    "Port",
    "Reference",
    "RpcError",
    "decode",
    "encode",
    "format_term",
    "library_path",
]
