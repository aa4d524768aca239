"""Ktor:
    val client = HttpClient(OkHttp) {
        engine {
            config {
                sslSocketFactory(SslSettings.getSslContext()!!.socketFactory,
                                 SslSettings.getTrustManager())
                certificatePinner(CertificatePinner.Builder()
                                    .add("localhost", "sha256/...").build())  // optional
            }
        }
    }
Usage: okhttp.py URL [keystore.jks [password]] [PATTERN PIN [any-hostname]]
("any-hostname" installs a hostnameVerifier that accepts every name: the pins
still hold.)"""
import sys

from _example import args, get_and_print, ssl_settings
from sslbind import CertificatePinner, HttpClient, OkHttp


def main(argv):
    url, keystore, password = args(argv, " [PATTERN PIN [any-hostname]]")
    settings = ssl_settings(keystore, password)

    def config(b):
        b.ssl_socket_factory(settings.ssl_context().socket_factory, settings.trust_manager())
        if len(argv) > 5:
            b.certificate_pinner(CertificatePinner.Builder().add(argv[4], argv[5]).build())
        if len(argv) > 6 and argv[6] == "any-hostname":
            b.hostname_verifier(lambda host, chain: True)

    return get_and_print(lambda: HttpClient(OkHttp(config=config)), "OkHttp", url)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
