"""HTTP/2 client conformance: h2specd (h2spec's client mode, built here
from Go modules) plays a server that misbehaves in each of its 57 ways —
bad SETTINGS, oversized frames, HPACK errors, flow-control violations,
stream-ID misuse, broken CONTINUATION — and judges what sslb-get does
about it (the connection error it must send, or the frame it must
ignore). Strict mode; every case must pass."""
import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import BUILD

H2SPEC = "github.com/summerwind/h2spec/cmd/h2specd@v2.2.1+incompatible"


def go_binary():
    for cand in (shutil.which("go"), "/usr/local/go/bin/go", "/usr/lib/go/bin/go"):
        if cand and Path(cand).exists():
            return cand
    pytest.fail("Go is required to build h2specd (scripts/bootstrap installs it)")


@pytest.fixture(scope="module")
def h2specd():
    out = BUILD / "h2spec-bin"
    exe = out / "h2specd"
    if not exe.exists():
        out.mkdir(exist_ok=True)
        env = dict(os.environ, GOBIN=str(out), GOFLAGS="-mod=mod")
        p = subprocess.run([go_binary(), "install", H2SPEC], env=env, capture_output=True,
                           text=True, timeout=900)
        assert p.returncode == 0 and exe.exists(), p.stderr[-2000:]
    return exe


def split_pem(d, tmp):
    """h2specd wants the certificate and the key in files of their own."""
    text = (d / "server.pem").read_text()
    cert = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", text, re.S)
    key = re.search(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----",
                    text, re.S)
    (tmp / "h2spec.crt").write_text(cert.group(0) + "\n")
    (tmp / "h2spec.key").write_text(key.group(0) + "\n")
    return tmp / "h2spec.crt", tmp / "h2spec.key"


def test_h2spec_client_suite_passes_in_full(h2specd, pki, tmp_path):
    d, _ = pki
    crt, key = split_pem(d, tmp_path)
    client = (f"{BUILD / 'sslb-get'} --cacert {d / 'ca.pem'} --http2 "
              f"--connect-timeout 2000 --max-time 2500")
    for attempt in range(3):
        # each case listens on a port of its own, counting up from here
        base = random.randrange(20000, 29000)
        p = subprocess.run([str(h2specd), "-S", "-t", "-h", "localhost", "-f", str(base),
                            "-c", str(crt), "-k", str(key), "-e", client],
                           capture_output=True, text=True, timeout=600)
        if "address already in use" not in p.stdout + p.stderr:
            break
    m = re.search(r"(\d+) tests, (\d+) passed, (\d+) skipped, (\d+) failed", p.stdout)
    assert m, p.stdout[-3000:] + p.stderr[-1000:]
    total, passed, skipped, failed = map(int, m.groups())
    print(f"h2spec (client, strict): {passed}/{total} passed")
    assert total >= 57 and passed == total and failed == 0 and skipped == 0, \
        "\n".join(line for line in p.stdout.splitlines() if "×" in line or "Error" in line)
