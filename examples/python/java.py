"""Ktor:
    val client = HttpClient(Java) {
        engine {
            config {
                sslContext(SslSettings.getSslContext())
                sslParameters(SSLParameters(cipherSuites, protocols)) // optional
            }
        }
    }
Usage: java.py URL [keystore.jks [password]] [PROTOCOLS [SUITES]]"""
import sys

from _example import args, get_and_print, ssl_settings
from sslbind import HttpClient, Java


def main(argv):
    url, keystore, password = args(argv, " [PROTOCOLS [SUITES]]")
    settings = ssl_settings(keystore, password)

    def config(b):
        b.ssl_context(settings.ssl_context())
        if len(argv) > 4:
            b.ssl_parameters(protocols=argv[4], cipher_suites=argv[5] if len(argv) > 5 else None)

    return get_and_print(lambda: HttpClient(Java(config=config)), "Java", url)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
