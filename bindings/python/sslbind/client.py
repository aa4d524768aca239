"""The HTTPS client: blocking, streaming, batched and asyncio requests.

* Blocking calls (``get``/``post``/.../``request``) run ``sslb_client_execute``
  with the GIL released, so threads overlap. With ``timeout=`` the request
  is submitted instead and cancelled when the time is up (TimeoutError).
* ``stream()`` returns once the response head has arrived (a head
  callback) and feeds the body through a body sink into a queue that
  ``iter_bytes()`` drains; a slow reader pauses the transfer
  (``sslb_client_pause``/``_resume``) instead of letting it pile up.
* ``batch()`` submits every request at once and waits for all of them; the
  requests to one HTTP/2 origin share one connection.
* ``aget``/``arequest`` (and :class:`AsyncHttpClient`) submit the request
  and resolve an asyncio future from the completion callback through
  ``loop.call_soon_threadsafe``: no thread per request.

An exception raised inside a Python callback (verify callback, hostname
verifier, Android's ssl_manager, a body reader or the stream's sink) makes
that callback fail the request; the request then raises that same exception,
chained (``__cause__``) to the sslbind error it became.
"""
from __future__ import annotations

import asyncio
import contextlib
import ctypes
import io
import json as _json
import os
import queue
import threading
import time
import urllib.parse
from typing import (Any, AsyncIterator, Callable, Dict, Iterable, Iterator, List, Mapping,
                    Optional, Sequence, Tuple, Union)

from . import _callbacks, _ffi, errors
from ._handle import Handle
from .certificate import Certificate
from .context import SSLContext
from .engines import Engine, HostnameVerifier, Native, _HostnameTarget, hostname_policy, http_policy
from .keystore import KeyStore
from .trust import TrustManager

__all__ = ["HttpClient", "AsyncHttpClient", "Response", "StreamingResponse", "Headers",
           "TLSInfo"]

HeadersLike = Union[None, Mapping[str, str], Iterable[Tuple[str, str]]]
Content = Union[None, bytes, bytearray, memoryview, str, Any]

_CANCELLED = -58
_TIMEOUT = -54
_DEFAULT_TIMEOUTS = {  # (connect_ms, request_ms) each style starts with
    "Native": (10000, 30000), "Apache": (10000, 30000), "Java": (10000, 30000),
    "Jetty": (10000, 30000), "OkHttp": (10000, 30000), "CIO": (5000, 15000),
    "Android": (100000, 0)}


# ------------------------------------------------------------------ responses


class Headers(Sequence[Tuple[str, str]]):
    """Response header fields in order, as (name, value) pairs (names in lower
    case); ``get``/``[]`` by name are case-insensitive."""

    def __init__(self, pairs: Sequence[Tuple[str, str]]) -> None:
        self._pairs = list(pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            v = self.get(key)
            if v is None:
                raise KeyError(key)
            return v
        return self._pairs[key]

    def get(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The first value of a field (case-insensitive)."""
        n = name.lower()
        for k, v in self._pairs:
            if k.lower() == n:
                return v
        return default

    def get_all(self, name: str) -> List[str]:
        n = name.lower()
        return [v for k, v in self._pairs if k.lower() == n]

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            return self.get(name) is not None
        return name in self._pairs

    def keys(self) -> List[str]:
        return [k for k, _ in self._pairs]

    def items(self) -> List[Tuple[str, str]]:
        return list(self._pairs)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return self._pairs == other._pairs
        if isinstance(other, list):
            return self._pairs == other
        return NotImplemented

    def __repr__(self) -> str:
        return f"Headers({self._pairs!r})"


class TLSInfo:
    """TLS facts of the connection that carried a response: ``version``
    ("TLS1.3"), ``cipher``, ``alpn`` ("h2", "http/1.1" or ""), ``resumed`` and
    ``chain`` (the server's certificates as presented, leaf first)."""

    def __init__(self, resp: Optional["Response"], version: str, cipher: str, alpn: str,
                 resumed: bool) -> None:
        self._resp = resp
        self.version, self.cipher, self.alpn, self.resumed = version, cipher, alpn, resumed
        self._chain: Optional[List[Certificate]] = None

    @property
    def chain(self) -> List[Certificate]:
        if self._chain is None:
            self._chain = _read_chain(self._resp._h._p) if self._resp is not None else []
        return self._chain

    def __repr__(self) -> str:
        return f"<TLSInfo {self.version} {self.cipher} alpn={self.alpn!r}>"


def _read_head(p: Any) -> Tuple[int, str, Headers, Tuple[str, str, str, bool]]:
    """Status, HTTP version, header fields and TLS facts of a C response (or
    of the read-only head a head callback is given)."""
    pairs = []
    for i in range(_ffi.sslb_response_header_count(p)):
        pairs.append((_ffi.dec(_ffi.sslb_response_header_name(p, i)) or "",
                      _ffi.dec(_ffi.sslb_response_header_value(p, i)) or ""))
    tls = (_ffi.dec(_ffi.sslb_response_tls_version(p)) or "",
           _ffi.dec(_ffi.sslb_response_tls_cipher(p)) or "",
           _ffi.dec(_ffi.sslb_response_alpn(p)) or "",
           _ffi.sslb_response_tls_resumed(p) == 1)
    return (_ffi.sslb_response_status(p), _ffi.dec(_ffi.sslb_response_http_version(p)) or "",
            Headers(pairs), tls)


def _charset(headers: Headers) -> str:
    ctype = headers.get("content-type") or ""
    for part in ctype.split(";")[1:]:
        k, _, v = part.strip().partition("=")
        if k.lower() == "charset" and v:
            return v.strip('"')
    return "utf-8"


def _read_chain(p: Any) -> List[Certificate]:
    out = []
    for i in range(_ffi.sslb_response_peer_chain_length(p)):
        out.append(Certificate(_ffi.new_handle(
            lambda o: _ffi.sslb_response_peer_certificate(p, i, o), _ffi.CertificatePtr)))
    return out


class _ResponseHandle:
    """The C response behind a Response, freed once: by close() or when
    collected. Lighter than Handle's weakref.finalize, which would cost a
    registry entry per response; the one-element list makes taking the
    pointer atomic, so two threads closing at once free it once."""

    __slots__ = ("_box",)

    def __init__(self, ptr: Any) -> None:
        self._box = [ptr]

    @property
    def _p(self) -> Any:
        if not self._box:
            raise ValueError("this response is closed")
        return self._box[0]

    @property
    def closed(self) -> bool:
        return not self._box

    def close(self) -> None:
        try:
            ptr = self._box.pop()
        except IndexError:
            return
        _ffi.fast_response_free(ptr)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: B902 - interpreter shutdown: nothing to do
            pass


class Response:
    """A complete response. ``status``, ``headers``, ``content`` (bytes),
    ``text``, ``json()``, ``http_version`` ("1.1" or "2") and ``tls``. The C
    response is kept for ``tls.chain`` until ``close()`` (or the garbage
    collector); everything else is copied: status and content at once, the
    header fields, version and TLS facts when first read (or at ``close()``),
    so that a caller who needs only the body crosses into C twice."""

    def __init__(self, ptr: Any, url: str = "") -> None:
        self._h = _ResponseHandle(ptr)
        self.url = url
        self.status: int = _ffi.fast_response_status(ptr)
        body = ctypes.c_void_p()
        n = ctypes.c_size_t()
        _ffi.fast_response_body(ptr, ctypes.byref(body), ctypes.byref(n))
        self.content: bytes = ctypes.string_at(body, n.value) if n.value else b""
        self._facts: Optional[Tuple[str, Headers, TLSInfo]] = None

    def _read_facts(self) -> Tuple[str, Headers, TLSInfo]:
        if self._facts is None:
            _, version, headers, tls = _read_head(self._h._p)
            self._facts = (version, headers, TLSInfo(self, *tls))
        return self._facts

    @property
    def http_version(self) -> str:
        return self._read_facts()[0]

    @property
    def headers(self) -> Headers:
        return self._read_facts()[1]

    @property
    def tls(self) -> TLSInfo:
        return self._read_facts()[2]

    @property
    def encoding(self) -> str:
        return _charset(self.headers)

    @property
    def text(self) -> str:
        try:
            return self.content.decode(self.encoding, "replace")
        except LookupError:
            return self.content.decode("utf-8", "replace")

    def json(self, **kw: Any) -> Any:
        return _json.loads(self.content, **kw)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 400

    def close(self) -> None:
        if not self._h.closed:
            self._read_facts()  # what stays readable after close
        self._h.close()

    @property
    def closed(self) -> bool:
        return self._h.closed

    def __enter__(self) -> "Response":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Response [{self.status}] HTTP/{self.http_version} {len(self.content)} bytes>"


# ------------------------------------------------------------------ requests


class _BodyReader:
    """A request body read piece by piece on the I/O thread (file-like
    objects and iterables of bytes)."""

    def __init__(self, source: Any) -> None:
        self.errors: Optional[BaseException] = None
        if hasattr(source, "read"):
            self._read: Callable[[int], bytes] = source.read
            self._it: Optional[Iterator[bytes]] = None
        else:
            self._it = iter(source)
        self._pending = b""

    def _on_read(self, buf: int, n: int) -> int:
        if self._it is None:
            data = self._read(n)
            if isinstance(data, str):
                data = data.encode()
        else:
            data = self._pending
            while not data:
                try:
                    data = next(self._it)
                except StopIteration:
                    return 0
                if isinstance(data, str):
                    data = data.encode()
            self._pending = data[n:]
            data = data[:n]
        if not data:
            return 0
        ctypes.memmove(buf, data, len(data))
        return len(data)

    def _failed(self, host: Any, exc: BaseException) -> None:
        self.errors = exc


def _body_length(source: Any) -> int:
    try:
        if hasattr(source, "fileno") and hasattr(source, "tell"):
            st = os.fstat(source.fileno())
            return max(st.st_size - source.tell(), 0)
    except (OSError, io.UnsupportedOperation):
        pass
    return -1


class _Request:
    """One sslb_request plus what C may call back for it."""

    __slots__ = ("url", "ptr", "tokens", "reader", "sink")

    def __init__(self, method: str, url: str, headers: HeadersLike, content: Content,
                 json: Any, http: Optional[str], default_headers: Sequence[Tuple[str, str]]
                 ) -> None:
        self.url = url
        ptr = self.ptr = _ffi.RequestPtr()
        rc = _ffi.fast_request_new(ctypes.byref(ptr), _ffi.enc(method.upper()), _ffi.enc(url))
        if rc < 0:
            raise errors.error_for(rc)
        self.tokens: List[Any] = []
        self.reader: Optional[_BodyReader] = None
        self.sink: Any = None
        if not (default_headers or headers or json is not None or content is not None
                or http is not None):
            return  # a bare request: nothing more to set
        try:
            pairs: List[Tuple[str, str]] = list(default_headers)
            if headers is not None:
                pairs += list(headers.items()) if isinstance(headers, Mapping) else list(headers)
            if json is not None:
                if content is not None:
                    raise ValueError("give content or json, not both")
                content = _json.dumps(json).encode()
                if not any(k.lower() == "content-type" for k, _ in pairs):
                    pairs.append(("Content-Type", "application/json"))
            for k, v in pairs:
                _ffi.sslb_request_add_header(self.ptr, _ffi.enc(k), _ffi.enc(v))
            if isinstance(content, str):
                content = content.encode("utf-8")
            if isinstance(content, (bytes, bytearray, memoryview)):
                data = bytes(content)
                _ffi.sslb_request_set_body(self.ptr, data, len(data))
            elif content is not None:
                self.reader = _BodyReader(content)
                token = _callbacks.Token(self.reader)
                self.tokens.append(token)
                _ffi.sslb_request_set_body_reader(self.ptr, _callbacks.reader_trampoline,
                                                  token.value, _body_length(content))
            if http is not None:
                _ffi.sslb_request_set_http_policy(self.ptr, http_policy(http))
        except BaseException:
            self.free()
            raise

    @property
    def host(self) -> Optional[str]:
        """The URL's host, for error messages (parsed only when one is made)."""
        return urllib.parse.urlsplit(self.url).hostname

    def last_error(self) -> str:
        return _ffi.dec(_ffi.sslb_request_last_error(self.ptr)) or ""

    def own_exception(self) -> Optional[BaseException]:
        for t in (self.reader, self.sink):
            if t is not None and t.errors is not None:
                return t.errors
        return None

    def free(self) -> None:
        if self.ptr:
            _ffi.fast_request_free(self.ptr)
            self.ptr = _ffi.RequestPtr()

    def cancel_in(self, cptr: Any) -> None:
        """Cancels this request on the client (closing)."""
        if self.ptr:
            _ffi.sslb_client_cancel(cptr, self.ptr)

    def outcome(self, client: "HttpClient", rc: int, resp: Optional[int], message: str,
                timed_out: bool) -> Union["Response", BaseException]:
        """The Response of a completed request, or the exception it raises."""
        if rc >= 0:
            return Response(_ffi.ResponsePtr(resp), self.url)
        err = errors.error_for(rc, message, host=self.host)
        if timed_out and rc == _CANCELLED:
            err = errors.TimeoutError(_TIMEOUT, "TIMEOUT",
                                      f"no response within the request's timeout ({self.url})")
        return client._translate(err, self)


class _Pending:
    """A submitted request, until (and after) its completion. The completion
    runs on the client's I/O thread: it records the outcome, frees the C
    request (C is done with it) and calls ``on_done``."""

    def __init__(self, client: "HttpClient", req: _Request,
                 on_done: Optional[Callable[["_Pending"], None]] = None) -> None:
        self.client = client
        self.req = req
        self.on_done = on_done
        self.lock = threading.Lock()
        self.event = threading.Event()
        self.done = False
        self.rc = 0
        self.resp: Optional[int] = None
        self.message = ""
        self.timed_out = False
        self.token = 0

    def submit(self) -> None:
        self.token = _callbacks.register_once(self)
        try:
            _ffi.sslb_client_submit(self.client._c._p, self.req.ptr,
                                    _callbacks.completion_trampoline, self.token)
        except BaseException:
            _callbacks.unregister(self.token)
            self.req.free()
            raise

    def _on_complete(self, rc: int, resp: Optional[int]) -> None:
        with self.lock:
            self.rc, self.resp = rc, resp
            if rc < 0:
                self.message = self.req.last_error()
            self.req.free()
            self.done = True
        self.event.set()
        if self.on_done is not None:
            self.on_done(self)

    def cancel(self) -> None:
        with self.lock:
            if not self.done and not self.client._c.closed:
                _ffi.sslb_client_cancel(self.client._c._ptr, self.req.ptr)

    def take_response(self) -> Optional[int]:
        r, self.resp = self.resp, None
        return r

    def discard(self) -> None:
        """Frees a response nobody will read."""
        r = self.take_response()
        if r:
            _ffi.sslb_response_free(_ffi.ResponsePtr(r))

    def result(self) -> Response:
        """The Response, or raises the request's error."""
        out = self.req.outcome(self.client, self.rc, self.take_response(), self.message,
                               self.timed_out)
        if isinstance(out, BaseException):
            raise out
        return out

    def outcome(self) -> Union[Response, BaseException]:
        try:
            return self.result()
        except BaseException as e:  # noqa: B902 - batch reports every outcome
            return e


class _BatchRun:
    """The requests of one batch() and the completion queue they end in.
    The C requests are freed only when the whole batch has ended, so that
    close() may cancel any of them at any time."""

    CHUNK = 512

    def __init__(self) -> None:
        self.q = _ffi.new_handle(_ffi.sslb_queue_new, _ffi.QueuePtr)
        self.reqs: List[_Request] = []
        self.slot: Dict[int, int] = {}  # tag -> index in the results
        self.running = 0
        self.buf = (_ffi.Completion * self.CHUNK)()

    def submit(self, cptr: Any, req: _Request, index: int) -> None:
        self.reqs.append(req)
        tag = len(self.reqs)  # never 0: a NULL tag reads back as None
        try:
            _ffi.sslb_client_submit_to_queue(cptr, req.ptr, self.q, tag)
        except BaseException:
            self.reqs.pop()
            req.free()
            raise
        self.slot[tag] = index
        self.running += 1

    def drain(self, client: "HttpClient", results: List[Any], timeout: Optional[float]) -> None:
        """Takes every completion into results; past the timeout the rest
        are cancelled and report TimeoutError."""
        deadline = None if timeout is None else time.monotonic() + timeout
        timed_out = False
        buf, take = self.buf, _ffi.sslb_queue_take
        while self.running:
            wait = -1
            if deadline is not None and not timed_out:
                wait = max(0, int((deadline - time.monotonic()) * 1000))
            n = take(self.q, buf, self.CHUNK, wait)
            if n == 0 and deadline is not None and not timed_out:
                timed_out = True
                for req in self.reqs:
                    req.cancel_in(client._c._ptr)
                continue
            self.running -= n
            k = 0
            try:
                while k < n:
                    c = buf[k]
                    k += 1
                    req = self.reqs[c.tag - 1]
                    message = req.last_error() if c.rc < 0 else ""
                    results[self.slot[c.tag]] = req.outcome(client, c.rc, c.response, message,
                                                            timed_out)
            finally:
                for c in buf[k:n]:  # interrupted: what nobody will read
                    if c.response:
                        _ffi.sslb_response_free(_ffi.ResponsePtr(c.response))

    def cancel_in(self, cptr: Any) -> None:
        for req in list(self.reqs):
            req.cancel_in(cptr)

    def free(self) -> None:
        for req in self.reqs:
            req.free()
        self.reqs = []
        _ffi.sslb_queue_free(self.q)


class _AsyncOne:
    """One request submitted from asyncio."""

    __slots__ = ("req", "fut", "timed_out")

    def __init__(self, req: _Request, fut: "asyncio.Future[Response]") -> None:
        self.req = req
        self.fut = fut
        self.timed_out = False


class _LoopQueue:
    """The completion queue of one client's requests from one event loop.
    Its descriptor is watched by the loop (add_reader) while requests are
    outstanding; each wake-up takes every completion that has arrived."""

    CHUNK = 256

    def __init__(self, client: "HttpClient", loop: asyncio.AbstractEventLoop) -> None:
        self.client = client
        self.loop = loop
        self.q = _ffi.new_handle(_ffi.sslb_queue_new, _ffi.QueuePtr)
        self.fd = _ffi.sslb_queue_fd(self.q)
        self.pending: Dict[int, _AsyncOne] = {}
        self.next_tag = 1  # never 0: a NULL tag reads back as None
        self.watching = False
        self.buf = (_ffi.Completion * self.CHUNK)()

    def idle(self) -> bool:
        return not self.pending

    def submit(self, req: _Request) -> _AsyncOne:
        one = _AsyncOne(req, self.loop.create_future())
        tag = self.next_tag
        self.next_tag += 1
        try:
            _ffi.sslb_client_submit_to_queue(self.client._c._p, req.ptr, self.q, tag)
        except BaseException:
            req.free()
            raise
        self.pending[tag] = one
        if not self.watching:
            self.loop.add_reader(self.fd, self.drain)
            self.watching = True
        return one

    def drain(self) -> None:
        """Settles the futures of every completion waiting (on the loop)."""
        buf, client = self.buf, self.client
        n = _ffi.sslb_queue_take(self.q, buf, self.CHUNK, 0)
        k = 0
        try:
            while k < n:
                c = buf[k]
                k += 1
                one = self.pending.pop(c.tag)
                req = one.req
                if one.fut.done():  # cancelled: nobody reads it
                    if c.response:
                        _ffi.sslb_response_free(_ffi.ResponsePtr(c.response))
                else:
                    message = req.last_error() if c.rc < 0 else ""
                    out = req.outcome(client, c.rc, c.response, message, one.timed_out)
                    if isinstance(out, BaseException):
                        one.fut.set_exception(out)
                    else:
                        one.fut.set_result(out)
                req.free()
        finally:
            for c in buf[k:n]:  # interrupted: what nobody will read
                if c.response:
                    _ffi.sslb_response_free(_ffi.ResponsePtr(c.response))
        if not self.pending:
            if self.watching:
                self.loop.remove_reader(self.fd)
                self.watching = False
            if client._closing:
                self.free()  # the queue and its descriptor go with the client

    def client_closed(self) -> None:
        """The C client is gone: every request has ended in the queue."""
        if self.loop.is_closed():
            self.discard_all()
        else:
            try:
                self.loop.call_soon_threadsafe(self.drain)
            except RuntimeError:  # closed meanwhile
                self.discard_all()

    def discard_all(self) -> None:
        """Frees what nobody will read (the loop is closed)."""
        while True:
            n = _ffi.sslb_queue_take(self.q, self.buf, self.CHUNK, 0)
            if n <= 0:
                break
            for c in self.buf[:n]:
                if c.response:
                    _ffi.sslb_response_free(_ffi.ResponsePtr(c.response))
                one = self.pending.pop(c.tag, None)
                if one is not None:
                    one.req.free()
        self.free()

    def free(self) -> None:
        if self.q and not self.pending:
            _ffi.sslb_queue_free(self.q)
            self.q = _ffi.QueuePtr()


# -------------------------------------------------------------------- client


def _host_port(key: Any) -> Tuple[str, int]:
    """("host", port) or "host:port" ("[::1]:443"; either part may be empty,
    an empty port is 0)."""
    if isinstance(key, str):
        host, _, port = key.rpartition(":")
        return host.strip("[]"), int(port or 0)
    host, port = key
    return host or "", int(port or 0)


def _release_client(ptr: Any) -> None:
    if _callbacks.in_callback():
        # never from a client's own I/O thread (it would join itself)
        threading.Thread(target=_ffi.sslb_client_free, args=(ptr,),
                         name="sslbind-client-free").start()
    else:
        _ffi.sslb_client_free(ptr)


class _ClientHandle(Handle):
    _kind = "client"


class HttpClient:
    """An HTTPS client (one C client: connection pool, one I/O thread).

    ``engine`` is an engine style (:class:`~sslbind.Apache`, ``Java``,
    ``Jetty``, ``CIO``, ``Android``, ``OkHttp``, ``Native``) or None; without
    one, ``ssl_context`` / ``trust_manager`` make a native client (the system
    store when neither is given). Options (seconds for timeouts; None keeps
    the engine's default):

    ``connect_timeout``, ``request_timeout``, ``idle_timeout``, ``max_body``
    (bytes), ``redirects`` (hops to follow; 0 returns them), ``http`` ("h2",
    "http/1.1", "any"), ``proxy`` ("http://host:port"), ``no_proxy``,
    ``proxy_from_env``, ``resolve`` ({(host, port) or "host:port": address}),
    ``connect_to`` ({(host, port): (to_host, to_port)}, curl's --connect-to:
    the name verified stays the URL's; empty parts match or keep any),
    ``decoding`` (gzip/deflate/br), ``hostname_policy`` ("BUILTIN", "CLIENT",
    "BOTH", "NONE"), ``server_name``, ``identity`` ((keystore, alias,
    key_password) for mTLS), ``hostname_verifier`` (fn(host, chain) -> bool),
    ``headers`` (sent with every request).

    Safe to use from many threads. ``close()`` cancels what is running."""

    def __init__(self, engine: Union[Engine, type, None] = None, *,
                 ssl_context: Optional[SSLContext] = None,
                 trust_manager: Optional[TrustManager] = None,
                 connect_timeout: Optional[float] = None,
                 request_timeout: Optional[float] = None,
                 idle_timeout: Optional[float] = None,
                 max_body: Optional[int] = None,
                 redirects: Optional[int] = None,
                 http: Optional[str] = None,
                 proxy: Optional[str] = None,
                 no_proxy: Union[None, str, Sequence[str]] = None,
                 proxy_from_env: bool = False,
                 resolve: Optional[Mapping[Any, str]] = None,
                 decoding: Optional[bool] = None,
                 hostname_policy: Union[str, int, None] = None,
                 server_name: Optional[str] = None,
                 identity: Optional[Tuple[Any, ...]] = None,
                 hostname_verifier: Optional[HostnameVerifier] = None,
                 headers: HeadersLike = None,
                 connect_to: Optional[Mapping[Any, Any]] = None) -> None:
        if isinstance(engine, type):
            engine = engine()
        if engine is None:
            engine = Native(ssl_context=ssl_context, trust_manager=trust_manager)
        elif ssl_context is not None or trust_manager is not None:
            raise TypeError("give ssl_context/trust_manager to the engine, not the client")
        self.engine = engine
        ptr, keep, info = engine._make()
        self._hv_token = None
        if hostname_verifier is not None:
            self._hv_token = _callbacks.Token(_HostnameTarget(hostname_verifier))
            keep.append(self._hv_token)
        self._c = _ClientHandle(ptr, _release_client, keep)
        self._lock = threading.Condition()
        self._active: Dict[int, Any] = {}  # what close() cancels and waits for
        self._loop_queues: Dict[int, _LoopQueue] = {}  # asyncio: one per event loop
        self._closing = False
        self._server_name = server_name or info.get("server_name")
        hdrs: List[Tuple[str, str]] = []
        if headers is not None:
            hdrs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        self._default_headers = hdrs
        try:
            self._configure(engine, connect_timeout, request_timeout, idle_timeout, max_body,
                            redirects, http, proxy, no_proxy, proxy_from_env, resolve, decoding,
                            hostname_policy, server_name, identity, hostname_verifier)
            for key, to in (connect_to or {}).items():
                host, port = _host_port(key)
                to_host, to_port = _host_port(to)
                _ffi.sslb_client_add_connect_to(self._c._p, _ffi.enc(host), port,
                                                _ffi.enc(to_host), to_port)
        except BaseException:
            self._c.close()
            raise

    def _configure(self, engine: Engine, connect_timeout: Optional[float],
                   request_timeout: Optional[float], idle_timeout: Optional[float],
                   max_body: Optional[int], redirects: Optional[int], http: Optional[str],
                   proxy: Optional[str], no_proxy: Any, proxy_from_env: bool,
                   resolve: Optional[Mapping[Any, str]], decoding: Optional[bool],
                   hpolicy: Union[str, int, None], server_name: Optional[str],
                   identity: Optional[Tuple[Any, ...]],
                   hostname_verifier: Optional[HostnameVerifier]) -> None:
        c = self._c._p
        if connect_timeout is not None or request_timeout is not None:
            dc, dr = _DEFAULT_TIMEOUTS.get(engine.name, (10000, 30000))
            _ffi.sslb_client_set_timeouts(
                c, dc if connect_timeout is None else _ms(connect_timeout),
                dr if request_timeout is None else _ms(request_timeout))
        if idle_timeout is not None:
            _ffi.sslb_client_set_idle_timeout(c, _ms(idle_timeout))
        if max_body is not None:
            _ffi.sslb_client_set_max_body(c, max_body)
        if redirects is not None:
            _ffi.sslb_client_set_redirects(c, redirects)
        if http is not None:
            _ffi.sslb_client_set_http_policy(c, http_policy(http))
        if proxy_from_env:
            _ffi.sslb_client_use_environment_proxy(c)
        if proxy is not None:
            np = no_proxy if isinstance(no_proxy, (str, type(None))) else ",".join(no_proxy)
            _ffi.sslb_client_set_proxy(c, _ffi.enc(proxy), _ffi.enc(np))
        for key, address in (resolve or {}).items():
            host, port = _host_port(key)
            _ffi.sslb_client_add_resolve(c, _ffi.enc(host), port, _ffi.enc(address))
        if decoding is not None:
            _ffi.sslb_client_set_decoding(c, 1 if decoding else 0)
        if hpolicy is not None:
            _ffi.sslb_client_set_hostname_policy(c, hostname_policy(hpolicy))
        if server_name is not None:
            _ffi.sslb_client_set_server_name(c, _ffi.enc(server_name))
        if identity is not None:
            ks, alias, *rest = identity
            _ffi.sslb_client_set_identity(c, ks._p, _ffi.enc(alias),
                                          _ffi.enc(rest[0] if rest else None))
        if self._hv_token is not None:
            _ffi.sslb_client_set_hostname_verifier(c, _callbacks.hostname_trampoline,
                                                   self._hv_token.value)

    # --------------------------------------------------------------- basics
    @property
    def connections_opened(self) -> int:
        """Connections this client has opened so far."""
        return int(_ffi.sslb_client_connections_opened(self._c._p))

    @property
    def closed(self) -> bool:
        return self._c.closed

    def close(self) -> None:
        """Cancels running requests, waits for blocking calls in other threads
        to return, and frees the client. Idempotent."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
        if _callbacks.in_callback():
            threading.Thread(target=self._finish_close, name="sslbind-client-close").start()
        else:
            self._finish_close()

    def _finish_close(self) -> None:
        with self._lock:
            while self._active:
                # repeated: a cancel that lands before execute has made its
                # job is lost (the C side resets the flag)
                for req in list(self._active.values()):
                    req.cancel_in(self._c._p)
                self._lock.wait(0.05)
        self._c.close()  # what still ran has ended in its queue
        for lq in self._loop_queues.values():
            lq.client_closed()

    def __enter__(self) -> "HttpClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"{self.connections_opened} connections"
        return f"<HttpClient {self.engine.name} {state}>"

    # ---------------------------------------------------------- internals
    def _request(self, method: str, url: str, headers: HeadersLike, content: Content,
                 json: Any, http: Optional[str]) -> _Request:
        if self._closing:
            raise ValueError("this client is closed")
        return _Request(method, url, headers, content, json, http, self._default_headers)

    def _translate(self, err: errors.SslbindError, req: _Request) -> BaseException:
        """The exception a failed request raises: a Python callback's own
        exception (chained to err) when one caused the failure."""
        exc = req.own_exception()
        if exc is None:
            hosts = [req.host, self._server_name]
            if isinstance(err, errors.CertificateVerifyError):
                hosts.insert(0, err.host)
            for sink in _callbacks.error_sinks(self._c._keep):
                exc = sink.get(*hosts) if sink.code_name == err.name else None
                if exc is not None:
                    break
        if exc is None:
            return err
        exc.__cause__ = err
        return exc

    def _execute(self, req: _Request) -> Response:
        with self._lock:
            if self._closing:
                req.free()
                raise ValueError("this client is closed")
            self._active[id(req)] = req
        out = _ffi.ResponsePtr()
        try:
            # the client stays open while the request is in _active
            rc = _ffi.fast_execute(self._c._ptr, req.ptr, ctypes.byref(out))
            if rc < 0:
                e = errors.error_for(rc, req.last_error())
                if isinstance(e, errors.CertificateVerifyError) and e.host is None:
                    e.host = req.host
                exc = self._translate(e, req)
                if exc is e:
                    raise e
                raise exc from e
        finally:
            with self._lock:
                self._active.pop(id(req), None)
                if self._closing:  # close() waits for _active to empty
                    self._lock.notify_all()
            req.free()
        return Response(out, req.url)

    def _submit(self, req: _Request, on_done: Optional[Callable[[_Pending], None]] = None
                ) -> _Pending:
        p = _Pending(self, req, on_done)
        p.submit()
        return p

    # -------------------------------------------------------------- blocking
    def request(self, method: str, url: str, *, headers: HeadersLike = None,
                content: Content = None, json: Any = None, timeout: Optional[float] = None,
                http: Optional[str] = None) -> Response:
        """Sends a request and returns the complete response. ``content`` is
        bytes, str (UTF-8), a binary file or an iterable of bytes (streamed
        from the I/O thread: it must not block); ``json`` an object to send as
        application/json. ``timeout`` (seconds) bounds this call on top of the
        client's timeouts. Raises an SslbindError subclass on failure."""
        if self._closing:
            raise ValueError("this client is closed")
        req = _Request(method, url, headers, content, json, http, self._default_headers)
        if timeout is None:
            return self._execute(req)
        p = self._submit(req)
        if not p.event.wait(timeout):
            p.timed_out = True
            p.cancel()
            p.event.wait()
        return p.result()

    def get(self, url: str, **kw: Any) -> Response:
        return self.request("GET", url, **kw)

    def head(self, url: str, **kw: Any) -> Response:
        return self.request("HEAD", url, **kw)

    def post(self, url: str, **kw: Any) -> Response:
        return self.request("POST", url, **kw)

    def put(self, url: str, **kw: Any) -> Response:
        return self.request("PUT", url, **kw)

    def patch(self, url: str, **kw: Any) -> Response:
        return self.request("PATCH", url, **kw)

    def delete(self, url: str, **kw: Any) -> Response:
        return self.request("DELETE", url, **kw)

    def options(self, url: str, **kw: Any) -> Response:
        return self.request("OPTIONS", url, **kw)

    # ------------------------------------------------------------- streaming
    @contextlib.contextmanager
    def stream(self, method: str, url: str, *, headers: HeadersLike = None,
               content: Content = None, json: Any = None, timeout: Optional[float] = None,
               http: Optional[str] = None) -> Iterator["StreamingResponse"]:
        """A context manager yielding a :class:`StreamingResponse` whose
        ``iter_bytes()`` yields the body as it arrives. Leaving the block
        early cancels the transfer."""
        req = self._request(method, url, headers, content, json, http)
        sink = _Sink(self, req)
        token = _callbacks.Token(sink)
        req.sink = sink
        req.tokens.append(token)
        try:
            _ffi.sslb_request_set_body_sink(req.ptr, _callbacks.sink_trampoline, token.value)
            _ffi.sslb_request_set_head_callback(req.ptr, _callbacks.head_trampoline,
                                                token.value)
        except BaseException:
            req.free()
            raise
        p = self._submit(req, on_done=sink.end)
        sink.pending = p
        sr = StreamingResponse(p, sink, timeout)
        try:
            sr._wait_head()
            yield sr
        finally:
            if not p.done:
                sink.stop = True
                p.cancel()
                p.event.wait()
            sr._finish()

    # ----------------------------------------------------------------- batch
    def batch(self, requests: Iterable[Union[Tuple[str, str], Tuple[str, str, Dict[str, Any]]]],
              timeout: Optional[float] = None) -> List[Union[Response, BaseException]]:
        """Submits every (method, url[, kwargs]) at once and waits for all.
        Returns, in order, a Response or the exception each one raised. With
        ``timeout`` the requests still running when it expires are cancelled
        and report TimeoutError.

        The requests end in one completion queue that this thread drains,
        many at a time, with the GIL released while it waits: the client's
        I/O thread never runs Python code for them."""
        items = list(requests)
        results: List[Any] = [None] * len(items)
        run = _BatchRun()
        with self._lock:
            if self._closing:
                raise ValueError("this client is closed")
            self._active[id(run)] = run
        cptr = self._c._ptr  # alive while this run is in _active
        try:
            for i, item in enumerate(items):
                method, url, *rest = item
                kw = dict(rest[0]) if rest else {}
                kw.pop("timeout", None)
                try:
                    req = _Request(method, url, kw.pop("headers", None), kw.pop("content", None),
                                   kw.pop("json", None), kw.pop("http", None),
                                   self._default_headers)
                    if kw:
                        req.free()
                        raise TypeError(f"unknown request options {sorted(kw)}")
                    run.submit(cptr, req, i)
                except Exception as e:  # noqa: B902 - reported in its slot
                    results[i] = e
            run.drain(self, results, timeout)
        finally:
            if run.running:  # interrupted: nothing may outlive its request
                run.cancel_in(cptr)
                run.drain(self, results, None)
            with self._lock:
                self._active.pop(id(run), None)
                self._lock.notify_all()
            run.free()
        return results

    # ----------------------------------------------------------------- async
    async def arequest(self, method: str, url: str, *, headers: HeadersLike = None,
                       content: Content = None, json: Any = None,
                       timeout: Optional[float] = None, http: Optional[str] = None) -> Response:
        """The request on asyncio: submitted to a completion queue that the
        event loop watches (no thread per request, and no Python code on the
        client's I/O thread). Cancelling the task cancels the request."""
        loop = asyncio.get_running_loop()
        req = self._request(method, url, headers, content, json, http)
        one = self._loop_queue(loop).submit(req)
        timer = None
        if timeout is not None:
            def expire() -> None:
                one.timed_out = True
                self._cancel(req)
            timer = loop.call_later(timeout, expire)
        try:
            return await one.fut
        except asyncio.CancelledError:
            self._cancel(req)
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def _cancel(self, req: _Request) -> None:
        """Cancels a submitted request unless the client is closing (which
        cancels everything itself)."""
        with self._lock:
            if not self._closing:
                req.cancel_in(self._c._ptr)

    def _loop_queue(self, loop: asyncio.AbstractEventLoop) -> "_LoopQueue":
        lq = self._loop_queues.get(id(loop))
        if lq is None or lq.loop is not loop:
            with self._lock:
                if self._closing:
                    raise ValueError("this client is closed")
                for key, old in list(self._loop_queues.items()):
                    if old.loop.is_closed() and old.idle():
                        old.free()
                        del self._loop_queues[key]
                lq = self._loop_queues[id(loop)] = _LoopQueue(self, loop)
        return lq

    async def aget(self, url: str, **kw: Any) -> Response:
        return await self.arequest("GET", url, **kw)

    async def apost(self, url: str, **kw: Any) -> Response:
        return await self.arequest("POST", url, **kw)

    async def aput(self, url: str, **kw: Any) -> Response:
        return await self.arequest("PUT", url, **kw)

    async def adelete(self, url: str, **kw: Any) -> Response:
        return await self.arequest("DELETE", url, **kw)

    async def ahead(self, url: str, **kw: Any) -> Response:
        return await self.arequest("HEAD", url, **kw)


def _ms(seconds: float) -> int:
    if seconds < 0:
        raise ValueError("timeouts are >= 0 seconds (0: none)")
    return int(round(seconds * 1000))


# ----------------------------------------------------------------- streaming

_END = object()


class _Head:
    """The response head a streamed request received, before its body."""

    def __init__(self, p: Any) -> None:
        self.status, self.http_version, self.headers, tls = _read_head(p)
        self.tls = TLSInfo(None, *tls)
        self.tls._chain = _read_chain(p)


class _Sink:
    """The body sink of a streamed request. Chunks go to a queue; when more
    than HIGH bytes wait there the request is paused (the C client stops
    reading), and it resumes once the reader has brought them below LOW, so
    a slow reader holds at most about HIGH bytes plus what was in flight (at
    most one HTTP/2 stream window)."""

    HIGH = 4 << 20
    LOW = 1 << 20

    def __init__(self, client: "HttpClient", req: _Request) -> None:
        self.client = client
        self.req = req
        self.pending: Optional[_Pending] = None
        self.queue: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        self.errors: Optional[BaseException] = None
        self.stop = False
        self.received = 0
        self.head: Optional[_Head] = None
        self.head_seen = threading.Event()  # set by the head or by the end
        self._lock = threading.Lock()
        self._queued = 0
        self.paused = False
        self.pauses = 0

    def _on_head(self, p: int) -> int:
        if self.stop:
            return 1
        self.head = _Head(_ffi.ResponsePtr(p))
        self.head_seen.set()
        return 0

    def _on_body(self, data: int, n: int) -> int:
        if self.stop:
            return 1
        chunk = ctypes.string_at(data, n)
        with self._lock:
            self._queued += n
            if self._queued > self.HIGH and not self.paused:
                # on the I/O thread, inside this request's own sink: it is alive
                self.paused = True
                self.pauses += 1
                _ffi.sslb_client_pause(self.client._c._p, self.req.ptr)
        self.queue.put(chunk)
        self.received += n
        return 0

    def taken(self, n: int) -> None:
        """The reader took n bytes off the queue."""
        with self._lock:
            self._queued -= n
            if not (self.paused and self._queued < self.LOW):
                return
            self.paused = False
            p = self.pending
            if p is not None:
                with p.lock:  # the C request lives until its completion
                    if not p.done and not self.client._c.closed:
                        _ffi.sslb_client_resume(self.client._c._p, self.req.ptr)

    def end(self, _p: Any) -> None:
        self.queue.put(_END)
        self.head_seen.set()

    def _failed(self, host: Any, exc: BaseException) -> None:
        self.errors = exc


class StreamingResponse:
    """The response of :meth:`HttpClient.stream`, available as soon as the
    head has arrived: ``status``, ``headers``, ``http_version`` and ``tls``
    are known before the body is read. ``iter_bytes()`` yields the body as it
    arrives (``iter_text()``, ``iter_lines()`` and ``read()`` build on it).
    A reader slower than the network holds the transfer back rather than
    letting the body pile up in memory."""

    def __init__(self, p: _Pending, sink: _Sink, timeout: Optional[float]) -> None:
        self._p = p
        self._sink = sink
        self._timeout = timeout
        self._resp: Optional[Response] = None
        self._consumed = False

    def _wait_head(self) -> None:
        """Returns once the head is there; raises the request's error if it
        failed before, TimeoutError if the timeout passes first."""
        if not self._sink.head_seen.wait(self._timeout):
            self._give_up()
        if self._sink.head is None:
            self._response()  # ended without a head: raises its error

    def _give_up(self) -> None:
        self._p.timed_out = True
        self._p.cancel()
        self._p.event.wait()
        if self._p.rc == 0:
            return
        self._p.discard()
        raise errors.TimeoutError(_TIMEOUT, "TIMEOUT",
                                  f"no data within the stream's timeout "
                                  f"({self._timeout} s, {self._p.req.url})") from None

    def iter_bytes(self) -> Iterator[bytes]:
        """The body in the pieces the network delivered. Raises the request's
        error at the end if it failed."""
        if self._consumed:
            raise RuntimeError("the body was already read")
        self._consumed = True
        while True:
            try:
                item = self._sink.queue.get(timeout=self._timeout)
            except queue.Empty:
                self._give_up()
                continue  # it completed just in time: the end is queued
            if item is _END:
                break
            self._sink.taken(len(item))
            yield item
        self._response()

    def iter_text(self) -> Iterator[str]:
        """The body decoded with the charset of its Content-Type (UTF-8 by
        default), piece by piece; characters split across pieces are kept
        whole."""
        import codecs
        try:
            dec = codecs.getincrementaldecoder(self.encoding)("replace")
        except LookupError:
            dec = codecs.getincrementaldecoder("utf-8")("replace")
        for chunk in self.iter_bytes():
            text = dec.decode(chunk)
            if text:
                yield text
        tail = dec.decode(b"", final=True)
        if tail:
            yield tail

    def iter_lines(self) -> Iterator[str]:
        """The body as text, line by line, without line endings."""
        rest = ""
        for text in self.iter_text():
            rest += text
            lines = rest.splitlines(keepends=True)
            rest = lines.pop() if lines and not lines[-1].endswith(("\n", "\r")) else ""
            for line in lines:
                yield line.rstrip("\r\n")
        if rest:
            yield rest

    def read(self) -> bytes:
        return b"".join(self.iter_bytes())

    def _response(self) -> Response:
        if self._resp is None:
            self._p.event.wait()
            self._resp = self._p.result()
        return self._resp

    def _head(self) -> Any:
        return self._sink.head if self._sink.head is not None else self._response()

    @property
    def status(self) -> int:
        return self._head().status

    @property
    def headers(self) -> Headers:
        return self._head().headers

    @property
    def http_version(self) -> str:
        return self._head().http_version

    @property
    def tls(self) -> TLSInfo:
        return self._head().tls

    @property
    def encoding(self) -> str:
        return _charset(self.headers)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 400

    @property
    def bytes_received(self) -> int:
        return self._sink.received

    def _finish(self) -> None:
        if self._resp is not None:
            self._resp.close()
        else:
            self._p.discard()


# --------------------------------------------------------------------- async


class AsyncHttpClient:
    """:class:`HttpClient` for asyncio: ``await client.get(url)``. Takes the
    same arguments; requests are submitted and resolved from the completion
    callback (no thread per request)."""

    def __init__(self, engine: Union[Engine, type, None] = None, **options: Any) -> None:
        self.sync = HttpClient(engine, **options)

    async def request(self, method: str, url: str, **kw: Any) -> Response:
        return await self.sync.arequest(method, url, **kw)

    async def get(self, url: str, **kw: Any) -> Response:
        return await self.sync.arequest("GET", url, **kw)

    async def post(self, url: str, **kw: Any) -> Response:
        return await self.sync.arequest("POST", url, **kw)

    async def put(self, url: str, **kw: Any) -> Response:
        return await self.sync.arequest("PUT", url, **kw)

    async def delete(self, url: str, **kw: Any) -> Response:
        return await self.sync.arequest("DELETE", url, **kw)

    async def head(self, url: str, **kw: Any) -> Response:
        return await self.sync.arequest("HEAD", url, **kw)

    @property
    def connections_opened(self) -> int:
        return self.sync.connections_opened

    async def aclose(self) -> None:
        # close() may wait for blocking calls of other threads
        await asyncio.get_running_loop().run_in_executor(None, self.sync.close)

    def close(self) -> None:
        self.sync.close()

    async def __aenter__(self) -> "AsyncHttpClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()
