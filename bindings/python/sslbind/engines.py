"""The SSL configuration idioms of Ktor's client engines, in Python.

Each class mirrors the Ktor engine's ``engine { ... }`` block and maps to an
``sslb_engine`` of that style; :class:`~sslbind.HttpClient` makes its client
from it with ``sslb_client_new_from_engine``. All styles run on the same
core with sslbind's strict defaults; a style fixes which SSL objects it
takes and the behaviour a user of that engine would notice (HTTP versions,
timeouts):

========  ==============================================================  ============
engine    Ktor                                                            HTTP over TLS
========  ==============================================================  ============
Apache    ``sslContext``, ``sslHostnameVerificationPolicy``                h2, 1.1
Java      ``config { sslContext(); sslParameters() }``                     h2 preferred
Jetty     ``sslContextFactory = SslContextFactory.Client()``              h2 only
CIO       ``https { trustManager; serverName; cipherSuites; addKeyStore }``  1.1 only
Android   ``sslManager = { conn -> conn.sslSocketFactory = ... }``         1.1 only
OkHttp    ``config { sslSocketFactory(f, tm); certificatePinner(...) }``   h2, 1.1
Native    everything, no idiom                                            h2, 1.1
========  ==============================================================  ============
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from . import _callbacks, _ffi
from .certificate import Certificate, chain_from_c
from .context import SocketFactory, SSLContext, names
from .keystore import KeyStore
from .trust import TrustManager

__all__ = ["Engine", "Apache", "Java", "Jetty", "CIO", "Android", "OkHttp", "Native",
           "SslContextFactory", "SSLParameters", "CertificatePinner", "ConnectionSpec",
           "Protocol", "TLSConfigBuilder", "JavaConfig", "OkHttpConfig", "Connection",
           "HostnameVerifier"]

#: ``fn(host, chain) -> bool``: javax.net.ssl.HostnameVerifier; chain is the
#: presented chain (Certificates, leaf first). It replaces the built-in name
#: check (pins still apply).
HostnameVerifier = Callable[[str, List[Certificate]], Any]

_KINDS = {"Native": 0, "Apache": 1, "Java": 2, "Jetty": 3, "CIO": 4, "Android": 5, "OkHttp": 6}
HOSTNAME_POLICIES = {"BUILTIN": 0, "CLIENT": 1, "BOTH": 2, "NONE": 3}
HTTP_POLICIES = {"any": 0, "http/1.1": 1, "1.1": 1, "h1": 1, "http1": 1, "h2": 2, "2": 2,
                 "http2": 2}


def http_policy(value: Union[str, int]) -> int:
    if isinstance(value, int):
        return value
    try:
        return HTTP_POLICIES[value.lower()]
    except KeyError:
        raise ValueError(f"http policy {value!r}: one of 'h2', 'http/1.1', 'any'") from None


def hostname_policy(value: Union[str, int]) -> int:
    if isinstance(value, int):
        return value
    try:
        return HOSTNAME_POLICIES[value.upper()]
    except KeyError:
        raise ValueError(f"hostname verification policy {value!r}: one of "
                         f"{', '.join(HOSTNAME_POLICIES)}") from None


# ------------------------------------------------------------ callback targets


class _HostnameTarget:
    def __init__(self, fn: HostnameVerifier) -> None:
        self.fn = fn
        self.errors = _callbacks.CallbackErrors("CERT_HOSTNAME_MISMATCH")

    def _on_hostname(self, host: Optional[bytes], chain: Any, n: int) -> bool:
        ok = bool(self.fn(_ffi.dec(host), chain_from_c(chain, n)))
        self.errors.clear(host)
        return ok

    def _failed(self, host: Optional[bytes], exc: BaseException) -> None:
        self.errors.record(host, exc)


class Connection:
    """A connection about to start its TLS handshake, as Android's
    ``sslManager`` sees an HttpsURLConnection: ``host``, ``port``, and the
    settable ``ssl_socket_factory`` and ``hostname_verifier``. Valid only
    during the callback."""

    def __init__(self, ptr: Any, owner: "_SslManagerTarget") -> None:
        self._ptr = ptr
        self._owner = owner
        self._valid = True
        self.host = _ffi.dec(_ffi.sslb_connection_host(ptr)) or ""
        self.port = int(_ffi.sslb_connection_port(ptr))
        self._factory: Optional[SocketFactory] = None
        self._verifier: Optional[HostnameVerifier] = None

    def _check(self) -> Any:
        if not self._valid:
            raise ValueError("the connection may only be configured during the callback")
        return self._ptr

    @property
    def ssl_socket_factory(self) -> Optional[SocketFactory]:
        return self._factory

    @ssl_socket_factory.setter
    def ssl_socket_factory(self, factory: Optional[SocketFactory]) -> None:
        if factory is None:
            raise ValueError("ssl_socket_factory cannot be unset")
        _ffi.sslb_connection_set_socket_factory(self._check(), factory._p)
        self._owner.hold(factory._keep)
        self._factory = factory

    # Java spelling
    sslSocketFactory = ssl_socket_factory

    @property
    def hostname_verifier(self) -> Optional[HostnameVerifier]:
        return self._verifier

    @hostname_verifier.setter
    def hostname_verifier(self, fn: Optional[HostnameVerifier]) -> None:
        if fn is None:
            _ffi.sslb_connection_set_hostname_verifier(self._check(), None, None)
        else:
            token = self._owner.verifier_token(fn)
            _ffi.sslb_connection_set_hostname_verifier(self._check(),
                                                       _callbacks.hostname_trampoline,
                                                       token.value)
        self._verifier = fn

    hostnameVerifier = hostname_verifier

    def __repr__(self) -> str:
        return f"<Connection {self.host}:{self.port}>"


class _SslManagerTarget:
    """Android's sslManager: called for each new HTTPS connection."""

    def __init__(self, fn: Callable[[Connection], Any]) -> None:
        self.fn = fn
        self.errors = _callbacks.CallbackErrors("CANCELLED")
        self._held: List[Any] = []           # tokens of factories set on connections
        self._verifiers: Dict[int, Any] = {}  # id(fn) -> (fn, Token)

    def hold(self, keep: Iterable[Any]) -> None:
        for k in keep:
            if k not in self._held:
                self._held.append(k)

    def verifier_token(self, fn: HostnameVerifier) -> Any:
        entry = self._verifiers.get(id(fn))
        if entry is None or entry[0] is not fn:
            entry = (fn, _callbacks.Token(_HostnameTarget(fn)))
            self._verifiers[id(fn)] = entry
        return entry[1]

    def sinks(self) -> List[_callbacks.CallbackErrors]:
        out = [self.errors]
        out += [tok.target.errors for _, tok in self._verifiers.values()]
        out += _callbacks.error_sinks(self._held)
        return out

    def _on_connection(self, conn: int) -> int:
        c = Connection(_ffi.ConnectionPtr(conn), self)
        try:
            res = self.fn(c)
        finally:
            c._valid = False
        self.errors.clear(_ffi.enc(c.host))
        return 1 if res is False else 0

    def _failed(self, host: Optional[bytes], exc: BaseException) -> None:
        self.errors.record(host, exc)


# -------------------------------------------------------------------- engines


class Engine:
    """Base of the engine styles. ``_configure`` applies the style's settings
    to a C engine and returns what C may call back (to be kept alive)."""

    name = "Native"

    def _configure(self, e: Any, info: Dict[str, Any]) -> List[Any]:  # pragma: no cover - abstract
        return []

    def _make(self) -> Tuple[Any, List[Any], Dict[str, Any]]:
        """(ClientPtr, keep, info) for a new client of this style: keep is
        what C may call back, info what the client should know (the CIO
        server name)."""
        e = _ffi.new_handle(_ffi.sslb_engine_new, _ffi.EnginePtr, _KINDS[self.name])
        info: Dict[str, Any] = {}
        try:
            keep = self._configure(e, info)
            client = _ffi.new_handle(_ffi.sslb_client_new_from_engine, _ffi.ClientPtr, e)
        finally:
            _ffi.sslb_engine_free(e)
        return client, keep, info

    def __repr__(self) -> str:
        return f"<{self.name} engine>"


def _ctx_keep(ctx: Optional[SSLContext]) -> List[Any]:
    return list(ctx._keep) if ctx is not None else []


class Apache(Engine):
    """``HttpClient(Apache5) { engine { sslContext = ...;
    sslHostnameVerificationPolicy = BUILTIN|CLIENT|BOTH } }``."""

    name = "Apache"

    def __init__(self, ssl_context: Optional[SSLContext] = None,
                 ssl_hostname_verification_policy: Union[str, int] = "BUILTIN") -> None:
        self.ssl_context = ssl_context
        self.ssl_hostname_verification_policy = ssl_hostname_verification_policy

    def _configure(self, e: Any, info: Dict[str, Any]) -> List[Any]:
        if self.ssl_context is not None:
            _ffi.sslb_engine_set_ssl_context(e, self.ssl_context._p)
        _ffi.sslb_engine_set_ssl_hostname_verification_policy(
            e, hostname_policy(self.ssl_hostname_verification_policy))
        return _ctx_keep(self.ssl_context)


@dataclass
class SSLParameters:
    """javax.net.ssl.SSLParameters(cipherSuites, protocols)."""

    cipher_suites: Optional[Sequence[str]] = None
    protocols: Optional[Sequence[str]] = None


class JavaConfig:
    """The ``config { }`` block of the Java engine (HttpClient.Builder)."""

    def __init__(self) -> None:
        self._ctx: Optional[SSLContext] = None
        self._params: Optional[SSLParameters] = None

    def ssl_context(self, ctx: SSLContext) -> "JavaConfig":
        self._ctx = ctx
        return self

    def ssl_parameters(self, params: Optional[SSLParameters] = None, *,
                       protocols: Any = None, cipher_suites: Any = None) -> "JavaConfig":
        self._params = params or SSLParameters(cipher_suites=cipher_suites, protocols=protocols)
        return self

    sslContext = ssl_context
    sslParameters = ssl_parameters


class Java(Engine):
    """``HttpClient(Java) { engine { config { sslContext(ctx);
    sslParameters(...) } } }``: ``Java(config=lambda b: b.ssl_context(ctx))``."""

    name = "Java"

    def __init__(self, config: Optional[Callable[[JavaConfig], Any]] = None) -> None:
        self.config = config

    def _configure(self, e: Any, info: Dict[str, Any]) -> List[Any]:
        b = JavaConfig()
        if self.config is not None:
            self.config(b)
        if b._ctx is not None:
            _ffi.sslb_engine_set_ssl_context(e, b._ctx._p)
        if b._params is not None:
            _ffi.sslb_engine_set_ssl_parameters(e, _ffi.enc(names(b._params.protocols)),
                                                _ffi.enc(names(b._params.cipher_suites)))
        return _ctx_keep(b._ctx)


class _ClientFactory:
    """Jetty's ``SslContextFactory.Client``: a context plus endpoint
    identification ("HTTPS" checks the host name, None does not) and include
    /exclude lists (POSIX regexes or names; None keeps Jetty's defaults)."""

    _LISTS = ("include_protocols", "exclude_protocols", "include_cipher_suites",
              "exclude_cipher_suites")

    def __init__(self, ssl_context: Optional[SSLContext] = None,
                 endpoint_identification_algorithm: Optional[str] = "HTTPS",
                 include_protocols: Any = None, exclude_protocols: Any = None,
                 include_cipher_suites: Any = None, exclude_cipher_suites: Any = None) -> None:
        self.ssl_context = ssl_context
        self.endpoint_identification_algorithm = endpoint_identification_algorithm
        self.include_protocols = include_protocols
        self.exclude_protocols = exclude_protocols
        self.include_cipher_suites = include_cipher_suites
        self.exclude_cipher_suites = exclude_cipher_suites

    def apply(self, fn: Callable[["_ClientFactory"], Any]) -> "_ClientFactory":
        """Kotlin's ``.apply { ... }``."""
        fn(self)
        return self

    def _apply_to(self, e: Any) -> List[Any]:
        f = _ffi.new_handle(_ffi.sslb_ssl_context_factory_new, _ffi.SslContextFactoryPtr)
        try:
            if self.ssl_context is not None:
                _ffi.sslb_ssl_context_factory_set_ssl_context(f, self.ssl_context._p)
            _ffi.sslb_ssl_context_factory_set_endpoint_identification_algorithm(
                f, _ffi.enc(self.endpoint_identification_algorithm))
            for i, attr in enumerate(self._LISTS):
                value = getattr(self, attr)
                if value is not None:
                    _ffi.sslb_ssl_context_factory_set_list(f, i, _ffi.enc(names(value)))
            _ffi.sslb_engine_set_ssl_context_factory(e, f)
        finally:
            _ffi.sslb_ssl_context_factory_free(f)
        return _ctx_keep(self.ssl_context)


class SslContextFactory:
    """Namespace as in Jetty: ``SslContextFactory.Client(...)``."""

    Client = _ClientFactory


class Jetty(Engine):
    """``HttpClient(Jetty) { engine { sslContextFactory =
    SslContextFactory.Client().apply { sslContext = ... } } }``. h2 only."""

    name = "Jetty"

    def __init__(self, ssl_context_factory: Optional[_ClientFactory] = None) -> None:
        self.ssl_context_factory = ssl_context_factory

    def _configure(self, e: Any, info: Dict[str, Any]) -> List[Any]:
        if self.ssl_context_factory is None:
            return []
        return self.ssl_context_factory._apply_to(e)


class TLSConfigBuilder:
    """CIO's ``https { }`` block: set ``trust_manager``, ``server_name``,
    ``cipher_suites``; call ``add_key_store(store, password, alias)``."""

    def __init__(self) -> None:
        self.trust_manager: Optional[TrustManager] = None
        self.server_name: Optional[str] = None
        self.cipher_suites: Any = None
        self._key_stores: List[Tuple[KeyStore, Optional[str], Optional[str]]] = []

    def add_key_store(self, store: KeyStore, password: Optional[str] = None,
                      alias: Optional[str] = None) -> None:
        """The client certificate(s) of a keystore (every private key when
        alias is None); ``password`` unlocks keys whose password differs from
        the store's."""
        self._key_stores.append((store, password, alias))

    addKeyStore = add_key_store


class CIO(Engine):
    """``HttpClient(CIO) { engine { https { trustManager = ... } } }``:
    ``CIO(https=lambda t: setattr(t, "trust_manager", tm))``. HTTP/1.1 only;
    connect timeout 5 s, request timeout 15 s."""

    name = "CIO"

    def __init__(self, https: Optional[Callable[[TLSConfigBuilder], Any]] = None) -> None:
        self.https = https

    def _configure(self, e: Any, info: Dict[str, Any]) -> List[Any]:
        t = TLSConfigBuilder()
        if self.https is not None:
            self.https(t)
        keep: List[Any] = []
        if t.trust_manager is not None:
            _ffi.sslb_engine_set_trust_manager(e, t.trust_manager._p)
            keep += t.trust_manager._keep
        if t.server_name is not None:
            _ffi.sslb_engine_set_server_name(e, _ffi.enc(t.server_name))
        info["server_name"] = t.server_name
        if t.cipher_suites is not None:
            _ffi.sslb_engine_set_cipher_suites(e, _ffi.enc(names(t.cipher_suites)))
        for store, password, alias in t._key_stores:
            _ffi.sslb_engine_add_key_store(e, store._p, _ffi.enc(password), _ffi.enc(alias))
        return keep


class Android(Engine):
    """``HttpClient(Android) { engine { sslManager = { conn ->
    conn.sslSocketFactory = ... } } }``: ``Android(ssl_manager=lambda conn:
    setattr(conn, "ssl_socket_factory", ctx.socket_factory))``. The callback
    runs on the client's I/O thread for each new HTTPS connection; returning
    False (or raising) fails the requests waiting for it. HTTP/1.1 only."""

    name = "Android"

    def __init__(self, ssl_manager: Optional[Callable[[Connection], Any]] = None) -> None:
        self.ssl_manager = ssl_manager

    def _configure(self, e: Any, info: Dict[str, Any]) -> List[Any]:
        if self.ssl_manager is None:
            return []
        target = _SslManagerTarget(self.ssl_manager)
        token = _callbacks.Token(target)
        _ffi.sslb_engine_set_ssl_manager(e, _callbacks.connection_trampoline, token.value)
        return [token]


class CertificatePinner:
    """OkHttp's CertificatePinner: ``CertificatePinner({"host": ["sha256/..."]})``
    or ``CertificatePinner.Builder().add("host", "sha256/...").build()``.
    Patterns: "host", "*.host" (one label), "**.host" (any number)."""

    def __init__(self, pins: Union[None, Dict[str, Sequence[str]],
                                   Iterable[Tuple[str, str]]] = None) -> None:
        self.pins: List[Tuple[str, str]] = []
        if isinstance(pins, dict):
            for pattern, values in pins.items():
                if isinstance(values, str):
                    values = [values]
                self.pins += [(pattern, v) for v in values]
        elif pins is not None:
            self.pins += [(p, v) for p, v in pins]

    class Builder:
        def __init__(self) -> None:
            self._pins: List[Tuple[str, str]] = []

        def add(self, pattern: str, *pins: str) -> "CertificatePinner.Builder":
            self._pins += [(pattern, p) for p in pins]
            return self

        def build(self) -> "CertificatePinner":
            return CertificatePinner(self._pins)


class ConnectionSpec:
    """OkHttp's connection specs (sslbind enables AEAD suites only)."""

    MODERN_TLS = "MODERN_TLS"
    RESTRICTED_TLS = "RESTRICTED_TLS"
    COMPATIBLE_TLS = "COMPATIBLE_TLS"
    _CODES = {"MODERN_TLS": 0, "RESTRICTED_TLS": 1, "COMPATIBLE_TLS": 2}


class Protocol:
    """OkHttp's Protocol names."""

    HTTP_1_1 = "http/1.1"
    HTTP_2 = "h2"


class OkHttpConfig:
    """OkHttp's ``config { }`` (OkHttpClient.Builder); every method chains."""

    def __init__(self) -> None:
        self._factory: Optional[Tuple[SocketFactory, Optional[TrustManager]]] = None
        self._pinner: Optional[CertificatePinner] = None
        self._verifier: Optional[HostnameVerifier] = None
        self._specs: Optional[Sequence[Any]] = None
        self._protocols: Optional[Sequence[str]] = None

    def ssl_socket_factory(self, factory: SocketFactory,
                           trust_manager: Optional[TrustManager] = None) -> "OkHttpConfig":
        self._factory = (factory, trust_manager)
        return self

    def certificate_pinner(self, pinner: CertificatePinner) -> "OkHttpConfig":
        self._pinner = pinner
        return self

    def hostname_verifier(self, fn: HostnameVerifier) -> "OkHttpConfig":
        self._verifier = fn
        return self

    def connection_specs(self, specs: Sequence[Any]) -> "OkHttpConfig":
        self._specs = specs
        return self

    def protocols(self, protocols: Sequence[str]) -> "OkHttpConfig":
        self._protocols = protocols
        return self

    sslSocketFactory = ssl_socket_factory
    certificatePinner = certificate_pinner
    hostnameVerifier = hostname_verifier
    connectionSpecs = connection_specs


def _protocols_policy(protocols: Sequence[str]) -> int:
    p = {http_policy(x if x.lower() not in ("http_2", "http_1_1") else
                     {"http_2": "h2", "http_1_1": "http/1.1"}[x.lower()]) for x in protocols}
    if p == {1}:
        return 1
    if p == {2}:
        return 2
    return 0


class OkHttp(Engine):
    """``HttpClient(OkHttp) { engine { config { sslSocketFactory(f, tm);
    certificatePinner(...) } } }``: ``OkHttp(config=lambda b:
    b.ssl_socket_factory(ctx.socket_factory, tm))``."""

    name = "OkHttp"

    def __init__(self, config: Optional[Callable[[OkHttpConfig], Any]] = None) -> None:
        self.config = config

    def _configure(self, e: Any, info: Dict[str, Any]) -> List[Any]:
        b = OkHttpConfig()
        if self.config is not None:
            self.config(b)
        keep: List[Any] = []
        if b._factory is not None:
            factory, tm = b._factory
            _ffi.sslb_engine_set_ssl_socket_factory(e, factory._p, tm._p if tm else None)
            keep += factory._keep
            keep += tm._keep if tm else ()
        if b._pinner is not None:
            for pattern, pin in b._pinner.pins:
                _ffi.sslb_engine_add_certificate_pin(e, _ffi.enc(pattern), _ffi.enc(pin))
        if b._specs:
            first = b._specs[0]
            code = first if isinstance(first, int) else ConnectionSpec._CODES[str(first).upper()]
            _ffi.sslb_engine_set_connection_spec(e, code)
        if b._protocols:
            _ffi.sslb_engine_set_protocols(e, _protocols_policy(b._protocols))
        if b._verifier is not None:
            token = _callbacks.Token(_HostnameTarget(b._verifier))
            _ffi.sslb_engine_set_hostname_verifier(e, _callbacks.hostname_trampoline, token.value)
            keep.append(token)
        return keep


class Native(Engine):
    """No idiom: any of the settings, straight. ``ssl_context`` or
    ``trust_manager`` (with ``key_stores``: (store, password, alias) tuples),
    hostname policy, server name, pins, hostname verifier, protocols."""

    name = "Native"

    def __init__(self, ssl_context: Optional[SSLContext] = None,
                 trust_manager: Optional[TrustManager] = None, *,
                 ssl_hostname_verification_policy: Union[str, int, None] = None,
                 server_name: Optional[str] = None,
                 certificate_pinner: Optional[CertificatePinner] = None,
                 hostname_verifier: Optional[HostnameVerifier] = None,
                 key_stores: Sequence[Tuple[KeyStore, Optional[str], Optional[str]]] = (),
                 protocols: Optional[Sequence[str]] = None,
                 cipher_suites: Any = None) -> None:
        self.ssl_context = ssl_context
        self.trust_manager = trust_manager
        self.ssl_hostname_verification_policy = ssl_hostname_verification_policy
        self.server_name = server_name
        self.certificate_pinner = certificate_pinner
        self.hostname_verifier = hostname_verifier
        self.key_stores = key_stores
        self.protocols = protocols
        self.cipher_suites = cipher_suites

    def _configure(self, e: Any, info: Dict[str, Any]) -> List[Any]:
        keep = _ctx_keep(self.ssl_context)
        if self.ssl_context is not None:
            _ffi.sslb_engine_set_ssl_context(e, self.ssl_context._p)
        if self.trust_manager is not None:
            _ffi.sslb_engine_set_trust_manager(e, self.trust_manager._p)
            keep += self.trust_manager._keep
        for store, password, alias in self.key_stores:
            _ffi.sslb_engine_add_key_store(e, store._p, _ffi.enc(password), _ffi.enc(alias))
        if self.cipher_suites is not None:
            _ffi.sslb_engine_set_cipher_suites(e, _ffi.enc(names(self.cipher_suites)))
        if self.ssl_hostname_verification_policy is not None:
            _ffi.sslb_engine_set_ssl_hostname_verification_policy(
                e, hostname_policy(self.ssl_hostname_verification_policy))
        if self.server_name is not None:
            _ffi.sslb_engine_set_server_name(e, _ffi.enc(self.server_name))
        if self.certificate_pinner is not None:
            for pattern, pin in self.certificate_pinner.pins:
                _ffi.sslb_engine_add_certificate_pin(e, _ffi.enc(pattern), _ffi.enc(pin))
        if self.protocols:
            _ffi.sslb_engine_set_protocols(e, _protocols_policy(self.protocols))
        if self.hostname_verifier is not None:
            token = _callbacks.Token(_HostnameTarget(self.hostname_verifier))
            _ffi.sslb_engine_set_hostname_verifier(e, _callbacks.hostname_trampoline, token.value)
            keep.append(token)
        info["server_name"] = self.server_name
        return keep
