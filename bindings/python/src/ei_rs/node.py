"""C nodes: ``ei_cnode``, connections, messages and rpc."""

from __future__ import annotations

import collections
import enum
import errno
import math
import os
import socket
import struct
import time
import weakref
from ctypes import byref, c_int
from dataclasses import dataclass
from typing import Any, Deque, Iterable, Optional, Union

from . import _lib as L
from ._lib import lib
from .codec import XBuffer, _Decoder, decode_at, encode, encode_into, pid_struct, pid_value, ref_value
from .errors import ConnectError, ConnectionClosed, EiError, RpcError, error_for
from .types import Atom, Pid, Reference

__all__ = ["Node", "Connection", "Message", "MessageType"]


class MessageType(enum.IntEnum):
    """``erlang_msg.msgtype``: what a received message is."""

    LINK = 1
    SEND = 2
    EXIT = 3
    UNLINK = 4
    NODE_LINK = 5
    REG_SEND = 6
    GROUP_LEADER = 7
    EXIT2 = 8
    MONITOR = 19
    DEMONITOR = 20
    MONITOR_EXIT = 21


@dataclass(frozen=True)
class Message:
    """A message or signal received on a connection.

    - ``SEND``: ``payload`` sent to the pid ``recipient`` (``sender`` is
      ``None``: Erlang does not say who sent it).
    - ``REG_SEND``: ``payload`` sent by ``sender`` to the registered name
      ``recipient`` (an :class:`Atom`).
    - ``LINK`` / ``UNLINK``: ``sender`` links to / unlinks from ``recipient``;
      ``payload`` is ``None``.
    - ``EXIT`` / ``EXIT2``: ``sender`` exited (``EXIT``, through a link) or
      sent an exit signal (``EXIT2``); ``payload`` is the reason.
    - ``MONITOR`` / ``DEMONITOR`` / ``MONITOR_EXIT``: ``payload`` is the
      tuple of the signal's fields, ``(From, To, Ref)`` or
      ``(From, To, Ref, Reason)``. (Erlang/OTP 25 to 28 keep monitors of a
      C node's processes to themselves; other peers may send these.)
    """

    type: Union[MessageType, int]
    payload: Any
    sender: Optional[Pid] = None
    recipient: Union[Pid, Atom, None] = None


def _ms(timeout: Optional[float]) -> int:
    """A timeout in seconds as the _tmo functions take it (0 means no
    limit to them, so a zero timeout becomes 1 ms)."""
    if timeout is None:
        return L.INF_TMO
    return min(max(1, math.ceil(timeout * 1000)), L.INF_TMO - 1)


class _Deadline:
    def __init__(self, timeout: Optional[float]):
        self.end = None if timeout is None else time.monotonic() + max(0.0, timeout)

    def ms(self) -> int:
        """What is left, for a _tmo function; 0 when nothing is."""
        if self.end is None:
            return L.INF_TMO
        left = self.end - time.monotonic()
        return 0 if left <= 0 else _ms(left)


def _text(value: Union[str, Atom], what: str) -> bytes:
    if isinstance(value, Atom):
        value = value.name
    if not isinstance(value, str):
        raise TypeError(f"{what} must be str or Atom, not {type(value).__name__}")
    return value.encode("utf-8")


def _timed_out(function: str) -> EiError:
    return error_for(function, errno.ETIMEDOUT, L.ERL_TIMEOUT)


# On an established connection these mean it is gone (libei reports a
# connection the peer closed as EIO).
_GONE = {errno.EIO, errno.ECONNRESET, errno.EPIPE, errno.EBADF, errno.ENOTCONN}


def _io_error(function: str, rc: int) -> EiError:
    e = L.erl_errno()
    return error_for(function, e, rc, ConnectionClosed if e in _GONE else EiError)


_CONNECT_FAILURES = {
    L.ERL_NO_DAEMON: "no epmd",
    L.ERL_NO_PORT: "epmd does not know the node",
    L.ERL_CONNECT_FAIL: "cannot reach the node",
}


def _connect_error(function: str, rc: int, peer: str) -> EiError:
    e = L.erl_errno()
    why = _CONNECT_FAILURES.get(rc)
    if why is None and e == errno.EIO:
        why = "handshake failed; do the cookies differ?"
    detail = f"{peer}: {why}" if why else peer
    return error_for(function, e, rc, ConnectError, detail=detail)


class Node:
    """A C node (``ei_cnode``).

    ``name`` is ``alive@host`` (``ei_connect_xinit``) or just ``alive``, to
    which libei adds this host's name (``ei_connect_init``). ``cookie=None``
    reads ``~/.erlang.cookie``. ``creation`` tells incarnations of a node
    with the same name apart; by default it comes from the clock.
    """

    def __init__(self, name: str, cookie: Optional[str] = None, *, creation: Optional[int] = None):
        if creation is None:
            creation = (time.time_ns() // 1_000_000) & 0xFFFFFFFF
            if creation < 4:
                creation += 4
        self._ec = L.ei_cnode()
        self._ecp = byref(self._ec)
        c = None if cookie is None else _text(cookie, "cookie")
        if "@" in name:
            alive, host = name.split("@", 1)
            rc = lib.ei_connect_xinit(
                self._ecp, host.encode(), alive.encode(), name.encode(), None, c, creation
            )
            function = "ei_connect_xinit"
        else:
            rc = lib.ei_connect_init(self._ecp, name.encode(), c, creation)
            function = "ei_connect_init"
        if rc < 0:
            raise error_for(function, L.erl_errno(), rc)
        self._listen_fd = -1
        self._listen_close: Optional[weakref.finalize] = None
        self._publish_close: Optional[weakref.finalize] = None
        self.port: Optional[int] = None
        """The port :meth:`listen` got."""

    # -- identity

    @property
    def name(self) -> str:
        """``alive@host``."""
        return lib.ei_thisnodename(self._ecp).decode("utf-8")

    @property
    def alive(self) -> str:
        return lib.ei_thisalivename(self._ecp).decode("utf-8")

    @property
    def host(self) -> str:
        return lib.ei_thishostname(self._ecp).decode("utf-8")

    @property
    def creation(self) -> int:
        return self._ec.creation

    @property
    def pid(self) -> Pid:
        """The node's own pid (``ei_self``): the sender of what it sends."""
        p = lib.ei_self(self._ecp)
        if not p:
            raise error_for("ei_self", L.erl_errno())
        return pid_value(p.contents)

    def make_pid(self) -> Pid:
        """A new pid on this node (``ei_make_pid``)."""
        p = L.erlang_pid()
        if lib.ei_make_pid(self._ecp, byref(p)) < 0:
            raise error_for("ei_make_pid", L.erl_errno())
        return pid_value(p)

    def make_ref(self) -> Reference:
        """A new reference on this node (``ei_make_ref``)."""
        r = L.erlang_ref()
        if lib.ei_make_ref(self._ecp, byref(r)) < 0:
            raise error_for("ei_make_ref", L.erl_errno())
        return ref_value(r)

    # -- connecting

    def connect(self, peer: str, timeout: Optional[float] = None) -> "Connection":
        """Connects to the node ``peer`` (``alive@host``), found through
        epmd (``ERL_EPMD_PORT`` chooses its port). Raises
        :class:`ConnectError` (no epmd, no such node, handshake refused: a
        wrong cookie), or :class:`EiTimeoutError`."""
        fd = lib.ei_connect_tmo(self._ecp, peer.encode("utf-8"), _ms(timeout))
        if fd < 0:
            raise _connect_error("ei_connect_tmo", fd, peer)
        return Connection(self, fd, peer)

    def listen(self, port: int = 0, address: Optional[str] = None, backlog: int = 5) -> int:
        """Opens the socket other nodes connect to, on ``address`` (default:
        every address) and ``port`` (0: any free one). Returns the port,
        also kept in :attr:`port`."""
        if self._listen_fd >= 0:
            raise EiError("listen", errno.EISCONN, detail="already listening")
        p = c_int(port)
        if address is None:
            fd = lib.ei_listen(self._ecp, byref(p), backlog)
            function = "ei_listen"
        else:
            addr = L.in_addr(struct.unpack("=I", socket.inet_aton(address))[0])
            fd = lib.ei_xlisten(self._ecp, byref(addr), byref(p), backlog)
            function = "ei_xlisten"
        if fd < 0:
            raise error_for(function, L.erl_errno(), fd)
        self._listen_fd = fd
        self._listen_close = weakref.finalize(self, lib.ei_close_connection, fd)
        self.port = p.value
        return p.value

    def publish(self, timeout: Optional[float] = None) -> None:
        """Registers the node and its :attr:`port` with epmd, so that Erlang
        nodes can find it (``ei_publish``). Stays registered until
        :meth:`unpublish` or :meth:`close`."""
        if self.port is None:
            raise EiError("publish", errno.EINVAL, detail="listen() first")
        if self._publish_close is not None and self._publish_close.alive:
            return
        fd = lib.ei_publish_tmo(self._ecp, self.port, _ms(timeout))
        if fd < 0:
            raise error_for("ei_publish_tmo", L.erl_errno(), fd, ConnectError)
        self._publish_close = weakref.finalize(self, os.close, fd)

    def unpublish(self) -> None:
        """Removes the node from epmd (closes the registration's socket)."""
        if self._publish_close is not None:
            self._publish_close()
            self._publish_close = None

    def accept(self, timeout: Optional[float] = None) -> "Connection":
        """Waits for a node to connect (``ei_accept``) and returns the
        connection. Raises :class:`EiTimeoutError` when the timeout passes."""
        if self._listen_fd < 0:
            raise EiError("accept", errno.EINVAL, detail="listen() first")
        conp = L.ErlConnect()
        fd = lib.ei_accept_tmo(self._ecp, self._listen_fd, byref(conp), _ms(timeout))
        if fd < 0:
            raise _connect_error("ei_accept_tmo", fd, "accept")
        return Connection(self, fd, conp.nodename.decode("utf-8"))

    def close(self) -> None:
        """Unpublishes and stops listening. Connections stay open."""
        self.unpublish()
        if self._listen_close is not None:
            self._listen_close()
            self._listen_close = None
        self._listen_fd = -1
        self.port = None

    def __enter__(self) -> "Node":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Node({self.name!r})"


class Connection:
    """A connection between this node and ``peer``."""

    def __init__(self, node: Node, fd: int, peer: str):
        self.node = node
        self.fd = fd
        self.peer = peer
        self._pending: Deque[Message] = collections.deque()
        self._close = weakref.finalize(self, lib.ei_close_connection, fd)

    @property
    def closed(self) -> bool:
        return not self._close.alive

    def _fd(self) -> int:
        if self.closed:
            raise error_for("connection", errno.EBADF, detail="closed")
        return self.fd

    def send(self, to: Union[Pid, str, Atom], value: Any, timeout: Optional[float] = None) -> None:
        """Sends ``value`` to the pid ``to`` (``ei_send``), or to the process
        registered as ``to`` on the peer (``ei_reg_send``), from this
        node's pid."""
        fd = self._fd()
        data = encode(value)
        if isinstance(to, Pid):
            rc = lib.ei_send_tmo(fd, byref(pid_struct(to)), data, len(data), _ms(timeout))
            function = "ei_send_tmo"
        else:
            name = _text(to, "to")
            rc = lib.ei_reg_send_tmo(self.node._ecp, fd, name, data, len(data), _ms(timeout))
            function = "ei_reg_send_tmo"
        if rc < 0:
            raise _io_error(function, rc)

    def receive(self, timeout: Optional[float] = None) -> Message:
        """The next message or signal (ticks are answered and skipped).
        Raises :class:`EiTimeoutError` if none comes within ``timeout``
        seconds (``None``: wait without limit), :class:`ConnectionClosed`
        when the connection is gone."""
        if self._pending:
            return self._pending.popleft()
        fd = self._fd()
        deadline = _Deadline(timeout)
        while True:
            ms = deadline.ms()
            if ms == 0:
                raise _timed_out("ei_xreceive_msg_tmo")
            msg = L.erlang_msg()
            with XBuffer(version=False) as x:
                rc = lib.ei_xreceive_msg_tmo(fd, byref(msg), x.ref, ms)
                if rc == L.ERL_TICK:
                    continue
                if rc < 0:
                    raise _io_error("ei_xreceive_msg_tmo", rc)
                return _message(msg, x)

    def rpc(self, module: Union[str, Atom], function: Union[str, Atom],
            args: Iterable[Any] = (), timeout: Optional[float] = None) -> Any:
        """Calls ``module:function(*args)`` on the peer and returns its
        result (``ei_rpc_to`` / ``ei_rpc_from``). Raises :class:`RpcError`
        when the peer answers ``{badrpc, Reason}`` (an exception in the
        call, an undefined function, ...), :class:`EiTimeoutError` when no
        answer comes in time. Other messages that arrive meanwhile are kept
        for :meth:`receive`."""
        if isinstance(args, (str, bytes, bytearray, dict)):
            raise TypeError("args is a sequence of arguments, e.g. [1, 2]")
        fd = self._fd()
        m, f = _text(module, "module"), _text(function, "function")
        with XBuffer(version=False) as a:
            encode_into(a, list(args))
            arglist = a.bytes()
        rc = lib.ei_rpc_to(self.node._ecp, fd, m, f, arglist, len(arglist))
        if rc < 0:
            raise _io_error("ei_rpc_to", rc)
        deadline = _Deadline(timeout)
        rex = Atom("rex")
        while True:
            ms = deadline.ms()
            if ms == 0:
                raise _timed_out("ei_rpc_from")
            msg = L.erlang_msg()
            with XBuffer(version=False) as x:
                # ei_rpc_from takes an int: negative for no limit.
                tmo = -1 if ms == L.INF_TMO else min(ms, 2**31 - 1)
                rc = lib.ei_rpc_from(self.node._ecp, fd, tmo, byref(msg), x.ref)
                if rc == L.ERL_TICK:
                    continue
                if rc < 0:
                    raise _io_error("ei_rpc_from", rc)
                message = _message(msg, x)
            p = message.payload
            if (
                message.type == MessageType.SEND
                and isinstance(p, tuple)
                and len(p) == 2
                and p[0] == rex
            ):
                reply = p[1]
                if isinstance(reply, tuple) and len(reply) == 2 and reply[0] == Atom("badrpc"):
                    raise RpcError(m.decode(), f.decode(), reply[1])
                return reply
            self._pending.append(message)

    def close(self) -> None:
        """Closes the connection (``ei_close_connection``)."""
        self._close()

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"fd {self.fd}"
        return f"<Connection {self.node.name} -> {self.peer} ({state})>"


def _pid_or_none(p: L.erlang_pid) -> Optional[Pid]:
    return pid_value(p) if p.node else None


def _message(msg: L.erlang_msg, x: XBuffer) -> Message:
    kind = msg.msgtype
    try:
        kind = MessageType(kind)
    except ValueError:
        pass
    data = x.bytes()
    if not data:
        payload = None
    elif data[0] == L.VERSION_MAGIC:  # a message term; no term starts with 131
        payload = decode_at(data, 1)
    else:
        # Signals carry the rest of their control tuple: an exit reason, or
        # a monitor's fields.
        d = _Decoder(data)
        items = []
        while d.idx.value < d.n:
            items.append(d.term())
        payload = items[0] if kind in (MessageType.EXIT, MessageType.EXIT2) and len(items) == 1 else tuple(items)
    sender = _pid_or_none(msg.from_)
    to = _pid_or_none(msg.to)
    recipient: Union[Pid, Atom, None] = to
    if msg.toname:
        recipient = Atom(msg.toname.decode("utf-8"))
    if kind == MessageType.SEND:
        sender = None
    return Message(kind, payload, sender, recipient)

