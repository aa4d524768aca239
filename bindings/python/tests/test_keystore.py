"""KeyStore, Certificate, CertificateSpec (Ktor's buildKeyStore) and the
keystore errors: what keytool made is read as keytool lists it; what
sslbind writes, keytool reads; wrong passwords and bad bytes raise the right
class without the password in the message."""
import datetime
import re

import pytest

import sslbind
from conftest import PW, keytool


def keytool_sha256(path, password):
    out = keytool("-list", "-v", "-keystore", path, "-storepass", password).stdout
    return re.findall(r"SHA256: (\S+)", out)


def test_load_keytool_jks_by_path_and_bytes(pki):
    path = pki / "keystore.jks"
    for src in (path, str(path), path.read_bytes()):
        with sslbind.KeyStore.load(src, PW) as ks:
            assert ks.format == "JKS"
            assert len(ks) == 1 and ks.aliases == ["samplealias"]  # JKS stores lower case
            (e,) = ks.entries
            assert e.kind == "private_key" and not e.locked and e.algorithm == "EC"
            assert isinstance(e.created, datetime.datetime)
            cert = e.chain[0]
            assert cert.subject == "CN=localhost,O=Ktor page"
            assert cert.issuer == cert.subject
            assert cert.sans == [("DNS", "localhost"), ("IP", "127.0.0.1")]
            assert cert.sha256_fingerprint == keytool_sha256(path, PW)[0]
            assert cert.spki_pin.startswith("sha256/") and len(cert.spki_pin) == 51
            assert cert.not_before < datetime.datetime.now(datetime.timezone.utc) < cert.not_after
            assert re.fullmatch(r"[0-9a-f]+", cert.serial)
            assert cert.key_algorithm == "EC" and cert.key_bits == 256
            assert cert.pem().startswith("-----BEGIN CERTIFICATE-----")
            assert sslbind.Certificate.load(cert.pem()) == cert
            assert sslbind.Certificate.load(cert.der).sha256_fingerprint == cert.sha256_fingerprint
            assert "sampleAlias" in ks and "SAMPLEALIAS" in ks and "other" not in ks
            assert ks["samplealias"].chain[0] == cert


def test_entries_and_certificates_outlive_the_store(pki):
    ks = sslbind.KeyStore.load(pki / "keystore.jks", PW)
    cert = ks.entries[0].chain[0]
    ks.close()
    assert ks.closed
    assert cert.subject.startswith("CN=localhost")  # its own reference
    with pytest.raises(ValueError):
        len(ks)


def test_save_then_keytool_reads_it(pki, tmp_path):
    ks = sslbind.KeyStore.load(pki / "keystore.jks", PW)
    for fmt in ("PKCS12", "JKS"):
        out = tmp_path / f"copy.{fmt.lower()}"
        ks.save(out, fmt, "newpassword")
        assert keytool_sha256(out, "newpassword") == keytool_sha256(pki / "keystore.jks", PW)
        again = sslbind.KeyStore.load(out.read_bytes(), "newpassword")
        assert again.format == fmt and again.entries[0].chain[0] == ks.entries[0].chain[0]
    pem = ks.dumps("PEM", "pempass").decode()
    assert "BEGIN CERTIFICATE" in pem and "BEGIN ENCRYPTED PRIVATE KEY" in pem
    assert sslbind.KeyStore.sniff(pem.encode()) == "PEM"


def test_build_like_ktor_build_keystore(tmp_path):
    """buildKeyStore { certificate("sampleAlias") { password = "foobar";
    domains = listOf("127.0.0.1", "0.0.0.0", "localhost") } }"""
    ks = sslbind.KeyStore.build(sslbind.CertificateSpec(
        "sampleAlias", password="foobar", domains=["127.0.0.1", "0.0.0.0", "localhost"]))
    (e,) = ks.entries
    assert e.alias == "sampleAlias" and e.kind == "private_key"
    assert set(e.chain[0].sans) == {("DNS", "localhost"), ("IP", "127.0.0.1"), ("IP", "0.0.0.0")}
    left = e.chain[0].not_after - e.chain[0].not_before
    assert datetime.timedelta(days=2) < left <= datetime.timedelta(days=3, minutes=1)
    ks.save(tmp_path / "built.jks", "JKS", "storepass")
    keytool("-list", "-keystore", tmp_path / "built.jks", "-storepass", "storepass")
    # the keyword form, a CA and a certificate it signs
    ca = sslbind.KeyStore.build(ca=dict(key_type="ca", subject="CN=Test CA", days_valid=10))
    leaf = sslbind.KeyStore.build(sslbind.CertificateSpec(
        "srv", domains=["example.test"], sign_with=(ca, "ca"), key_algorithm="ec_p384"))
    chain = leaf["srv"].chain
    assert [c.subject for c in chain] == ["CN=localhost", "CN=Test CA"]
    assert chain[0].issuer == "CN=Test CA" and chain[1].is_ca and chain[0].key_bits == 384
    tm = sslbind.TrustManager.builder().replace_defaults().add_keystore(ca).build()
    assert tm.verify(chain, "example.test").ok
    assert tm.verify(chain, "other.test").reason == "CERT_HOSTNAME_MISMATCH"


def test_generate_certificate_file(tmp_path):
    sslbind.generate_certificate(tmp_path / "gen.jks", alias="mykey", store_password="changeit",
                                 key_password="changeit")
    assert keytool_sha256(tmp_path / "gen.jks", "changeit")


def test_bad_bytes_raise_keystore_errors():
    with pytest.raises(sslbind.KeystoreError) as ei:
        sslbind.KeyStore.load(b"this is not a keystore at all", PW)
    assert ei.value.name == "KEYSTORE_FORMAT" and "not a keystore" in ei.value.message
    with pytest.raises(sslbind.KeystoreError) as ei:
        sslbind.KeyStore.load(bytes.fromhex("feedfeed00000002") + b"\0\0", PW)
    assert ei.value.name in ("KEYSTORE_TRUNCATED", "KEYSTORE_CORRUPT")


@pytest.mark.parametrize("fmt", ["JKS", "PKCS12"])
def test_wrong_password_is_bad_password_and_never_echoed(pki, tmp_path, fmt):
    secret = "Tr0ub4dor&3-secret"
    ks = sslbind.KeyStore.load(pki / "keystore.jks", PW)
    path = tmp_path / f"store.{fmt}"
    ks.save(path, fmt, secret)
    wrong = "correct-horse-battery"
    with pytest.raises(sslbind.BadPassword) as ei:
        sslbind.KeyStore.load(path, wrong)
    e = ei.value
    assert isinstance(e, sslbind.KeystoreError) and e.name == "BAD_PASSWORD"
    for text in (str(e), e.message, repr(e)):
        assert wrong not in text and secret not in text
    with pytest.raises(sslbind.BadPassword):
        sslbind.SslSettings(path, wrong)


def test_modified_store_is_integrity_not_password(pki):
    data = bytearray((pki / "keystore.jks").read_bytes())
    data[-30] ^= 0xFF
    with pytest.raises(sslbind.KeystoreError) as ei:
        sslbind.KeyStore.load(bytes(data), PW)
    assert ei.value.name in ("KEYSTORE_INTEGRITY", "KEYSTORE_CORRUPT", "BAD_PASSWORD")


def test_missing_file_and_missing_alias(tmp_path, pki):
    with pytest.raises(sslbind.FileError) as ei:
        sslbind.KeyStore.load(tmp_path / "none.jks", PW)
    assert isinstance(ei.value, OSError) and ei.value.name == "IO"
    ks = sslbind.KeyStore.load(pki / "keystore.jks", PW)
    with pytest.raises(sslbind.EntryNotFound):
        ks["nope"]
    with pytest.raises(LookupError):
        ks.remove("nope")
    with pytest.raises(sslbind.KeystoreError) as ei:
        ks.add_certificate("sampleAlias", ks.entries[0].chain[0])
    assert ei.value.name == "ALIAS_EXISTS"
    ks.add_certificate("trusted", ks.entries[0].chain[0])
    assert [e.kind for e in ks] == ["private_key", "trusted_cert"]
    del ks["trusted"]
    assert len(ks) == 1


def test_client_identity_with_key_password(pki):
    ks = sslbind.KeyStore.load(pki / "client.p12", PW)
    km = sslbind.KeyManager(ks)
    assert km.aliases == ["client"] and len(km) == 1
    assert km.certificates[0].subject == "CN=sslbind client"
    with pytest.raises(sslbind.EntryNotFound):
        sslbind.KeyManager(ks, alias="nobody")
