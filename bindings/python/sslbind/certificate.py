"""X.509 certificates (sslb_certificate): immutable, reference-counted."""
from __future__ import annotations

import ctypes
import datetime
from typing import Any, List, Optional, Sequence, Tuple

from . import _ffi
from ._handle import Handle

__all__ = ["Certificate"]

_SAN_NAMES = {1: "DNS", 2: "IP", 3: "email", 4: "URI", 5: "other"}


def _s(b: Optional[bytes]) -> str:
    return "" if b is None else b.decode("utf-8", "replace")


def _time(t: int) -> Optional[datetime.datetime]:
    if t < 0:
        return None
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc)


class Certificate(Handle):
    """One certificate. Made by :meth:`load`, or handed out by keystores,
    responses (``response.tls.chain``), key managers and verify callbacks,
    each holding its own reference."""

    _kind = "certificate"

    def __init__(self, ptr: Any) -> None:
        """Takes over one reference of `ptr` (a CertificatePtr)."""
        super().__init__(ptr, _ffi.sslb_certificate_free)

    @classmethod
    def _borrowed(cls, ptr: Any) -> "Certificate":
        """Wraps a pointer C lends us, taking a reference of our own."""
        return cls(_ffi.sslb_certificate_ref(_ffi.CertificatePtr(int(ptr))))

    @classmethod
    def load(cls, data: bytes) -> "Certificate":
        """Parses a DER or PEM certificate (the first of a PEM bundle)."""
        if isinstance(data, str):
            data = data.encode()
        data = bytes(data)
        return cls(_ffi.new_handle(_ffi.sslb_certificate_new, _ffi.CertificatePtr, data,
                                   len(data)))

    @property
    def subject(self) -> str:
        """Subject DN in RFC 4514 form."""
        return _s(_ffi.sslb_certificate_subject(self._p))

    @property
    def issuer(self) -> str:
        return _s(_ffi.sslb_certificate_issuer(self._p))

    @property
    def serial(self) -> str:
        """Lower-case hex, as keytool prints it."""
        return _s(_ffi.sslb_certificate_serial(self._p))

    @property
    def not_before(self) -> Optional[datetime.datetime]:
        return _time(_ffi.sslb_certificate_not_before(self._p))

    @property
    def not_after(self) -> Optional[datetime.datetime]:
        return _time(_ffi.sslb_certificate_not_after(self._p))

    @property
    def sha256_fingerprint(self) -> str:
        """Upper-case hex pairs joined by ':' (keytool's form)."""
        return _s(_ffi.sslb_certificate_sha256_fingerprint(self._p))

    @property
    def sha1_fingerprint(self) -> str:
        return _s(_ffi.sslb_certificate_sha1_fingerprint(self._p))

    @property
    def spki_pin(self) -> str:
        """"sha256/<base64>", as OkHttp's CertificatePinner takes it."""
        return _s(_ffi.sslb_certificate_spki_pin(self._p))

    @property
    def key_algorithm(self) -> str:
        return _s(_ffi.sslb_certificate_key_algorithm(self._p))

    @property
    def key_bits(self) -> int:
        return int(_ffi.sslb_certificate_key_bits(self._p))

    @property
    def signature_algorithm(self) -> str:
        return _s(_ffi.sslb_certificate_signature_algorithm(self._p))

    @property
    def is_ca(self) -> bool:
        return _ffi.sslb_certificate_is_ca(self._p) == 1

    @property
    def sans(self) -> List[Tuple[str, str]]:
        """Subject alternative names as (kind, value): kind is "DNS", "IP",
        "email", "URI" or "other"."""
        p = self._p
        out = []
        for i in range(_ffi.sslb_certificate_san_count(p)):
            kind = _SAN_NAMES.get(_ffi.sslb_certificate_san_type(p, i), "other")
            out.append((kind, _s(_ffi.sslb_certificate_san_value(p, i))))
        return out

    @property
    def der(self) -> bytes:
        data = ctypes.c_void_p()
        n = ctypes.c_size_t()
        _ffi.sslb_certificate_der(self._p, ctypes.byref(data), ctypes.byref(n))
        return ctypes.string_at(data, n.value)

    def pem(self) -> str:
        """The certificate in PEM form."""
        out = ctypes.POINTER(ctypes.c_char)()
        _ffi.sslb_certificate_pem(self._p, ctypes.byref(out))
        return _ffi.take_string(out)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Certificate):
            return NotImplemented
        return self.der == other.der

    def __hash__(self) -> int:
        return hash(self.sha256_fingerprint)

    def __repr__(self) -> str:
        if self.closed:
            return "<Certificate (closed)>"
        return f"<Certificate subject={self.subject!r} issuer={self.issuer!r}>"


def chain_from_c(chain: Any, n: int) -> List[Certificate]:
    """Certificates of a `sslb_certificate *const *` C lends to a callback."""
    return [Certificate._borrowed(chain[i]) for i in range(n) if chain[i]]


def c_chain(certs: Sequence[Certificate]) -> Any:
    """A `sslb_certificate *const *` array for C (borrowing the wrappers)."""
    arr = (_ffi.CertificatePtr * len(certs))()
    for i, c in enumerate(certs):
        arr[i] = c._p
    return arr
