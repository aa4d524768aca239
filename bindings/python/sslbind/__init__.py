"""sslbind: verified HTTPS with the SSL configuration you already have (Java
keystores, PKCS#12, PEM, the system store), in the idioms of Ktor's client
engines. A ctypes binding of libsslbind (stdlib only).

::

    from sslbind import SslSettings, HttpClient, Apache

    settings = SslSettings("keystore.jks", "foobar")
    with HttpClient(Apache(ssl_context=settings.ssl_context())) as client:
        r = client.get("https://localhost:8443/")
        print(r.status, r.http_version, r.tls.version, r.text)
"""
from ._ffi import LIBRARY_PATH, VERSION, VERSION_NUMBER
from .certificate import Certificate
from .client import AsyncHttpClient, Headers, HttpClient, Response, StreamingResponse, TLSInfo
from .context import KeyManager, SocketFactory, SSLContext, SslSettings
from .engines import (CIO, Android, Apache, CertificatePinner, Connection, ConnectionSpec,
                      Engine, Java, Jetty, Native, OkHttp, Protocol, SslContextFactory,
                      SSLParameters, TLSConfigBuilder)
from .errors import (BadPassword, CancelledError, CertificateVerifyError, ConnectionError,
                     EntryNotFound, FileError, InternalError, InvalidArgument, InvalidURL,
                     KeystoreError, OutOfMemory, PasswordRequired, ProtocolError, SslbindError,
                     TimeoutError, TLSError, TooLargeError, TooManyRedirects, UnsupportedError)
from .keystore import CertificateSpec, KeyStore, KeystoreEntry, generate_certificate
from .trust import TrustBuilder, TrustManager, TrustManagerFactory, VerifyResult

__version__ = "0.1.0"

__all__ = [
    "LIBRARY_PATH", "VERSION", "VERSION_NUMBER", "version",
    "Certificate", "KeyStore", "KeystoreEntry", "CertificateSpec", "generate_certificate",
    "TrustBuilder", "TrustManager", "TrustManagerFactory", "VerifyResult",
    "KeyManager", "SSLContext", "SocketFactory", "SslSettings",
    "Engine", "Apache", "Java", "Jetty", "CIO", "Android", "OkHttp", "Native",
    "SslContextFactory", "SSLParameters", "CertificatePinner", "ConnectionSpec", "Protocol",
    "TLSConfigBuilder", "Connection",
    "HttpClient", "AsyncHttpClient", "Response", "StreamingResponse", "Headers", "TLSInfo",
    "SslbindError", "InvalidArgument", "InvalidURL", "OutOfMemory", "FileError",
    "UnsupportedError", "InternalError", "KeystoreError", "BadPassword", "PasswordRequired",
    "EntryNotFound", "TLSError", "CertificateVerifyError", "ConnectionError", "TimeoutError",
    "ProtocolError", "TooManyRedirects", "TooLargeError", "CancelledError",
]


def version() -> str:
    """The C library's version string at run time."""
    return VERSION
