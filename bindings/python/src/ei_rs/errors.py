"""Exceptions. Every failure of a library call carries its erl_errno."""

from __future__ import annotations

import errno as _errno
import os
from typing import Any, Optional


class EiError(OSError):
    """A libei call failed.

    ``errno`` is the ``erl_errno`` the call left (``errno.EBADMSG`` for
    malformed input, ``errno.ETIMEDOUT`` for a timeout, ...), ``code`` the
    call's own return value (e.g. ``ERL_NO_DAEMON``) and ``function`` the
    name of the C function.
    """

    def __init__(self, function: str, erl_errno: int, code: int = -1, detail: str = ""):
        text = os.strerror(erl_errno) if erl_errno else "unknown error"
        message = f"{function}: {text}"
        if detail:
            message += f" ({detail})"
        super().__init__(erl_errno, message)
        self.function = function
        self.code = code

    def __str__(self) -> str:
        return self.strerror

    def __reduce__(self):
        return (type(self), (self.function, self.errno, self.code))


class EncodeError(EiError):
    """A value could not be encoded (NaN, an atom over 255 characters, ...)."""


class DecodeError(EiError):
    """Bytes that are not a valid term (``errno`` is usually ``EBADMSG``)."""


class ConnectError(EiError):
    """Connecting to, or accepting, a node failed: no epmd, no such node,
    a refused handshake (wrong cookie), ...; ``code`` is one of ``ERL_ERROR``,
    ``ERL_NO_DAEMON``, ``ERL_NO_PORT``, ``ERL_CONNECT_FAIL``, ``ERL_TIMEOUT``."""


class EiTimeoutError(EiError, TimeoutError):
    """Nothing happened within the timeout (``errno`` ``ETIMEDOUT``)."""


class ConnectionClosed(EiError):
    """The connection was closed, by the peer or by :meth:`Connection.close`."""


class RpcError(Exception):
    """The remote call failed on the peer: ``reason`` is the decoded ``Reason``
    of the ``{badrpc, Reason}`` reply."""

    def __init__(self, module: str, function: str, reason: Any):
        super().__init__(f"{module}:{function} failed: {reason!r}")
        self.reason = reason


_CLOSED = {_errno.ECONNRESET, _errno.EPIPE, _errno.EBADF, _errno.ENOTCONN}


def error_for(function: str, erl_errno: int, code: int = -1,
              kind: Optional[type] = None, detail: str = "") -> EiError:
    """The exception for a failed call: timeouts and lost connections get
    their own classes whatever the call."""
    if erl_errno == _errno.ETIMEDOUT:
        return EiTimeoutError(function, erl_errno, code, detail)
    if kind is None:
        kind = ConnectionClosed if erl_errno in _CLOSED else EiError
    return kind(function, erl_errno, code, detail)
