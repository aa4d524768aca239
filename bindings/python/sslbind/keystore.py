"""Keystores (sslb_keystore): JKS, JCEKS, PKCS#12, PEM and DER, read and
written by sslbind itself, and Ktor's ``buildKeyStore { certificate(...) }``."""
from __future__ import annotations

import ctypes
import datetime
import ipaddress
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from . import _ffi
from ._handle import Handle
from .certificate import Certificate

__all__ = ["KeyStore", "KeystoreEntry", "CertificateSpec", "generate_certificate", "FORMATS"]

#: Format names (case-insensitive; "P12"/"PFX" are PKCS12) and their codes.
FORMATS = {"UNKNOWN": 0, "JKS": 1, "JCEKS": 2, "PKCS12": 3, "PEM": 4, "DER": 5}
_FORMAT_ALIASES = {"P12": "PKCS12", "PFX": "PKCS12", "PKCS#12": "PKCS12"}
_KINDS = {1: "private_key", 2: "trusted_cert", 3: "secret_key"}
_KEY_TYPES = {"server": 0, "client": 1, "ca": 2}
_KEY_ALGORITHMS = {"ec_p256": 0, "ec_p384": 1, "rsa": 2, "ed25519": 3,
                   "ec": 0, "p256": 0, "p384": 1}

PathOrBytes = Union[str, bytes, bytearray, memoryview, "os.PathLike[str]"]


def format_code(fmt: Union[str, int]) -> int:
    if isinstance(fmt, int):
        return fmt
    name = fmt.upper()
    name = _FORMAT_ALIASES.get(name, name)
    if name not in FORMATS:
        raise ValueError(f"unknown keystore format {fmt!r}: one of JKS, PKCS12, PEM")
    return FORMATS[name]


def format_name(code: int) -> str:
    return _ffi.sslb_keystore_format_name(code).decode()


@dataclass(frozen=True)
class KeystoreEntry:
    """One entry: ``kind`` is "private_key", "trusted_cert" or "secret_key";
    ``chain`` the certificates, leaf first (empty for a secret key)."""

    alias: str
    kind: str
    chain: List[Certificate] = field(repr=False)
    created: Optional[datetime.datetime]
    algorithm: str
    locked: bool

    @property
    def certificate(self) -> Optional[Certificate]:
        return self.chain[0] if self.chain else None


class KeyStore(Handle):
    """A keystore: ordered entries with unique (case-insensitive) aliases.

    ``KeyStore()`` is empty; :meth:`load` reads a file or bytes (the format is
    sniffed); :meth:`build` generates certificates as Ktor's buildKeyStore.
    Not safe to modify from one thread while another uses it."""

    _kind = "keystore"

    def __init__(self, _ptr: Any = None) -> None:
        if _ptr is None:
            _ptr = _ffi.new_handle(_ffi.sslb_keystore_new, _ffi.KeystorePtr)
        super().__init__(_ptr, _ffi.sslb_keystore_free)

    # --------------------------------------------------------------- loading
    @classmethod
    def load(cls, source: PathOrBytes, password: Optional[str] = None) -> "KeyStore":
        """Reads a keystore from a path or from bytes. ``password`` checks the
        store's integrity and decrypts keys that share it; None skips the
        JKS/JCEKS integrity check (as Java does). Raises KeystoreError
        (BadPassword for a wrong password), FileError for an unreadable file."""
        ks = cls()
        try:
            ks._load(source, password)
        except BaseException:
            ks.close()
            raise
        return ks

    def _load(self, source: PathOrBytes, password: Optional[str]) -> None:
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
            _ffi.sslb_keystore_load(self._p, data, len(data), _ffi.enc(password))
        else:
            _ffi.sslb_keystore_load_file(self._p, _ffi.enc(source), _ffi.enc(password))

    @staticmethod
    def sniff(data: bytes) -> str:
        """The container format of some bytes: "JKS", "PKCS12", ... "unknown"."""
        data = bytes(data)
        return format_name(_ffi.sslb_keystore_sniff(data, len(data)))

    @property
    def format(self) -> str:
        """The format the store was last loaded from ("unknown" if none)."""
        return format_name(_ffi.sslb_keystore_format(self._p))

    # --------------------------------------------------------------- entries
    def __len__(self) -> int:
        return int(_ffi.sslb_keystore_size(self._p))

    def _index(self, alias: str) -> int:
        i = ctypes.c_size_t()
        _ffi.sslb_keystore_find(self._p, _ffi.enc(alias), ctypes.byref(i))
        return i.value

    def __contains__(self, alias: object) -> bool:
        if not isinstance(alias, str):
            return False
        from .errors import EntryNotFound
        try:
            self._index(alias)
            return True
        except EntryNotFound:
            return False

    def _entry(self, i: int) -> KeystoreEntry:
        p = self._p
        n = _ffi.sslb_keystore_entry_chain_length(p, i)
        chain = []
        for pos in range(n):
            chain.append(Certificate(_ffi.new_handle(
                lambda out: _ffi.sslb_keystore_entry_certificate(p, i, pos, out),
                _ffi.CertificatePtr)))
        created_ms = _ffi.sslb_keystore_entry_created(p, i)
        created = (datetime.datetime.fromtimestamp(created_ms / 1000, datetime.timezone.utc)
                   if created_ms >= 0 else None)
        kind = _ffi.sslb_keystore_entry_kind(p, i)
        return KeystoreEntry(
            alias=_ffi.dec(_ffi.sslb_keystore_entry_alias(p, i)) or "",
            kind=_KINDS.get(kind, str(kind)), chain=chain, created=created,
            algorithm=_ffi.dec(_ffi.sslb_keystore_entry_algorithm(p, i)) or "",
            locked=_ffi.sslb_keystore_entry_locked(p, i) == 1)

    @property
    def entries(self) -> List[KeystoreEntry]:
        """Every entry, in store order."""
        return [self._entry(i) for i in range(len(self))]

    def __iter__(self) -> Iterator[KeystoreEntry]:
        return iter(self.entries)

    def __getitem__(self, alias: str) -> KeystoreEntry:
        """The entry of an alias (KeyError-compatible EntryNotFound if none)."""
        return self._entry(self._index(alias))

    @property
    def aliases(self) -> List[str]:
        p = self._p
        return [_ffi.dec(_ffi.sslb_keystore_entry_alias(p, i)) or ""
                for i in range(len(self))]

    # ----------------------------------------------------------- modifying
    def unlock_key(self, alias: str, key_password: str) -> None:
        """Decrypts a key whose password differs from the store's."""
        _ffi.sslb_keystore_unlock_key(self._p, _ffi.enc(alias), _ffi.enc(key_password))

    def set_key_password(self, alias: str, key_password: Optional[str]) -> None:
        """The password protecting one key when saved (None: the store's)."""
        _ffi.sslb_keystore_set_key_password(self._p, _ffi.enc(alias), _ffi.enc(key_password))

    def add_certificate(self, alias: str, data: Union[bytes, Certificate]) -> None:
        """Adds a trusted-certificate entry from DER/PEM bytes or a Certificate."""
        if isinstance(data, Certificate):
            data = data.der
        data = bytes(data)
        _ffi.sslb_keystore_add_certificate(self._p, _ffi.enc(alias), data, len(data))

    def add_private_key(self, alias: str, key: bytes, chain: bytes,
                        key_password: Optional[str] = None) -> None:
        """Adds a private key (PKCS#8 or traditional, DER or PEM, maybe
        encrypted with key_password) with its chain (PEM bundle or one DER)."""
        key, chain = bytes(key), bytes(chain)
        _ffi.sslb_keystore_add_private_key(self._p, _ffi.enc(alias), key, len(key),
                                           _ffi.enc(key_password), chain, len(chain))

    def remove(self, alias: str) -> None:
        _ffi.sslb_keystore_remove(self._p, _ffi.enc(alias))

    def __delitem__(self, alias: str) -> None:
        self.remove(alias)

    # -------------------------------------------------------------- saving
    def dumps(self, format: Union[str, int] = "PKCS12", password: Optional[str] = None) -> bytes:
        """Serialises the store (PKCS12 by default; JKS for Java peers; PEM)."""
        out = ctypes.c_void_p()
        n = ctypes.c_size_t()
        _ffi.sslb_keystore_save(self._p, format_code(format), _ffi.enc(password),
                                ctypes.byref(out), ctypes.byref(n))
        try:
            return ctypes.string_at(out, n.value)
        finally:
            _ffi.sslb_free(out)

    def save(self, path: Union[str, "os.PathLike[str]"], format: Union[str, int] = "PKCS12",
             password: Optional[str] = None) -> None:
        """Writes the store to a file, atomically and with mode 0600."""
        _ffi.sslb_keystore_save_file(self._p, _ffi.enc(path), format_code(format),
                                     _ffi.enc(password))

    # ------------------------------------------------------------ generating
    def generate(self, alias: str, spec: Optional["CertificateSpec"] = None,
                 **kwargs: Any) -> None:
        """Generates a key and certificate into this store (Ktor's
        ``certificate(alias) { ... }``); kwargs as CertificateSpec's."""
        if spec is None:
            spec = CertificateSpec(alias, **kwargs)
        with spec._c_spec() as s:
            _ffi.sslb_keystore_generate(self._p, _ffi.enc(alias), s._p)

    @classmethod
    def build(cls, *specs: "CertificateSpec", **certificates: Any) -> "KeyStore":
        """Ktor's ``buildKeyStore { certificate("sampleAlias") { ... } }``::

            KeyStore.build(CertificateSpec("sampleAlias", password="foobar",
                                           domains=["127.0.0.1", "0.0.0.0", "localhost"]))
            KeyStore.build(sampleAlias=dict(password="foobar", domains=["localhost"]))

        Each certificate becomes a private-key entry; its password is the
        entry's key password."""
        ks = cls()
        try:
            for spec in specs:
                ks.generate(spec.alias, spec)
            for alias, kw in certificates.items():
                ks.generate(alias, CertificateSpec(alias, **kw))
        except BaseException:
            ks.close()
            raise
        return ks

    def __repr__(self) -> str:
        if self.closed:
            return "<KeyStore (closed)>"
        return f"<KeyStore {self.format} {self.aliases}>"


class _CSpec(Handle):
    _kind = "certificate spec"


@dataclass
class CertificateSpec:
    """Ktor's ``certificate(alias) { ... }`` block.

    ``domains`` are DNS names; IP literals among them (Ktor's page lists
    "127.0.0.1" and "0.0.0.0" there) become IP address SANs. ``key_type`` is
    "server" (default), "client" or "ca"; ``key_algorithm`` "ec_p256"
    (default), "ec_p384", "rsa" (with ``key_size`` >= 2048) or "ed25519".
    ``sign_with`` is (keystore, alias) or (keystore, alias, key_password)
    (Ktor's signWith); without it the certificate is self-signed. Defaults
    are sslbind's: 3 days, subject CN=localhost, and a server certificate
    with no names gets localhost, 127.0.0.1 and ::1."""

    alias: str = "mykey"
    password: Optional[str] = None
    domains: Sequence[str] = ()
    ip_addresses: Sequence[str] = ()
    subject: Optional[str] = None
    key_type: str = "server"
    key_algorithm: str = "ec_p256"
    key_size: Optional[int] = None
    days_valid: Optional[int] = None
    sign_with: Optional[Tuple[Any, ...]] = None

    def _c_spec(self) -> _CSpec:
        s = _CSpec(_ffi.new_handle(_ffi.sslb_cert_spec_new, _ffi.CertSpecPtr),
                   _ffi.sslb_cert_spec_free)
        try:
            p = s._p
            if self.key_type.lower() not in _KEY_TYPES:
                raise ValueError(f"key_type must be one of {sorted(_KEY_TYPES)}")
            _ffi.sslb_cert_spec_set_key_type(p, _KEY_TYPES[self.key_type.lower()])
            alg = self.key_algorithm.lower().replace("-", "_")
            if alg not in _KEY_ALGORITHMS:
                raise ValueError("key_algorithm must be ec_p256, ec_p384, rsa or ed25519")
            _ffi.sslb_cert_spec_set_key_algorithm(p, _KEY_ALGORITHMS[alg])
            if self.key_size is not None:
                _ffi.sslb_cert_spec_set_key_size(p, self.key_size)
            if self.subject is not None:
                _ffi.sslb_cert_spec_set_subject(p, _ffi.enc(self.subject))
            ips = list(self.ip_addresses)
            for d in self.domains:
                try:
                    ipaddress.ip_address(d)
                    ips.append(d)
                except ValueError:
                    _ffi.sslb_cert_spec_add_domain(p, _ffi.enc(d))
            for ip in ips:
                _ffi.sslb_cert_spec_add_ip_address(p, _ffi.enc(ip))
            if self.days_valid is not None:
                _ffi.sslb_cert_spec_set_days_valid(p, self.days_valid)
            if self.password is not None:
                _ffi.sslb_cert_spec_set_password(p, _ffi.enc(self.password))
            if self.sign_with is not None:
                issuer, alias, *rest = self.sign_with
                _ffi.sslb_cert_spec_sign_with(p, issuer._p, _ffi.enc(alias),
                                              _ffi.enc(rest[0] if rest else None))
        except BaseException:
            s.close()
            raise
        return s


def generate_certificate(path: Union[str, "os.PathLike[str]"], *, format: str = "JKS",
                         alias: str = "mykey", key_password: Optional[str] = None,
                         store_password: str = "changeit",
                         spec: Optional[CertificateSpec] = None) -> None:
    """Ktor's ``generateCertificate(file, ...)``: one self-signed entry written
    to a new keystore file (JKS by default, as Ktor)."""
    if spec is None:
        _ffi.sslb_generate_certificate(_ffi.enc(path), format_code(format), _ffi.enc(alias),
                                       _ffi.enc(key_password), _ffi.enc(store_password), None)
        return
    with spec._c_spec() as s:
        _ffi.sslb_generate_certificate(_ffi.enc(path), format_code(format), _ffi.enc(alias),
                                       _ffi.enc(key_password), _ffi.enc(store_password), s._p)
