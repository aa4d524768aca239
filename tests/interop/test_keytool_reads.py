"""Keystores made by the JDK's keytool at test time are read by sslbind
with the same aliases, entry kinds and certificate fingerprints that
`keytool -list -v` reports."""
import pytest

from conftest import keytool, keytool_list, sslb_error, sslb_list

PW = "foobar"
ALIAS_NON_ASCII = "clé-日本"


def make_store(d, storetype):
    ext = {"JKS": "jks", "PKCS12": "p12"}[storetype]
    ks = d / f"store.{ext}"
    ca = d / "ca.p12"
    kt = lambda *a: keytool(*a, "-storepass", PW)
    kt("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-dname", "CN=Interop CA", "-ext", "bc:c",
       "-keystore", ca, "-storetype", "PKCS12")
    kt("-exportcert", "-rfc", "-alias", "ca", "-file", d / "ca.pem", "-keystore", ca)
    # RSA key with a chain of two (signed by the CA)
    kt("-genkeypair", "-alias", "rsa-server", "-keyalg", "RSA", "-keysize", "2048",
       "-dname", "CN=localhost", "-keystore", ks, "-storetype", storetype)
    kt("-certreq", "-alias", "rsa-server", "-file", d / "req.csr", "-keystore", ks)
    kt("-gencert", "-alias", "ca", "-infile", d / "req.csr", "-outfile", d / "signed.pem", "-rfc",
       "-ext", "san=dns:localhost,ip:127.0.0.1", "-keystore", ca)
    kt("-importcert", "-noprompt", "-alias", "ca", "-file", d / "ca.pem", "-keystore", ks,
       "-storetype", storetype)
    kt("-importcert", "-noprompt", "-alias", "rsa-server", "-file", d / "signed.pem",
       "-keystore", ks)
    # EC key, self-signed
    kt("-genkeypair", "-alias", "ec-client", "-keyalg", "EC", "-dname", "CN=client",
       "-keystore", ks, "-storetype", storetype)
    # trusted certificate under a non-ASCII alias
    kt("-importcert", "-noprompt", "-alias", ALIAS_NON_ASCII, "-file", d / "ca.pem",
       "-keystore", ks, "-storetype", storetype)
    if storetype == "JKS":
        # a key whose password differs from the store password
        kt("-genkeypair", "-alias", "other-pw", "-keyalg", "EC", "-dname", "CN=other",
           "-keystore", ks, "-storetype", storetype, "-keypass", "otherpw")
    return ks


@pytest.mark.parametrize("storetype", ["JKS", "PKCS12"])
def test_same_entries_as_keytool(tmp_path, storetype):
    ks = make_store(tmp_path, storetype)
    expected = keytool_list(ks, PW)
    unlock = ["other-pw=otherpw"] if storetype == "JKS" else []
    fmt, got = sslb_list(ks, PW, unlock)
    assert fmt == storetype
    assert set(got) == set(expected)
    assert ALIAS_NON_ASCII in got
    for alias, (kind, fps) in expected.items():
        assert got[alias]["kind"] == kind, alias
        assert [c["sha256"] for c in got[alias]["chain"]] == fps, alias
        assert not got[alias]["locked"], alias
    assert len(got["rsa-server"]["chain"]) == 2
    assert got["rsa-server"]["alg"] == "RSA" and got["ec-client"]["alg"] == "EC"
    assert "IP:127.0.0.1" in got["rsa-server"]["chain"][0]["sans"]


def test_key_password_differs(tmp_path):
    ks = make_store(tmp_path, "JKS")
    _, got = sslb_list(ks, PW)
    assert got["other-pw"]["locked"] and not got["ec-client"]["locked"]
    code, msg = sslb_error("list", ks, "--password", PW, "--unlock", "other-pw=wrong")
    assert code == "BAD_KEY_PASSWORD" and "other-pw" in msg


@pytest.mark.parametrize("storetype", ["JKS", "PKCS12"])
def test_wrong_password(tmp_path, storetype):
    ks = make_store(tmp_path, storetype)
    code, msg = sslb_error("list", ks, "--password", "not-" + PW)
    assert code == "BAD_PASSWORD"
    assert "not-" + PW not in msg and PW not in msg


def test_format_sniffed_not_named(tmp_path):
    # keytool writes PKCS#12 by default; call the file keystore.jks
    ks = tmp_path / "keystore.jks"
    keytool("-genkeypair", "-alias", "sampleAlias", "-keyalg", "EC", "-dname", "CN=localhost",
            "-keystore", ks, "-storepass", PW)
    fmt, got = sslb_list(ks, PW)
    assert fmt == "PKCS12" and set(got) == {"samplealias"}


def test_jceks(tmp_path):
    ks = tmp_path / "s.jceks"
    kt = lambda *a: keytool(*a, "-keystore", ks, "-storetype", "JCEKS", "-storepass", PW)
    kt("-genkeypair", "-alias", "k", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=j")
    kt("-genseckey", "-alias", "s", "-keyalg", "AES", "-keysize", "256")
    fmt, got = sslb_list(ks, PW)
    assert fmt == "JCEKS"
    assert got["k"]["kind"] == "PrivateKeyEntry" and not got["k"]["locked"]
    assert got["s"]["kind"] == "SecretKeyEntry" and got["s"]["chain"] == []
    expected = keytool_list(ks, PW)
    assert [c["sha256"] for c in got["k"]["chain"]] == expected["k"][1]
