// ESM entry: the same objects as the CommonJS main.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const sslbind = require('./index.js');

export default sslbind;
export const {
  version, versionNumber, napiVersion,
  Certificate, KeyStore, KeystoreEntry, generateCertificate,
  TrustManager, TrustBuilder, TrustManagerFactory, VerifyResult,
  KeyManager, SSLContext, SocketFactory, SslSettings,
  Engine, Apache, Java, Jetty, CIO, Android, OkHttp, Native,
  SslContextFactory, SSLParameters, TLSConfigBuilder, Connection, CertificatePinner, ConnectionSpec, Protocol,
  HttpClient, Response, StreamingResponse, Headers, TLSInfo,
  SslbindError, InvalidArgumentError, InvalidURLError, OutOfMemoryError, FileError, UnsupportedError,
  InternalError, KeystoreError, BadPasswordError, PasswordRequiredError, EntryNotFoundError, TLSError,
  CertificateVerifyError, ConnectionError, TimeoutError, ProtocolError, TooManyRedirectsError,
  TooLargeError, CancelledError, AbortError,
} = sslbind;
