"""Verification: a few cases of the matrix (wrong host, self-signed, unknown
CA) with the exception class, reason, host and parsed chain; the
application's verify callback accepting, rejecting and raising; trust-all;
pins on a trust builder; TrustManager.verify used directly."""
import threading

import pytest

import sslbind
from sslbind import HttpClient, TrustManager
from conftest import PW


def trusting(pki, name):
    return TrustManager.from_keystore(sslbind.KeyStore.load(pki / name, PW))


@pytest.mark.parametrize("server,store,host,reason", [
    ("named", "localhost-only.jks", "127.0.0.1", "CERT_HOSTNAME_MISMATCH"),
    ("main", "stranger.jks", "localhost", "CERT_SELF_SIGNED"),
    ("unknown", "keystore.jks", "localhost", "CERT_UNKNOWN_ISSUER"),
    ("named", "localhost-only.jks", "localhost", None),
])
def test_verification_matrix(servers, pki, server, store, host, reason):
    with HttpClient(trust_manager=trusting(pki, store)) as c:
        url = servers[server].url(host=host)
        if reason is None:
            assert c.get(url).status == 200
            return
        with pytest.raises(sslbind.CertificateVerifyError) as ei:
            c.get(url)
    e = ei.value
    assert isinstance(e, sslbind.TLSError)
    assert e.reason == e.name == reason and e.code < 0
    assert e.host == host
    assert "presented chain:" in e.message and e.report.startswith("host: ")
    leaf = e.chain[0]
    assert leaf["index"] == 0 and leaf["subject"].startswith("CN=localhost")
    assert leaf["pin"].startswith("sha256/") and leaf["not_before"] < leaf["not_after"]
    assert ("DNS", "localhost") in leaf["sans"]
    if reason == "CERT_UNKNOWN_ISSUER":
        assert len(e.chain) == 2 and e.chain[1]["subject"] == "CN=Other CA"
        assert e.chain[0]["issuer"] == "CN=Other CA"


def test_verify_callback_accepts_a_self_signed_server(servers, pki):
    calls = []

    def accept(host, chain, verdict, report):
        calls.append((host, verdict, chain[0].subject, "result:" in report))
        return True

    tm = (TrustManager.builder().replace_defaults()
          .add_keystore(sslbind.KeyStore.load(pki / "stranger.jks", PW))
          .verify_callback(accept).build())
    with HttpClient(trust_manager=tm) as c:
        assert c.get(servers["main"].url()).status == 200
    assert calls == [("localhost", "CERT_SELF_SIGNED", "CN=localhost,O=Ktor page", True)]


def test_verify_callback_rejects_a_trusted_server(servers, settings):
    seen = []

    def reject(host, chain, verdict, report):
        seen.append(verdict)
        return False

    tm = TrustManager.builder().init_from(settings.trust_manager()).verify_callback(reject).build()
    with HttpClient(trust_manager=tm) as c, pytest.raises(sslbind.CertificateVerifyError) as ei:
        c.get(servers["main"].url())
    assert ei.value.reason == "CERT_REJECTED" and seen == [None]
    # a CERT_ code name picks the code; None keeps sslbind's verdict
    for ret, expect in (("CERT_REVOKED", "CERT_REVOKED"), (None, None)):
        tm = (TrustManager.builder().init_from(settings.trust_manager())
              .verify_callback(lambda h, c, v, r, ret=ret: ret).build())
        with HttpClient(trust_manager=tm) as c:
            if expect is None:
                assert c.get(servers["main"].url()).status == 200
            else:
                with pytest.raises(sslbind.CertificateVerifyError) as ei:
                    c.get(servers["main"].url())
                assert ei.value.reason == expect


class Refusal(Exception):
    pass


def test_a_raising_verify_callback_surfaces_its_exception(servers, settings):
    threads = []

    def boom(host, chain, verdict, report):
        threads.append(threading.get_ident())
        raise Refusal(f"no thanks, {host}")

    tm = TrustManager.builder().init_from(settings.trust_manager()).verify_callback(boom).build()
    with HttpClient(trust_manager=tm) as c:
        with pytest.raises(Refusal, match="no thanks, localhost") as ei:
            c.get(servers["main"].url())
        cause = ei.value.__cause__
        assert isinstance(cause, sslbind.CertificateVerifyError)
        assert cause.reason == "CERT_REJECTED"
        # the callback ran on the client's I/O thread, not this one
        assert threads and threading.get_ident() not in threads
        # and in the other request styles too
        (res,) = c.batch([("GET", servers["main"].url())])
        assert isinstance(res, Refusal)
        import asyncio
        with pytest.raises(Refusal):
            asyncio.run(c.aget(servers["main"].url()))
    # TrustManager.verify runs it on this thread
    chain = [sslbind.Certificate.load(settings.key_store().entries[0].chain[0].der)]
    with pytest.raises(Refusal):
        tm.verify(chain, "localhost")


def test_a_raising_hostname_verifier_surfaces_its_exception(servers, settings):
    def verifier(host, chain):
        raise Refusal(host)

    with HttpClient(trust_manager=settings.trust_manager(), hostname_verifier=verifier) as c:
        with pytest.raises(Refusal) as ei:
            c.get(servers["main"].url())
        assert ei.value.__cause__.reason == "CERT_HOSTNAME_MISMATCH"


def test_a_raising_ssl_manager_surfaces_its_exception(servers):
    def ssl_manager(conn):
        raise Refusal(conn.port)

    with HttpClient(sslbind.Android(ssl_manager=ssl_manager)) as c:
        with pytest.raises(Refusal) as ei:
            c.get(servers["main"].url())
        assert isinstance(ei.value.__cause__, sslbind.CancelledError)


def test_insecure_trust_all(servers):
    tm = TrustManager.builder().insecure_trust_all().build()
    assert tm.is_insecure and "INSECURE" in repr(tm)
    with HttpClient(trust_manager=tm) as c:
        assert c.get(servers["unknown"].url(host="127.0.0.1")).status == 200
        assert c.get(servers["main"].url()).status == 200


def test_trust_builder_pins(servers, settings):
    pin = settings.key_store().entries[0].chain[0].spki_pin
    good = TrustManager.builder().init_from(settings.trust_manager()).add_pin("localhost", pin)
    bad = (TrustManager.builder().init_from(settings.trust_manager())
           .add_pin("localhost", "sha256/" + "B" * 43 + "="))
    with HttpClient(trust_manager=good.build()) as c:
        assert c.get(servers["main"].url()).status == 200
    with HttpClient(trust_manager=bad.build()) as c, \
            pytest.raises(sslbind.CertificateVerifyError) as ei:
        c.get(servers["main"].url())
    assert ei.value.reason == "CERT_PIN_MISMATCH"
    with pytest.raises(sslbind.InvalidArgument) as ei:
        TrustManager.builder().add_pin("local*host", pin)
    assert ei.value.message


def test_trust_manager_verify_directly(settings, pki):
    tm = settings.trust_manager()
    assert tm.anchor_count == 1 and not tm.is_insecure
    chain = settings.key_store().entries[0].chain
    r = tm.verify(chain, "localhost")
    assert r.ok and r.reason is None and "host: localhost" in r.report
    r = tm.verify(chain, "example.com")
    assert not r and r.reason == "CERT_HOSTNAME_MISMATCH"
    with pytest.raises(sslbind.CertificateVerifyError) as ei:
        tm.check_server_trusted(chain, "example.com")
    assert ei.value.host == "example.com" and ei.value.chain[0]["subject"] == chain[0].subject
    assert tm.verify(chain, None).ok  # no name check
    other = trusting(pki, "stranger.jks")
    assert other.verify(chain, "localhost").reason == "CERT_SELF_SIGNED"
    system = TrustManager.system()
    assert system.anchor_count > 10
