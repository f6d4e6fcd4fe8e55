"""Python values to and from Erlang's external term format, through libei's
``ei_x_encode_*`` and ``ei_decode_*`` functions."""

from __future__ import annotations

import ctypes
import errno
import sys
from array import array
from collections.abc import Mapping
from ctypes import byref, c_double, c_int, c_long, c_longlong, c_size_t, c_uint, c_ulonglong, c_void_p
from typing import Any

from . import _lib as L
from ._lib import lib
from .errors import DecodeError, EncodeError
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

__all__ = ["encode", "decode", "format_term"]

_INT_MAX = 2**31 - 1

# ---------------------------------------------------------------------------
# Buffers


class XBuffer:
    """An ``ei_x_buff`` owned by Python; freed with ``ei_x_free``."""

    __slots__ = ("x", "ref")

    def __init__(self, version: bool = True):
        self.x = L.ei_x_buff()
        self.ref = byref(self.x)
        rc = lib.ei_x_new_with_version(self.ref) if version else lib.ei_x_new(self.ref)
        if rc < 0:
            raise MemoryError("ei_x_new failed")

    def bytes(self) -> bytes:
        return ctypes.string_at(self.x.buff, self.x.index) if self.x.index else b""

    def free(self) -> None:
        if self.x.buff:
            lib.ei_x_free(self.ref)

    def __enter__(self) -> "XBuffer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.free()


# ---------------------------------------------------------------------------
# Encoding


def _check(rc: int, function: str) -> None:
    if rc < 0:
        raise EncodeError(function, L.erl_errno())


def _node_bytes(node: str) -> bytes:
    b = node.encode("utf-8")
    if len(b) >= L.MAXATOMLEN_UTF8:
        raise EncodeError("encode", errno.ERANGE, detail=f"node name of {len(b)} bytes")
    return b


def _uint(v: int, bits: int, what: str) -> int:
    if not isinstance(v, int) or not 0 <= v < 1 << bits:
        raise EncodeError("encode", errno.ERANGE, detail=f"{what} {v!r} is not a {bits}-bit unsigned integer")
    return v


def pid_struct(p: Pid) -> L.erlang_pid:
    return L.erlang_pid(
        _node_bytes(p.node),
        _uint(p.num, 32, "pid number"),
        _uint(p.serial, 32, "pid serial"),
        _uint(p.creation, 32, "creation"),
    )


def pid_value(s: L.erlang_pid) -> Pid:
    return Pid(s.node.decode("utf-8"), s.num, s.serial, s.creation)


def _port_struct(p: Port) -> L.erlang_port:
    return L.erlang_port(
        _node_bytes(p.node), _uint(p.id, 64, "port id"), _uint(p.creation, 32, "creation")
    )


def ref_struct(r: Reference) -> L.erlang_ref:
    s = L.erlang_ref()
    s.node = _node_bytes(r.node)
    s.len = len(r.ids)
    for i, w in enumerate(r.ids):
        s.n[i] = _uint(w, 32, "reference word")
    s.creation = _uint(r.creation, 32, "creation")
    return s


def ref_value(s: L.erlang_ref) -> Reference:
    n = max(0, min(s.len, 5))
    return Reference(s.node.decode("utf-8"), tuple(s.n[:n]), s.creation)


def _digits_to_int(big: L.erlang_big, nbytes: int) -> int:
    ndig = (nbytes + 1) // 2
    words = array("H", ctypes.string_at(big.digits, 2 * ndig))
    if sys.byteorder == "big":
        words.byteswap()
    return int.from_bytes(words.tobytes(), "little")


def _encode_big(ref: Any, v: int) -> None:
    m = -v if v < 0 else v
    nbytes = (m.bit_length() + 7) // 8
    if nbytes > 0xFFFFFFFF:
        raise EncodeError("ei_x_encode_big", errno.ERANGE, detail="integer too large")
    bp = lib.ei_alloc_big(nbytes)
    if not bp:
        raise MemoryError("ei_alloc_big failed")
    try:
        big = bp.contents
        ndig = (nbytes + 1) // 2
        words = array("H", m.to_bytes(2 * ndig, "little"))
        if sys.byteorder == "big":
            words.byteswap()
        raw = words.tobytes()
        ctypes.memmove(big.digits, raw, len(raw))
        big.is_neg = 1 if v < 0 else 0
        _check(lib.ei_x_encode_big(ref, bp), "ei_x_encode_big")
    finally:
        lib.ei_free_big(bp)


def _encode_list(ref: Any, items: Any, n: int) -> None:
    _check(lib.ei_x_encode_list_header(ref, n), "ei_x_encode_list_header")
    for item in items:
        _encode(ref, item)


def _encode(ref: Any, v: Any) -> None:
    t = type(v)
    if t is bool:
        _check(lib.ei_x_encode_boolean(ref, 1 if v else 0), "ei_x_encode_boolean")
    elif t is int or (isinstance(v, int) and not isinstance(v, bool)):
        v = int(v)
        if -(2**63) <= v < 2**63:
            _check(lib.ei_x_encode_longlong(ref, v), "ei_x_encode_longlong")
        elif 0 <= v < 2**64:
            _check(lib.ei_x_encode_ulonglong(ref, v), "ei_x_encode_ulonglong")
        else:
            _encode_big(ref, v)
    elif t is float or isinstance(v, float):
        _check(lib.ei_x_encode_double(ref, float(v)), "ei_x_encode_double")
    elif isinstance(v, Atom):
        b = v.name.encode("utf-8")
        _check(
            lib.ei_x_encode_atom_len_as(ref, b, len(b), L.ERLANG_UTF8, L.ERLANG_UTF8),
            "ei_x_encode_atom_len_as",
        )
    elif isinstance(v, str):
        _encode_binary(ref, v.encode("utf-8"))
    elif isinstance(v, (bytes, bytearray, memoryview)):
        _encode_binary(ref, bytes(v))
    elif isinstance(v, Charlist):
        if all(type(c) is int and 0 <= c <= 255 for c in v):
            _check(
                lib.ei_x_encode_string_len(ref, bytes(v), len(v)), "ei_x_encode_string_len"
            )
        else:
            _encode_list(ref, v, len(v))
            if len(v):
                _check(lib.ei_x_encode_empty_list(ref), "ei_x_encode_empty_list")
    elif isinstance(v, (list, FrozenList)):
        _encode_list(ref, v, len(v))
        if len(v):
            _check(lib.ei_x_encode_empty_list(ref), "ei_x_encode_empty_list")
    elif isinstance(v, tuple):
        _check(lib.ei_x_encode_tuple_header(ref, len(v)), "ei_x_encode_tuple_header")
        for item in v:
            _encode(ref, item)
    elif isinstance(v, Mapping):
        _check(lib.ei_x_encode_map_header(ref, len(v)), "ei_x_encode_map_header")
        for k, val in v.items():
            _encode(ref, k)
            _encode(ref, val)
    elif isinstance(v, Pid):
        _check(lib.ei_x_encode_pid(ref, byref(pid_struct(v))), "ei_x_encode_pid")
    elif isinstance(v, Reference):
        _check(lib.ei_x_encode_ref(ref, byref(ref_struct(v))), "ei_x_encode_ref")
    elif isinstance(v, Port):
        _check(lib.ei_x_encode_port(ref, byref(_port_struct(v))), "ei_x_encode_port")
    elif isinstance(v, ImproperList):
        _encode_list(ref, v.elements, len(v.elements))
        _encode(ref, v.tail)
    elif isinstance(v, BitString):
        _check(lib.ei_x_encode_bitstring(ref, v.data, 0, v.bits), "ei_x_encode_bitstring")
    elif isinstance(v, OpaqueTerm):
        _check(lib.ei_x_append_buf(ref, v.data, len(v.data)), "ei_x_append_buf")
    elif v is None:
        raise TypeError(
            "None has no Erlang counterpart; use Atom('undefined') or Atom('nil')"
        )
    else:
        raise TypeError(f"cannot encode {t.__name__} as an Erlang term")


def _encode_binary(ref: Any, b: bytes) -> None:
    if len(b) > _INT_MAX:
        raise EncodeError("ei_x_encode_binary", errno.ERANGE, detail="binary over 2 GiB")
    _check(lib.ei_x_encode_binary(ref, b, len(b)), "ei_x_encode_binary")


def encode_into(buf: XBuffer, value: Any) -> None:
    """Appends ``value`` to an :class:`XBuffer`."""
    _encode(buf.ref, value)


def encode(value: Any) -> bytes:
    """``value`` in the external term format, with the version byte (131)
    first: what Erlang's ``term_to_binary/1`` gives."""
    with XBuffer(version=True) as buf:
        _encode(buf.ref, value)
        return buf.bytes()


# ---------------------------------------------------------------------------
# Decoding

# libei's decoders take no buffer length: they read what the encoded lengths
# announce. The decoder copies the input into a buffer with this many zero
# bytes after it (enough for every fixed-size header: a zero tag is invalid)
# and, before each call, checks that the lengths announced by the term fit
# the input.
_PAD = 64
# Deeper terms raise DecodeError (Python's own stack is the limit).
MAX_DEPTH = 256


class _Decoder:
    __slots__ = ("data", "n", "buf", "idx", "pidx", "typ", "size", "depth")

    def __init__(self, data: bytes, start: int = 0):
        self.data = data
        self.n = len(data)
        self.buf = ctypes.create_string_buffer(self.n + _PAD)
        ctypes.memmove(self.buf, data, self.n)
        self.idx = c_int(start)
        self.pidx = byref(self.idx)
        self.typ = c_int()
        self.size = c_int()
        self.depth = 0

    # -- helpers

    def fail(self, function: str) -> DecodeError:
        return DecodeError(function, L.erl_errno() or errno.EBADMSG)

    def bad(self, detail: str, code: int = errno.EBADMSG) -> DecodeError:
        return DecodeError("decode", code, detail=detail)

    def need(self, end: int) -> None:
        """The term being decoded reaches ``end``: it must be in the input."""
        if end > self.n:
            raise self.bad(f"truncated term: needs {end} bytes, has {self.n}")

    def u16(self, at: int) -> int:
        self.need(at + 2)
        return int.from_bytes(self.data[at : at + 2], "big")

    def u32(self, at: int) -> int:
        self.need(at + 4)
        return int.from_bytes(self.data[at : at + 4], "big")

    def atom_end(self, at: int) -> int:
        """Where the atom at ``at`` ends (checked to be inside the input)."""
        self.need(at + 1)
        tag = self.data[at]
        if tag in (115, 119):  # SMALL_ATOM_EXT, SMALL_ATOM_UTF8_EXT
            self.need(at + 2)
            end = at + 2 + self.data[at + 1]
        elif tag in (100, 118):  # ATOM_EXT, ATOM_UTF8_EXT
            end = at + 3 + self.u16(at + 1)
        else:
            raise self.bad(f"expected an atom at byte {at}, found tag {tag}")
        self.need(end)
        return end

    def extent_check(self, i: int) -> int:
        """Checks that the header of the term at ``i``, and every length it
        announces for bytes that are read in one go, fit the input. Returns
        the term's size as its header gives it (unsigned: ``ei_get_type``'s
        ``int`` cannot hold every 32-bit length)."""
        self.need(i + 1)
        tag = self.data[i]
        if tag == 97:  # SMALL_INTEGER_EXT
            self.need(i + 2)
        elif tag == 98:  # INTEGER_EXT
            self.need(i + 5)
        elif tag == 70:  # NEW_FLOAT_EXT
            self.need(i + 9)
        elif tag == 99:  # FLOAT_EXT
            self.need(i + 32)
        elif tag in (115, 119, 100, 118):  # atoms
            self.atom_end(i)
        elif tag == 107:  # STRING_EXT
            size = self.u16(i + 1)
            self.need(i + 3 + size)
            return size
        elif tag == 109:  # BINARY_EXT
            size = self.u32(i + 1)
            self.need(i + 5 + size)
            return size
        elif tag == 77:  # BIT_BINARY_EXT
            size = self.u32(i + 1)
            self.need(i + 6 + size)
            return size
        elif tag == 110:  # SMALL_BIG_EXT
            self.need(i + 2)
            size = self.data[i + 1]
            self.need(i + 3 + size)
            return size
        elif tag == 111:  # LARGE_BIG_EXT
            size = self.u32(i + 1)
            self.need(i + 6 + size)
            return size
        elif tag == 104:  # SMALL_TUPLE_EXT
            self.need(i + 2)
            return self.data[i + 1]
        elif tag in (105, 108):  # LARGE_TUPLE_EXT, LIST_EXT: >= 1 byte an element
            size = self.u32(i + 1)
            self.need(i + 5 + size)
            return size
        elif tag == 116:  # MAP_EXT: >= 2 bytes a pair
            size = self.u32(i + 1)
            self.need(i + 5 + 2 * size)
            return size
        elif tag == 106:  # NIL_EXT
            pass
        elif tag == 88:  # NEW_PID_EXT
            self.need(self.atom_end(i + 1) + 12)
        elif tag == 103:  # PID_EXT
            self.need(self.atom_end(i + 1) + 9)
        elif tag == 89:  # NEW_PORT_EXT
            self.need(self.atom_end(i + 1) + 8)
        elif tag == 120:  # V4_PORT_EXT
            self.need(self.atom_end(i + 1) + 12)
        elif tag == 102:  # PORT_EXT
            self.need(self.atom_end(i + 1) + 5)
        elif tag == 90:  # NEWER_REFERENCE_EXT
            words = self.u16(i + 1)
            self.need(self.atom_end(i + 3) + 4 + 4 * words)
        elif tag == 114:  # NEW_REFERENCE_EXT
            words = self.u16(i + 1)
            self.need(self.atom_end(i + 3) + 1 + 4 * words)
        elif tag == 101:  # REFERENCE_EXT
            self.need(self.atom_end(i + 1) + 5)
        elif tag == 112:  # NEW_FUN_EXT: Size counts itself and what follows
            self.need(i + 1 + self.u32(i + 1))
        elif tag == 113:  # EXPORT_EXT: module and function atoms, small arity
            self.need(self.atom_end(self.atom_end(i + 1)) + 2)
        else:
            raise self.bad(f"unsupported term (tag {tag}) at byte {i}")
        return 0

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.bad(f"terms nested deeper than {MAX_DEPTH}")

    # -- terms

    def term(self, frozen: bool = False) -> Any:
        i = self.idx.value
        if lib.ei_get_type(self.buf, self.pidx, byref(self.typ), byref(self.size)) < 0:
            raise self.fail("ei_get_type")
        size = self.extent_check(i)
        typ = self.typ.value
        if typ in (L.SMALL_INTEGER_EXT, L.INTEGER_EXT):
            v = c_longlong()
            if lib.ei_decode_longlong(self.buf, self.pidx, byref(v)) < 0:
                raise self.fail("ei_decode_longlong")
            return v.value
        if typ in (L.SMALL_BIG_EXT, L.LARGE_BIG_EXT):
            return self.big(size)
        if typ == L.ATOM_EXT:
            return self.atom()
        if typ == L.FLOAT_EXT:
            d = c_double()
            if lib.ei_decode_double(self.buf, self.pidx, byref(d)) < 0:
                raise self.fail("ei_decode_double")
            return d.value
        if typ == L.BINARY_EXT:
            out = ctypes.create_string_buffer(max(size, 1))
            n = c_long()
            if lib.ei_decode_binary(self.buf, self.pidx, out, byref(n)) < 0:
                raise self.fail("ei_decode_binary")
            return out.raw[: n.value]
        if typ in (L.SMALL_TUPLE_EXT, L.LARGE_TUPLE_EXT):
            arity = c_int()
            if lib.ei_decode_tuple_header(self.buf, self.pidx, byref(arity)) < 0:
                raise self.fail("ei_decode_tuple_header")
            self.enter()
            items = [self.term(frozen) for _ in range(arity.value)]
            self.depth -= 1
            return tuple(items)
        if typ == L.NIL_EXT:
            arity = c_int()
            if lib.ei_decode_list_header(self.buf, self.pidx, byref(arity)) < 0:
                raise self.fail("ei_decode_list_header")
            return FrozenList() if frozen else []
        if typ == L.STRING_EXT:
            out = ctypes.create_string_buffer(size + 1)
            if lib.ei_decode_string(self.buf, self.pidx, out) < 0:
                raise self.fail("ei_decode_string")
            codes = out.raw[:size]
            return FrozenList(codes) if frozen else Charlist(codes)
        if typ == L.LIST_EXT:
            return self.list(frozen)
        if typ == L.MAP_EXT:
            return self.map(frozen)
        if typ == L.PID_EXT:
            p = L.erlang_pid()
            if lib.ei_decode_pid(self.buf, self.pidx, byref(p)) < 0:
                raise self.fail("ei_decode_pid")
            return pid_value(p)
        if typ == L.NEW_REFERENCE_EXT:
            r = L.erlang_ref()
            if lib.ei_decode_ref(self.buf, self.pidx, byref(r)) < 0:
                raise self.fail("ei_decode_ref")
            return ref_value(r)
        if typ == L.PORT_EXT:
            p = L.erlang_port()
            if lib.ei_decode_port(self.buf, self.pidx, byref(p)) < 0:
                raise self.fail("ei_decode_port")
            return Port(p.node.decode("utf-8"), p.id, p.creation)
        if typ == L.BIT_BINARY_EXT:
            return self.bitstring()
        if typ in (L.NEW_FUN_EXT, L.EXPORT_EXT):
            if lib.ei_skip_term(self.buf, self.pidx) < 0:
                raise self.fail("ei_skip_term")
            self.need(self.idx.value)
            return OpaqueTerm(self.data[i : self.idx.value])
        raise self.bad(f"unsupported term type {typ} at byte {i}")

    def big(self, size: int) -> int:
        if size <= 8:
            v = c_longlong()
            if lib.ei_decode_longlong(self.buf, self.pidx, byref(v)) == 0:
                return v.value
            u = c_ulonglong()
            if lib.ei_decode_ulonglong(self.buf, self.pidx, byref(u)) == 0:
                return u.value
        bp = lib.ei_alloc_big(size)
        if not bp:
            raise MemoryError("ei_alloc_big failed")
        try:
            if lib.ei_decode_big(self.buf, self.pidx, bp) < 0:
                raise self.fail("ei_decode_big")
            big = bp.contents
            m = _digits_to_int(big, size)
            return -m if big.is_neg else m
        finally:
            lib.ei_free_big(bp)

    def atom(self) -> Any:
        out = ctypes.create_string_buffer(L.MAXATOMLEN_UTF8)
        was, res = c_int(), c_int()
        if (
            lib.ei_decode_atom_as(
                self.buf, self.pidx, out, L.MAXATOMLEN_UTF8, L.ERLANG_UTF8, byref(was), byref(res)
            )
            < 0
        ):
            raise self.fail("ei_decode_atom_as")
        name = out.value.decode("utf-8")
        if name == "true":
            return True
        if name == "false":
            return False
        return Atom(name)

    def list(self, frozen: bool) -> Any:
        arity = c_int()
        if lib.ei_decode_list_header(self.buf, self.pidx, byref(arity)) < 0:
            raise self.fail("ei_decode_list_header")
        self.enter()
        items = [self.term(frozen) for _ in range(arity.value)]
        if lib.ei_get_type(self.buf, self.pidx, byref(self.typ), byref(self.size)) < 0:
            raise self.fail("ei_get_type")
        if self.typ.value == L.NIL_EXT:
            nil = c_int()
            if lib.ei_decode_list_header(self.buf, self.pidx, byref(nil)) < 0:
                raise self.fail("ei_decode_list_header")
            self.depth -= 1
            return FrozenList(items) if frozen else items
        tail = self.term(frozen)
        self.depth -= 1
        return ImproperList(items, tail)

    def map(self, frozen: bool) -> Any:
        arity = c_int()
        if lib.ei_decode_map_header(self.buf, self.pidx, byref(arity)) < 0:
            raise self.fail("ei_decode_map_header")
        d = {}
        self.enter()
        for _ in range(arity.value):
            k = self.term(frozen=True)
            d[k] = self.term(frozen)
        self.depth -= 1
        if len(d) != arity.value:
            raise self.bad(
                "map keys that differ in Erlang are equal in Python (e.g. 1 and 1.0)",
                errno.ERANGE,
            )
        return FrozenMap(d) if frozen else d

    def bitstring(self) -> Any:
        pp = c_void_p()
        bitoffs = c_uint()
        nbits = c_size_t()
        if lib.ei_decode_bitstring(self.buf, self.pidx, byref(pp), byref(bitoffs), byref(nbits)) < 0:
            raise self.fail("ei_decode_bitstring")
        bits = nbits.value
        off = bitoffs.value
        raw = ctypes.string_at(pp.value, (off + bits + 7) // 8)
        if off:
            v = int.from_bytes(raw, "big") << off
            raw = (v & ((1 << (8 * len(raw))) - 1)).to_bytes(len(raw), "big")
        raw = raw[: (bits + 7) // 8]
        rem = bits % 8
        if rem == 0:
            return raw
        last = raw[-1] & (0xFF << (8 - rem)) & 0xFF
        return BitString(raw[:-1] + bytes([last]), bits)


def _whole(d: _Decoder) -> Any:
    try:
        v = d.term()
    except (RecursionError, ctypes.ArgumentError) as e:
        if isinstance(e, ctypes.ArgumentError) and "RecursionError" not in str(e):
            raise
        raise d.bad("terms nested too deeply for Python's stack") from None
    if d.idx.value != d.n:
        raise d.bad(f"{d.n - d.idx.value} bytes after the term")
    return v


def decode_at(data: bytes, start: int = 0) -> Any:
    """The term at ``data[start:]``, which must be exactly one term (no
    version byte)."""
    return _whole(_Decoder(bytes(data), start))


def decode(data: Any) -> Any:
    """The value of ``data``: one term in the external format with its
    version byte first, as ``term_to_binary/1`` makes it. Raises
    :class:`DecodeError` for anything else (including trailing bytes)."""
    d = _Decoder(bytes(data))
    version = c_int()
    if d.n == 0:
        raise d.bad("no data")
    if lib.ei_decode_version(d.buf, d.pidx, byref(version)) < 0:
        raise d.fail("ei_decode_version")
    return _whole(d)


def format_term(value: Any) -> str:
    """``value`` as libei's ``ei_s_print_term`` writes it (``{ok, [1, 2]}``),
    for logs and messages."""
    data = encode(value)
    s = c_void_p()
    idx = c_int(1)
    buf = ctypes.create_string_buffer(data, len(data) + _PAD)
    rc = lib.ei_s_print_term(byref(s), buf, byref(idx))
    try:
        if rc < 0:
            raise DecodeError("ei_s_print_term", L.erl_errno() or errno.EBADMSG)
        text = ctypes.string_at(s.value)
        try:
            return text.decode("utf-8")
        except UnicodeDecodeError:  # Latin-1 atoms are printed as Latin-1
            return text.decode("latin-1")
    finally:
        if s.value:
            L.libc_free(s.value)

