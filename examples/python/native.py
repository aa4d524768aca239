"""No engine idiom: a client straight from the SSL context of keystore.jks.
Usage: native.py URL [keystore.jks [password]]"""
import sys

from _example import args, get_and_print, ssl_settings
from sslbind import HttpClient, Native


def main(argv):
    url, keystore, password = args(argv)
    settings = ssl_settings(keystore, password)
    return get_and_print(lambda: HttpClient(Native(ssl_context=settings.ssl_context())),
                         "Native", url)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
