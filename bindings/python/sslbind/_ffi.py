"""Loading libsslbind and declaring every public C function.

One helper, :func:`_fn`, declares each symbol of ``include/sslbind/sslbind.h``
with its argument types, result type and an ``errcheck`` that turns a
negative code into an exception of :mod:`sslbind.errors` carrying the
handle's detailed ``last_error`` message (python-libarchive-c's ``ffi.py``
style). Each handle kind has its own ``c_void_p`` subclass whose
``from_param`` refuses the other kinds, so passing a keystore where a trust
manager is expected is a ``TypeError`` here rather than a crash in C.

The library is loaded with :class:`ctypes.CDLL`: ctypes releases the GIL
around every call, so a blocking ``sslb_client_execute`` lets other Python
threads run.

Lookup order: ``$SSLBIND_LIBRARY`` (a full path), ``libsslbind.so.0`` next to
this package, then the system (``ctypes.util.find_library("sslbind")``, then
``libsslbind.so.0`` through the dynamic loader's search path).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
from ctypes import (CFUNCTYPE, POINTER, c_char, c_char_p, c_int, c_int64, c_long,
                    c_size_t, c_uint, c_void_p)
from typing import Any, Callable, List, Optional, Sequence, Tuple

from . import errors as _errors

#: The major version this binding speaks (the library's SOVERSION).
ABI_MAJOR = 0
#: The header version this binding was written against (SSLB_VERSION_NUMBER).
HEADER_VERSION = (0, 1, 0)

# --------------------------------------------------------------------- loading


def _candidates() -> List[str]:
    out = []
    env = os.environ.get("SSLBIND_LIBRARY")
    if env:
        out.append(env)
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "libsslbind.so.0")
    if os.path.exists(here):
        out.append(here)
    found = ctypes.util.find_library("sslbind")
    if found:
        out.append(found)
    out.append("libsslbind.so.0")
    return out


def _load() -> Tuple[ctypes.CDLL, str]:
    tried = []
    env = os.environ.get("SSLBIND_LIBRARY")
    for path in _candidates():
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            tried.append(f"{path}: {e}")
            if env and path == env:
                # an explicit choice that fails is an error, not a hint
                raise ImportError(
                    f"sslbind: SSLBIND_LIBRARY={env!r} could not be loaded: {e}") from e
    raise ImportError("sslbind: libsslbind.so.0 was not found; set SSLBIND_LIBRARY to its "
                      "full path or install the C library. Tried:\n  " + "\n  ".join(tried))


_lib, LIBRARY_PATH = _load()

# ---------------------------------------------------------------- handle types


class _Handle(c_void_p):
    """Base of the per-kind handle pointer types."""

    @classmethod
    def from_param(cls, obj: Any) -> Any:
        if obj is None or type(obj) is cls:
            return obj
        raise TypeError(f"expected {cls.__name__}, got {type(obj).__name__}")

    def __bool__(self) -> bool:
        return bool(self.value)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.value and hex(self.value)}>"


def _handle_type(name: str) -> type:
    return type(name, (_Handle,), {})


CertificatePtr = _handle_type("CertificatePtr")
KeystorePtr = _handle_type("KeystorePtr")
CertSpecPtr = _handle_type("CertSpecPtr")
TrustBuilderPtr = _handle_type("TrustBuilderPtr")
TrustManagerPtr = _handle_type("TrustManagerPtr")
KeyManagerPtr = _handle_type("KeyManagerPtr")
SslContextPtr = _handle_type("SslContextPtr")
SslContextBuilderPtr = _handle_type("SslContextBuilderPtr")
SocketFactoryPtr = _handle_type("SocketFactoryPtr")
SslSettingsPtr = _handle_type("SslSettingsPtr")
ClientPtr = _handle_type("ClientPtr")
RequestPtr = _handle_type("RequestPtr")
ResponsePtr = _handle_type("ResponsePtr")
ConnectionPtr = _handle_type("ConnectionPtr")
EnginePtr = _handle_type("EnginePtr")
SslContextFactoryPtr = _handle_type("SslContextFactoryPtr")
QueuePtr = _handle_type("QueuePtr")


class Completion(ctypes.Structure):
    """sslb_completion: one request taken from a queue."""

    _fields_ = [("tag", c_void_p), ("rc", c_int), ("response", c_void_p)]

# ------------------------------------------------------------- callback types

#: int (*)(void *ud, const char *host, sslb_certificate *const *chain,
#:         size_t n, int verdict, const char *report)
VERIFY_FN = CFUNCTYPE(c_int, c_void_p, c_char_p, POINTER(c_void_p), c_size_t, c_int, c_char_p)
#: int (*)(void *ud, const char *host, sslb_certificate *const *chain, size_t n)
HOSTNAME_VERIFIER_FN = CFUNCTYPE(c_int, c_void_p, c_char_p, POINTER(c_void_p), c_size_t)
#: int (*)(void *ud, sslb_connection *conn)
CONNECTION_FN = CFUNCTYPE(c_int, c_void_p, c_void_p)
#: long (*)(void *ud, uint8_t *buf, size_t len)
BODY_READER_FN = CFUNCTYPE(c_long, c_void_p, c_void_p, c_size_t)
#: int (*)(void *ud, const uint8_t *data, size_t len)
BODY_SINK_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, c_size_t)
# sslb_head_fn(user_data, const sslb_response *head)
HEAD_FN = CFUNCTYPE(c_int, c_void_p, c_void_p)
#: void (*)(void *ud, int rc, sslb_response *resp)
COMPLETION_FN = CFUNCTYPE(None, c_void_p, c_int, c_void_p)

# ------------------------------------------------------------------ errchecks

_ErrSpec = Tuple[int, str]


def _message(args: Sequence[Any], where: Sequence[_ErrSpec]) -> str:
    """The first non-empty last_error of the handles named by `where`
    ((argument index, last_error function name) pairs)."""
    for index, fn_name in where:
        if index < len(args) and args[index] is not None:
            try:
                msg = globals()[fn_name](args[index])
            except Exception:  # pragma: no cover - diagnostics only
                msg = None
            if msg:
                return msg.decode("utf-8", "replace")
    return ""


def _check(*where: _ErrSpec) -> Callable[..., Any]:
    """errcheck: a negative int result raises the matching SslbindError with
    the message of the first handle in `where` that has one."""

    def errcheck(result: int, func: Any, args: Sequence[Any]) -> int:
        if result < 0:
            raise _errors.error_for(result, _message(args, where))
        return result

    return errcheck


def _errcheck_always_ok(result: Any, func: Any, args: Sequence[Any]) -> Any:
    return result


_DECLARED: List[str] = []


def _fn(name: str, argtypes: Sequence[Any], restype: Any = c_int,
        errcheck: Optional[Callable[..., Any]] = None) -> Any:
    """Declares one C function of the library and returns it."""
    try:
        f = getattr(_lib, name)
    except AttributeError as e:
        raise ImportError(f"sslbind: {LIBRARY_PATH} has no symbol {name}: the library is "
                          f"older than this binding (written for "
                          f"{'.'.join(map(str, HEADER_VERSION))})") from e
    f.argtypes = list(argtypes)
    f.restype = restype
    if errcheck is not None:
        f.errcheck = errcheck
    globals()[name] = f
    _DECLARED.append(name)
    return f


def declared_functions() -> List[str]:
    """Names of every C function this module declared (for tests)."""
    return list(_DECLARED)


# Shorthands for the declarations below.
_u8p = c_char_p  # const uint8_t * input: bytes
_str = c_char_p
_outp = POINTER
KS = (0, "sslb_keystore_last_error")
SPEC = (0, "sslb_cert_spec_last_error")
TB = (0, "sslb_trust_builder_last_error")
CB = (0, "sslb_ssl_context_builder_last_error")
SET = (0, "sslb_ssl_settings_last_error")
ENG = (0, "sslb_engine_last_error")
FAC = (0, "sslb_ssl_context_factory_last_error")
REQ = (0, "sslb_request_last_error")

# ----------------------------------------------------------------- errors, lib
_fn("sslb_error_name", [c_int], c_char_p)
_fn("sslb_strerror", [c_int], c_char_p)
_fn("sslb_version", [], c_char_p)
_fn("sslb_version_number", [], c_uint)

# The version first: a library of another major may lack the symbols below.
VERSION_NUMBER = int(sslb_version_number())  # type: ignore[name-defined]  # noqa: F821
VERSION = sslb_version().decode()  # type: ignore[name-defined]  # noqa: F821
if VERSION_NUMBER >> 16 != ABI_MAJOR:
    raise ImportError(f"sslbind: {LIBRARY_PATH} is version {VERSION} (major "
                      f"{VERSION_NUMBER >> 16}); this binding needs major {ABI_MAJOR}")
_fn("sslb_free", [c_void_p], None)

# -------------------------------------------------------------- last_error fns
_fn("sslb_keystore_last_error", [KeystorePtr], c_char_p)
_fn("sslb_cert_spec_last_error", [CertSpecPtr], c_char_p)
_fn("sslb_trust_builder_last_error", [TrustBuilderPtr], c_char_p)
_fn("sslb_ssl_context_builder_last_error", [SslContextBuilderPtr], c_char_p)
_fn("sslb_ssl_settings_last_error", [SslSettingsPtr], c_char_p)
_fn("sslb_engine_last_error", [EnginePtr], c_char_p)
_fn("sslb_ssl_context_factory_last_error", [SslContextFactoryPtr], c_char_p)
_fn("sslb_request_last_error", [RequestPtr], c_char_p)

# --------------------------------------------------------------- certificates
_fn("sslb_certificate_new", [_outp(CertificatePtr), _u8p, c_size_t], c_int, _check())
_fn("sslb_certificate_ref", [CertificatePtr], CertificatePtr)
_fn("sslb_certificate_free", [CertificatePtr], None)
_fn("sslb_certificate_subject", [CertificatePtr], c_char_p)
_fn("sslb_certificate_issuer", [CertificatePtr], c_char_p)
_fn("sslb_certificate_serial", [CertificatePtr], c_char_p)
_fn("sslb_certificate_not_before", [CertificatePtr], c_int64)
_fn("sslb_certificate_not_after", [CertificatePtr], c_int64)
_fn("sslb_certificate_sha256_fingerprint", [CertificatePtr], c_char_p)
_fn("sslb_certificate_sha1_fingerprint", [CertificatePtr], c_char_p)
_fn("sslb_certificate_spki_pin", [CertificatePtr], c_char_p)
_fn("sslb_certificate_key_algorithm", [CertificatePtr], c_char_p)
_fn("sslb_certificate_key_bits", [CertificatePtr], c_uint)
_fn("sslb_certificate_signature_algorithm", [CertificatePtr], c_char_p)
_fn("sslb_certificate_is_ca", [CertificatePtr], c_int)
_fn("sslb_certificate_san_count", [CertificatePtr], c_size_t)
_fn("sslb_certificate_san_type", [CertificatePtr, c_size_t], c_int, _check())
_fn("sslb_certificate_san_value", [CertificatePtr, c_size_t], c_char_p)
_fn("sslb_certificate_der", [CertificatePtr, POINTER(c_void_p), POINTER(c_size_t)], c_int,
    _check())
_fn("sslb_certificate_pem", [CertificatePtr, POINTER(POINTER(c_char))], c_int, _check())

# ------------------------------------------------------------------ keystores
_fn("sslb_keystore_new", [_outp(KeystorePtr)], c_int, _check())
_fn("sslb_keystore_free", [KeystorePtr], None)
_fn("sslb_keystore_load", [KeystorePtr, _u8p, c_size_t, _str], c_int, _check(KS))
_fn("sslb_keystore_load_file", [KeystorePtr, _str, _str], c_int, _check(KS))
_fn("sslb_keystore_format", [KeystorePtr], c_int)
_fn("sslb_keystore_sniff", [_u8p, c_size_t], c_int)
_fn("sslb_keystore_format_name", [c_int], c_char_p)
_fn("sslb_keystore_size", [KeystorePtr], c_size_t)
_fn("sslb_keystore_find", [KeystorePtr, _str, POINTER(c_size_t)], c_int, _check(KS))
_fn("sslb_keystore_entry_alias", [KeystorePtr, c_size_t], c_char_p)
_fn("sslb_keystore_entry_kind", [KeystorePtr, c_size_t], c_int, _check(KS))
_fn("sslb_keystore_entry_created", [KeystorePtr, c_size_t], c_int64)
_fn("sslb_keystore_entry_algorithm", [KeystorePtr, c_size_t], c_char_p)
_fn("sslb_keystore_entry_chain_length", [KeystorePtr, c_size_t], c_size_t)
_fn("sslb_keystore_entry_certificate",
    [KeystorePtr, c_size_t, c_size_t, _outp(CertificatePtr)], c_int, _check(KS))
_fn("sslb_keystore_entry_locked", [KeystorePtr, c_size_t], c_int, _check(KS))
_fn("sslb_keystore_unlock_key", [KeystorePtr, _str, _str], c_int, _check(KS))
_fn("sslb_keystore_set_key_password", [KeystorePtr, _str, _str], c_int, _check(KS))
_fn("sslb_keystore_add_certificate", [KeystorePtr, _str, _u8p, c_size_t], c_int, _check(KS))
_fn("sslb_keystore_add_private_key",
    [KeystorePtr, _str, _u8p, c_size_t, _str, _u8p, c_size_t], c_int, _check(KS))
_fn("sslb_keystore_remove", [KeystorePtr, _str], c_int, _check(KS))
_fn("sslb_keystore_save",
    [KeystorePtr, c_int, _str, POINTER(c_void_p), POINTER(c_size_t)], c_int, _check(KS))
_fn("sslb_keystore_save_file", [KeystorePtr, _str, c_int, _str], c_int, _check(KS))

# ---------------------------------------------------------- generating certs
_fn("sslb_cert_spec_new", [_outp(CertSpecPtr)], c_int, _check())
_fn("sslb_cert_spec_free", [CertSpecPtr], None)
_fn("sslb_cert_spec_set_key_type", [CertSpecPtr, c_int], c_int, _check(SPEC))
_fn("sslb_cert_spec_set_key_algorithm", [CertSpecPtr, c_int], c_int, _check(SPEC))
_fn("sslb_cert_spec_set_key_size", [CertSpecPtr, c_uint], c_int, _check(SPEC))
_fn("sslb_cert_spec_set_subject", [CertSpecPtr, _str], c_int, _check(SPEC))
_fn("sslb_cert_spec_add_domain", [CertSpecPtr, _str], c_int, _check(SPEC))
_fn("sslb_cert_spec_add_ip_address", [CertSpecPtr, _str], c_int, _check(SPEC))
_fn("sslb_cert_spec_set_days_valid", [CertSpecPtr, c_uint], c_int, _check(SPEC))
_fn("sslb_cert_spec_set_password", [CertSpecPtr, _str], c_int, _check(SPEC))
_fn("sslb_cert_spec_sign_with", [CertSpecPtr, KeystorePtr, _str, _str], c_int,
    _check(SPEC, (1, "sslb_keystore_last_error")))
_fn("sslb_keystore_generate", [KeystorePtr, _str, CertSpecPtr], c_int,
    _check(KS, (2, "sslb_cert_spec_last_error")))
_fn("sslb_generate_certificate", [_str, c_int, _str, _str, _str, CertSpecPtr], c_int,
    _check((5, "sslb_cert_spec_last_error")))

# -------------------------------------------------------------- trust managers
_fn("sslb_trust_builder_new", [_outp(TrustBuilderPtr)], c_int, _check())
_fn("sslb_trust_builder_free", [TrustBuilderPtr], None)
_fn("sslb_trust_builder_init_from", [TrustBuilderPtr, TrustManagerPtr], c_int, _check(TB))
_fn("sslb_trust_builder_replace_defaults", [TrustBuilderPtr], c_int, _check(TB))
_fn("sslb_trust_builder_add_keystore", [TrustBuilderPtr, KeystorePtr], c_int, _check(TB))
_fn("sslb_trust_builder_add_data", [TrustBuilderPtr, _u8p, c_size_t], c_int, _check(TB))
_fn("sslb_trust_builder_add_file", [TrustBuilderPtr, _str], c_int, _check(TB))
_fn("sslb_trust_builder_add_certificate", [TrustBuilderPtr, CertificatePtr], c_int, _check(TB))
_fn("sslb_trust_builder_add_crl", [TrustBuilderPtr, _u8p, c_size_t], c_int, _check(TB))
_fn("sslb_trust_builder_set_time", [TrustBuilderPtr, c_int64], c_int, _check(TB))
_fn("sslb_trust_builder_add_pin", [TrustBuilderPtr, _str, _str], c_int, _check(TB))
_fn("sslb_trust_builder_set_verify_callback", [TrustBuilderPtr, VERIFY_FN, c_void_p], c_int,
    _check(TB))
_fn("sslb_trust_builder_insecure_trust_all", [TrustBuilderPtr], c_int, _check(TB))
_fn("sslb_trust_builder_build", [TrustBuilderPtr, _outp(TrustManagerPtr)], c_int, _check(TB))
_fn("sslb_trust_manager_ref", [TrustManagerPtr], TrustManagerPtr)
_fn("sslb_trust_manager_free", [TrustManagerPtr], None)
_fn("sslb_trust_manager_anchor_count", [TrustManagerPtr], c_size_t)
_fn("sslb_trust_manager_is_insecure", [TrustManagerPtr], c_int)
# no errcheck: the caller wants the report whatever the verdict
_fn("sslb_trust_manager_verify",
    [TrustManagerPtr, POINTER(CertificatePtr), c_size_t, _str, POINTER(POINTER(c_char))], c_int)

# ----------------------------------------- key managers, contexts, factories
_fn("sslb_key_manager_new", [_outp(KeyManagerPtr), KeystorePtr, _str, _str], c_int,
    _check((1, "sslb_keystore_last_error")))
_fn("sslb_key_manager_ref", [KeyManagerPtr], KeyManagerPtr)
_fn("sslb_key_manager_free", [KeyManagerPtr], None)
_fn("sslb_key_manager_count", [KeyManagerPtr], c_size_t)
_fn("sslb_key_manager_alias", [KeyManagerPtr, c_size_t], c_char_p)
_fn("sslb_key_manager_certificate", [KeyManagerPtr, c_size_t], CertificatePtr)
_fn("sslb_ssl_context_new", [_outp(SslContextPtr), KeyManagerPtr, TrustManagerPtr], c_int,
    _check())
_fn("sslb_ssl_context_ref", [SslContextPtr], SslContextPtr)
_fn("sslb_ssl_context_free", [SslContextPtr], None)
_fn("sslb_ssl_context_trust_manager", [SslContextPtr], TrustManagerPtr)
_fn("sslb_ssl_context_key_manager", [SslContextPtr], KeyManagerPtr)
_fn("sslb_ssl_context_protocols", [SslContextPtr], c_char_p)
_fn("sslb_ssl_context_cipher_suites", [SslContextPtr], c_char_p)
_fn("sslb_ssl_context_priority", [SslContextPtr], c_char_p)
_fn("sslb_ssl_context_builder_new", [_outp(SslContextBuilderPtr)], c_int, _check())
_fn("sslb_ssl_context_builder_free", [SslContextBuilderPtr], None)
_fn("sslb_ssl_context_builder_init_from", [SslContextBuilderPtr, SslContextPtr], c_int,
    _check(CB))
_fn("sslb_ssl_context_builder_set_key_manager", [SslContextBuilderPtr, KeyManagerPtr], c_int,
    _check(CB))
_fn("sslb_ssl_context_builder_set_trust_manager", [SslContextBuilderPtr, TrustManagerPtr],
    c_int, _check(CB))
_fn("sslb_ssl_context_builder_set_protocols", [SslContextBuilderPtr, _str], c_int, _check(CB))
_fn("sslb_ssl_context_builder_set_cipher_suites", [SslContextBuilderPtr, _str], c_int,
    _check(CB))
_fn("sslb_ssl_context_builder_build", [SslContextBuilderPtr, _outp(SslContextPtr)], c_int,
    _check(CB))
_fn("sslb_ssl_context_socket_factory", [SslContextPtr, _outp(SocketFactoryPtr)], c_int,
    _check())
_fn("sslb_socket_factory_ref", [SocketFactoryPtr], SocketFactoryPtr)
_fn("sslb_socket_factory_free", [SocketFactoryPtr], None)
_fn("sslb_socket_factory_context", [SocketFactoryPtr], SslContextPtr)

# ---------------------------------------------------------------- SslSettings
_fn("sslb_ssl_settings_new", [_outp(SslSettingsPtr)], c_int, _check())
_fn("sslb_ssl_settings_free", [SslSettingsPtr], None)
_fn("sslb_ssl_settings_load", [SslSettingsPtr, _str, _str], c_int, _check(SET))
_fn("sslb_ssl_settings_keystore", [SslSettingsPtr], KeystorePtr)
_fn("sslb_ssl_settings_trust_manager", [SslSettingsPtr, _outp(TrustManagerPtr)], c_int,
    _check(SET))
_fn("sslb_ssl_settings_ssl_context", [SslSettingsPtr, _outp(SslContextPtr)], c_int,
    _check(SET))

# --------------------------------------------------------------------- client
# The client has no last_error: a failing setter's message is the code's.
_fn("sslb_client_new", [_outp(ClientPtr), TrustManagerPtr], c_int, _check())
_fn("sslb_client_new_with_context", [_outp(ClientPtr), SslContextPtr], c_int, _check())
_fn("sslb_client_free", [ClientPtr], None)
_fn("sslb_client_set_http_policy", [ClientPtr, c_int], c_int, _check())
_fn("sslb_client_set_hostname_policy", [ClientPtr, c_int], c_int, _check())
_fn("sslb_client_set_hostname_verifier", [ClientPtr, HOSTNAME_VERIFIER_FN, c_void_p], c_int,
    _check())
_fn("sslb_client_set_server_name", [ClientPtr, _str], c_int, _check())
_fn("sslb_client_set_connection_callback", [ClientPtr, CONNECTION_FN, c_void_p], c_int,
    _check())
_fn("sslb_connection_host", [ConnectionPtr], c_char_p)
_fn("sslb_connection_port", [ConnectionPtr], c_uint)
_fn("sslb_connection_set_socket_factory", [ConnectionPtr, SocketFactoryPtr], c_int, _check())
_fn("sslb_connection_set_hostname_verifier", [ConnectionPtr, HOSTNAME_VERIFIER_FN, c_void_p],
    c_int, _check())
_fn("sslb_client_set_timeouts", [ClientPtr, c_uint, c_uint], c_int, _check())
_fn("sslb_client_set_decoding", [ClientPtr, c_int], c_int, _check())
_fn("sslb_client_set_redirects", [ClientPtr, c_uint], c_int, _check())
_fn("sslb_client_set_idle_timeout", [ClientPtr, c_uint], c_int, _check())
_fn("sslb_client_set_max_body", [ClientPtr, c_size_t], c_int, _check())
_fn("sslb_client_set_identity", [ClientPtr, KeystorePtr, _str, _str], c_int,
    _check((1, "sslb_keystore_last_error")))
_fn("sslb_client_add_resolve", [ClientPtr, _str, c_uint, _str], c_int, _check())
_fn("sslb_client_add_connect_to", [ClientPtr, _str, c_uint, _str, c_uint], c_int, _check())
_fn("sslb_client_set_proxy", [ClientPtr, _str, _str], c_int, _check())
_fn("sslb_client_use_environment_proxy", [ClientPtr], c_int, _check())
_fn("sslb_client_connections_opened", [ClientPtr], c_size_t)

# -------------------------------------------------------------------- engines
_fn("sslb_engine_new", [_outp(EnginePtr), c_int], c_int, _check())
_fn("sslb_engine_free", [EnginePtr], None)
_fn("sslb_engine_kind", [EnginePtr], c_int)
_fn("sslb_engine_kind_name", [c_int], c_char_p)
_fn("sslb_engine_set_ssl_context", [EnginePtr, SslContextPtr], c_int, _check(ENG))
_fn("sslb_engine_set_ssl_hostname_verification_policy", [EnginePtr, c_int], c_int, _check(ENG))
_fn("sslb_engine_set_ssl_parameters", [EnginePtr, _str, _str], c_int, _check(ENG))
_fn("sslb_ssl_context_factory_new", [_outp(SslContextFactoryPtr)], c_int, _check())
_fn("sslb_ssl_context_factory_free", [SslContextFactoryPtr], None)
_fn("sslb_ssl_context_factory_set_ssl_context", [SslContextFactoryPtr, SslContextPtr], c_int,
    _check(FAC))
_fn("sslb_ssl_context_factory_set_endpoint_identification_algorithm",
    [SslContextFactoryPtr, _str], c_int, _check(FAC))
_fn("sslb_ssl_context_factory_set_list", [SslContextFactoryPtr, c_int, _str], c_int,
    _check(FAC))
_fn("sslb_engine_set_ssl_context_factory", [EnginePtr, SslContextFactoryPtr], c_int,
    _check(ENG))
_fn("sslb_engine_set_trust_manager", [EnginePtr, TrustManagerPtr], c_int, _check(ENG))
_fn("sslb_engine_add_key_store", [EnginePtr, KeystorePtr, _str, _str], c_int,
    _check(ENG, (1, "sslb_keystore_last_error")))
_fn("sslb_engine_set_cipher_suites", [EnginePtr, _str], c_int, _check(ENG))
_fn("sslb_engine_set_server_name", [EnginePtr, _str], c_int, _check(ENG))
_fn("sslb_engine_set_ssl_manager", [EnginePtr, CONNECTION_FN, c_void_p], c_int, _check(ENG))
_fn("sslb_engine_set_ssl_socket_factory", [EnginePtr, SocketFactoryPtr, TrustManagerPtr], c_int,
    _check(ENG))
_fn("sslb_engine_add_certificate_pin", [EnginePtr, _str, _str], c_int, _check(ENG))
_fn("sslb_engine_set_connection_spec", [EnginePtr, c_int], c_int, _check(ENG))
_fn("sslb_engine_set_protocols", [EnginePtr, c_int], c_int, _check(ENG))
_fn("sslb_engine_set_hostname_verifier", [EnginePtr, HOSTNAME_VERIFIER_FN, c_void_p], c_int,
    _check(ENG))
_fn("sslb_client_new_from_engine", [_outp(ClientPtr), EnginePtr], c_int,
    _check((1, "sslb_engine_last_error")))

# ------------------------------------------------------- requests, responses
_fn("sslb_request_new", [_outp(RequestPtr), _str, _str], c_int, _check())
_fn("sslb_request_free", [RequestPtr], None)
_fn("sslb_request_add_header", [RequestPtr, _str, _str], c_int, _check(REQ))
_fn("sslb_request_set_body", [RequestPtr, _u8p, c_size_t], c_int, _check(REQ))
_fn("sslb_request_set_body_reader", [RequestPtr, BODY_READER_FN, c_void_p, c_int64], c_int,
    _check(REQ))
_fn("sslb_request_set_body_sink", [RequestPtr, BODY_SINK_FN, c_void_p], c_int, _check(REQ))
_fn("sslb_request_set_head_callback", [RequestPtr, HEAD_FN, c_void_p], c_int, _check(REQ))
_fn("sslb_request_set_http_policy", [RequestPtr, c_int], c_int, _check(REQ))
_fn("sslb_client_execute", [ClientPtr, RequestPtr, _outp(ResponsePtr)], c_int,
    _check((1, "sslb_request_last_error")))
_fn("sslb_client_submit", [ClientPtr, RequestPtr, COMPLETION_FN, c_void_p], c_int,
    _check((1, "sslb_request_last_error")))
_fn("sslb_client_cancel", [ClientPtr, RequestPtr], c_int, _check())
_fn("sslb_queue_new", [_outp(QueuePtr)], c_int, _check())
_fn("sslb_queue_free", [QueuePtr], None)
_fn("sslb_client_submit_to_queue", [ClientPtr, RequestPtr, QueuePtr, c_void_p], c_int,
    _check((1, "sslb_request_last_error")))
_fn("sslb_queue_take", [QueuePtr, POINTER(Completion), c_size_t, c_int], c_long, _check())
_fn("sslb_queue_outstanding", [QueuePtr], c_size_t)
_fn("sslb_queue_fd", [QueuePtr], c_int, _check())
_fn("sslb_client_pause", [ClientPtr, RequestPtr], c_int, _check())
_fn("sslb_client_resume", [ClientPtr, RequestPtr], c_int, _check())
_fn("sslb_response_status", [ResponsePtr], c_int)
_fn("sslb_response_http_version", [ResponsePtr], c_char_p)
_fn("sslb_response_header_count", [ResponsePtr], c_size_t)
_fn("sslb_response_header_name", [ResponsePtr, c_size_t], c_char_p)
_fn("sslb_response_header_value", [ResponsePtr, c_size_t], c_char_p)
_fn("sslb_response_header", [ResponsePtr, _str], c_char_p)
_fn("sslb_response_body", [ResponsePtr, POINTER(c_void_p), POINTER(c_size_t)], c_int, _check())
_fn("sslb_response_tls_version", [ResponsePtr], c_char_p)
_fn("sslb_response_tls_cipher", [ResponsePtr], c_char_p)
_fn("sslb_response_alpn", [ResponsePtr], c_char_p)
_fn("sslb_response_peer_chain_length", [ResponsePtr], c_size_t)
_fn("sslb_response_peer_certificate", [ResponsePtr, c_size_t, _outp(CertificatePtr)], c_int,
    _check())
_fn("sslb_response_tls_resumed", [ResponsePtr], c_int)
_fn("sslb_response_free", [ResponsePtr], None)

# ------------------------------------------------------------------ hot path
# Second function objects for the calls every request makes, with plain
# pointer argument types and no errcheck: ctypes converts their arguments in
# C, where the declarations above run Python code (the handle kinds'
# from_param, errcheck) for each. Only the binding's own code calls these,
# with handles it made itself, and checks their results.


def _plain(name: str, argtypes: Sequence[Any], restype: Any = c_int) -> Any:
    f = _lib[name]  # a new function object: the declaration above is kept
    f.argtypes = list(argtypes)
    f.restype = restype
    return f


fast_request_new = _plain("sslb_request_new", [c_void_p, _str, _str])
fast_request_free = _plain("sslb_request_free", [c_void_p], None)
fast_execute = _plain("sslb_client_execute", [c_void_p, c_void_p, c_void_p])
fast_response_status = _plain("sslb_response_status", [c_void_p])
fast_response_body = _plain("sslb_response_body", [c_void_p, c_void_p, c_void_p])
fast_response_free = _plain("sslb_response_free", [c_void_p], None)

# ----------------------------------------------------------------- helpers


def enc(s: Any) -> Optional[bytes]:
    """str / bytes / os.PathLike / None to what a `const char *` takes."""
    if s is None:
        return None
    if isinstance(s, bytes):
        b = s
    elif isinstance(s, str):
        b = s.encode("utf-8")
    elif isinstance(s, os.PathLike):
        b = os.fsencode(s)
    else:
        raise TypeError(f"expected str, bytes or a path, got {type(s).__name__}")
    if b"\0" in b:
        raise _errors.InvalidArgument(-1, "INVALID_ARGUMENT", "a string contains a NUL byte")
    return b


def dec(b: Optional[bytes]) -> Optional[str]:
    return None if b is None else b.decode("utf-8", "replace")


def take_string(p: Any) -> str:
    """Copies and frees a `char *` the library allocated for the caller."""
    if not p:
        return ""
    try:
        return ctypes.string_at(p).decode("utf-8", "replace")
    finally:
        sslb_free(p)  # type: ignore[name-defined]  # noqa: F821


def new_handle(fn: Any, ptrtype: type, *args: Any) -> Any:
    """Calls a constructor `int fn(T **out, args...)` and returns the handle."""
    out = ptrtype()
    fn(ctypes.byref(out), *args)
    return out


def error_name(code: int) -> str:
    return sslb_error_name(code).decode()  # type: ignore[name-defined]  # noqa: F821


def strerror(code: int) -> str:
    return sslb_strerror(code).decode()  # type: ignore[name-defined]  # noqa: F821


_errors._bind(error_name, strerror)
