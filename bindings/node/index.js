'use strict';
/**
 * sslbind: verified HTTPS with the SSL configuration you already have (Java
 * keystores, PKCS#12, PEM, the system store), in the idioms of Ktor's
 * client engines. An N-API addon over libsslbind; no runtime dependencies.
 *
 *   const { SslSettings, HttpClient, Apache } = require('sslbind');
 *   const settings = new SslSettings('keystore.jks', 'foobar');
 *   const client = new HttpClient(new Apache({ sslContext: settings.sslContext() }));
 *   const r = await client.get('https://localhost:8443/');
 *   console.log(r.status, r.httpVersion, r.tls.version, r.text());
 *   await client.close();
 */
const addon = require('./lib/addon');
const errors = require('./lib/errors');
const objects = require('./lib/objects');
const engines = require('./lib/engines');
const client = require('./lib/client');

module.exports = {
  version: () => addon.version(),
  versionNumber: () => addon.versionNumber(),
  napiVersion: addon.napiVersion,
  Certificate: objects.Certificate,
  KeyStore: objects.KeyStore,
  KeystoreEntry: objects.KeystoreEntry,
  generateCertificate: objects.generateCertificate,
  TrustManager: objects.TrustManager,
  TrustBuilder: objects.TrustBuilder,
  TrustManagerFactory: objects.TrustManagerFactory,
  VerifyResult: objects.VerifyResult,
  KeyManager: objects.KeyManager,
  SSLContext: objects.SSLContext,
  SocketFactory: objects.SocketFactory,
  SslSettings: objects.SslSettings,
  Engine: engines.Engine,
  Apache: engines.Apache,
  Java: engines.Java,
  Jetty: engines.Jetty,
  CIO: engines.CIO,
  Android: engines.Android,
  OkHttp: engines.OkHttp,
  Native: engines.Native,
  SslContextFactory: engines.SslContextFactory,
  SSLParameters: engines.SSLParameters,
  TLSConfigBuilder: engines.TLSConfigBuilder,
  Connection: engines.Connection,
  CertificatePinner: engines.CertificatePinner,
  ConnectionSpec: engines.ConnectionSpec,
  Protocol: engines.Protocol,
  HttpClient: client.HttpClient,
  Response: client.Response,
  StreamingResponse: client.StreamingResponse,
  Headers: client.Headers,
  TLSInfo: client.TLSInfo,
  SslbindError: errors.SslbindError,
  InvalidArgumentError: errors.InvalidArgumentError,
  InvalidURLError: errors.InvalidURLError,
  OutOfMemoryError: errors.OutOfMemoryError,
  FileError: errors.FileError,
  UnsupportedError: errors.UnsupportedError,
  InternalError: errors.InternalError,
  KeystoreError: errors.KeystoreError,
  BadPasswordError: errors.BadPasswordError,
  PasswordRequiredError: errors.PasswordRequiredError,
  EntryNotFoundError: errors.EntryNotFoundError,
  TLSError: errors.TLSError,
  CertificateVerifyError: errors.CertificateVerifyError,
  ConnectionError: errors.ConnectionError,
  TimeoutError: errors.TimeoutError,
  ProtocolError: errors.ProtocolError,
  TooManyRedirectsError: errors.TooManyRedirectsError,
  TooLargeError: errors.TooLargeError,
  CancelledError: errors.CancelledError,
  AbortError: errors.AbortError,
  /** @internal for tests: the addon's raw functions */
  _addon: addon,
};
