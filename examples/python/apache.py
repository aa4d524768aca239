"""Ktor:
    val client = HttpClient(Apache5) {
        engine {
            sslContext = SslSettings.getSslContext()
            sslHostnameVerificationPolicy = ... // optional: BUILTIN, CLIENT, BOTH
        }
    }
Usage: apache.py URL [keystore.jks [password]] [builtin|client|both]"""
import sys

from _example import args, get_and_print, ssl_settings
from sslbind import Apache, HttpClient


def main(argv):
    url, keystore, password = args(argv, " [builtin|client|both]")
    settings = ssl_settings(keystore, password)
    policy = argv[4].upper() if len(argv) > 4 else "BUILTIN"
    return get_and_print(lambda: HttpClient(Apache(
        ssl_context=settings.ssl_context(),
        ssl_hostname_verification_policy=policy)), "Apache", url)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
