"""Ktor:
    val client = HttpClient(CIO) {
        engine {
            https {
                trustManager = SslSettings.getTrustManager()
                serverName = "localhost"                        // optional
                addKeyStore(store, password, alias)             // optional: mTLS
            }
        }
    }
Usage: cio.py URL [keystore.jks [password]] [SERVER_NAME|- [IDENTITY.p12 ALIAS|*]]
(ALIAS * adds every key of the store: the server's request picks one)"""
import sys

from _example import args, fail, get_and_print, ssl_settings
import sslbind
from sslbind import CIO, HttpClient


def main(argv):
    url, keystore, password = args(argv, " [SERVER_NAME|- [IDENTITY ALIAS|*]]")
    settings = ssl_settings(keystore, password)
    identity = None
    if len(argv) > 6:
        try:
            identity = sslbind.KeyStore.load(argv[5], password)
        except sslbind.SslbindError as e:
            fail(e.name, e.message)

    def https(t):
        t.trust_manager = settings.trust_manager()
        if len(argv) > 4 and argv[4] != "-":
            t.server_name = argv[4]
        if identity is not None:
            t.add_key_store(identity, alias=None if argv[6] == "*" else argv[6])

    return get_and_print(lambda: HttpClient(CIO(https=https)), "CIO", url)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
