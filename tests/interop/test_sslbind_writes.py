"""Stores written by sslbind are read by keytool, pyjks and certtool."""
import hashlib

import jks
import pytest

from conftest import keytool, keytool_list, run, sk, sslb_list

PW = "foobar"


def build_stores(d):
    """A CA, a server signed by it, and a store holding the server key with
    its chain plus the CA as a trusted entry; written as PKCS12 and JKS."""
    sk("generate", d / "ca.p12", "--alias", "ca", "--type", "ca", "--subject", "CN=sslbind CA",
       "--days", "30", "--password", PW)
    sk("generate", d / "server.p12", "--alias", "server", "--domain", "localhost",
       "--ip", "127.0.0.1", "--ip", "::1", "--alg", "rsa", "--days", "30",
       "--sign-with", f"{d / 'ca.p12'}:ca", "--password", PW)
    sk("export", d / "ca.p12", "ca", d / "ca.pem", "--password", PW)
    sk("convert", d / "server.p12", d / "out.p12", "--password", PW, "--add-cert",
       f"trusted-ca={d / 'ca.pem'}")
    sk("convert", d / "out.p12", d / "out.jks", "--format", "jks", "--password", PW)
    return d / "out.p12", d / "out.jks"


@pytest.mark.parametrize("which", ["p12", "jks"])
def test_keytool_lists_sslbind_stores(tmp_path, which):
    p12, jks_path = build_stores(tmp_path)
    path = p12 if which == "p12" else jks_path
    _, ours = sslb_list(path, PW)
    theirs = keytool_list(path, PW)
    assert set(theirs) == {"server", "trusted-ca"}
    for alias, (kind, fps) in theirs.items():
        assert ours[alias]["kind"] == kind
        assert [c["sha256"] for c in ours[alias]["chain"]] == fps
    assert len(theirs["server"][1]) == 2
    bad = keytool("-list", "-keystore", path, "-storepass", "wrong-pw", check=False)
    assert bad.returncode != 0 and "password was incorrect" in bad.stdout + bad.stderr
    # keytool can decrypt the key: a full import needs it
    imp = keytool("-importkeystore", "-srckeystore", path, "-srcstorepass", PW,
                  "-destkeystore", tmp_path / "copy.p12", "-deststorepass", PW)
    assert "2 entries successfully imported" in imp.stdout + imp.stderr


def test_pyjks_reads_sslbind_jks(tmp_path):
    _, jks_path = build_stores(tmp_path)
    store = jks.KeyStore.load(str(jks_path), PW)
    assert store.store_type == "jks"
    assert set(store.private_keys) == {"server"}
    assert set(store.certs) == {"trusted-ca"}
    _, ours = sslb_list(jks_path, PW)
    pk = store.private_keys["server"]
    assert pk.is_decrypted()
    assert [hashlib.sha256(c[1]).hexdigest() for c in pk.cert_chain] == [
        c["sha256"].replace(":", "").lower() for c in ours["server"]["chain"]]
    ca = store.certs["trusted-ca"]
    assert hashlib.sha256(ca.cert).hexdigest() == \
        ours["trusted-ca"]["chain"][0]["sha256"].replace(":", "").lower()
    # wrong password is refused by pyjks too
    with pytest.raises(Exception):
        jks.KeyStore.load(str(jks_path), "wrong-pw")


def test_certtool_reads_sslbind_p12(tmp_path):
    p12, _ = build_stores(tmp_path)
    ok = run("certtool", "--p12-info", "--inder", "--infile", p12, "--password", PW)
    out = ok.stdout + ok.stderr
    assert "Friendly name: server" in out and "Friendly name: trusted-ca" in out
    assert "PKCS #8 Encrypted key" in out and "MAC: SHA256" in out
    bad = run("certtool", "--p12-info", "--inder", "--infile", p12, "--password", "wrong-pw",
              check=False)
    assert bad.returncode != 0


def test_password_less_pkcs12_for_java(tmp_path):
    """A trust-only PKCS#12 saved without password (the JDK 18+ cacerts
    form) is listed by keytool with any password."""
    build_stores(tmp_path)
    sk("convert", tmp_path / "ca.pem", tmp_path / "trust.p12", "--no-out-password")
    theirs = keytool_list(tmp_path / "trust.p12", "anything")
    assert list(theirs.values())[0][0] == "trustedCertEntry"
