"""Python types for the Erlang terms that have no natural Python counterpart."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Tuple, Union


@dataclass(frozen=True)
class Atom:
    """An Erlang atom. ``Atom("ok")``; any Unicode text of up to 255
    characters. ``true`` and ``false`` decode to Python's ``True``/``False``."""

    name: str

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(f"Atom name must be str, not {type(self.name).__name__}")

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"Atom({self.name!r})"


class Charlist(list):
    """An Erlang string: a list of character codes.

    ``Charlist("héllo")`` is the list ``[104, 233, 108, 108, 111]``; it
    compares equal to that plain list, and ``.text`` gives the ``str`` back.
    Strings that Erlang encodes compactly (``STRING_EXT``: lists of integers
    0..255) decode to ``Charlist``; other lists decode to ``list``, and
    ``Charlist(some_list).text`` reads them as text.
    """

    def __init__(self, value: Union[str, Iterable[int]] = ()):
        if isinstance(value, str):
            super().__init__(ord(c) for c in value)
        else:
            super().__init__(value)

    @property
    def text(self) -> str:
        return "".join(map(chr, self))

    def __repr__(self) -> str:
        try:
            text = self.text
        except (TypeError, ValueError, OverflowError):
            text = None
        if text is not None and text.isprintable():
            return f"Charlist({text!r})"
        return f"Charlist({list(self)!r})"


@dataclass(frozen=True)
class ImproperList:
    """A list whose tail is not ``[]``: ``[1, 2 | tail]`` is
    ``ImproperList([1, 2], tail)``. ``elements`` must not be empty."""

    elements: Tuple[Any, ...]
    tail: Any

    def __post_init__(self) -> None:
        object.__setattr__(self, "elements", tuple(self.elements))
        if not self.elements:
            raise ValueError("an improper list has at least one element")
        if isinstance(self.tail, (list, FrozenList)):
            raise ValueError("the tail of an improper list is not a list")


@dataclass(frozen=True)
class BitString:
    """A bitstring whose size is not a whole number of bytes: the first
    ``bits`` bits of ``data`` (``len(data) == ceil(bits / 8)``). Whole-byte
    binaries are ``bytes``."""

    data: bytes
    bits: int

    def __post_init__(self) -> None:
        data = bytes(self.data)
        if self.bits < 0 or (self.bits + 7) // 8 != len(data):
            raise ValueError(f"{len(data)} bytes cannot hold exactly {self.bits} bits")
        rem = self.bits % 8
        if rem:  # the unused low bits of the last byte are not part of the value
            data = data[:-1] + bytes([data[-1] & (0xFF << (8 - rem)) & 0xFF])
        object.__setattr__(self, "data", data)


@dataclass(frozen=True)
class Pid:
    """An Erlang process identifier (``erlang_pid``)."""

    node: str
    num: int
    serial: int = 0
    creation: int = 0

    def __str__(self) -> str:
        return f"<{self.node}.{self.num}.{self.serial}>"


@dataclass(frozen=True)
class Reference:
    """An Erlang reference (``erlang_ref``): 1 to 5 32-bit words."""

    node: str
    ids: Tuple[int, ...]
    creation: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "ids", tuple(self.ids))
        if not 1 <= len(self.ids) <= 5:
            raise ValueError("a reference has 1 to 5 words")

    def __str__(self) -> str:
        return f"#Ref<{self.node}.{'.'.join(map(str, reversed(self.ids)))}>"


@dataclass(frozen=True)
class Port:
    """An Erlang port identifier (``erlang_port``)."""

    node: str
    id: int
    creation: int = 0

    def __str__(self) -> str:
        return f"#Port<{self.node}.{self.id}>"


@dataclass(frozen=True)
class OpaqueTerm:
    """A term kept as its encoded bytes (no version byte): funs. It is sent
    back unchanged."""

    data: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"OpaqueTerm({len(self.data)} bytes)"


class FrozenList(tuple):
    """A list as a hashable, immutable sequence. Map keys that are lists
    decode to it (a Python dict key cannot be a list); it encodes as a list
    and compares equal to lists (not to tuples) with the same elements."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (FrozenList, list)):
            return tuple.__eq__(self, tuple(other))
        return False

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash((FrozenList, tuple(self)))

    def __repr__(self) -> str:
        return f"FrozenList({list(self)!r})"


class FrozenMap(Mapping):
    """A map as a hashable, immutable mapping. Map keys that are maps decode
    to it; it encodes as a map and compares equal to dicts."""

    __slots__ = ("_d", "_h")

    def __init__(self, *args: Any, **kwargs: Any):
        self._d = dict(*args, **kwargs)
        self._h = None

    def __getitem__(self, key: Any) -> Any:
        return self._d[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __hash__(self) -> int:
        if self._h is None:
            self._h = hash((FrozenMap, frozenset(self._d.items())))
        return self._h

    def __repr__(self) -> str:
        return f"FrozenMap({self._d!r})"
