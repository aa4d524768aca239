/*
 * sslbind - verified HTTPS requests with the SSL configuration you already
 * have (Java keystores, PKCS#12, PEM, the system store).
 *
 * This is the one public header. Every type is opaque; every function that
 * can fail returns 0 on success or a negative SSLB_ERR_* code, and leaves a
 * detailed message on the handle it was called on (sslb_<object>_last_error).
 * No message ever contains a password or key material.
 *
 * Conventions:
 *  - Constructors `int sslb_x_new(sslb_x **out, ...)` set *out to NULL on
 *    failure; destructors `sslb_x_free()` accept NULL.
 *  - Strings passed in are UTF-8, NUL-terminated, and copied before the call
 *    returns. Binary input is (const uint8_t *, size_t).
 *  - A returned `const char *` is borrowed: its lifetime is documented on the
 *    function. Memory the library allocates for the caller is released with
 *    sslb_free().
 *  - A NULL handle or an out-of-range argument returns SSLB_ERR_INVALID_ARGUMENT
 *    (or NULL / 0 where the function returns a value), never a crash.
 */
#ifndef SSLBIND_SSLBIND_H
#define SSLBIND_SSLBIND_H

#include <stddef.h>
#include <stdint.h>

#include <sslbind/version.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SSLB_STATIC)
#define SSLB_EXTERN
#elif defined(BUILDING_SSLBIND)
#define SSLB_EXTERN __attribute__((visibility("default")))
#else
#define SSLB_EXTERN
#endif

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/**
 * The error table: XX(NAME, value, message). Codes are negative, stable and
 * append-only; a binding may rely on both the value and the name.
 */
#define SSLB_ERROR_MAP(XX)                                                     \
  XX(INVALID_ARGUMENT, -1, "invalid argument")                                 \
  XX(NO_MEMORY, -2, "out of memory")                                           \
  XX(IO, -3, "file could not be read or written")                              \
  XX(NOT_FOUND, -4, "no entry with that alias")                                \
  XX(UNSUPPORTED, -5, "unsupported algorithm or feature")                      \
  XX(INTERNAL, -6, "internal error in a cryptographic primitive")              \
  XX(KEYSTORE_FORMAT, -10, "data is not a recognised keystore format")         \
  XX(KEYSTORE_TRUNCATED, -11, "keystore data ends too early")                  \
  XX(KEYSTORE_CORRUPT, -12, "keystore data is malformed")                      \
  XX(BAD_PASSWORD, -13, "wrong password (or the keystore was modified)")       \
  XX(KEYSTORE_INTEGRITY, -14, "keystore integrity check failed: the data "     \
                              "was modified")                                  \
  XX(DUPLICATE_ALIAS, -15, "alias occurs more than once")                      \
  XX(KEY_LOCKED, -16, "private key is still encrypted: unlock it with its "    \
                      "key password")                                          \
  XX(BAD_KEY_PASSWORD, -17, "wrong key password")                              \
  XX(CERTIFICATE, -18, "certificate could not be parsed")                      \
  XX(PRIVATE_KEY, -19, "private key could not be parsed or does not match "    \
                       "its certificate")                                      \
  XX(LIMIT, -20, "a size or count exceeds the supported limit")                \
  XX(ALIAS_EXISTS, -21, "an entry with that alias already exists")             \
  XX(WRONG_ENTRY_KIND, -22, "entry is of the wrong kind for this operation")   \
  XX(PASSWORD_REQUIRED, -23, "a password is required")                        \
  XX(CERT_EXPIRED, -30, "certificate has expired")                             \
  XX(CERT_NOT_YET_VALID, -31, "certificate is not yet valid")                  \
  XX(CERT_UNKNOWN_ISSUER, -32, "certificate issuer is unknown: no path to a "  \
                               "trusted certificate")                          \
  XX(CERT_SELF_SIGNED, -33, "certificate is self-signed and not trusted")      \
  XX(CERT_HOSTNAME_MISMATCH, -34, "certificate is not valid for the host "     \
                                  "name")                                      \
  XX(CERT_INSECURE_ALGORITHM, -35, "certificate is signed with an insecure "   \
                                   "algorithm")                                \
  XX(CERT_REVOKED, -36, "certificate has been revoked")                        \
  XX(CERT_PIN_MISMATCH, -37, "no certificate of the chain matches a pinned "   \
                             "public key")                                     \
  XX(CERT_PURPOSE, -38, "certificate is not valid for TLS server "             \
                        "authentication (extended key usage)")                 \
  XX(CERT_WEAK_KEY, -39, "certificate key is too weak")                        \
  XX(CERT_NAME_CONSTRAINTS, -40, "host name is outside the name constraints "  \
                                 "of an issuing CA")                           \
  XX(CERT_INVALID, -41, "certificate chain is invalid (signature, CA "         \
                        "constraints or encoding)")                            \
  XX(CERT_REJECTED, -42, "the application's verify callback rejected the "     \
                         "certificate")                                        \
  XX(URL, -50, "the URL is malformed or not https/http")                       \
  XX(RESOLVE, -51, "the host name could not be resolved")                      \
  XX(CONNECT, -52, "the connection could not be established")                  \
  XX(TLS, -53, "the TLS handshake or record layer failed")                     \
  XX(TIMEOUT, -54, "the operation timed out")                                  \
  XX(PROTOCOL, -55, "the server broke the HTTP protocol")                      \
  XX(CONNECTION_CLOSED, -56, "the server closed the connection before the "    \
                             "response was complete")                          \
  XX(TOO_LARGE, -57, "the response exceeds a configured size limit")           \
  XX(CANCELLED, -58, "the request was cancelled")                             \
  XX(TOO_MANY_REDIRECTS, -59, "the redirect limit was reached")

/** Error codes. 0 is success. */
typedef enum {
  SSLB_OK = 0,
#define SSLB_XX_ENUM(name, value, msg) SSLB_ERR_##name = value,
  SSLB_ERROR_MAP(SSLB_XX_ENUM)
#undef SSLB_XX_ENUM
} sslb_error;

/**
 * The stable name of an error code, e.g. "BAD_PASSWORD"; "OK" for 0 and
 * "UNKNOWN" for a code not in the table. Static storage, never NULL.
 */
SSLB_EXTERN const char *sslb_error_name(int code);

/**
 * A one-line English description of an error code. Static storage, never
 * NULL. The handle's last_error function gives the detailed message.
 */
SSLB_EXTERN const char *sslb_strerror(int code);

/* ------------------------------------------------------------------------ */
/* Library                                                                  */
/* ------------------------------------------------------------------------ */

/** The library's version string at run time, e.g. "0.1.0". Static storage. */
SSLB_EXTERN const char *sslb_version(void);

/**
 * The library's version as (major << 16) | (minor << 8) | patch. Bindings
 * compare it with SSLB_VERSION_NUMBER of the header they were written for.
 */
SSLB_EXTERN unsigned sslb_version_number(void);

/** Releases memory the library allocated for the caller. NULL is a no-op. */
SSLB_EXTERN void sslb_free(void *p);

/* ------------------------------------------------------------------------ */
/* Certificates                                                             */
/* ------------------------------------------------------------------------ */

/**
 * An X.509 certificate: immutable and reference-counted, so it may be shared
 * between keystores and threads. All strings it returns live as long as the
 * certificate handle.
 */
typedef struct sslb_certificate sslb_certificate;

/** Kinds of subject alternative name. */
typedef enum {
  SSLB_SAN_DNS = 1,
  SSLB_SAN_IP = 2,
  SSLB_SAN_EMAIL = 3,
  SSLB_SAN_URI = 4,
  SSLB_SAN_OTHER = 5
} sslb_san_type;

/**
 * Parses one certificate from DER or PEM (the first certificate of a PEM
 * bundle).
 *
 * @param out  receives a new reference; NULL on failure.
 * @return 0, SSLB_ERR_INVALID_ARGUMENT, SSLB_ERR_CERTIFICATE, SSLB_ERR_NO_MEMORY.
 */
SSLB_EXTERN int sslb_certificate_new(sslb_certificate **out,
                                     const uint8_t *data, size_t len);

/** Takes another reference to a certificate and returns it (NULL-safe). */
SSLB_EXTERN sslb_certificate *sslb_certificate_ref(sslb_certificate *cert);

/** Drops one reference; the last one frees the certificate. NULL-safe. */
SSLB_EXTERN void sslb_certificate_free(sslb_certificate *cert);

/** Subject DN in RFC 4514 form, e.g. "CN=localhost,O=Example". */
SSLB_EXTERN const char *sslb_certificate_subject(const sslb_certificate *cert);
/** Issuer DN in RFC 4514 form. */
SSLB_EXTERN const char *sslb_certificate_issuer(const sslb_certificate *cert);
/** Serial number as lower-case hex without separators, as keytool prints it. */
SSLB_EXTERN const char *sslb_certificate_serial(const sslb_certificate *cert);
/** Start of validity, seconds since the Unix epoch (UTC); -1 on NULL. */
SSLB_EXTERN int64_t sslb_certificate_not_before(const sslb_certificate *cert);
/** End of validity, seconds since the Unix epoch (UTC); -1 on NULL. */
SSLB_EXTERN int64_t sslb_certificate_not_after(const sslb_certificate *cert);
/** SHA-256 fingerprint as upper-case hex pairs joined by ':' (keytool form). */
SSLB_EXTERN const char *
sslb_certificate_sha256_fingerprint(const sslb_certificate *cert);
/** SHA-1 fingerprint in the same form. */
SSLB_EXTERN const char *
sslb_certificate_sha1_fingerprint(const sslb_certificate *cert);
/** SPKI pin "sha256/<base64>", as OkHttp's CertificatePinner and curl print it. */
SSLB_EXTERN const char *sslb_certificate_spki_pin(const sslb_certificate *cert);
/** Public key algorithm: "RSA", "EC", "Ed25519", "Ed448", "DSA" or "unknown". */
SSLB_EXTERN const char *
sslb_certificate_key_algorithm(const sslb_certificate *cert);
/** Public key size in bits (curve size for EC); 0 if unknown or NULL. */
SSLB_EXTERN unsigned sslb_certificate_key_bits(const sslb_certificate *cert);
/** Signature algorithm name, e.g. "ECDSA-SHA256", "RSA-SHA256". */
SSLB_EXTERN const char *
sslb_certificate_signature_algorithm(const sslb_certificate *cert);
/** 1 when basicConstraints says CA, 0 otherwise (and for NULL). */
SSLB_EXTERN int sslb_certificate_is_ca(const sslb_certificate *cert);
/** Number of subject alternative names. */
SSLB_EXTERN size_t sslb_certificate_san_count(const sslb_certificate *cert);
/** Kind of SAN i (sslb_san_type), or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_certificate_san_type(const sslb_certificate *cert,
                                          size_t i);
/**
 * Value of SAN i: the DNS name, the IP address in canonical text form
 * (RFC 5952 for IPv6), the e-mail address or the URI; NULL out of range.
 */
SSLB_EXTERN const char *sslb_certificate_san_value(const sslb_certificate *cert,
                                                   size_t i);
/**
 * The certificate's DER encoding, borrowed for the life of the handle.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN int sslb_certificate_der(const sslb_certificate *cert,
                                     const uint8_t **der, size_t *len);
/**
 * The certificate in PEM form, allocated for the caller (sslb_free).
 * @return 0, SSLB_ERR_INVALID_ARGUMENT or SSLB_ERR_NO_MEMORY.
 */
SSLB_EXTERN int sslb_certificate_pem(const sslb_certificate *cert, char **pem);

/* ------------------------------------------------------------------------ */
/* Keystores                                                                */
/* ------------------------------------------------------------------------ */

/**
 * A keystore: ordered entries, each with a unique alias. Loading replaces
 * the contents; a failed load leaves the store as it was. A keystore handle
 * may be read from several threads at once but must not be modified
 * concurrently with any other use.
 */
typedef struct sslb_keystore sslb_keystore;

/** Container formats, as sniffed from the bytes or chosen for saving. */
typedef enum {
  SSLB_FORMAT_UNKNOWN = 0,
  SSLB_FORMAT_JKS = 1,    /**< Sun JKS, magic FEEDFEED (weak: for Java peers) */
  SSLB_FORMAT_JCEKS = 2,  /**< Sun JCEKS, magic CECECECE (read only) */
  SSLB_FORMAT_PKCS12 = 3, /**< PKCS#12 / PFX (default for saving) */
  SSLB_FORMAT_PEM = 4,    /**< PEM bundle of certificates and keys */
  SSLB_FORMAT_DER = 5     /**< one DER certificate (read only) */
} sslb_format;

/** Kinds of keystore entry. */
typedef enum {
  SSLB_ENTRY_PRIVATE_KEY = 1,  /**< private key with its certificate chain */
  SSLB_ENTRY_TRUSTED_CERT = 2, /**< a certificate trusted as an anchor */
  SSLB_ENTRY_SECRET_KEY = 3    /**< symmetric key (listed, never decoded) */
} sslb_entry_kind;

/**
 * Creates an empty keystore.
 * @return 0, SSLB_ERR_INVALID_ARGUMENT (out is NULL), SSLB_ERR_NO_MEMORY.
 */
SSLB_EXTERN int sslb_keystore_new(sslb_keystore **out);

/** Frees a keystore, wiping key material and passwords. NULL-safe. */
SSLB_EXTERN void sslb_keystore_free(sslb_keystore *ks);

/**
 * The detailed message of the last failed call on this keystore ("" when
 * none). Borrowed: valid until the next call on the same handle.
 */
SSLB_EXTERN const char *sslb_keystore_last_error(const sslb_keystore *ks);

/**
 * Loads a keystore from memory, replacing the current entries. The format is
 * sniffed from the bytes (JKS, JCEKS, PKCS#12, PEM, DER certificate).
 *
 * The store password verifies the store's integrity (JKS/JCEKS digest,
 * PKCS#12 MAC) and decrypts private keys protected by the same password;
 * keys protected by another password stay locked until
 * sslb_keystore_unlock_key(). A NULL password skips the integrity check of a
 * JKS/JCEKS store (as Java does) and is the only way to read a password-less
 * PKCS#12 store.
 *
 * @return 0; SSLB_ERR_INVALID_ARGUMENT; SSLB_ERR_KEYSTORE_FORMAT (no known
 *   magic); SSLB_ERR_KEYSTORE_TRUNCATED; SSLB_ERR_KEYSTORE_CORRUPT;
 *   SSLB_ERR_BAD_PASSWORD (integrity check failed and the password could not
 *   be shown right); SSLB_ERR_KEYSTORE_INTEGRITY (password right, data
 *   modified); SSLB_ERR_DUPLICATE_ALIAS; SSLB_ERR_CERTIFICATE;
 *   SSLB_ERR_PRIVATE_KEY; SSLB_ERR_LIMIT; SSLB_ERR_UNSUPPORTED;
 *   SSLB_ERR_PASSWORD_REQUIRED (a PEM key is encrypted and no password given);
 *   SSLB_ERR_NO_MEMORY.
 */
SSLB_EXTERN int sslb_keystore_load(sslb_keystore *ks, const uint8_t *data,
                                   size_t len, const char *password);

/**
 * Loads a keystore from a file (read whole, then closed; see
 * sslb_keystore_load for the rules and codes). Adds SSLB_ERR_IO.
 */
SSLB_EXTERN int sslb_keystore_load_file(sslb_keystore *ks, const char *path,
                                        const char *password);

/** The format the store was last loaded from, or SSLB_FORMAT_UNKNOWN. */
SSLB_EXTERN int sslb_keystore_format(const sslb_keystore *ks);

/** Sniffs the container format of some bytes without parsing them further. */
SSLB_EXTERN int sslb_keystore_sniff(const uint8_t *data, size_t len);

/** Name of a format ("JKS", "JCEKS", "PKCS12", "PEM", "DER", "unknown"). */
SSLB_EXTERN const char *sslb_keystore_format_name(int format);

/** Number of entries (0 for NULL). */
SSLB_EXTERN size_t sslb_keystore_size(const sslb_keystore *ks);

/**
 * Finds an entry by alias. Aliases compare case-insensitively for ASCII
 * letters, as Java's keystores do.
 * @return 0 and *index set, SSLB_ERR_NOT_FOUND, SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN int sslb_keystore_find(sslb_keystore *ks, const char *alias,
                                   size_t *index);

/** Alias of entry i (UTF-8), borrowed until the store changes; NULL if out
 * of range. */
SSLB_EXTERN const char *sslb_keystore_entry_alias(const sslb_keystore *ks,
                                                  size_t i);

/** Kind of entry i (sslb_entry_kind), or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_keystore_entry_kind(const sslb_keystore *ks, size_t i);

/**
 * Creation date of entry i in milliseconds since the epoch, as stored by
 * JKS/JCEKS; -1 when the format stores none (PKCS#12, PEM) or out of range.
 */
SSLB_EXTERN int64_t sslb_keystore_entry_created(const sslb_keystore *ks,
                                                size_t i);

/**
 * Algorithm of entry i's key: "RSA", "EC", "Ed25519" ... for private keys
 * (from the leaf certificate), the stored algorithm name for secret keys
 * when known, "" otherwise; NULL if out of range. Borrowed until the store
 * changes.
 */
SSLB_EXTERN const char *sslb_keystore_entry_algorithm(const sslb_keystore *ks,
                                                      size_t i);

/** Number of certificates of entry i (1 for a trusted certificate). */
SSLB_EXTERN size_t sslb_keystore_entry_chain_length(const sslb_keystore *ks,
                                                    size_t i);

/**
 * Certificate `pos` of entry i's chain (0 is the leaf).
 * @param out receives a new reference (sslb_certificate_free).
 * @return 0, SSLB_ERR_INVALID_ARGUMENT (NULL or out of range).
 */
SSLB_EXTERN int sslb_keystore_entry_certificate(const sslb_keystore *ks,
                                                size_t i, size_t pos,
                                                sslb_certificate **out);

/**
 * 1 when entry i is a private key still encrypted (its key password differs
 * from the store password), 0 otherwise, SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN int sslb_keystore_entry_locked(const sslb_keystore *ks, size_t i);

/**
 * Decrypts a locked private key with its own key password (Java's
 * KeyStore.getKey(alias, keyPassword)). Unlocking an already usable key
 * checks nothing and returns 0.
 * @return 0, SSLB_ERR_NOT_FOUND, SSLB_ERR_WRONG_ENTRY_KIND,
 *   SSLB_ERR_BAD_KEY_PASSWORD, SSLB_ERR_PRIVATE_KEY, SSLB_ERR_UNSUPPORTED.
 */
SSLB_EXTERN int sslb_keystore_unlock_key(sslb_keystore *ks, const char *alias,
                                         const char *key_password);

/**
 * Sets the password that protects one private key when the store is saved
 * (JKS key protection, PKCS#12 key bag); without it the store password is
 * used, as keytool does. NULL clears it.
 * @return 0, SSLB_ERR_NOT_FOUND, SSLB_ERR_WRONG_ENTRY_KIND, SSLB_ERR_NO_MEMORY.
 */
SSLB_EXTERN int sslb_keystore_set_key_password(sslb_keystore *ks,
                                               const char *alias,
                                               const char *key_password);

/**
 * Adds a trusted-certificate entry from DER or PEM bytes (first certificate).
 * @return 0, SSLB_ERR_ALIAS_EXISTS, SSLB_ERR_CERTIFICATE, SSLB_ERR_NO_MEMORY,
 *   SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN int sslb_keystore_add_certificate(sslb_keystore *ks,
                                              const char *alias,
                                              const uint8_t *data, size_t len);

/**
 * Adds a private-key entry: a key (PKCS#8 or traditional RSA/EC, DER or PEM,
 * encrypted with key_password or plain) and its chain (PEM bundle, or one
 * DER certificate), leaf first. The leaf must carry the key's public key.
 * @return 0, SSLB_ERR_ALIAS_EXISTS, SSLB_ERR_PRIVATE_KEY,
 *   SSLB_ERR_BAD_KEY_PASSWORD, SSLB_ERR_PASSWORD_REQUIRED,
 *   SSLB_ERR_CERTIFICATE, SSLB_ERR_NO_MEMORY, SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN int sslb_keystore_add_private_key(
    sslb_keystore *ks, const char *alias, const uint8_t *key, size_t key_len,
    const char *key_password, const uint8_t *chain, size_t chain_len);

/**
 * Removes an entry.
 * @return 0, SSLB_ERR_NOT_FOUND, SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN int sslb_keystore_remove(sslb_keystore *ks, const char *alias);

/**
 * Serialises the store. PKCS#12 uses PBES2 (PBKDF2-HMAC-SHA-256, AES-256-CBC)
 * for keys and certificates and an HMAC-SHA-256 MAC; trusted certificates
 * carry Java's trusted-key-usage attribute so that the JDK lists them. JKS
 * uses Sun's key protection and store digest (weak; for Java peers that need
 * it). PEM writes certificates and PKCS#8 keys, encrypted with PBES2/AES-256
 * when a password is given.
 *
 * Locked keys and secret keys cannot be written: unlock them or remove them
 * first.
 *
 * @param out, out_len receive a buffer to release with sslb_free().
 * @return 0, SSLB_ERR_INVALID_ARGUMENT, SSLB_ERR_UNSUPPORTED (format cannot
 *   be written, or a secret-key entry), SSLB_ERR_KEY_LOCKED,
 *   SSLB_ERR_PASSWORD_REQUIRED (JKS and PKCS#12 with keys need a password),
 *   SSLB_ERR_NO_MEMORY, SSLB_ERR_INTERNAL.
 */
SSLB_EXTERN int sslb_keystore_save(sslb_keystore *ks, int format,
                                   const char *password, uint8_t **out,
                                   size_t *out_len);

/**
 * Serialises the store to a file, atomically (temporary file, then rename)
 * and with mode 0600. Codes as sslb_keystore_save, plus SSLB_ERR_IO.
 */
SSLB_EXTERN int sslb_keystore_save_file(sslb_keystore *ks, const char *path,
                                        int format, const char *password);

/* ------------------------------------------------------------------------ */
/* Generating certificates (Ktor's buildKeyStore / generateCertificate)     */
/* ------------------------------------------------------------------------ */

/** What a generated certificate is for (Ktor's KeyType). */
typedef enum {
  SSLB_KEY_TYPE_SERVER = 0, /**< serverAuth EKU, DNS and IP SANs */
  SSLB_KEY_TYPE_CLIENT = 1, /**< clientAuth EKU */
  SSLB_KEY_TYPE_CA = 2      /**< basicConstraints CA, keyCertSign */
} sslb_key_type;

/** Key algorithms for generated keys. */
typedef enum {
  SSLB_KEY_ALG_EC_P256 = 0, /**< default */
  SSLB_KEY_ALG_EC_P384 = 1,
  SSLB_KEY_ALG_RSA = 2, /**< size from sslb_cert_spec_set_key_size, >= 2048 */
  SSLB_KEY_ALG_ED25519 = 3
} sslb_key_algorithm;

/**
 * The description of a certificate to generate (Ktor's
 * `certificate("alias") { ... }` block). Defaults: Server, EC P-256,
 * SHA-256 signature, 3 days valid (Ktor's default), subject "CN=localhost",
 * self-signed; a Server certificate with no domain and no IP address added
 * gets localhost, 127.0.0.1 and ::1.
 */
typedef struct sslb_cert_spec sslb_cert_spec;

/** Creates a spec with the defaults. @return 0, SSLB_ERR_INVALID_ARGUMENT,
 * SSLB_ERR_NO_MEMORY. */
SSLB_EXTERN int sslb_cert_spec_new(sslb_cert_spec **out);
/** Frees a spec (wiping the password and any issuer key). NULL-safe. */
SSLB_EXTERN void sslb_cert_spec_free(sslb_cert_spec *spec);
/** Last detailed message of a failed call on the spec; borrowed. */
SSLB_EXTERN const char *sslb_cert_spec_last_error(const sslb_cert_spec *spec);
/** Sets the kind (sslb_key_type). @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_cert_spec_set_key_type(sslb_cert_spec *spec, int type);
/** Sets the key algorithm (sslb_key_algorithm). @return 0 or
 * SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_cert_spec_set_key_algorithm(sslb_cert_spec *spec,
                                                 int algorithm);
/** RSA key size: 2048 to 8192 (Ktor's keySizeInBits; smaller is refused).
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_cert_spec_set_key_size(sslb_cert_spec *spec,
                                            unsigned bits);
/** Subject DN in RFC 4514 form, e.g. "CN=localhost,O=Example".
 * @return 0, SSLB_ERR_INVALID_ARGUMENT (malformed DN), SSLB_ERR_NO_MEMORY. */
SSLB_EXTERN int sslb_cert_spec_set_subject(sslb_cert_spec *spec,
                                           const char *dn);
/** Adds a DNS name SAN (Ktor's domains). @return 0, INVALID_ARGUMENT,
 * NO_MEMORY, LIMIT. */
SSLB_EXTERN int sslb_cert_spec_add_domain(sslb_cert_spec *spec,
                                          const char *domain);
/** Adds an IP address SAN, IPv4 or IPv6 text (Ktor's ipAddresses).
 * @return 0, INVALID_ARGUMENT (not an address), NO_MEMORY, LIMIT. */
SSLB_EXTERN int sslb_cert_spec_add_ip_address(sslb_cert_spec *spec,
                                              const char *ip);
/** Validity in days from now, 1 to 36500 (Ktor's daysValid).
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_cert_spec_set_days_valid(sslb_cert_spec *spec,
                                              unsigned days);
/** The entry's key password (Ktor's password); NULL clears it.
 * @return 0, SSLB_ERR_INVALID_ARGUMENT, SSLB_ERR_NO_MEMORY. */
SSLB_EXTERN int sslb_cert_spec_set_password(sslb_cert_spec *spec,
                                            const char *password);
/**
 * Signs with a private-key entry of another store (Ktor's signWith). The
 * issuer's key and certificate are copied now; the store may be freed.
 * @param key_password NULL when the key is already usable.
 * @return 0, SSLB_ERR_NOT_FOUND, SSLB_ERR_WRONG_ENTRY_KIND,
 *   SSLB_ERR_KEY_LOCKED, SSLB_ERR_BAD_KEY_PASSWORD, SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN int sslb_cert_spec_sign_with(sslb_cert_spec *spec,
                                         sslb_keystore *issuer,
                                         const char *alias,
                                         const char *key_password);

/**
 * Generates a key and certificate from the spec and adds them to the store
 * as a private-key entry (chain: the new certificate, then the issuer's
 * chain). The spec's password becomes the entry's key password.
 * @return 0, SSLB_ERR_ALIAS_EXISTS, SSLB_ERR_INVALID_ARGUMENT,
 *   SSLB_ERR_INTERNAL, SSLB_ERR_NO_MEMORY.
 */
SSLB_EXTERN int sslb_keystore_generate(sslb_keystore *ks, const char *alias,
                                       const sslb_cert_spec *spec);

/**
 * Ktor's generateCertificate(file, ...): generates one self-signed entry and
 * writes it to a new keystore file.
 * @param spec NULL for the defaults.
 * @param format SSLB_FORMAT_JKS (Ktor's choice) or SSLB_FORMAT_PKCS12 ...
 * @param key_password NULL for the store password.
 * @return codes of sslb_keystore_generate and sslb_keystore_save_file.
 */
SSLB_EXTERN int sslb_generate_certificate(const char *path, int format,
                                          const char *alias,
                                          const char *key_password,
                                          const char *store_password,
                                          const sslb_cert_spec *spec);

/* ------------------------------------------------------------------------ */
/* Trust managers (JSSE's X509TrustManager)                                 */
/* ------------------------------------------------------------------------ */

/**
 * A built trust manager: anchors, revocation lists and verification policy.
 * Immutable and reference-counted; safe to share between clients and
 * threads.
 *
 * Verification is stricter than GnuTLS's own: host names match subject
 * alternative names only (never the subject CN; DNS names with RFC 6125
 * wildcards in the leftmost label only; IP addresses byte for byte), the
 * requested name must lie outside every excluded name-constraint subtree of
 * the issuing CAs, the leaf must allow TLS server authentication (EKU), keys
 * must be at least 2048-bit RSA / 256-bit EC, and SHA-1 signatures are
 * refused. When the presented chain has several possible issuers, every path
 * to an anchor is tried.
 *
 * On top of that a manager may carry SPKI pins per host pattern (OkHttp's
 * CertificatePinner), an application's verify callback that has the last
 * word (an X509TrustManager of one's own), or, for development only, the
 * insecure trust-all mode. They apply in this order: sslbind's verdict,
 * then the pins, then trust-all, then the callback.
 */
typedef struct sslb_trust_manager sslb_trust_manager;

/** Builds a trust manager: anchors are added in order. */
typedef struct sslb_trust_builder sslb_trust_builder;

/**
 * Creates a builder. It starts with the system trust store as its default
 * anchors (curl and requests do the same); sslb_trust_builder_replace_defaults
 * drops them so that only explicitly added anchors count (Java's
 * TrustManagerFactory.init(keyStore) behaves so).
 * @return 0, SSLB_ERR_INVALID_ARGUMENT, SSLB_ERR_NO_MEMORY.
 */
SSLB_EXTERN int sslb_trust_builder_new(sslb_trust_builder **out);
/** Frees a builder. NULL-safe. */
SSLB_EXTERN void sslb_trust_builder_free(sslb_trust_builder *b);
/** Last detailed message of a failed call on the builder; borrowed. */
SSLB_EXTERN const char *
sslb_trust_builder_last_error(const sslb_trust_builder *b);
/**
 * Replaces the builder's contents with everything a built trust manager
 * holds (anchors, system ones included, revocation lists, time, pins,
 * verify callback, trust-all), to build a variant of it: OkHttp's
 * certificatePinner on top of a trust manager.
 * @return 0, SSLB_ERR_INVALID_ARGUMENT, SSLB_ERR_NO_MEMORY.
 */
SSLB_EXTERN int sslb_trust_builder_init_from(sslb_trust_builder *b,
                                             const sslb_trust_manager *tm);
/** Drops the system store from the anchors. @return 0 or INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_trust_builder_replace_defaults(sslb_trust_builder *b);
/**
 * Adds every certificate of a keystore as an anchor: trusted-certificate
 * entries and the leaf of each private-key entry, as Java's
 * TrustManagerFactory does.
 * @return 0, SSLB_ERR_INVALID_ARGUMENT, SSLB_ERR_NO_MEMORY.
 */
SSLB_EXTERN int sslb_trust_builder_add_keystore(sslb_trust_builder *b,
                                                const sslb_keystore *ks);
/**
 * Adds anchors from memory: a PEM bundle or one DER certificate.
 * @return 0, SSLB_ERR_INVALID_ARGUMENT, SSLB_ERR_CERTIFICATE (nothing
 *   parsable), SSLB_ERR_NO_MEMORY.
 */
SSLB_EXTERN int sslb_trust_builder_add_data(sslb_trust_builder *b,
                                            const uint8_t *data, size_t len);
/**
 * Adds anchors from a PEM/DER file, or from every *.pem, *.crt and *.der
 * file of a directory (hashed-link directories included).
 * @return 0, SSLB_ERR_IO, SSLB_ERR_CERTIFICATE, SSLB_ERR_NO_MEMORY,
 *   SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN int sslb_trust_builder_add_file(sslb_trust_builder *b,
                                            const char *path);
/** Adds one certificate as an anchor. @return 0, INVALID_ARGUMENT,
 * NO_MEMORY. */
SSLB_EXTERN int sslb_trust_builder_add_certificate(sslb_trust_builder *b,
                                                   sslb_certificate *cert);
/**
 * Adds a certificate revocation list (PEM or DER) consulted for every
 * certificate its issuer signed.
 * @return 0, SSLB_ERR_INVALID_ARGUMENT, SSLB_ERR_CERTIFICATE, NO_MEMORY.
 */
SSLB_EXTERN int sslb_trust_builder_add_crl(sslb_trust_builder *b,
                                           const uint8_t *data, size_t len);
/**
 * Fixes the time verification uses (seconds since the epoch; 0 = the clock
 * at each verification). For tests and for diagnosing old chains.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN int sslb_trust_builder_set_time(sslb_trust_builder *b,
                                            int64_t unix_seconds);
/**
 * Pins a public key for the hosts a pattern covers, as OkHttp's
 * CertificatePinner.Builder.add(pattern, pin) does. When a chain verifies
 * for a host that one or more patterns cover, it is trusted only if a
 * certificate of the trusted path (leaf, intermediates or anchor) carries
 * one of those patterns' pins; otherwise verification fails with
 * SSLB_ERR_CERT_PIN_MISMATCH. Pins never make an untrusted chain trusted,
 * and a verification without a host (NULL) checks none.
 *
 * @param host_pattern "example.com" (that host only), "*.example.com" (one
 *   more leftmost label: a.example.com, not example.com nor
 *   a.b.example.com) or "**.example.com" (zero or more labels:
 *   example.com, a.example.com, a.b.example.com); an IP literal matches
 *   that address. Any case; a trailing dot is ignored; internationalized
 *   names in their ASCII (xn--) form. Copied.
 * @param pin "sha256/" + base64 of the SHA-256 of the certificate's
 *   SubjectPublicKeyInfo, as sslb_certificate_spki_pin() and `curl
 *   --pinnedpubkey` print it (URL-safe base64 and missing padding are
 *   accepted too). SHA-1 pins ("sha1/") are refused. Copied.
 * A pattern may have several pins (any one of them suffices) and a host
 * several patterns (their pins are pooled); adding a pair twice is a
 * no-op.
 * @return 0; SSLB_ERR_INVALID_ARGUMENT (b, host_pattern or pin NULL; a
 *   pattern that is empty, has '*' other than as a leading "*." or "**.",
 *   or is not a host name; a pin that is not "sha256/" + base64 of 32
 *   bytes: the builder's last_error says which); SSLB_ERR_LIMIT (more than
 *   10000 pins); SSLB_ERR_NO_MEMORY.
 */
SSLB_EXTERN int sslb_trust_builder_add_pin(sslb_trust_builder *b,
                                           const char *host_pattern,
                                           const char *pin);

/**
 * An application's own verification step, called with sslbind's verdict on
 * every chain the manager verifies (Java's X509TrustManager
 * checkServerTrusted with OkHttp's hostnameVerifier: it sees the whole
 * decision and has the last word).
 *
 * It is called on the thread that verifies (a client's I/O thread, during
 * the handshake): it must not block for long, and when the manager is
 * shared it may run on several threads at once. It must not free the
 * manager it was called from.
 *
 * @param user_data as given to sslb_trust_builder_set_verify_callback.
 * @param host      the name checked, or NULL when the caller checked none.
 * @param chain     the presented chain, leaf first, borrowed for the call
 *                  (sslb_certificate_ref keeps one).
 * @param verdict   sslbind's verdict, pins included: 0 when trusted (always
 *                  0 for an insecure trust-all manager), otherwise the
 *                  SSLB_ERR_CERT_* code verification would return.
 * @param report    the report sslb_trust_manager_verify gives, with the
 *                  verdict as its result line; borrowed for the call, never
 *                  NULL ("" when it could not be made).
 * @return 0 to accept the chain (even one sslbind rejected); a negative
 *   SSLB_ERR_CERT_* code to reject it with that code (returning `verdict`
 *   keeps sslbind's decision); any other value rejects it with
 *   SSLB_ERR_CERT_REJECTED.
 */
typedef int (*sslb_verify_fn)(void *user_data, const char *host,
                              sslb_certificate *const *chain,
                              size_t chain_len, int verdict,
                              const char *report);

/**
 * Sets the verify callback of managers built from now on; NULL fn clears
 * it. A manager calls it exactly once per verification that reaches a
 * verdict (not when the arguments are invalid or memory runs out first).
 * @param user_data passed to fn as is; it and fn must stay valid as long
 *   as any manager built with them (or a context or client holding one)
 *   lives.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT (b NULL).
 */
SSLB_EXTERN int sslb_trust_builder_set_verify_callback(sslb_trust_builder *b,
                                                       sslb_verify_fn fn,
                                                       void *user_data);

/**
 * INSECURE: makes managers built from now on accept every chain: expired,
 * self-signed, issued by anyone, for any host, with no pinned key. FOR
 * DEVELOPMENT AGAINST A SELF-SIGNED SERVER ONLY; never ship it: anyone on
 * the network path can read and change such connections. Prefer trusting
 * the server's own certificate (sslb_trust_builder_add_certificate).
 *
 * The manager still verifies as usual and reports what it would have said:
 * the report's result line reads "result: NOT VERIFIED (insecure
 * trust-all): would have failed with CERT_...: <message>" (or "... the
 * chain would have been trusted"), and a verify callback still sees the
 * report and has the last word (its verdict argument is 0). Clients log a
 * warning for such managers (sslb_trust_manager_is_insecure). There is no
 * way back on this builder: use a new one.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT (b NULL).
 */
SSLB_EXTERN int sslb_trust_builder_insecure_trust_all(sslb_trust_builder *b);
/**
 * Builds the trust manager. The builder may be reused or freed afterwards.
 * @return 0, SSLB_ERR_IO (system store unreadable), SSLB_ERR_NO_MEMORY,
 *   SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN int sslb_trust_builder_build(sslb_trust_builder *b,
                                         sslb_trust_manager **out);

/** Takes another reference (NULL-safe); returns tm. */
SSLB_EXTERN sslb_trust_manager *sslb_trust_manager_ref(sslb_trust_manager *tm);
/** Drops one reference. NULL-safe. */
SSLB_EXTERN void sslb_trust_manager_free(sslb_trust_manager *tm);
/** Number of anchors (system ones included). 0 for NULL. */
SSLB_EXTERN size_t sslb_trust_manager_anchor_count(const sslb_trust_manager *tm);
/**
 * 1 when tm was built with sslb_trust_builder_insecure_trust_all (it
 * verifies nothing), 0 otherwise and for NULL.
 */
SSLB_EXTERN int sslb_trust_manager_is_insecure(const sslb_trust_manager *tm);

/**
 * Verifies a presented chain (leaf first, then any intermediates in any
 * order) for a host name or IP literal.
 *
 * @param host   the name the client asked for; NULL skips the name check
 *               (a client never does that).
 * @param report receives, when not NULL, a text for people: the host
 *               checked, the outcome and the presented chain (subject,
 *               SANs, validity and SPKI pin of each certificate), and when
 *               a trusted path was found, that path to the anchor. Its
 *               "result:" line says when a verify callback overrode
 *               sslbind's verdict, or that an insecure trust-all manager
 *               did not enforce it. Release with sslb_free.
 * @return 0 when trusted (or accepted by the verify callback, or by an
 *   insecure trust-all manager); otherwise the most specific of
 *   SSLB_ERR_CERT_EXPIRED, _NOT_YET_VALID, _UNKNOWN_ISSUER, _SELF_SIGNED,
 *   _HOSTNAME_MISMATCH, _INSECURE_ALGORITHM, _REVOKED, _PURPOSE, _WEAK_KEY,
 *   _NAME_CONSTRAINTS, _INVALID; SSLB_ERR_CERT_PIN_MISMATCH (trusted, but
 *   no trusted path carries a key pinned for host); SSLB_ERR_CERT_REJECTED
 *   or the callback's own SSLB_ERR_CERT_* code (the verify callback
 *   refused); SSLB_ERR_INVALID_ARGUMENT; NO_MEMORY.
 */
SSLB_EXTERN int sslb_trust_manager_verify(sslb_trust_manager *tm,
                                          sslb_certificate *const *chain,
                                          size_t chain_len, const char *host,
                                          char **report);

/* ------------------------------------------------------------------------ */
/* Key managers, SSL contexts, socket factories (JSSE's KeyManagerFactory,  */
/* SSLContext and SSLSocketFactory)                                         */
/* ------------------------------------------------------------------------ */

/**
 * Client identities for mutual TLS: certificate chains and their private
 * keys, as Java's KeyManagerFactory.init(keyStore, password) makes them.
 * Immutable and reference-counted. With several identities, the one whose
 * chain the server's certificate request accepts (its CA names and
 * signature algorithms) is presented; with none acceptable, none is.
 */
typedef struct sslb_key_manager sslb_key_manager;

/**
 * Makes a key manager from a keystore's private-key entries: the one named
 * `alias`, or every one when `alias` is NULL. A key still locked (its key
 * password differs from the store's) is unlocked with `key_password`.
 * Chains and keys are shared with the keystore, which may be freed
 * afterwards.
 * @return 0; SSLB_ERR_INVALID_ARGUMENT; SSLB_ERR_NOT_FOUND (no such alias, or
 *   no private-key entry at all); SSLB_ERR_WRONG_ENTRY_KIND (the alias is a
 *   trusted certificate); SSLB_ERR_KEY_LOCKED (no key_password for a locked
 *   key); SSLB_ERR_BAD_KEY_PASSWORD; SSLB_ERR_NO_MEMORY. Details in the
 *   keystore's last_error.
 */
SSLB_EXTERN int sslb_key_manager_new(sslb_key_manager **out,
                                     sslb_keystore *ks, const char *alias,
                                     const char *key_password);
/** Takes another reference (NULL-safe); returns km. */
SSLB_EXTERN sslb_key_manager *sslb_key_manager_ref(sslb_key_manager *km);
/** Drops one reference. NULL-safe. */
SSLB_EXTERN void sslb_key_manager_free(sslb_key_manager *km);
/** Number of identities (0 for NULL). */
SSLB_EXTERN size_t sslb_key_manager_count(const sslb_key_manager *km);
/** Alias of identity i (borrowed while km lives), NULL when out of range. */
SSLB_EXTERN const char *sslb_key_manager_alias(const sslb_key_manager *km,
                                               size_t i);
/** Leaf certificate of identity i (borrowed while km lives), or NULL. */
SSLB_EXTERN sslb_certificate *
sslb_key_manager_certificate(const sslb_key_manager *km, size_t i);

/**
 * An SSL context: key manager, trust manager, TLS versions and cipher
 * suites, compiled once into GnuTLS credentials and a priority cache.
 * Immutable and reference-counted: share it between clients and threads.
 * The defaults are strict whatever made the context: TLS 1.2 and 1.3,
 * AEAD suites only.
 */
typedef struct sslb_ssl_context sslb_ssl_context;

/**
 * SSLContext.getInstance("TLS").init(keyManagers, trustManagers, random):
 * `km` NULL presents no client certificate, `tm` NULL trusts the system
 * store. (There is no `random`: GnuTLS draws from the system's generator.)
 * @return 0, SSLB_ERR_INVALID_ARGUMENT, SSLB_ERR_IO (system store
 *   unreadable), SSLB_ERR_TLS (GnuTLS refused a key), SSLB_ERR_NO_MEMORY.
 */
SSLB_EXTERN int sslb_ssl_context_new(sslb_ssl_context **out,
                                     sslb_key_manager *km,
                                     sslb_trust_manager *tm);
/** Takes another reference (NULL-safe); returns ctx. */
SSLB_EXTERN sslb_ssl_context *sslb_ssl_context_ref(sslb_ssl_context *ctx);
/** Drops one reference. NULL-safe. */
SSLB_EXTERN void sslb_ssl_context_free(sslb_ssl_context *ctx);
/** The context's trust manager (borrowed while ctx lives). */
SSLB_EXTERN sslb_trust_manager *
sslb_ssl_context_trust_manager(const sslb_ssl_context *ctx);
/** The context's key manager (borrowed), NULL when it has none. */
SSLB_EXTERN sslb_key_manager *
sslb_ssl_context_key_manager(const sslb_ssl_context *ctx);
/** Enabled protocols in JSSE names, e.g. "TLSv1.3,TLSv1.2" (borrowed). */
SSLB_EXTERN const char *sslb_ssl_context_protocols(const sslb_ssl_context *ctx);
/** Enabled cipher suites as given to the builder ("" = the defaults). */
SSLB_EXTERN const char *
sslb_ssl_context_cipher_suites(const sslb_ssl_context *ctx);
/** The GnuTLS priority string the context compiled (for diagnosis). */
SSLB_EXTERN const char *sslb_ssl_context_priority(const sslb_ssl_context *ctx);

/** Builds SSL contexts field by field (SSLContext.init plus SSLParameters). */
typedef struct sslb_ssl_context_builder sslb_ssl_context_builder;

/** @return 0, SSLB_ERR_INVALID_ARGUMENT, SSLB_ERR_NO_MEMORY. */
SSLB_EXTERN int sslb_ssl_context_builder_new(sslb_ssl_context_builder **out);
/** Frees a builder. NULL-safe. */
SSLB_EXTERN void sslb_ssl_context_builder_free(sslb_ssl_context_builder *b);
/** Last detailed message of a failed call on the builder; borrowed. */
SSLB_EXTERN const char *
sslb_ssl_context_builder_last_error(const sslb_ssl_context_builder *b);
/** Starts from an existing context's managers, protocols and suites.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_ssl_context_builder_init_from(sslb_ssl_context_builder *b,
                                                   const sslb_ssl_context *ctx);
/** Sets (a reference is taken) or, with NULL, clears the key manager.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int
sslb_ssl_context_builder_set_key_manager(sslb_ssl_context_builder *b,
                                         sslb_key_manager *km);
/** Sets (a reference is taken) or, with NULL, resets to the system store.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int
sslb_ssl_context_builder_set_trust_manager(sslb_ssl_context_builder *b,
                                           sslb_trust_manager *tm);
/**
 * Enabled protocols, comma-separated JSSE names: "TLSv1.3", "TLSv1.2"
 * (SSLParameters.setProtocols). NULL or "" restores both.
 * @return 0; SSLB_ERR_INVALID_ARGUMENT (unknown name); SSLB_ERR_UNSUPPORTED
 *   (TLSv1.1, TLSv1, SSLv3: sslbind speaks TLS 1.2 and 1.3 only).
 */
SSLB_EXTERN int
sslb_ssl_context_builder_set_protocols(sslb_ssl_context_builder *b,
                                       const char *protocols);
/**
 * Enabled cipher suites, comma-separated IANA/JSSE names such as
 * "TLS_AES_128_GCM_SHA256" or "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
 * (SSLParameters.setCipherSuites). GnuTLS enables suites by bulk cipher and
 * key exchange, so the context enables the named ciphers combined with the
 * named key exchanges. NULL or "" restores the defaults.
 * @return 0; SSLB_ERR_INVALID_ARGUMENT (unknown name); SSLB_ERR_UNSUPPORTED
 *   (a suite without AEAD, e.g. CBC or RC4 ones, which sslbind never
 *   enables).
 */
SSLB_EXTERN int
sslb_ssl_context_builder_set_cipher_suites(sslb_ssl_context_builder *b,
                                           const char *cipher_suites);
/**
 * Builds the context; the builder may be reused or freed afterwards.
 * @return 0 or the codes of sslb_ssl_context_new; SSLB_ERR_UNSUPPORTED when
 *   the protocols and cipher suites leave nothing that can be negotiated.
 */
SSLB_EXTERN int sslb_ssl_context_builder_build(sslb_ssl_context_builder *b,
                                               sslb_ssl_context **out);

/**
 * A socket factory: what makes TLS connections from a context
 * (SSLContext.getSocketFactory()). The Android and OkHttp engine styles
 * take one. Immutable and reference-counted.
 */
typedef struct sslb_socket_factory sslb_socket_factory;
/** The context's socket factory (a new reference to release with
 * sslb_socket_factory_free). @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_ssl_context_socket_factory(sslb_ssl_context *ctx,
                                                sslb_socket_factory **out);
/** Takes another reference (NULL-safe); returns f. */
SSLB_EXTERN sslb_socket_factory *
sslb_socket_factory_ref(sslb_socket_factory *f);
/** Drops one reference. NULL-safe. */
SSLB_EXTERN void sslb_socket_factory_free(sslb_socket_factory *f);
/** The context the factory makes connections from (borrowed). */
SSLB_EXTERN sslb_ssl_context *
sslb_socket_factory_context(const sslb_socket_factory *f);

/* ------------------------------------------------------------------------ */
/* SslSettings: the Ktor page's keystore.jks, loaded once                   */
/* ------------------------------------------------------------------------ */

/**
 * The Ktor documentation's `SslSettings` object: one keystore file and its
 * password, from which come the trust manager (every certificate of the
 * store is an anchor, and only those: TrustManagerFactory.init(keyStore))
 * and an SSL context (SSLContext.init(null, trustManagers, null)). The file
 * is read once, when loaded; no handle stays open.
 */
typedef struct sslb_ssl_settings sslb_ssl_settings;

/** @return 0, SSLB_ERR_INVALID_ARGUMENT, SSLB_ERR_NO_MEMORY. */
SSLB_EXTERN int sslb_ssl_settings_new(sslb_ssl_settings **out);
/** Frees the settings (the objects handed out keep their own references).
 * NULL-safe. */
SSLB_EXTERN void sslb_ssl_settings_free(sslb_ssl_settings *s);
/** Last detailed message of a failed call; borrowed. */
SSLB_EXTERN const char *
sslb_ssl_settings_last_error(const sslb_ssl_settings *s);
/**
 * Loads the keystore (any format sslbind reads, sniffed from the bytes) and
 * builds its trust manager and SSL context. Loading again replaces them.
 * @return 0 or the codes of sslb_keystore_load_file (SSLB_ERR_IO,
 *   SSLB_ERR_BAD_PASSWORD, …) and of sslb_ssl_context_new.
 */
SSLB_EXTERN int sslb_ssl_settings_load(sslb_ssl_settings *s, const char *path,
                                       const char *password);
/** getKeyStore(): the loaded keystore (borrowed while s lives), or NULL. */
SSLB_EXTERN sslb_keystore *sslb_ssl_settings_keystore(sslb_ssl_settings *s);
/** getTrustManager(): a new reference (sslb_trust_manager_free).
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT (nothing loaded). */
SSLB_EXTERN int sslb_ssl_settings_trust_manager(sslb_ssl_settings *s,
                                                sslb_trust_manager **out);
/** getSslContext(): a new reference (sslb_ssl_context_free).
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT (nothing loaded). */
SSLB_EXTERN int sslb_ssl_settings_ssl_context(sslb_ssl_settings *s,
                                              sslb_ssl_context **out);

/* ------------------------------------------------------------------------ */
/* HTTPS client                                                             */
/* ------------------------------------------------------------------------ */

/**
 * A client: verification policy, connection pool, one I/O thread that runs
 * an epoll loop for all of its connections, and one resolver thread for
 * host names. Safe to use from many threads at once.
 */
typedef struct sslb_client sslb_client;
/** One request: method, URL, headers, body. Not shared between threads. */
typedef struct sslb_request sslb_request;
/** A complete response: immutable once returned. */
typedef struct sslb_response sslb_response;

/** Which protocols ALPN offers. */
typedef enum {
  SSLB_HTTP_ANY = 0, /**< h2 preferred, http/1.1 accepted (default) */
  SSLB_HTTP_1_1 = 1, /**< http/1.1 only */
  SSLB_HTTP_2 = 2    /**< h2 only: a server without h2 is an error */
} sslb_http_policy;

/**
 * Creates a client verifying servers with `tm` (a reference is taken; NULL
 * means the system trust store).
 * @return 0, SSLB_ERR_INVALID_ARGUMENT, SSLB_ERR_NO_MEMORY, SSLB_ERR_IO (no
 *   system store), SSLB_ERR_TLS (credentials could not be set up).
 */
SSLB_EXTERN int sslb_client_new(sslb_client **out, sslb_trust_manager *tm);
/**
 * Creates a client whose connections come from an SSL context (its trust
 * manager, client identities, protocols and cipher suites); a reference is
 * taken, so the context may be shared by many clients.
 * @return 0, SSLB_ERR_INVALID_ARGUMENT, SSLB_ERR_NO_MEMORY.
 */
SSLB_EXTERN int sslb_client_new_with_context(sslb_client **out,
                                             sslb_ssl_context *ctx);
/** Stops the I/O thread, fails requests still running with
 * SSLB_ERR_CANCELLED, closes connections and frees the client. NULL-safe.
 * Called from one of the client's own callbacks (on its I/O thread) it
 * returns at once, and the client is freed when that callback has
 * returned and the remaining requests have been failed. A client's threads
 * come from a small pool of parked threads that later clients reuse. */
SSLB_EXTERN void sslb_client_free(sslb_client *c);
/**
 * Sets the client's protocol policy (sslb_http_policy): what ALPN offers for
 * requests that set none of their own (sslb_request_set_http_policy). Plain
 * http:// URLs always use HTTP/1.1.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN int sslb_client_set_http_policy(sslb_client *c, int policy);
/** Where the server certificate's names are matched to the host. */
typedef enum {
  /** During the handshake, by the trust manager (the default; Apache's
   * BUILTIN, Jetty's endpoint identification "HTTPS"). */
  SSLB_HOSTNAME_BUILTIN = 0,
  /** After the handshake, by the client, with the same SAN-only rules
   * (Apache's CLIENT). */
  SSLB_HOSTNAME_CLIENT = 1,
  /** Both (Apache's BOTH). */
  SSLB_HOSTNAME_BOTH = 2,
  /** Not at all: the chain is still verified, but any certificate a trusted
   * CA issued to anyone is accepted for any host (Jetty's
   * endpointIdentificationAlgorithm = null). Insecure. */
  SSLB_HOSTNAME_NONE = 3
} sslb_hostname_policy;

/** Sets the client's sslb_hostname_policy.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_client_set_hostname_policy(sslb_client *c, int policy);

/**
 * A hostname verifier (javax.net.ssl.HostnameVerifier, as Android's and
 * OkHttp's engines take): after a handshake whose chain the trust manager
 * accepted, it decides whether the certificate (chain[0], as presented) is
 * right for `host`. Return non-zero to accept; 0 fails the connection with
 * SSLB_ERR_CERT_HOSTNAME_MISMATCH. Runs on the client's I/O thread, for
 * every new connection (resumed ones too); it must not block for long.
 */
typedef int (*sslb_hostname_verifier_fn)(void *user_data, const char *host,
                                         sslb_certificate *const *chain,
                                         size_t chain_len);
/**
 * Sets (NULL clears) a hostname verifier. It replaces the built-in name
 * check, whatever the hostname policy says; user_data must stay valid while
 * the client may call it.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN int sslb_client_set_hostname_verifier(sslb_client *c,
                                                  sslb_hostname_verifier_fn fn,
                                                  void *user_data);
/**
 * Sends `name` as SNI and verifies the server certificate against it for
 * every host this client connects to (Ktor CIO's `serverName`); NULL
 * restores each URL's own host. Connections still go to the URL's host.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT (too long, or spaces, slashes or
 *   line breaks in it).
 */
SSLB_EXTERN int sslb_client_set_server_name(sslb_client *c, const char *name);

/** A connection about to start its TLS handshake, as a connection callback
 * sees it; valid only during the callback. */
typedef struct sslb_connection sslb_connection;
/**
 * Called for each new HTTPS connection before its handshake, on the
 * client's I/O thread (Ktor Android's `sslManager = { connection -> }`).
 * It may choose the connection's socket factory and hostname verifier.
 * Return 0 to go on; anything else fails the requests waiting for the
 * connection with SSLB_ERR_CANCELLED. Must not block for long.
 */
typedef int (*sslb_connection_fn)(void *user_data, sslb_connection *conn);
/** Sets (NULL clears) the connection callback.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_client_set_connection_callback(sslb_client *c,
                                                    sslb_connection_fn fn,
                                                    void *user_data);
/** The host the connection goes to (borrowed for the callback). */
SSLB_EXTERN const char *sslb_connection_host(const sslb_connection *conn);
/** The port the connection goes to. */
SSLB_EXTERN unsigned sslb_connection_port(const sslb_connection *conn);
/** Makes this connection from another socket factory's context (a reference
 * is taken). @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_connection_set_socket_factory(sslb_connection *conn,
                                                   sslb_socket_factory *f);
/** Sets (NULL clears) this connection's hostname verifier.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int
sslb_connection_set_hostname_verifier(sslb_connection *conn,
                                      sslb_hostname_verifier_fn fn,
                                      void *user_data);

/**
 * Timeouts in milliseconds (0 = none): connect (TCP + TLS handshake) and
 * whole request. Defaults: 10000 and 30000.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN int sslb_client_set_timeouts(sslb_client *c, unsigned connect_ms,
                                         unsigned request_ms);
/**
 * Content decoding (default on): requests without an Accept-Encoding header
 * offer "gzip, deflate, br", and bodies so encoded are decoded before they
 * are returned (headers stay as received). A body that would decode past
 * the body limit fails with SSLB_ERR_TOO_LARGE (a compression bomb), a
 * corrupt one with SSLB_ERR_PROTOCOL. A request that sets Accept-Encoding
 * itself gets the body as sent.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN int sslb_client_set_decoding(sslb_client *c, int enabled);
/**
 * Follows redirects (301, 302, 303, 307, 308 with a Location) up to `max`
 * hops; 0, the default, returns them as they are. 303, and 301/302 after a
 * POST, continue as GET without a body; 307/308 keep method and body.
 * Authorization, Cookie and Proxy-Authorization are not carried to another
 * origin, and a redirect from https to http is refused (SSLB_ERR_PROTOCOL).
 * Past the limit: SSLB_ERR_TOO_MANY_REDIRECTS. The request's deadline
 * covers every hop.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN int sslb_client_set_redirects(sslb_client *c, unsigned max);
/**
 * Idle timeout in milliseconds (0 = none, the default 30000): a connection
 * with a request in progress that receives nothing for this long fails its
 * requests with SSLB_ERR_TIMEOUT.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN int sslb_client_set_idle_timeout(sslb_client *c, unsigned ms);
/** Largest response body accepted (default 64 MiB); SSLB_ERR_TOO_LARGE
 * beyond. */
SSLB_EXTERN int sslb_client_set_max_body(sslb_client *c, size_t bytes);
/**
 * Sets the client certificate for mutual TLS from a private-key entry of a
 * keystore (its key and chain are shared; the store may be freed): the
 * client's SSL context is replaced by a copy with that key manager. Call
 * before the first request (connections already open keep their identity).
 * @param key_password NULL when the key is already usable in the store.
 * @return 0, SSLB_ERR_INVALID_ARGUMENT, SSLB_ERR_NOT_FOUND,
 *   SSLB_ERR_WRONG_ENTRY_KIND, SSLB_ERR_KEY_LOCKED, SSLB_ERR_BAD_KEY_PASSWORD,
 *   SSLB_ERR_TLS.
 */
SSLB_EXTERN int sslb_client_set_identity(sslb_client *c, sslb_keystore *ks,
                                         const char *alias,
                                         const char *key_password);

/**
 * Dials to_host:to_port whenever a request names host:port, as curl's
 * --connect-to does: the name sent as SNI, verified against the
 * certificate and sent as :authority/Host stays the request's own. An
 * empty or NULL host (or a port of 0) matches any; an empty or NULL
 * to_host (or a to_port of 0) keeps the request's. The first matching
 * entry, in the order added, wins; to_host is resolved (and
 * sslb_client_add_resolve applies to it) like any name. Not applied to
 * requests that go through a proxy. Set before requests run.
 * @return 0, SSLB_ERR_INVALID_ARGUMENT (a port over 65535, a name with
 *   spaces, slashes or line breaks, or over 255 bytes), NO_MEMORY.
 */
SSLB_EXTERN int sslb_client_add_connect_to(sslb_client *c, const char *host,
                                           unsigned port, const char *to_host,
                                           unsigned to_port);

/**
 * Connects to `address` (IPv4 or IPv6 literal) whenever a request names
 * host:port, as curl's --resolve does; the name stays the one sent as SNI
 * and verified. Later calls for the same host and port replace it.
 * @return 0, SSLB_ERR_INVALID_ARGUMENT (not an IP literal), NO_MEMORY.
 */
SSLB_EXTERN int sslb_client_add_resolve(sslb_client *c, const char *host,
                                        unsigned port, const char *address);

/**
 * Sends requests through an HTTP proxy with CONNECT tunnels: `proxy_url` is
 * "http://host:port" (NULL turns the proxy off). The TLS inside the tunnel
 * is the origin's, verified like any other; plain http URLs are tunnelled
 * too. `no_proxy` (NULL for none) lists hosts that go direct: "*", names
 * ("example.com" also covers its subdomains, as does ".example.com") and
 * IP literals, comma-separated.
 * @return 0, SSLB_ERR_URL (malformed proxy URL or one with credentials),
 *   SSLB_ERR_INVALID_ARGUMENT, SSLB_ERR_NO_MEMORY.
 */
SSLB_EXTERN int sslb_client_set_proxy(sslb_client *c, const char *proxy_url,
                                      const char *no_proxy);
/**
 * Takes the proxy from the environment, as curl does: https_proxy (or
 * HTTPS_PROXY) for https URLs, http_proxy for http URLs, no_proxy (or
 * NO_PROXY) for exceptions. Off unless this is called; the environment is
 * read now.
 * @return as sslb_client_set_proxy; 0 when no variable is set.
 */
SSLB_EXTERN int sslb_client_use_environment_proxy(sslb_client *c);

/** Number of connections opened so far (for tests and diagnostics). */
SSLB_EXTERN size_t sslb_client_connections_opened(const sslb_client *c);

/* ------------------------------------------------------------------------ */
/* Engine styles: the SSL configuration of Ktor's client engines            */
/* ------------------------------------------------------------------------ */

/**
 * The engine whose configuration idiom an sslb_engine follows. Each takes
 * its SSL objects the way its Ktor engine does and keeps the behaviour a
 * user of that engine would notice (protocols, timeouts); all of them run
 * on the same client core with sslbind's strict defaults.
 *
 * | engine  | SSL surface                                   | HTTP        |
 * |---------|-----------------------------------------------|-------------|
 * | APACHE  | ssl_context, ssl_hostname_verification_policy | h2, http/1.1|
 * | JAVA    | ssl_context, ssl_parameters                   | h2 preferred|
 * | JETTY   | ssl_context_factory                           | h2 only     |
 * | CIO     | trust_manager, key stores, cipher_suites, server_name | http/1.1 |
 * | ANDROID | ssl_manager (per-connection callback)         | http/1.1    |
 * | OKHTTP  | ssl_socket_factory(factory, trust manager), certificate pins, connection_spec, protocols, hostname_verifier | h2, http/1.1 |
 * | NATIVE  | all of the above, no idiom                    | h2, http/1.1|
 */
typedef enum {
  SSLB_ENGINE_NATIVE = 0,
  SSLB_ENGINE_APACHE = 1,
  SSLB_ENGINE_JAVA = 2,
  SSLB_ENGINE_JETTY = 3,
  SSLB_ENGINE_CIO = 4,
  SSLB_ENGINE_ANDROID = 5,
  SSLB_ENGINE_OKHTTP = 6
} sslb_engine_style;

/** An engine configuration; sslb_client_new_from_engine makes clients
 * from it. Not shared between threads while being configured. */
typedef struct sslb_engine sslb_engine;

/** @return 0, SSLB_ERR_INVALID_ARGUMENT (unknown kind), SSLB_ERR_NO_MEMORY. */
SSLB_EXTERN int sslb_engine_new(sslb_engine **out, int kind);
/** Frees an engine configuration (clients made from it are unaffected).
 * NULL-safe. */
SSLB_EXTERN void sslb_engine_free(sslb_engine *e);
/** The engine's kind, -1 for NULL. */
SSLB_EXTERN int sslb_engine_kind(const sslb_engine *e);
/** "Native", "Apache", "Java", "Jetty", "CIO", "Android", "OkHttp", or
 * "unknown". */
SSLB_EXTERN const char *sslb_engine_kind_name(int kind);
/** Last detailed message of a failed call on the engine; borrowed. A
 * setter that the engine's style does not have fails with
 * SSLB_ERR_INVALID_ARGUMENT and says what that engine takes instead. */
SSLB_EXTERN const char *sslb_engine_last_error(const sslb_engine *e);

/** Apache `sslContext = …`, Java `config { sslContext(…) }`, native.
 * A reference is taken. @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_engine_set_ssl_context(sslb_engine *e,
                                            sslb_ssl_context *ctx);
/** Apache `sslHostnameVerificationPolicy`: SSLB_HOSTNAME_BUILTIN (default),
 * _CLIENT or _BOTH. @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int
sslb_engine_set_ssl_hostname_verification_policy(sslb_engine *e, int policy);
/** Java `config { sslParameters(SSLParameters(protocols, cipherSuites)) }`:
 * comma-separated JSSE names, NULL for "as the context has it".
 * @return 0, SSLB_ERR_INVALID_ARGUMENT, SSLB_ERR_UNSUPPORTED (as the
 *   context builder's setters). */
SSLB_EXTERN int sslb_engine_set_ssl_parameters(sslb_engine *e,
                                               const char *protocols,
                                               const char *cipher_suites);

/**
 * Jetty's SslContextFactory.Client: a context plus endpoint identification
 * and include/exclude lists of protocols and cipher suites. Exclusions are
 * Jetty's by default: protocols SSL, SSLv2, SSLv2Hello, SSLv3; suites
 * matching ^.*_(MD5|SHA|SHA1)$, ^TLS_RSA_.*$, ^SSL_.*$, ^.*_NULL_.*$ and
 * ^.*_anon_.*$. Entries are POSIX extended regular expressions matched
 * against whole names (a plain name matches itself).
 */
typedef struct sslb_ssl_context_factory sslb_ssl_context_factory;
/** @return 0, SSLB_ERR_INVALID_ARGUMENT, SSLB_ERR_NO_MEMORY. */
SSLB_EXTERN int sslb_ssl_context_factory_new(sslb_ssl_context_factory **out);
/** Frees it (engines hold their own copy of its settings). NULL-safe. */
SSLB_EXTERN void sslb_ssl_context_factory_free(sslb_ssl_context_factory *f);
/** Last detailed message of a failed call; borrowed. */
SSLB_EXTERN const char *
sslb_ssl_context_factory_last_error(const sslb_ssl_context_factory *f);
/** `sslContext = …` (a reference is taken; NULL: the system store).
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int
sslb_ssl_context_factory_set_ssl_context(sslb_ssl_context_factory *f,
                                         sslb_ssl_context *ctx);
/** `endpointIdentificationAlgorithm`: "HTTPS" (the default) verifies the
 * host name; NULL turns that check off (the chain is still verified).
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT (another algorithm name). */
SSLB_EXTERN int sslb_ssl_context_factory_set_endpoint_identification_algorithm(
    sslb_ssl_context_factory *f, const char *algorithm);
/** Which list a pattern goes to. */
typedef enum {
  SSLB_INCLUDE_PROTOCOLS = 0,
  SSLB_EXCLUDE_PROTOCOLS = 1,
  SSLB_INCLUDE_CIPHER_SUITES = 2,
  SSLB_EXCLUDE_CIPHER_SUITES = 3
} sslb_ssl_context_factory_list;
/**
 * Replaces one of the lists (setIncludeProtocols, setExcludeProtocols,
 * setIncludeCipherSuites, setExcludeCipherSuites) with comma-separated
 * patterns; "" empties it.
 * @return 0, SSLB_ERR_INVALID_ARGUMENT (unknown list, bad regex),
 *   SSLB_ERR_NO_MEMORY.
 */
SSLB_EXTERN int sslb_ssl_context_factory_set_list(sslb_ssl_context_factory *f,
                                                  int list,
                                                  const char *patterns);
/** Jetty `sslContextFactory = …`: the engine copies the factory's settings.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int
sslb_engine_set_ssl_context_factory(sslb_engine *e,
                                    const sslb_ssl_context_factory *f);

/** CIO `https { trustManager = … }` (a reference is taken). OkHttp takes
 * its trust manager with sslb_engine_set_ssl_socket_factory.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_engine_set_trust_manager(sslb_engine *e,
                                              sslb_trust_manager *tm);
/**
 * CIO `https { addKeyStore(store, password, alias) }`: the client
 * certificate(s) of a keystore, all private-key entries when alias is NULL;
 * `key_password` unlocks keys whose password differs from the store's.
 * @return 0 or the codes of sslb_key_manager_new (message in the engine).
 */
SSLB_EXTERN int sslb_engine_add_key_store(sslb_engine *e, sslb_keystore *ks,
                                          const char *key_password,
                                          const char *alias);
/** CIO `https { cipherSuites = … }`: comma-separated IANA names.
 * @return 0, SSLB_ERR_INVALID_ARGUMENT, SSLB_ERR_UNSUPPORTED. */
SSLB_EXTERN int sslb_engine_set_cipher_suites(sslb_engine *e,
                                              const char *cipher_suites);
/** CIO `https { serverName = … }`: the SNI and verified name for every host
 * (sslb_client_set_server_name). @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_engine_set_server_name(sslb_engine *e, const char *name);

/** Android `sslManager = { connection -> … }`: called for each new HTTPS
 * connection before its handshake (see sslb_connection_fn).
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_engine_set_ssl_manager(sslb_engine *e,
                                            sslb_connection_fn fn,
                                            void *user_data);

/** OkHttp `sslSocketFactory(factory, trustManager)`: connections come from
 * the factory's context, verified by `tm` (references are taken).
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_engine_set_ssl_socket_factory(sslb_engine *e,
                                                   sslb_socket_factory *f,
                                                   sslb_trust_manager *tm);
/** OkHttp `certificatePinner { add(pattern, pin) }` (see
 * sslb_trust_builder_add_pin for the forms).
 * @return 0, SSLB_ERR_INVALID_ARGUMENT, SSLB_ERR_NO_MEMORY. */
SSLB_EXTERN int sslb_engine_add_certificate_pin(sslb_engine *e,
                                                const char *host_pattern,
                                                const char *pin);
/** OkHttp's connection specs, mapped to sslbind's AEAD-only suites. */
typedef enum {
  SSLB_SPEC_MODERN_TLS = 0,     /**< TLS 1.3 and 1.2, OkHttp's modern suites */
  SSLB_SPEC_RESTRICTED_TLS = 1, /**< TLS 1.3 and 1.2, fewer suites */
  SSLB_SPEC_COMPATIBLE_TLS = 2  /**< as MODERN: sslbind enables nothing older */
} sslb_connection_spec;
/** OkHttp `connectionSpecs(listOf(…))`, the first spec that applies.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_engine_set_connection_spec(sslb_engine *e, int spec);
/** OkHttp `protocols(…)` as an sslb_http_policy.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_engine_set_protocols(sslb_engine *e, int policy);
/** OkHttp `hostnameVerifier(…)` (see sslb_hostname_verifier_fn).
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int
sslb_engine_set_hostname_verifier(sslb_engine *e, sslb_hostname_verifier_fn fn,
                                  void *user_data);

/**
 * Makes a client configured as the engine says: its SSL context (built
 * now from the engine's objects), hostname checks, callbacks, protocol
 * policy and the engine's timeouts (Apache: connect 10 s, idle 10 s; CIO:
 * connect 5 s, request 15 s; Android: connect and idle 100 s; others the
 * client defaults). Every client setter still works on the result.
 * @return 0; SSLB_ERR_INVALID_ARGUMENT; the codes of
 *   sslb_ssl_context_builder_build (message in the engine); NO_MEMORY.
 */
SSLB_EXTERN int sslb_client_new_from_engine(sslb_client **out,
                                            sslb_engine *e);

/* ------------------------------------------------------------------------ */
/* Requests and responses                                                   */
/* ------------------------------------------------------------------------ */

/**
 * Creates a request. The URL is parsed now (https or http; IPv6 literals in
 * brackets; default ports).
 * @return 0, SSLB_ERR_INVALID_ARGUMENT, SSLB_ERR_URL, SSLB_ERR_NO_MEMORY.
 */
SSLB_EXTERN int sslb_request_new(sslb_request **out, const char *method,
                                 const char *url);
/** Frees a request. NULL-safe. Must not be running. */
SSLB_EXTERN void sslb_request_free(sslb_request *r);
/** Adds a header (copied). Names are sent lower-case over HTTP/2.
 * @return 0, SSLB_ERR_INVALID_ARGUMENT (CR/LF/NUL or empty name),
 *   SSLB_ERR_NO_MEMORY. */
SSLB_EXTERN int sslb_request_add_header(sslb_request *r, const char *name,
                                        const char *value);
/** Sets the body (copied). @return 0, INVALID_ARGUMENT, NO_MEMORY. */
SSLB_EXTERN int sslb_request_set_body(sslb_request *r, const uint8_t *body,
                                      size_t len);
/**
 * Supplies a request body piece by piece, on the client's I/O thread: write
 * up to `len` bytes into `buf` and return how many, 0 at the end, or a
 * negative number to abandon the request (SSLB_ERR_CANCELLED). Must not
 * block. Such a body is read once: the request is not retried on another
 * connection, and 307/308 redirects of it fail.
 */
typedef long (*sslb_body_reader_fn)(void *user_data, uint8_t *buf, size_t len);
/**
 * Sets a streamed request body (replacing any set with
 * sslb_request_set_body). `length` is its size in bytes, or -1 when unknown
 * (HTTP/1.1 then sends it chunked).
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN int sslb_request_set_body_reader(sslb_request *r,
                                             sslb_body_reader_fn reader,
                                             void *user_data, int64_t length);

/**
 * Receives the response body as it arrives, on the client's I/O thread,
 * instead of buffering it (the response's body is then empty and no size
 * limit applies; content codings are not offered). Return 0 to go on, or
 * anything else to stop the transfer (the request then fails with
 * SSLB_ERR_CANCELLED). The callback must not block.
 */
typedef int (*sslb_body_sink_fn)(void *user_data, const uint8_t *data,
                                 size_t len);
/** Sets (or, with NULL, clears) the body sink of a request.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_request_set_body_sink(sslb_request *r,
                                           sslb_body_sink_fn sink,
                                           void *user_data);
/**
 * Called once on the client's I/O thread when the final response's head is
 * complete, before any of its body reaches the sink: `head` is a read-only
 * view with the status, header fields, HTTP version and TLS facts (the
 * sslb_response_* getters read it), valid only during the call; its body is
 * empty. Interim (1xx) responses and redirects the client follows do not
 * call it. Return 0 to go on, or anything else to stop the transfer (the
 * request then fails with SSLB_ERR_CANCELLED). It must not block.
 */
typedef int (*sslb_head_fn)(void *user_data, const sslb_response *head);
/** Sets (or, with NULL, clears) the head callback of a request: with a body
 * sink, a streaming caller learns the status and headers without waiting
 * for the end of the body.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_request_set_head_callback(sslb_request *r,
                                               sslb_head_fn fn,
                                               void *user_data);
/**
 * Sets this request's protocol policy (sslb_http_policy), overriding the
 * client's. Connections are pooled per origin and policy, so an http/1.1-only
 * request never rides an HTTP/2 connection opened for another request, and
 * an h2-only request fails with SSLB_ERR_PROTOCOL when the server does not
 * agree to h2.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN int sslb_request_set_http_policy(sslb_request *r, int policy);
/** Detailed message of the request's last failure ("" when none). Borrowed
 * until the request is used again or freed. */
SSLB_EXTERN const char *sslb_request_last_error(const sslb_request *r);

/**
 * Runs a request and blocks until the response is complete or fails.
 * @param out receives the response (sslb_response_free), NULL on failure.
 * @return 0; SSLB_ERR_URL, _RESOLVE, _CONNECT, _TLS, the SSLB_ERR_CERT_*
 *   verification codes (with the verifier's report in the request's
 *   last_error), _TIMEOUT, _PROTOCOL, _CONNECTION_CLOSED, _TOO_LARGE,
 *   _CANCELLED, _INVALID_ARGUMENT, _NO_MEMORY.
 */
SSLB_EXTERN int sslb_client_execute(sslb_client *c, sslb_request *r,
                                    sslb_response **out);

/**
 * Completion of a submitted request, called once on the client's I/O
 * thread. On success `response` belongs to the callee (sslb_response_free);
 * on failure it is NULL and the request's last_error says why. The callback
 * may submit more requests but must not block or call sslb_client_execute.
 */
typedef void (*sslb_completion_fn)(void *user_data, int rc,
                                   sslb_response *response);

/**
 * Starts a request and returns at once; `done` runs when it completes. The
 * request must stay alive, unmodified, until then. Many submitted requests
 * to one HTTP/2 origin share one connection up to the server's stream
 * limit. Host names not in the client's one-minute cache are resolved on
 * the client's resolver thread, so neither the caller nor the I/O loop
 * waits for DNS (a failure arrives as SSLB_ERR_RESOLVE through done).
 * @return 0 (done will be called), or SSLB_ERR_INVALID_ARGUMENT,
 *   SSLB_ERR_NO_MEMORY (done will not be called).
 */
SSLB_EXTERN int sslb_client_submit(sslb_client *c, sslb_request *r,
                                   sslb_completion_fn done, void *user_data);

/**
 * A completion queue: submitted requests that end in it instead of in a
 * callback, for callers that gather many results at once without running
 * code on the client's I/O thread (a Python or JavaScript runtime whose lock
 * that thread would otherwise have to take once per request). The queue is
 * independent of any client: requests of several clients may end in one
 * queue, and requests of one client in several queues. Every function on it
 * may be called from any thread.
 */
typedef struct sslb_queue sslb_queue;

/** One completed request taken from a queue: the tag it was submitted with,
 * its result code, and on success (rc 0) its response, which belongs to the
 * caller (sslb_response_free); on failure response is NULL and the
 * request's last_error says why. */
typedef struct sslb_completion {
  void *tag;
  int rc;
  sslb_response *response;
} sslb_completion;

/** A new, empty queue. @return 0, SSLB_ERR_INVALID_ARGUMENT or
 * SSLB_ERR_NO_MEMORY. */
SSLB_EXTERN int sslb_queue_new(sslb_queue **out);

/**
 * Drops the caller's queue. Requests still running keep it alive until they
 * end; what ends in it after this, and what was never taken, is freed
 * (responses included). NULL is ignored.
 */
SSLB_EXTERN void sslb_queue_free(sslb_queue *q);

/**
 * Like sslb_client_submit, but the request's completion goes into `q` with
 * `tag` instead of to a callback. The request must stay alive, unmodified,
 * until its completion has been taken from the queue.
 * @return 0 (one completion will be queued), or SSLB_ERR_INVALID_ARGUMENT,
 *   SSLB_ERR_NO_MEMORY (nothing will be queued).
 */
SSLB_EXTERN int sslb_client_submit_to_queue(sslb_client *c, sslb_request *r,
                                            sslb_queue *q, void *tag);

/**
 * Takes up to `max` completions, oldest first. Waits while the queue is
 * empty and requests submitted to it are still running, at most
 * `timeout_ms` (0: not at all; negative: without limit). Returns at once
 * with 0 when nothing is queued and nothing is running.
 * @return the number of completions written to `out` (0 at the timeout), or
 *   SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN long sslb_queue_take(sslb_queue *q, sslb_completion *out,
                                 size_t max, int timeout_ms);

/** Requests submitted to the queue that have not been taken from it yet
 * (running, or completed and waiting); 0 for NULL. */
SSLB_EXTERN size_t sslb_queue_outstanding(const sslb_queue *q);

/**
 * A file descriptor that is readable while completions wait in the queue,
 * for an event loop (poll, epoll, asyncio's add_reader, libuv) to watch; it
 * stays readable until sslb_queue_take empties the queue. Owned by the queue:
 * do not read or close it. Made on the first call.
 * @return the descriptor, or SSLB_ERR_INVALID_ARGUMENT, SSLB_ERR_NO_MEMORY
 *   (the system refused one).
 */
SSLB_EXTERN int sslb_queue_fd(sslb_queue *q);

/**
 * Cancels a request started with sslb_client_submit or running in
 * sslb_client_execute on another thread: it ends with SSLB_ERR_CANCELLED
 * (its done callback runs, or execute returns), wherever it is — waiting
 * for DNS or a connection, or on the wire (an HTTP/2 stream is reset; an
 * HTTP/1.1 connection is closed). Returns at once; a request that already
 * completed is unaffected.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN int sslb_client_cancel(sslb_client *c, sslb_request *r);

/**
 * Back-pressure for a request whose body goes to a sink: after
 * sslb_client_pause the client stops taking more of the response from the
 * network until sslb_client_resume. Over HTTP/1.1 the connection is not
 * read (the server is slowed down by TCP); over HTTP/2 the stream's flow-
 * control window is not replenished, so the server may send at most one
 * window (8 MiB) more while the connection's other streams go on. Bytes
 * already received when the pause is seen still reach the sink. Both may
 * be called from any thread, including from inside the request's own sink;
 * neither blocks. A paused request is not ended by the client's idle
 * timeout, only by its request deadline or a cancel. Pausing a request that
 * is not running has no effect on later runs.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN int sslb_client_pause(sslb_client *c, sslb_request *r);
/** Ends sslb_client_pause: the client takes the response from the network
 * again. Resuming a request that is not paused does nothing.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_client_resume(sslb_client *c, sslb_request *r);

/** HTTP status code; 0 for NULL. */
SSLB_EXTERN int sslb_response_status(const sslb_response *resp);
/** "1.1" or "2". */
SSLB_EXTERN const char *sslb_response_http_version(const sslb_response *resp);
/** Number of header fields (repeated names are separate fields). */
SSLB_EXTERN size_t sslb_response_header_count(const sslb_response *resp);
/** Name (lower-case) of header field i; NULL out of range. */
SSLB_EXTERN const char *sslb_response_header_name(const sslb_response *resp,
                                                  size_t i);
/** Value of header field i; NULL out of range. */
SSLB_EXTERN const char *sslb_response_header_value(const sslb_response *resp,
                                                   size_t i);
/** First value of a header by name (case-insensitive), or NULL. */
SSLB_EXTERN const char *sslb_response_header(const sslb_response *resp,
                                             const char *name);
/** The body, borrowed for the life of the response. @return 0 or
 * INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_response_body(const sslb_response *resp,
                                   const uint8_t **body, size_t *len);
/** TLS protocol version of the connection ("TLS1.3"); "" for plain http. */
SSLB_EXTERN const char *sslb_response_tls_version(const sslb_response *resp);
/** Cipher suite of the connection ("TLS_AES_256_GCM_SHA384"). */
SSLB_EXTERN const char *sslb_response_tls_cipher(const sslb_response *resp);
/** Protocol ALPN agreed: "h2", "http/1.1" or "" (none). */
SSLB_EXTERN const char *sslb_response_alpn(const sslb_response *resp);
/** Number of certificates the server presented (0 for plain http). */
SSLB_EXTERN size_t sslb_response_peer_chain_length(const sslb_response *resp);
/**
 * Certificate i of the server's chain as presented (0 is the leaf).
 * @param out receives a new reference (sslb_certificate_free).
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT (NULL or out of range).
 */
SSLB_EXTERN int sslb_response_peer_certificate(const sslb_response *resp,
                                               size_t i,
                                               sslb_certificate **out);
/** 1 when the connection resumed an earlier TLS session of this client
 * (session tickets; the certificate was verified when it was made); 0
 * otherwise and for NULL. */
SSLB_EXTERN int sslb_response_tls_resumed(const sslb_response *resp);
/** Frees a response. NULL-safe. */
SSLB_EXTERN void sslb_response_free(sslb_response *resp);

#ifdef __cplusplus
}
#endif

#endif /* SSLBIND_SSLBIND_H */
