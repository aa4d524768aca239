"""Ktor:
    val client = HttpClient(Android) {
        engine {
            sslManager = { httpsURLConnection ->
                httpsURLConnection.sslSocketFactory = SslSettings.getSslContext()?.socketFactory
            }
        }
    }
Usage: android.py URL [keystore.jks [password]]"""
import sys

from _example import args, get_and_print, ssl_settings
from sslbind import Android, HttpClient


def main(argv):
    url, keystore, password = args(argv)
    settings = ssl_settings(keystore, password)
    factory = settings.ssl_context().socket_factory

    def ssl_manager(conn):
        sys.stderr.write(f"sslManager\t{conn.host}:{conn.port}\n")
        conn.ssl_socket_factory = factory

    return get_and_print(lambda: HttpClient(Android(ssl_manager=ssl_manager)), "Android", url)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
