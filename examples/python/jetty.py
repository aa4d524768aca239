"""Ktor:
    val client = HttpClient(Jetty) {
        engine {
            sslContextFactory = SslContextFactory.Client().apply {
                sslContext = SslSettings.getSslContext()
                endpointIdentificationAlgorithm = null  // optional: no host check
            }
        }
    }
Usage: jetty.py URL [keystore.jks [password]] [no-identification]"""
import sys

from _example import args, get_and_print, ssl_settings
from sslbind import HttpClient, Jetty, SslContextFactory


def main(argv):
    url, keystore, password = args(argv, " [no-identification]")
    settings = ssl_settings(keystore, password)

    def apply(factory):
        factory.ssl_context = settings.ssl_context()
        if len(argv) > 4 and argv[4] == "no-identification":
            factory.endpoint_identification_algorithm = None

    return get_and_print(lambda: HttpClient(Jetty(
        ssl_context_factory=SslContextFactory.Client().apply(apply))), "Jetty", url)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
