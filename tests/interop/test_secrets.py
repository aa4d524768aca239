"""Passwords never leave in words: every command of sslbind that takes a
password or a key password is run with the right one and with wrong ones,
on every keystore format, through every way it fails, and nothing it prints
(standard output, standard error) contains either. The Python and Node
bindings' suites check their exceptions the same way."""
import subprocess

import pytest

from conftest import BUILD

CLI = BUILD / "sslbind"
SECRET = "Sq7-store-secret-Zx"      # the keystores' password
KEY_SECRET = "Kq9-key-secret-Wv"    # a separate key password
WRONG = "Wr0ng-guess-Pq5"           # what a user mistypes
LEAKS = (SECRET, KEY_SECRET, WRONG)


def run(*args):
    p = subprocess.run([str(CLI), *map(str, args)], capture_output=True, timeout=120)
    text = (p.stdout + p.stderr).decode(errors="replace")
    for s in LEAKS:
        assert s not in text, f"{args[:3]}: the output contains a password:\n{text[-500:]}"
    return p


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    d = tmp_path_factory.mktemp("secrets")
    run("keystore", "generate", d / "ca.p12", "--alias", "ca", "--ca", "--password", SECRET)
    out = {}
    for fmt in ("pkcs12", "jks", "pem"):
        f = d / f"server.{fmt}"
        p = run("keystore", "generate", f, "--alias", "server", "--password", SECRET,
                "--key-password", KEY_SECRET if fmt == "jks" else SECRET,
                "--sign-with", f"{d / 'ca.p12'}:ca", "--format", fmt)
        assert p.returncode == 0, p.stderr
        out[fmt] = f
    p = run("keystore", "export", d / "ca.p12", "ca", d / "ca.pem", "--password", SECRET)
    assert p.returncode == 0
    return d, out


@pytest.mark.parametrize("fmt", ["pkcs12", "jks", "pem"])
@pytest.mark.parametrize("password", [SECRET, WRONG, ""])
def test_keystore_commands_never_print_a_password(stores, fmt, password):
    d, files = stores
    f = files[fmt]
    pw = ["--password", password] if password else []
    run("keystore", "list", f, *pw, "-v")
    run("keystore", "list", f, *pw, "--unlock", f"server={WRONG}")
    run("keystore", "list", f, *pw, "--unlock", f"server={KEY_SECRET}", "--tsv")
    run("keystore", "pin", f, *pw)
    run("keystore", "export", f, "server", d / f"out-{fmt}.pem", *pw)
    run("keystore", "export", f, "no-such-alias", d / f"none-{fmt}.pem", *pw)
    run("keystore", "convert", f, d / f"conv-{fmt}.p12", *pw, "--out-password", WRONG)
    run("keystore", "convert", f, d / f"conv-{fmt}.jks", *pw, "--format", "jks",
        "--out-password", SECRET)
    run("keystore", "generate", d / f"gen-{fmt}.p12", "--alias", "x", "--password", password
        or WRONG, "--sign-with", f"{f}:server")


@pytest.mark.parametrize("fmt", ["pkcs12", "jks"])
def test_client_identity_and_trust_never_print_a_password(stores, fmt):
    """The request fails (nothing listens on port 1), after the keystores
    were opened, or while opening them."""
    d, files = stores
    f = files[fmt]
    for store_pw in (SECRET, WRONG):
        for key_pw in (KEY_SECRET, WRONG, SECRET):
            run("get", "https://127.0.0.1:1/", "--cacert", d / "ca.pem", "--identity-keystore",
                f, "--identity-password", store_pw, "--key-password", key_pw,
                "--timeout", 2, "-v")
        run("get", "https://127.0.0.1:1/", "--keystore", f, "--password", store_pw,
            "--timeout", 2, "-v")
        run("verify", "127.0.0.1:1", "--keystore", f, "--password", store_pw)
