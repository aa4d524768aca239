"""The ctypes layer: every public C function is declared, handle types are
distinct, every error code maps to its exception, the library is found and
its version checked."""
import builtins
import ctypes
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sslbind
from sslbind import _ffi, errors
from conftest import HERE, REPO

HEADER = REPO / "include" / "sslbind" / "sslbind.h"


def header_functions():
    src = re.sub(r"/\*.*?\*/", "", HEADER.read_text(), flags=re.S)
    return set(re.findall(r"SSLB_EXTERN[^;(]*?\b(sslb_\w+)\s*\(", src, re.S))


def header_error_map():
    src = HEADER.read_text()
    return {name: int(code) for name, code in re.findall(r"XX\((\w+), (-\d+),", src)}


def test_every_public_function_is_declared_once():
    declared = _ffi.declared_functions()
    assert len(declared) == len(set(declared))
    public = header_functions()
    assert len(public) > 150
    assert set(declared) == public, (sorted(public - set(declared)),
                                     sorted(set(declared) - public))
    for name in public:
        f = getattr(_ffi, name)
        assert f.argtypes is not None, name


def test_every_function_with_an_int_code_has_an_errcheck():
    """Functions documented to return SSLB_ERR_* codes raise instead."""
    unchecked = {"sslb_error_name", "sslb_strerror", "sslb_keystore_format",
                 "sslb_keystore_sniff", "sslb_certificate_is_ca", "sslb_trust_manager_is_insecure",
                 "sslb_trust_manager_verify", "sslb_engine_kind", "sslb_response_status",
                 "sslb_response_tls_resumed"}
    for name in _ffi.declared_functions():
        f = getattr(_ffi, name)
        if f.restype is ctypes.c_int and name not in unchecked:
            assert getattr(f, "errcheck", None) is not None, name


def test_version_is_checked_and_reported():
    assert sslbind.VERSION_NUMBER >> 16 == 0
    assert sslbind.version() == sslbind.VERSION
    assert re.match(r"\d+\.\d+\.\d+$", sslbind.VERSION)
    assert os.path.samefile(sslbind.LIBRARY_PATH, os.environ["SSLBIND_LIBRARY"])


def test_handle_types_are_distinct():
    ks = sslbind.KeyStore()
    with pytest.raises(ctypes.ArgumentError):
        _ffi.sslb_trust_manager_anchor_count(ks._p)  # a keystore is no trust manager
    with pytest.raises(ctypes.ArgumentError):
        _ffi.sslb_keystore_size(12345)  # nor is an int
    assert _ffi.sslb_keystore_size(None) == 0  # NULL is refused by C, not a crash
    with pytest.raises(sslbind.InvalidArgument):
        _ffi.sslb_keystore_load_file(None, b"x", None)
    ks.close()


def test_every_error_code_maps_to_its_class():
    table = header_error_map()
    assert len(table) >= 40
    for name, code in table.items():
        assert _ffi.error_name(code) == name
        assert name in errors.CODES, name
        e = errors.error_for(code, "detail")
        assert isinstance(e, errors.SslbindError)
        assert (e.code, e.name, e.message) == (code, name, "detail")
        assert str(e) == f"{name}: detail"
        if name.startswith("CERT_"):
            assert isinstance(e, errors.CertificateVerifyError) and e.reason == name
        if -23 <= code <= -10:
            assert isinstance(e, errors.KeystoreError), name
    assert isinstance(errors.error_for(-1), ValueError)
    assert isinstance(errors.error_for(-54), builtins.TimeoutError)
    for name in ("CONNECT", "CONNECTION_CLOSED", "RESOLVE"):
        assert isinstance(errors.error_for(table[name]), builtins.ConnectionError)
        assert isinstance(errors.error_for(table[name]), sslbind.ConnectionError)
    for name in ("BAD_PASSWORD", "BAD_KEY_PASSWORD"):
        assert isinstance(errors.error_for(table[name]), sslbind.BadPassword)
    assert not isinstance(errors.error_for(table["KEYSTORE_INTEGRITY"]), sslbind.BadPassword)
    assert type(errors.error_for(table["PROTOCOL"])) is sslbind.ProtocolError
    assert type(errors.error_for(table["TLS"])) is sslbind.TLSError
    assert type(errors.error_for(table["TOO_LARGE"])) is sslbind.TooLargeError
    assert type(errors.error_for(table["CANCELLED"])) is sslbind.CancelledError
    assert type(errors.error_for(table["UNSUPPORTED"])) is sslbind.UnsupportedError
    # an empty message falls back to the code's description
    assert errors.error_for(-13).message == _ffi.strerror(-13)
    # a code appended later still gets the base class
    assert type(errors.error_for(-999)) is sslbind.SslbindError


def test_errors_pickle_and_keep_their_fields():
    import pickle
    e = errors.error_for(-54, "slow")
    e2 = pickle.loads(pickle.dumps(e))
    assert type(e2) is type(e) and (e2.code, e2.name, e2.message) == (-54, "TIMEOUT", "slow")


def _import_with(env_value):
    env = dict(os.environ, SSLBIND_LIBRARY=env_value)
    return subprocess.run([sys.executable, "-c", "import sslbind"], cwd=HERE.parent, env=env,
                          capture_output=True, text=True, timeout=60)


def test_a_missing_library_is_a_clear_import_error(tmp_path):
    p = _import_with(str(tmp_path / "nope.so"))
    assert p.returncode != 0
    assert "ImportError" in p.stderr and "SSLBIND_LIBRARY" in p.stderr


def test_a_library_with_another_major_version_is_refused(tmp_path):
    """A stand-in library whose sslb_version_number says 1.0.0: refused
    before any other symbol is looked up."""
    src = tmp_path / "fake.c"
    src.write_text('unsigned sslb_version_number(void) { return 1u << 16; }\n'
                   'const char *sslb_version(void) { return "1.0.0"; }\n'
                   'const char *sslb_error_name(int c) { (void)c; return "X"; }\n'
                   'const char *sslb_strerror(int c) { (void)c; return "X"; }\n')
    so = tmp_path / "libfake.so"
    if subprocess.run(["cc", "-shared", "-fPIC", "-o", str(so), str(src)]).returncode != 0:
        pytest.skip("no C compiler")
    p = _import_with(str(so))
    assert p.returncode != 0
    assert "ImportError" in p.stderr, p.stderr
    assert "version 1.0.0" in p.stderr and "needs major 0" in p.stderr, p.stderr


def test_a_library_next_to_the_package_is_found(tmp_path):
    import shutil
    pkg = tmp_path / "sslbind"
    shutil.copytree(HERE.parent / "sslbind", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(os.environ["SSLBIND_LIBRARY"], pkg / "libsslbind.so.0")
    env = {k: v for k, v in os.environ.items() if k != "SSLBIND_LIBRARY"}
    p = subprocess.run([sys.executable, "-c", "import sslbind; print(sslbind.LIBRARY_PATH)"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == str(pkg / "libsslbind.so.0")
