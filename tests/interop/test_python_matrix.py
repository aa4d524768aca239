"""The Python binding on the core issue's verification matrix (the servers of
test_engines.py): every engine script of examples/python gives the same
verdict as the C engines, and in-process the failure is a
CertificateVerifyError whose .reason, .host and .chain say what was wrong."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import BUILD, PW
from test_engines import ENGINES, matrix, result  # noqa: F401 (the fixture)

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("SSLBIND_LIBRARY", str(BUILD / "libsslbind.so.0"))
sys.path.insert(0, str(ROOT / "bindings" / "python"))
import sslbind  # noqa: E402

OFFSETS = {"+60d": 60 * 86400, "-2d": -2 * 86400}


def test_python_engines_give_the_same_verdict(matrix):  # noqa: F811
    d, cases = matrix
    env = dict(os.environ, SSLBIND_LIBRARY=str(BUILD / "libsslbind.so.0"))
    env.pop("ASAN_OPTIONS", None)
    for name, url, offset, expected in cases:
        got = {}
        for eng in ENGINES:
            cmd = [sys.executable, str(ROOT / "examples" / "python" / f"{eng}.py"), url,
                   str(d / "root.p12"), PW]
            if offset:
                cmd = ["faketime", "-f", offset, *cmd]
            r = result(subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env))
            got[eng] = r.get("status") or r["error"]
        assert set(got.values()) == {expected}, (name, got)


def test_exception_class_reason_host_and_chain(matrix):  # noqa: F811
    d, cases = matrix
    store = sslbind.KeyStore.load(str(d / "root.p12"), PW)
    for name, url, offset, expected in cases:
        b = sslbind.TrustManager.builder().replace_defaults().add_keystore(store)
        if offset:
            b.set_time(time.time() + OFFSETS[offset])
        with sslbind.HttpClient(trust_manager=b.build()) as client:
            if expected == "200":
                assert client.get(url).status == 200
                continue
            with pytest.raises(sslbind.CertificateVerifyError) as e:
                client.get(url)
        err = e.value
        assert err.reason == expected and err.name == expected, (name, err.reason)
        host = url.split("//")[1].rsplit(":", 1)[0].strip("[]")
        assert err.host == host, (name, err.host)
        assert err.chain and err.chain[0]["subject"], (name, err.chain)
        assert isinstance(err, sslbind.TLSError) and isinstance(err, sslbind.SslbindError)
