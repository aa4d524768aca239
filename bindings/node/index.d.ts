// Type declarations for sslbind (the Node binding of libsslbind).
/// <reference types="node" />
import type { Readable } from 'node:stream';

export function version(): string;
export function versionNumber(): number;
export const napiVersion: number;

export type Bytes = Buffer | Uint8Array | ArrayBuffer;
export type PathLike = string | URL;
export type Names = string | string[] | null;
export type KeystoreFormat = 'JKS' | 'JCEKS' | 'PKCS12' | 'P12' | 'PFX' | 'PEM' | 'DER';
export type HttpPolicy = 'h2' | 'http/1.1' | 'any';
export type HostnamePolicy = 'BUILTIN' | 'CLIENT' | 'BOTH' | 'NONE';
export type SanKind = 'DNS' | 'IP' | 'email' | 'URI' | 'other';

export class Certificate {
  static load(data: Bytes | string): Certificate;
  readonly subject: string;
  readonly issuer: string;
  readonly serial: string;
  readonly notBefore: Date | null;
  readonly notAfter: Date | null;
  readonly sha256Fingerprint: string;
  readonly sha1Fingerprint: string;
  readonly spkiPin: string;
  readonly keyAlgorithm: string;
  readonly keyBits: number;
  readonly signatureAlgorithm: string;
  readonly isCa: boolean;
  readonly sans: Array<[SanKind, string]>;
  readonly der: Buffer;
  readonly closed: boolean;
  pem(): string;
  equals(other: unknown): boolean;
  close(): void;
}

export class KeystoreEntry {
  readonly alias: string;
  readonly kind: 'privateKey' | 'trustedCertificate' | 'secretKey';
  readonly chain: Certificate[];
  readonly created: Date | null;
  readonly algorithm: string;
  readonly locked: boolean;
  readonly certificate: Certificate | null;
}

export interface CertificateSpec {
  alias?: string;
  password?: string | null;
  domains?: string[];
  ipAddresses?: string[];
  subject?: string;
  keyType?: 'server' | 'client' | 'ca';
  keyAlgorithm?: 'ec_p256' | 'ec_p384' | 'rsa' | 'ed25519';
  keySize?: number;
  daysValid?: number;
  signWith?: [KeyStore, string] | [KeyStore, string, string | null];
}

export class KeyStore implements Iterable<KeystoreEntry> {
  constructor();
  static load(source: PathLike | Bytes, password?: string | null): KeyStore;
  static sniff(data: Bytes): string;
  static build(...specs: Array<CertificateSpec | Record<string, CertificateSpec>>): KeyStore;
  readonly format: string;
  readonly size: number;
  readonly aliases: string[];
  readonly entries: KeystoreEntry[];
  readonly closed: boolean;
  has(alias: string): boolean;
  get(alias: string): KeystoreEntry | undefined;
  unlockKey(alias: string, keyPassword: string): this;
  setKeyPassword(alias: string, keyPassword: string | null): this;
  addCertificate(alias: string, cert: Certificate | Bytes | string): this;
  addPrivateKey(alias: string, key: Bytes | string, chain: Bytes | string, keyPassword?: string | null): this;
  remove(alias: string): this;
  toBuffer(format?: KeystoreFormat, password?: string | null): Buffer;
  save(path: PathLike, format?: KeystoreFormat, password?: string | null): this;
  generate(alias: string, spec?: CertificateSpec): this;
  close(): void;
  [Symbol.iterator](): Iterator<KeystoreEntry>;
}

export function generateCertificate(path: PathLike, options?: {
  format?: KeystoreFormat; alias?: string; keyPassword?: string | null; storePassword?: string | null; spec?: CertificateSpec | null;
}): void;

/** sslbind's verdict as a code name (null: trusted); return true to accept,
 * false to reject (CERT_REJECTED), null/undefined to keep the verdict, or a
 * "CERT_..." name to reject with that code. Runs on the JS thread. */
export type VerifyCallback = (host: string | null, chain: Certificate[], verdict: string | null, report: string) =>
  boolean | null | undefined | string;
export type HostnameVerifier = (host: string, chain: Certificate[]) => boolean;

export class VerifyResult {
  readonly ok: boolean;
  readonly code: number;
  readonly reason: string | null;
  readonly report: string;
}

export class TrustManager {
  static builder(): TrustBuilder;
  static fromKeyStore(keyStore: KeyStore): TrustManager;
  static system(): TrustManager;
  readonly anchorCount: number;
  readonly isInsecure: boolean;
  readonly closed: boolean;
  verify(chain: Certificate[], host?: string | null): VerifyResult;
  checkServerTrusted(chain: Certificate[], host?: string | null): string;
  close(): void;
}

export class TrustBuilder {
  initFrom(tm: TrustManager): this;
  replaceDefaults(): this;
  addKeyStore(keyStore: KeyStore): this;
  addFile(path: PathLike): this;
  addData(data: Bytes | string): this;
  addCertificate(cert: Certificate): this;
  addCrl(data: Bytes | string): this;
  setTime(when: Date | number): this;
  addPin(hostPattern: string, ...pins: string[]): this;
  verifyCallback(fn: VerifyCallback | null): this;
  insecureTrustAll(): this;
  build(): TrustManager;
  close(): void;
}

export class TrustManagerFactory {
  constructor(keyStore?: KeyStore | null);
  static of(trustManagers: TrustManager[]): TrustManagerFactory;
  init(keyStore: KeyStore | null): this;
  trustManagers: TrustManager[];
}

export class KeyManager {
  constructor(keyStore: KeyStore, options?: { alias?: string | null; keyPassword?: string | null });
  readonly size: number;
  readonly aliases: string[];
  readonly certificates: Certificate[];
  close(): void;
}

export interface SSLContextOptions {
  keyManager?: KeyManager | KeyManager[] | null;
  trustManager?: TrustManager | TrustManager[] | null;
  protocols?: Names;
  cipherSuites?: Names;
}

export class SSLContext {
  constructor(options?: SSLContextOptions);
  derive(options?: SSLContextOptions): SSLContext;
  readonly trustManager: TrustManager | null;
  readonly keyManager: KeyManager | null;
  readonly protocols: string[];
  readonly cipherSuites: string[];
  readonly priority: string;
  readonly socketFactory: SocketFactory;
  readonly closed: boolean;
  close(): void;
}

export class SocketFactory {
  readonly context: SSLContext;
  close(): void;
}

export class SslSettings {
  constructor(path?: PathLike, password?: string | null);
  constructor(options: { path?: PathLike; password?: string | null });
  readonly path: string;
  readonly closed: boolean;
  load(path: PathLike, password: string | null): this;
  keyStore(): KeyStore;
  trustManagerFactory(): TrustManagerFactory;
  trustManager(): TrustManager;
  sslContext(): SSLContext;
  getKeyStore(): KeyStore;
  getTrustManagerFactory(): TrustManagerFactory;
  getTrustManager(): TrustManager;
  getSslContext(): SSLContext;
  close(): void;
}

// ------------------------------------------------------------ engines

export abstract class Engine {
  readonly name: 'Native' | 'Apache' | 'Java' | 'Jetty' | 'CIO' | 'Android' | 'OkHttp';
}

export class Apache extends Engine {
  constructor(options?: { sslContext?: SSLContext | null; sslHostnameVerificationPolicy?: Exclude<HostnamePolicy, 'NONE'> });
}

export class SSLParameters {
  constructor(options?: { cipherSuites?: Names; protocols?: Names });
  cipherSuites: Names;
  protocols: Names;
}

export interface JavaConfig {
  sslContext(ctx: SSLContext): this;
  sslParameters(params: SSLParameters | { cipherSuites?: Names; protocols?: Names }): this;
}
export class Java extends Engine {
  constructor(options?: { config?: (b: JavaConfig) => unknown });
}

export interface SslContextFactoryClientOptions {
  sslContext?: SSLContext | null;
  endpointIdentificationAlgorithm?: 'HTTPS' | null;
  includeProtocols?: Names;
  excludeProtocols?: Names;
  includeCipherSuites?: Names;
  excludeCipherSuites?: Names;
}
declare class SslContextFactoryClient implements SslContextFactoryClientOptions {
  constructor(options?: SslContextFactoryClientOptions);
  sslContext: SSLContext | null;
  endpointIdentificationAlgorithm: 'HTTPS' | null;
  includeProtocols: Names;
  excludeProtocols: Names;
  includeCipherSuites: Names;
  excludeCipherSuites: Names;
  apply(fn: (f: this) => unknown): this;
}
export const SslContextFactory: { Client: typeof SslContextFactoryClient };
export class Jetty extends Engine {
  constructor(options?: { sslContextFactory?: SslContextFactoryClient | null });
}

export class TLSConfigBuilder {
  trustManager: TrustManager | null;
  serverName: string | null;
  cipherSuites: Names;
  addKeyStore(store: KeyStore, password?: string | null, alias?: string | null): this;
}
export class CIO extends Engine {
  constructor(options?: { https?: (t: TLSConfigBuilder) => unknown });
}

export class Connection {
  readonly host: string;
  readonly port: number;
  sslSocketFactory: SocketFactory | null;
  hostnameVerifier: HostnameVerifier | null;
}
export class Android extends Engine {
  /** Runs synchronously for each new connection, on the JS thread: false
   * refuses it; an async function (a returned Promise) is an error. */
  constructor(options?: { sslManager?: (conn: Connection) => void | boolean });
}

export class CertificatePinner {
  constructor(pins?: Record<string, string | string[]> | Map<string, string | string[]> | Array<[string, string]> | null);
  readonly pins: Array<[string, string]>;
  static Builder: { new(): { add(pattern: string, ...pins: string[]): any; build(): CertificatePinner } };
}
export const ConnectionSpec: { readonly MODERN_TLS: 'MODERN_TLS'; readonly RESTRICTED_TLS: 'RESTRICTED_TLS'; readonly COMPATIBLE_TLS: 'COMPATIBLE_TLS' };
export const Protocol: { readonly HTTP_1_1: 'http/1.1'; readonly HTTP_2: 'h2' };
export interface OkHttpConfig {
  sslSocketFactory(factory: SocketFactory, trustManager?: TrustManager | null): this;
  certificatePinner(pinner: CertificatePinner): this;
  hostnameVerifier(fn: HostnameVerifier): this;
  connectionSpecs(specs: string[]): this;
  protocols(protocols: string[]): this;
}
export class OkHttp extends Engine {
  constructor(options?: { config?: (b: OkHttpConfig) => unknown });
}

export class Native extends Engine {
  constructor(options?: {
    sslContext?: SSLContext | null; trustManager?: TrustManager | null;
    sslHostnameVerificationPolicy?: HostnamePolicy | null; serverName?: string | null;
    certificatePinner?: CertificatePinner | null; hostnameVerifier?: HostnameVerifier | null;
    keyStores?: Array<[KeyStore, (string | null)?, (string | null)?]>; protocols?: string[] | null; cipherSuites?: Names;
  });
}

// ------------------------------------------------------------- client

export class Headers implements Iterable<[string, string]> {
  get(name: string): string | null;
  getAll(name: string): string[];
  has(name: string): boolean;
  readonly size: number;
  entries(): IterableIterator<[string, string]>;
  keys(): IterableIterator<string>;
  values(): IterableIterator<string>;
  forEach(fn: (value: string, name: string, headers: Headers) => void, thisArg?: unknown): void;
  [Symbol.iterator](): IterableIterator<[string, string]>;
  toJSON(): Array<[string, string]>;
}

export class TLSInfo {
  readonly version: string;
  readonly cipher: string;
  readonly alpn: string;
  readonly resumed: boolean;
  readonly chain: Certificate[];
}

export class Response {
  readonly url: string;
  readonly status: number;
  readonly ok: boolean;
  readonly httpVersion: '1.1' | '2';
  readonly headers: Headers;
  readonly body: Buffer;
  readonly tls: TLSInfo;
  text(): string;
  json(): any;
  close(): void;
}

export class StreamingResponse implements AsyncIterable<Buffer> {
  readonly url: string;
  readonly status: number;
  readonly ok: boolean;
  readonly httpVersion: '1.1' | '2';
  readonly headers: Headers;
  readonly tls: TLSInfo;
  readonly body: Readable;
  readonly bytesReceived: number;
  readonly pauses: number;
  readonly done: boolean;
  buffer(): Promise<Buffer>;
  text(): Promise<string>;
  json(): Promise<any>;
  cancel(): void;
  [Symbol.asyncIterator](): AsyncIterator<Buffer>;
}

export type HeadersInit = Record<string, string | string[]> | Map<string, string> | Array<[string, string]>;

export interface RequestOptions {
  headers?: HeadersInit;
  body?: Bytes | string | Readable | AsyncIterable<Bytes | string> | Iterable<Bytes | string>;
  json?: unknown;
  /** ms; rejects with TimeoutError (code 'TIMEOUT') */
  timeout?: number;
  /** rejects with AbortError (code 'CANCELLED', cause = signal.reason) */
  signal?: AbortSignal;
  http?: HttpPolicy;
  /** length of a streamed body, when known */
  length?: number;
}

export interface ClientOptions {
  sslContext?: SSLContext | null;
  trustManager?: TrustManager | null;
  connectTimeout?: number;
  requestTimeout?: number;
  idleTimeout?: number;
  maxBody?: number;
  redirects?: number;
  http?: HttpPolicy;
  proxy?: string | null;
  noProxy?: Names;
  proxyFromEnv?: boolean;
  resolve?: Record<string, string> | Map<string, string> | Array<[string, number, string]>;
  /** curl's --connect-to: requests for 'host:port' dial 'toHost:toPort'
   * (either part may be empty); the name verified stays the URL's. */
  connectTo?: Record<string, string> | Map<string, string>;
  decoding?: boolean;
  hostnamePolicy?: HostnamePolicy;
  serverName?: string;
  identity?: [KeyStore, (string | null)?, (string | null)?];
  hostnameVerifier?: HostnameVerifier;
  headers?: HeadersInit;
}

export type BatchItem = [string, string | URL] | [string, string | URL, RequestOptions];

export class HttpClient {
  constructor(engine: Engine | (new () => Engine) | null, options?: Omit<ClientOptions, 'sslContext' | 'trustManager'>);
  constructor(options?: ClientOptions);
  readonly engine: Engine;
  readonly connectionsOpened: number;
  readonly closed: boolean;
  readonly pending: number;
  request(method: string, url: string | URL, opts?: RequestOptions): Promise<Response>;
  get(url: string | URL, opts?: RequestOptions): Promise<Response>;
  head(url: string | URL, opts?: RequestOptions): Promise<Response>;
  post(url: string | URL, opts?: RequestOptions): Promise<Response>;
  put(url: string | URL, opts?: RequestOptions): Promise<Response>;
  patch(url: string | URL, opts?: RequestOptions): Promise<Response>;
  delete(url: string | URL, opts?: RequestOptions): Promise<Response>;
  options(url: string | URL, opts?: RequestOptions): Promise<Response>;
  stream(method: string, url: string | URL, opts?: RequestOptions): Promise<StreamingResponse>;
  batch(items: BatchItem[], options?: { timeout?: number | null }): Promise<Array<Response | Error>>;
  close(): Promise<void>;
}

// -------------------------------------------------------------- errors

export type ErrorCode =
  | 'INVALID_ARGUMENT' | 'NO_MEMORY' | 'IO' | 'NOT_FOUND' | 'UNSUPPORTED' | 'INTERNAL'
  | 'KEYSTORE_FORMAT' | 'KEYSTORE_TRUNCATED' | 'KEYSTORE_CORRUPT' | 'BAD_PASSWORD' | 'KEYSTORE_INTEGRITY'
  | 'DUPLICATE_ALIAS' | 'KEY_LOCKED' | 'BAD_KEY_PASSWORD' | 'CERTIFICATE' | 'PRIVATE_KEY' | 'LIMIT'
  | 'ALIAS_EXISTS' | 'WRONG_ENTRY_KIND' | 'PASSWORD_REQUIRED'
  | 'CERT_EXPIRED' | 'CERT_NOT_YET_VALID' | 'CERT_UNKNOWN_ISSUER' | 'CERT_SELF_SIGNED' | 'CERT_HOSTNAME_MISMATCH'
  | 'CERT_INSECURE_ALGORITHM' | 'CERT_REVOKED' | 'CERT_PIN_MISMATCH' | 'CERT_PURPOSE' | 'CERT_WEAK_KEY'
  | 'CERT_NAME_CONSTRAINTS' | 'CERT_INVALID' | 'CERT_REJECTED'
  | 'URL' | 'RESOLVE' | 'CONNECT' | 'TLS' | 'TIMEOUT' | 'PROTOCOL' | 'CONNECTION_CLOSED' | 'TOO_LARGE'
  | 'CANCELLED' | 'TOO_MANY_REDIRECTS' | 'CLOSED';

export class SslbindError extends Error {
  /** the sslbind error name, e.g. 'CERT_EXPIRED' */
  readonly code: ErrorCode | string;
  /** the negative C code */
  readonly errno: number;
}
export class InvalidArgumentError extends SslbindError {}
export class InvalidURLError extends SslbindError {}
export class OutOfMemoryError extends SslbindError {}
export class FileError extends SslbindError {}
export class UnsupportedError extends SslbindError {}
export class InternalError extends SslbindError {}
export class KeystoreError extends SslbindError {}
export class BadPasswordError extends KeystoreError {}
export class PasswordRequiredError extends KeystoreError {}
export class EntryNotFoundError extends KeystoreError {}
export class TLSError extends SslbindError {}
export interface PresentedCertificate {
  index: number;
  subject: string;
  issuer?: string;
  sans?: Array<[string, string]>;
  notBefore?: Date | null;
  notAfter?: Date | null;
  key?: string;
  signature?: string;
  pin?: string;
}
export class CertificateVerifyError extends TLSError {
  readonly reason: string;
  readonly host: string | null;
  readonly chain: PresentedCertificate[];
  readonly report: string;
}
export class ConnectionError extends SslbindError {}
export class TimeoutError extends SslbindError {}
export class ProtocolError extends SslbindError {}
export class TooManyRedirectsError extends ProtocolError {}
export class TooLargeError extends SslbindError {}
export class CancelledError extends SslbindError {}
export class AbortError extends CancelledError {}
