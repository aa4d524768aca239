"""Python callables that C calls back, made safe.

C never holds a pointer to a Python object here. Each callback kind has one
module-level ``CFUNCTYPE`` trampoline (alive as long as the module) and C's
``user_data`` is a small integer token looked up in :data:`_registry`. A
token that is gone (its owner was freed) makes the trampoline return the
kind's safe failure value instead of touching freed memory.

A :class:`Token` owns one registry entry; Python wrappers of C objects that
may call it (trust managers with a verify callback, engines, clients,
requests) keep the Token referenced - and hand it to their finalizer - so
the entry lives at least as long as any C object that can use it.

The trampolines catch *every* exception (ctypes would otherwise print it and
return 0, which for a verify callback would mean "trusted"). The exception is
stored on the target so that the thread that made the request can re-raise
it, chained to the sslbind error the failure became.
"""
from __future__ import annotations

import itertools
import threading
import weakref
from typing import Any, Dict, Optional

from . import _ffi

_registry: Dict[int, Any] = {}
_tokens = itertools.count(1)  # 0 would arrive as NULL user_data
_local = threading.local()


def in_callback() -> bool:
    """True on a thread that is running a callback from C right now (an I/O
    thread of some client): a client must not be freed from there."""
    return getattr(_local, "depth", 0) > 0


class Token:
    """One registry entry: ``int(token)`` is the user_data given to C."""

    __slots__ = ("value", "target", "__weakref__")

    def __init__(self, target: Any) -> None:
        self.target = target
        self.value = next(_tokens)
        _registry[self.value] = target
        weakref.finalize(self, _registry.pop, self.value, None)

    @property
    def as_void_p(self) -> Any:
        return self.value

    def __repr__(self) -> str:
        return f"<Token {self.value} -> {_registry.get(self.value)!r}>"


def register_once(target: Any) -> int:
    """A one-shot entry (a request's completion): the completion trampoline
    removes it when it runs."""
    token = next(_tokens)
    _registry[token] = target
    return token


def unregister(token: int) -> None:
    _registry.pop(token, None)


def _target(user_data: Optional[int]) -> Any:
    return _registry.get(user_data) if user_data else None


class _Depth:
    def __enter__(self) -> None:
        _local.depth = getattr(_local, "depth", 0) + 1

    def __exit__(self, *exc: Any) -> None:
        _local.depth -= 1


_depth = _Depth()

# Each target implements one method; the trampolines only route and guard.


@_ffi.VERIFY_FN
def verify_trampoline(ud, host, chain, n, verdict, report):  # type: ignore[no-untyped-def]
    with _depth:
        t = _target(ud)
        if t is None:
            return 1  # rejects with CERT_REJECTED
        try:
            return t._on_verify(host, chain, n, verdict, report)
        except BaseException as e:  # noqa: B902 - must never escape into C
            t._failed(host, e)
            return 1


@_ffi.HOSTNAME_VERIFIER_FN
def hostname_trampoline(ud, host, chain, n):  # type: ignore[no-untyped-def]
    with _depth:
        t = _target(ud)
        if t is None:
            return 0  # 0 rejects
        try:
            return 1 if t._on_hostname(host, chain, n) else 0
        except BaseException as e:  # noqa: B902
            t._failed(host, e)
            return 0


@_ffi.CONNECTION_FN
def connection_trampoline(ud, conn):  # type: ignore[no-untyped-def]
    with _depth:
        t = _target(ud)
        if t is None:
            return 1  # non-zero fails the waiting requests (CANCELLED)
        try:
            return t._on_connection(conn)
        except BaseException as e:  # noqa: B902
            host = _ffi.sslb_connection_host(_ffi.ConnectionPtr(conn))  # type: ignore
            t._failed(host, e)
            return 1


@_ffi.BODY_SINK_FN
def sink_trampoline(ud, data, n):  # type: ignore[no-untyped-def]
    with _depth:
        t = _target(ud)
        if t is None:
            return 1
        try:
            return t._on_body(data, n)
        except BaseException as e:  # noqa: B902
            t._failed(None, e)
            return 1


@_ffi.HEAD_FN
def head_trampoline(ud, resp):  # type: ignore[no-untyped-def]
    with _depth:
        t = _target(ud)
        if t is None:
            return 1
        try:
            return t._on_head(resp)
        except BaseException as e:  # noqa: B902
            t._failed(None, e)
            return 1


@_ffi.BODY_READER_FN
def reader_trampoline(ud, buf, n):  # type: ignore[no-untyped-def]
    with _depth:
        t = _target(ud)
        if t is None:
            return -1
        try:
            return t._on_read(buf, n)
        except BaseException as e:  # noqa: B902
            t._failed(None, e)
            return -1


@_ffi.COMPLETION_FN
def completion_trampoline(ud, rc, resp):  # type: ignore[no-untyped-def]
    with _depth:
        t = _registry.pop(ud, None) if ud else None
        if t is None:
            # nobody waits: release what C handed over
            if resp:
                _ffi.sslb_response_free(_ffi.ResponsePtr(resp))  # type: ignore
            return
        try:
            t._on_complete(rc, resp)
        except BaseException:  # noqa: B902 - the target handles its own errors
            pass


class CallbackErrors:
    """Where callbacks leave the exception they raised, by host, for the
    request that failed because of it. ``code_name`` is the sslbind error such
    a failure becomes (CERT_REJECTED for a verify callback,
    CERT_HOSTNAME_MISMATCH for a hostname verifier, CANCELLED for a
    connection callback): only a request failing with that code takes the
    exception. A callback that returns normally for a host clears that host's
    entry, so a later genuine refusal is not mistaken for the old exception.

    (C passes callbacks no request identity, so the host is the key: see the
    binding's README on this limit.)"""

    def __init__(self, code_name: str) -> None:
        self.code_name = code_name
        self._by_host: Dict[Optional[str], BaseException] = {}
        self._lock = threading.Lock()

    def record(self, host: Optional[bytes], exc: BaseException) -> None:
        with self._lock:
            self._by_host[_ffi.dec(host)] = exc

    def clear(self, host: Optional[bytes]) -> None:
        if self._by_host:
            with self._lock:
                self._by_host.pop(_ffi.dec(host), None)

    def get(self, *hosts: Optional[str]) -> Optional[BaseException]:
        with self._lock:
            for h in hosts:
                if h in self._by_host:
                    return self._by_host[h]
        return None


def error_sinks(keep: Any) -> "list[CallbackErrors]":
    """The CallbackErrors of every callback target among `keep`."""
    out: "list[CallbackErrors]" = []
    for k in keep:
        target = getattr(k, "target", None)
        more = target.sinks() if hasattr(target, "sinks") else [getattr(target, "errors", None)]
        for errs in more:
            if isinstance(errs, CallbackErrors) and errs not in out:
                out.append(errs)
    return out
