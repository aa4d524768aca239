"""The exception hierarchy: one class per family of SSLB_ERR_* codes.

Every exception carries ``.code`` (the negative C code), ``.name`` (its
stable name, e.g. ``"CERT_EXPIRED"``) and ``.message`` (the detailed
``last_error`` of the handle the call was made on, or the code's one-line
description when the handle had none). sslbind never puts a password or key
material in a message.

::

    SslbindError
    ├── InvalidArgument        INVALID_ARGUMENT                  (also ValueError)
    ├── InvalidURL             URL                               (also ValueError)
    ├── OutOfMemory            NO_MEMORY                         (also MemoryError)
    ├── FileError              IO                                (also OSError)
    ├── UnsupportedError       UNSUPPORTED
    ├── InternalError          INTERNAL
    ├── KeystoreError          NOT_FOUND, KEYSTORE_FORMAT .. PASSWORD_REQUIRED (-10..-23)
    │   ├── BadPassword        BAD_PASSWORD, BAD_KEY_PASSWORD
    │   ├── PasswordRequired   PASSWORD_REQUIRED, KEY_LOCKED
    │   └── EntryNotFound      NOT_FOUND                         (also LookupError)
    ├── TLSError               TLS
    │   └── CertificateVerifyError   every CERT_* code (.reason, .host, .chain)
    ├── ConnectionError        CONNECT, CONNECTION_CLOSED, RESOLVE (also builtins.ConnectionError)
    ├── TimeoutError           TIMEOUT                           (also builtins.TimeoutError)
    ├── ProtocolError          PROTOCOL
    │   └── TooManyRedirects   TOO_MANY_REDIRECTS
    ├── TooLargeError          TOO_LARGE
    └── CancelledError         CANCELLED

Password codes: ``BadPassword`` is "the password given is wrong" (store or
key password). ``KEYSTORE_INTEGRITY`` is deliberately *not* a BadPassword:
sslbind reports it when the password was shown right but the data was
modified, so retrying with another password would not help. A missing
password (``PASSWORD_REQUIRED``, ``KEY_LOCKED``) is ``PasswordRequired``.
"""
from __future__ import annotations

import builtins
import datetime
import re
from typing import Any, Callable, Dict, List, Optional, Tuple

__all__ = [
    "SslbindError", "InvalidArgument", "InvalidURL", "OutOfMemory", "FileError",
    "UnsupportedError", "InternalError", "KeystoreError", "BadPassword", "PasswordRequired",
    "EntryNotFound", "TLSError", "CertificateVerifyError", "ConnectionError", "TimeoutError",
    "ProtocolError", "TooManyRedirects", "TooLargeError", "CancelledError", "error_for",
    "CODES",
]


class SslbindError(Exception):
    """Base of every sslbind error: ``.code``, ``.name``, ``.message``."""

    code: int
    name: str
    message: str

    def __init__(self, code: int, name: str, message: str = "") -> None:
        # one positional argument for every base (OSError would otherwise
        # read (code, name, message) as (errno, strerror, filename))
        super().__init__(message or name)
        self.code = code
        self.name = name
        self.message = message

    def __str__(self) -> str:
        return f"{self.name}: {self.message}" if self.message else self.name

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.code, self.name, self.message))


def _rebuild(cls: type, code: int, name: str, message: str) -> "SslbindError":
    return cls(code, name, message)


class InvalidArgument(SslbindError, ValueError):
    """A NULL or out-of-range argument (SSLB_ERR_INVALID_ARGUMENT)."""


class InvalidURL(SslbindError, ValueError):
    """The URL is malformed or not http/https (SSLB_ERR_URL)."""


class OutOfMemory(SslbindError, MemoryError):
    """SSLB_ERR_NO_MEMORY."""


class FileError(SslbindError, OSError):
    """A file could not be read or written (SSLB_ERR_IO)."""


class UnsupportedError(SslbindError):
    """An unsupported algorithm, format or feature (SSLB_ERR_UNSUPPORTED)."""


class InternalError(SslbindError):
    """A cryptographic primitive failed (SSLB_ERR_INTERNAL)."""


class KeystoreError(SslbindError):
    """Keystore parsing, writing or lookup failed (codes -10 .. -23, NOT_FOUND)."""


class BadPassword(KeystoreError):
    """The store or key password is wrong (BAD_PASSWORD, BAD_KEY_PASSWORD)."""


class PasswordRequired(KeystoreError):
    """A password is needed and none was given (PASSWORD_REQUIRED, KEY_LOCKED)."""


class EntryNotFound(KeystoreError, LookupError):
    """No entry with that alias (SSLB_ERR_NOT_FOUND)."""


class TLSError(SslbindError):
    """The TLS handshake or record layer failed (SSLB_ERR_TLS)."""


class CertificateVerifyError(TLSError):
    """The server's chain was refused. ``.reason`` is the code name
    (``"CERT_HOSTNAME_MISMATCH"`` ...), ``.host`` the name that was checked and
    ``.chain`` the presented chain as parsed from the verifier's report: a
    list of dicts with ``subject``, ``issuer``, ``sans`` (list of (type, value)),
    ``not_before``/``not_after`` (aware datetimes), ``key``, ``signature`` and
    ``pin``. ``.report`` is the verifier's whole report when there was one."""

    reason: str
    host: Optional[str]
    chain: List[Dict[str, Any]]
    report: str

    def __init__(self, code: int, name: str, message: str = "",
                 host: Optional[str] = None) -> None:
        super().__init__(code, name, message)
        self.reason = name
        parsed_host, self.report = _split_report(message)
        self.host = parsed_host or host
        self.chain = parse_chain(self.report)


class ConnectionError(SslbindError, builtins.ConnectionError):
    """The connection could not be made or broke (CONNECT, CONNECTION_CLOSED,
    RESOLVE)."""


class TimeoutError(SslbindError, builtins.TimeoutError):
    """A connect, idle or request timeout expired (SSLB_ERR_TIMEOUT)."""


class ProtocolError(SslbindError):
    """The server broke HTTP (SSLB_ERR_PROTOCOL), or an h2-only request met a
    server without h2."""


class TooManyRedirects(ProtocolError):
    """The redirect limit was reached (SSLB_ERR_TOO_MANY_REDIRECTS)."""


class TooLargeError(SslbindError):
    """The response exceeds the configured size limit (SSLB_ERR_TOO_LARGE)."""


class CancelledError(SslbindError):
    """The request was cancelled (SSLB_ERR_CANCELLED): by cancel(), a callback
    that asked to stop, or the client being closed."""


#: Code name -> exception class, for every code of SSLB_ERROR_MAP.
CODES: Dict[str, type] = {
    "INVALID_ARGUMENT": InvalidArgument,
    "NO_MEMORY": OutOfMemory,
    "IO": FileError,
    "NOT_FOUND": EntryNotFound,
    "UNSUPPORTED": UnsupportedError,
    "INTERNAL": InternalError,
    "KEYSTORE_FORMAT": KeystoreError,
    "KEYSTORE_TRUNCATED": KeystoreError,
    "KEYSTORE_CORRUPT": KeystoreError,
    "BAD_PASSWORD": BadPassword,
    "KEYSTORE_INTEGRITY": KeystoreError,
    "DUPLICATE_ALIAS": KeystoreError,
    "KEY_LOCKED": PasswordRequired,
    "BAD_KEY_PASSWORD": BadPassword,
    "CERTIFICATE": KeystoreError,
    "PRIVATE_KEY": KeystoreError,
    "LIMIT": KeystoreError,
    "ALIAS_EXISTS": KeystoreError,
    "WRONG_ENTRY_KIND": KeystoreError,
    "PASSWORD_REQUIRED": PasswordRequired,
    "CERT_EXPIRED": CertificateVerifyError,
    "CERT_NOT_YET_VALID": CertificateVerifyError,
    "CERT_UNKNOWN_ISSUER": CertificateVerifyError,
    "CERT_SELF_SIGNED": CertificateVerifyError,
    "CERT_HOSTNAME_MISMATCH": CertificateVerifyError,
    "CERT_INSECURE_ALGORITHM": CertificateVerifyError,
    "CERT_REVOKED": CertificateVerifyError,
    "CERT_PIN_MISMATCH": CertificateVerifyError,
    "CERT_PURPOSE": CertificateVerifyError,
    "CERT_WEAK_KEY": CertificateVerifyError,
    "CERT_NAME_CONSTRAINTS": CertificateVerifyError,
    "CERT_INVALID": CertificateVerifyError,
    "CERT_REJECTED": CertificateVerifyError,
    "URL": InvalidURL,
    "RESOLVE": ConnectionError,
    "CONNECT": ConnectionError,
    "TLS": TLSError,
    "TIMEOUT": TimeoutError,
    "PROTOCOL": ProtocolError,
    "CONNECTION_CLOSED": ConnectionError,
    "TOO_LARGE": TooLargeError,
    "CANCELLED": CancelledError,
    "TOO_MANY_REDIRECTS": TooManyRedirects,
}

_name_of: Callable[[int], str] = lambda code: "UNKNOWN"  # noqa: E731
_strerror: Callable[[int], str] = lambda code: ""  # noqa: E731


def _bind(name_of: Callable[[int], str], strerror: Callable[[int], str]) -> None:
    """Called by _ffi once the library is loaded."""
    global _name_of, _strerror
    _name_of, _strerror = name_of, strerror


_codes_by_name: Dict[str, int] = {}


def code_of(name: str) -> Optional[int]:
    """The code of a name ("CERT_EXPIRED" -> -30), None if unknown."""
    if not _codes_by_name:
        for code in range(-1, -256, -1):
            n = _name_of(code)
            if n != "UNKNOWN":
                _codes_by_name[n] = code
    return _codes_by_name.get(name)


def class_for(name: str) -> type:
    cls = CODES.get(name)
    if cls is None:
        # codes are append-only: a CERT_ code added later is still a refusal
        cls = CertificateVerifyError if name.startswith("CERT_") else SslbindError
    return cls


def error_for(code: int, message: str = "", host: Optional[str] = None) -> SslbindError:
    """The exception for a negative code, with the handle's message."""
    name = _name_of(code)
    cls = class_for(name)
    if not message:
        message = _strerror(code)
    if cls is CertificateVerifyError or issubclass(cls, CertificateVerifyError):
        return cls(code, name, message, host=host)
    return cls(code, name, message)


# ------------------------------------------------------------------- reports

_HOST_RE = re.compile(r"^host: (\S+)", re.M)
_FAILED_FOR_RE = re.compile(r"verification failed for (\S+?):?$", re.M)


def _split_report(message: str) -> Tuple[Optional[str], str]:
    """(host, report) from a request's message: "certificate verification
    failed for H:\\n<report>" or a bare report."""
    idx = message.find("host: ")
    report = message[idx:] if idx >= 0 and (idx == 0 or message[idx - 1] == "\n") else ""
    m = _HOST_RE.search(report)
    if m:
        return m.group(1), report
    m = _FAILED_FOR_RE.search(message)
    return (m.group(1) if m else None), report


def _parse_time(s: str) -> Optional[datetime.datetime]:
    try:
        return datetime.datetime.strptime(s.strip(), "%Y-%m-%d %H:%M:%S UTC").replace(
            tzinfo=datetime.timezone.utc)
    except ValueError:
        return None


def parse_chain(report: str) -> List[Dict[str, Any]]:
    """The "presented chain:" section of a verifier report as dicts."""
    chain: List[Dict[str, Any]] = []
    lines = report.splitlines()
    try:
        start = lines.index("presented chain:") + 1
    except ValueError:
        return chain
    cur: Optional[Dict[str, Any]] = None
    for line in lines[start:]:
        if not line.startswith(" "):
            break  # the next section ("trusted path:" ...)
        m = re.match(r"\s*\[(\d+)\] subject: (.*)$", line)
        if m:
            cur = {"index": int(m.group(1)), "subject": m.group(2)}
            chain.append(cur)
            continue
        if cur is None:
            continue
        key, _, value = line.strip().partition(":")
        value = value.strip()
        if key == "issuer":
            cur["issuer"] = value
        elif key == "SANs":
            sans = []
            if value != "(none)":
                for item in value.split(", "):
                    kind, _, v = item.partition(":")
                    sans.append((kind, v))
            cur["sans"] = sans
        elif key == "valid":
            nb, _, na = value.partition(" .. ")
            cur["not_before"], cur["not_after"] = _parse_time(nb), _parse_time(na)
        elif key == "key":
            k, _, sig = value.partition(", signed ")
            cur["key"], cur["signature"] = k, sig
        elif key == "pin":
            cur["pin"] = value
    return chain
