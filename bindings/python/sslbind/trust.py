"""Trust managers (JSSE's X509TrustManager): anchors, pins, verify callback."""
from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Sequence, Union

from . import _callbacks, _ffi, errors
from ._handle import Handle
from .certificate import Certificate, c_chain, chain_from_c
from .keystore import KeyStore

__all__ = ["TrustManager", "TrustBuilder", "TrustManagerFactory", "VerifyResult",
           "VerifyCallback"]

#: ``fn(host, chain, verdict, report)``: ``host`` the name checked (None when
#: none was), ``chain`` the presented chain (Certificates, leaf first),
#: ``verdict`` sslbind's verdict (None when trusted, else the code name, e.g.
#: "CERT_SELF_SIGNED"), ``report`` the verifier's report. Return True to
#: accept, False to reject (CERT_REJECTED), None to keep sslbind's verdict, or
#: a "CERT_..." name to reject with that code. An exception rejects the chain
#: and is re-raised from the request that needed it.
VerifyCallback = Callable[[Optional[str], List[Certificate], Optional[str], str], Any]


class _VerifyTarget:
    """What the verify trampoline calls: converts arguments and results."""

    def __init__(self, fn: VerifyCallback) -> None:
        self.fn = fn
        self.errors = _callbacks.CallbackErrors("CERT_REJECTED")

    def _on_verify(self, host: Optional[bytes], chain: Any, n: int, verdict: int,
                   report: Optional[bytes]) -> int:
        certs = chain_from_c(chain, n)
        res = self.fn(_ffi.dec(host), certs, _ffi.error_name(verdict) if verdict < 0 else None,
                      _ffi.dec(report) or "")
        self.errors.clear(host)
        if res is None:
            return verdict
        if res is True:
            return 0
        if res is False:
            return 1
        if isinstance(res, str):
            code = errors.code_of(res)
            if code is None or not res.startswith("CERT_"):
                raise ValueError(f"verify callback returned {res!r}: not a CERT_* code name")
            return code
        if isinstance(res, int) and not isinstance(res, bool):
            return res
        return 0 if res else 1

    def _failed(self, host: Optional[bytes], exc: BaseException) -> None:
        self.errors.record(host, exc)


@dataclass
class VerifyResult:
    """Outcome of :meth:`TrustManager.verify`: ``ok``, ``reason`` (None or the
    CERT_* name) and the verifier's ``report``."""

    ok: bool
    reason: Optional[str]
    code: int
    report: str

    def __bool__(self) -> bool:
        return self.ok


class TrustManager(Handle):
    """A built trust manager: immutable, reference-counted, shareable between
    clients and threads. Make one with :meth:`builder` (or
    :class:`TrustManagerFactory`, :class:`~sslbind.SslSettings`)."""

    _kind = "trust manager"

    def __init__(self, ptr: Any, keep: Sequence[Any] = ()) -> None:
        """Takes over one reference of `ptr`."""
        super().__init__(ptr, _ffi.sslb_trust_manager_free, keep)

    @classmethod
    def _borrowed(cls, ptr: Any, keep: Sequence[Any] = ()) -> "TrustManager":
        return cls(_ffi.sslb_trust_manager_ref(ptr), keep)

    @staticmethod
    def builder() -> "TrustBuilder":
        return TrustBuilder()

    @classmethod
    def from_keystore(cls, keystore: KeyStore) -> "TrustManager":
        """TrustManagerFactory.init(keyStore): the store's certificates, and
        only those, are the anchors."""
        return TrustBuilder().replace_defaults().add_keystore(keystore).build()

    @classmethod
    def system(cls) -> "TrustManager":
        """The system trust store."""
        return TrustBuilder().build()

    @property
    def anchor_count(self) -> int:
        return int(_ffi.sslb_trust_manager_anchor_count(self._p))

    @property
    def is_insecure(self) -> bool:
        """True for a trust-all manager (it verifies nothing)."""
        return _ffi.sslb_trust_manager_is_insecure(self._p) == 1

    def verify(self, chain: Sequence[Certificate], host: Optional[str] = None) -> VerifyResult:
        """Verifies a presented chain (leaf first) for a host; with host None
        the name is not checked. An exception raised by this manager's verify
        callback propagates."""
        arr = c_chain(chain)
        report = ctypes.POINTER(ctypes.c_char)()
        rc = _ffi.sslb_trust_manager_verify(self._p, arr, len(chain), _ffi.enc(host),
                                            ctypes.byref(report))
        text = _ffi.take_string(report)
        if rc < 0:
            for sink in _callbacks.error_sinks(self._keep):
                exc = sink.get(host) if sink.code_name == _ffi.error_name(rc) else None
                if exc is not None:
                    raise exc from errors.error_for(rc, text, host=host)
            name = _ffi.error_name(rc)
            if not name.startswith("CERT_"):
                raise errors.error_for(rc, text)
            return VerifyResult(False, name, rc, text)
        return VerifyResult(True, None, 0, text)

    def check_server_trusted(self, chain: Sequence[Certificate],
                             host: Optional[str] = None) -> str:
        """Like :meth:`verify` but raises CertificateVerifyError when refused;
        returns the report."""
        r = self.verify(chain, host)
        if not r.ok:
            raise errors.error_for(r.code, r.report, host=host)
        return r.report

    def __repr__(self) -> str:
        if self.closed:
            return "<TrustManager (closed)>"
        extra = " INSECURE" if self.is_insecure else ""
        return f"<TrustManager anchors={self.anchor_count}{extra}>"


class TrustBuilder(Handle):
    """Builds trust managers; anchors are added in order. Starts with the
    system store (``replace_defaults()`` drops it). Every method returns the
    builder, so calls chain."""

    _kind = "trust builder"

    def __init__(self) -> None:
        super().__init__(_ffi.new_handle(_ffi.sslb_trust_builder_new, _ffi.TrustBuilderPtr),
                         _ffi.sslb_trust_builder_free)
        self._tokens: List[Any] = []

    def init_from(self, tm: TrustManager) -> "TrustBuilder":
        """Starts over from everything `tm` holds (to build a variant)."""
        _ffi.sslb_trust_builder_init_from(self._p, tm._p)
        self._tokens.extend(tm._keep)
        return self

    def replace_defaults(self) -> "TrustBuilder":
        _ffi.sslb_trust_builder_replace_defaults(self._p)
        return self

    def add_keystore(self, keystore: KeyStore) -> "TrustBuilder":
        """Every certificate of the store (trusted entries and key leaves)."""
        _ffi.sslb_trust_builder_add_keystore(self._p, keystore._p)
        return self

    def add_file(self, path: Union[str, "os.PathLike[str]"]) -> "TrustBuilder":
        """A PEM/DER file, or every *.pem/*.crt/*.der of a directory."""
        _ffi.sslb_trust_builder_add_file(self._p, _ffi.enc(path))
        return self

    def add_data(self, data: Union[bytes, str]) -> "TrustBuilder":
        """A PEM bundle or one DER certificate from memory."""
        if isinstance(data, str):
            data = data.encode()
        data = bytes(data)
        _ffi.sslb_trust_builder_add_data(self._p, data, len(data))
        return self

    def add_certificate(self, cert: Certificate) -> "TrustBuilder":
        _ffi.sslb_trust_builder_add_certificate(self._p, cert._p)
        return self

    def add_crl(self, data: bytes) -> "TrustBuilder":
        data = bytes(data)
        _ffi.sslb_trust_builder_add_crl(self._p, data, len(data))
        return self

    def set_time(self, unix_seconds: float) -> "TrustBuilder":
        """Verify at a fixed time (0: the clock at each verification)."""
        _ffi.sslb_trust_builder_set_time(self._p, int(unix_seconds))
        return self

    def add_pin(self, host_pattern: str, *pins: str) -> "TrustBuilder":
        """OkHttp-style SPKI pins ("sha256/...") for "host", "*.host" or
        "**.host"."""
        for pin in pins:
            _ffi.sslb_trust_builder_add_pin(self._p, _ffi.enc(host_pattern), _ffi.enc(pin))
        return self

    def verify_callback(self, fn: Optional[VerifyCallback]) -> "TrustBuilder":
        """The application's verify step for managers built from now on (see
        :data:`VerifyCallback`); None clears it."""
        if fn is None:
            _ffi.sslb_trust_builder_set_verify_callback(self._p, None, None)
            return self
        if not callable(fn):
            raise TypeError("verify_callback needs a callable")
        token = _callbacks.Token(_VerifyTarget(fn))
        _ffi.sslb_trust_builder_set_verify_callback(self._p, _callbacks.verify_trampoline,
                                                    token.value)
        self._tokens.append(token)
        return self

    def insecure_trust_all(self) -> "TrustBuilder":
        """INSECURE, for development against a self-signed server only: managers
        built from now on accept every chain (a verify callback still has the
        last word)."""
        _ffi.sslb_trust_builder_insecure_trust_all(self._p)
        return self

    def build(self) -> TrustManager:
        ptr = _ffi.new_handle(lambda out: _ffi.sslb_trust_builder_build(self._p, out),
                              _ffi.TrustManagerPtr)
        return TrustManager(ptr, keep=self._tokens)


class TrustManagerFactory:
    """``TrustManagerFactory.getInstance(...).init(keyStore)``: its
    ``trust_managers`` list holds one TrustManager trusting the store's
    certificates only (the system store when initialised with None)."""

    def __init__(self, keystore: Optional[KeyStore] = None) -> None:
        self.trust_managers: List[TrustManager] = []
        self.init(keystore)

    def init(self, keystore: Optional[KeyStore]) -> None:
        for tm in self.trust_managers:
            tm.close()
        tm = (TrustManager.from_keystore(keystore) if keystore is not None
              else TrustManager.system())
        self.trust_managers = [tm]

    @classmethod
    def of(cls, trust_managers: List[TrustManager]) -> "TrustManagerFactory":
        """A factory holding given managers."""
        tmf = cls.__new__(cls)
        tmf.trust_managers = list(trust_managers)
        return tmf

    def close(self) -> None:
        for tm in self.trust_managers:
            tm.close()

    def __enter__(self) -> "TrustManagerFactory":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
