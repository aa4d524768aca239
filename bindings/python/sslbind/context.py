"""Key managers, SSL contexts, socket factories (JSSE's KeyManagerFactory,
SSLContext, SSLSocketFactory) and the Ktor page's ``SslSettings``."""
from __future__ import annotations

import os
from typing import Any, List, Optional, Sequence, Union

from . import _ffi
from ._handle import Handle
from .certificate import Certificate
from .keystore import KeyStore
from .trust import TrustManager, TrustManagerFactory

__all__ = ["KeyManager", "SSLContext", "SocketFactory", "SslSettings", "names"]

Names = Union[None, str, Sequence[str]]


def names(value: Names) -> Optional[str]:
    """A list of names (or a comma-separated string) as C takes it."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return ",".join(value)


def _first(value: Any) -> Any:
    """JSSE passes arrays of managers: accept a list and take its first."""
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value


class KeyManager(Handle):
    """Client identities for mutual TLS from a keystore's private-key
    entries: the one named ``alias``, or all of them (the server's
    certificate request then picks one). ``key_password`` unlocks keys whose
    password differs from the store's. The keystore may be closed afterwards."""

    _kind = "key manager"

    def __init__(self, keystore: Optional[KeyStore] = None, alias: Optional[str] = None,
                 key_password: Optional[str] = None, *, _ptr: Any = None) -> None:
        if _ptr is None:
            if keystore is None:
                raise TypeError("KeyManager needs a keystore")
            _ptr = _ffi.new_handle(_ffi.sslb_key_manager_new, _ffi.KeyManagerPtr, keystore._p,
                                   _ffi.enc(alias), _ffi.enc(key_password))
        super().__init__(_ptr, _ffi.sslb_key_manager_free)

    def __len__(self) -> int:
        return int(_ffi.sslb_key_manager_count(self._p))

    @property
    def aliases(self) -> List[str]:
        p = self._p
        return [_ffi.dec(_ffi.sslb_key_manager_alias(p, i)) or "" for i in range(len(self))]

    @property
    def certificates(self) -> List[Certificate]:
        """The leaf certificate of each identity."""
        p = self._p
        out = []
        for i in range(len(self)):
            c = _ffi.sslb_key_manager_certificate(p, i)
            if c:
                out.append(Certificate(_ffi.sslb_certificate_ref(c)))
        return out

    def __repr__(self) -> str:
        return "<KeyManager (closed)>" if self.closed else f"<KeyManager {self.aliases}>"


class SSLContext(Handle):
    """``SSLContext.getInstance("TLS").init(keyManagers, trustManagers, null)``
    plus SSLParameters: an immutable, shareable bundle compiled once.

    ``key_manager`` None presents no client certificate; ``trust_manager``
    None trusts the system store (both also accept a JSSE-style list and use
    its first element). ``protocols`` ("TLSv1.3", "TLSv1.2") and
    ``cipher_suites`` (IANA names) are lists or comma-separated strings."""

    _kind = "SSL context"

    def __init__(self, key_manager: Optional[KeyManager] = None,
                 trust_manager: Optional[TrustManager] = None, protocols: Names = None,
                 cipher_suites: Names = None, *, _ptr: Any = None,
                 _keep: Sequence[Any] = ()) -> None:
        self._factory: Optional[SocketFactory] = None
        if _ptr is not None:
            super().__init__(_ptr, _ffi.sslb_ssl_context_free, _keep)
            return
        km, tm = _first(key_manager), _first(trust_manager)
        keep = tuple(tm._keep) if tm is not None else ()
        kmp = km._p if km is not None else None
        tmp = tm._p if tm is not None else None
        if protocols is None and cipher_suites is None:
            ptr = _ffi.new_handle(_ffi.sslb_ssl_context_new, _ffi.SslContextPtr, kmp, tmp)
        else:
            b = _ffi.new_handle(_ffi.sslb_ssl_context_builder_new, _ffi.SslContextBuilderPtr)
            try:
                _ffi.sslb_ssl_context_builder_set_key_manager(b, kmp)
                _ffi.sslb_ssl_context_builder_set_trust_manager(b, tmp)
                _ffi.sslb_ssl_context_builder_set_protocols(b, _ffi.enc(names(protocols)))
                _ffi.sslb_ssl_context_builder_set_cipher_suites(b, _ffi.enc(names(cipher_suites)))
                ptr = _ffi.new_handle(lambda out: _ffi.sslb_ssl_context_builder_build(b, out),
                                      _ffi.SslContextPtr)
            finally:
                _ffi.sslb_ssl_context_builder_free(b)
        super().__init__(ptr, _ffi.sslb_ssl_context_free, keep)

    @classmethod
    def _owned(cls, ptr: Any, keep: Sequence[Any] = ()) -> "SSLContext":
        return cls(_ptr=ptr, _keep=keep)

    @classmethod
    def _borrowed(cls, ptr: Any, keep: Sequence[Any] = ()) -> "SSLContext":
        return cls(_ptr=_ffi.sslb_ssl_context_ref(ptr), _keep=keep)

    def derive(self, key_manager: Any = ..., trust_manager: Any = ...,
               protocols: Names = None, cipher_suites: Names = None) -> "SSLContext":
        """A new context starting from this one's managers, protocols and
        suites, with the given ones replaced."""
        keep = list(self._keep)
        b = _ffi.new_handle(_ffi.sslb_ssl_context_builder_new, _ffi.SslContextBuilderPtr)
        try:
            _ffi.sslb_ssl_context_builder_init_from(b, self._p)
            if key_manager is not ...:
                km = _first(key_manager)
                _ffi.sslb_ssl_context_builder_set_key_manager(b, km._p if km else None)
            if trust_manager is not ...:
                tm = _first(trust_manager)
                _ffi.sslb_ssl_context_builder_set_trust_manager(b, tm._p if tm else None)
                keep += list(tm._keep) if tm else []
            if protocols is not None:
                _ffi.sslb_ssl_context_builder_set_protocols(b, _ffi.enc(names(protocols)))
            if cipher_suites is not None:
                _ffi.sslb_ssl_context_builder_set_cipher_suites(b, _ffi.enc(names(cipher_suites)))
            ptr = _ffi.new_handle(lambda out: _ffi.sslb_ssl_context_builder_build(b, out),
                                  _ffi.SslContextPtr)
        finally:
            _ffi.sslb_ssl_context_builder_free(b)
        return SSLContext._owned(ptr, keep)

    @property
    def trust_manager(self) -> TrustManager:
        """The context's trust manager (a new wrapper with its own reference)."""
        return TrustManager._borrowed(_ffi.sslb_ssl_context_trust_manager(self._p), self._keep)

    @property
    def key_manager(self) -> Optional[KeyManager]:
        km = _ffi.sslb_ssl_context_key_manager(self._p)
        return KeyManager(_ptr=_ffi.sslb_key_manager_ref(km)) if km else None

    @property
    def protocols(self) -> List[str]:
        s = _ffi.dec(_ffi.sslb_ssl_context_protocols(self._p)) or ""
        return [x for x in s.split(",") if x]

    @property
    def cipher_suites(self) -> List[str]:
        """As given ([] = sslbind's defaults)."""
        s = _ffi.dec(_ffi.sslb_ssl_context_cipher_suites(self._p)) or ""
        return [x for x in s.split(",") if x]

    @property
    def priority(self) -> str:
        """The GnuTLS priority string compiled (for diagnosis)."""
        return _ffi.dec(_ffi.sslb_ssl_context_priority(self._p)) or ""

    @property
    def socket_factory(self) -> "SocketFactory":
        """``sslContext.socketFactory`` (one per context wrapper)."""
        if self._factory is None or self._factory.closed:
            ptr = _ffi.new_handle(lambda out: _ffi.sslb_ssl_context_socket_factory(self._p, out),
                                  _ffi.SocketFactoryPtr)
            self._factory = SocketFactory(ptr, self._keep)
        return self._factory

    def __repr__(self) -> str:
        return ("<SSLContext (closed)>" if self.closed
                else f"<SSLContext protocols={self.protocols}>")


class SocketFactory(Handle):
    """``SSLContext.getSocketFactory()``: what the Android and OkHttp engine
    styles take. Reference-counted; keeps its context alive."""

    _kind = "socket factory"

    def __init__(self, ptr: Any, keep: Sequence[Any] = ()) -> None:
        super().__init__(ptr, _ffi.sslb_socket_factory_free, keep)

    @classmethod
    def _borrowed(cls, ptr: Any, keep: Sequence[Any] = ()) -> "SocketFactory":
        return cls(_ffi.sslb_socket_factory_ref(ptr), keep)

    @property
    def context(self) -> SSLContext:
        return SSLContext._borrowed(_ffi.sslb_socket_factory_context(self._p), self._keep)


class _Settings(Handle):
    _kind = "SslSettings"


class SslSettings:
    """The Ktor page's ``object SslSettings``: one keystore file and its
    password (``keystore.jks`` / ``foobar`` by default), read once; its
    certificates, and only those, are trusted.

    ``key_store()`` returns the loaded store itself (borrowed: it keeps the
    settings' C object alive); the other getters return new references."""

    def __init__(self, path: Union[str, "os.PathLike[str]"] = "keystore.jks",
                 password: Optional[str] = "foobar") -> None:
        self._s: Optional[_Settings] = _Settings(
            _ffi.new_handle(_ffi.sslb_ssl_settings_new, _ffi.SslSettingsPtr),
            _ffi.sslb_ssl_settings_free)
        try:
            self.load(path, password)
        except BaseException:
            self.close()
            raise

    @property
    def _p(self) -> Any:
        if self._s is None:
            raise ValueError("these SslSettings are closed")
        return self._s._p

    def load(self, path: Union[str, "os.PathLike[str]"], password: Optional[str]) -> None:
        """(Re)loads the keystore and builds its trust manager and context."""
        self.path = os.fspath(path)
        _ffi.sslb_ssl_settings_load(self._p, _ffi.enc(path), _ffi.enc(password))

    def key_store(self) -> KeyStore:
        """getKeyStore()."""
        ptr = _ffi.sslb_ssl_settings_keystore(self._p)
        if not ptr:
            raise ValueError("nothing loaded")
        return _BorrowedKeyStore(ptr, self._s)

    def trust_manager_factory(self) -> TrustManagerFactory:
        """getTrustManagerFactory(): ``.trust_managers`` has the one manager."""
        return TrustManagerFactory.of([self.trust_manager()])

    def trust_manager(self) -> TrustManager:
        """getTrustManager()."""
        return TrustManager(_ffi.new_handle(
            lambda out: _ffi.sslb_ssl_settings_trust_manager(self._p, out), _ffi.TrustManagerPtr))

    def ssl_context(self) -> SSLContext:
        """getSslContext()."""
        return SSLContext._owned(_ffi.new_handle(
            lambda out: _ffi.sslb_ssl_settings_ssl_context(self._p, out), _ffi.SslContextPtr))

    # Ktor spellings
    getKeyStore = key_store
    getTrustManagerFactory = trust_manager_factory
    getSslContext = ssl_context
    getTrustManager = trust_manager

    def close(self) -> None:
        """Drops the settings; a borrowed key_store() keeps the C object until
        it goes too. Objects handed out keep their own references."""
        self._s = None

    @property
    def closed(self) -> bool:
        return self._s is None

    def __enter__(self) -> "SslSettings":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _no_free(ptr: Any) -> None:
    pass


class _BorrowedKeyStore(KeyStore):
    """The settings' own keystore: never freed here; keeps the settings."""

    def __init__(self, ptr: Any, owner: Any) -> None:
        Handle.__init__(self, ptr, _no_free, (owner,))
