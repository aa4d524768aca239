"""Shared by the engine examples (the counterpart of examples/c/example.h):
the Ktor page's SslSettings (keystore.jks, password foobar) and one GET whose
outcome is printed as a line

    engine NAME status S version V tls T alpn A verified yes

(tab-separated, as the C examples print it) followed by the response body,
or "error CODE message" on stderr and exit status 2."""
import os
import sys

try:
    import sslbind
except ImportError:  # run from a checkout without installing the package
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "..", "..", "bindings", "python"))
    import sslbind


def fail(code, message):
    sys.stderr.write(f"error\t{code}\t{message}\n")
    sys.exit(2)


def args(argv, usage_extra=""):
    """URL, keystore path and password from the command line."""
    if len(argv) < 2:
        sys.stderr.write(f"usage: {os.path.basename(argv[0])} URL [KEYSTORE [PASSWORD]]"
                         f"{usage_extra}\n")
        sys.exit(2)
    return (argv[1], argv[2] if len(argv) > 2 else "keystore.jks",
            argv[3] if len(argv) > 3 else "foobar")


def ssl_settings(path, password):
    """object SslSettings { getKeyStore(); getTrustManagerFactory(); ... }"""
    try:
        return sslbind.SslSettings(path, password)
    except sslbind.SslbindError as e:
        fail(e.name, e.message)


def get_and_print(make_client, engine, url):
    """client.get(url): prints the outcome; exits 2 on failure."""
    try:
        with make_client() as client:
            r = client.get(url)
    except sslbind.SslbindError as e:
        fail(e.name, e.message)
    except Exception as e:  # an exception raised by one of the example's callbacks
        cause = e.__cause__
        fail(getattr(cause, "name", type(e).__name__), f"{type(e).__name__}: {e}")
    sys.stdout.write(f"engine\t{engine}\tstatus\t{r.status}\tversion\t{r.http_version}\t"
                     f"tls\t{r.tls.version}\talpn\t{r.tls.alpn}\tverified\tyes\n")
    sys.stdout.flush()
    sys.stdout.buffer.write(r.content)  # then the body, as it came
    return 0
