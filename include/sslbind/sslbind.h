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
 * Verifies a presented chain (leaf first, then any intermediates in any
 * order) for a host name or IP literal.
 *
 * @param host   the name the client asked for; NULL skips the name check
 *               (a client never does that).
 * @param report receives, when not NULL, a text for people: the host
 *               checked, the outcome and the presented chain (subject,
 *               SANs, validity of each certificate), and on success the
 *               path to the anchor. Release with sslb_free.
 * @return 0 when trusted; otherwise the most specific of
 *   SSLB_ERR_CERT_EXPIRED, _NOT_YET_VALID, _UNKNOWN_ISSUER, _SELF_SIGNED,
 *   _HOSTNAME_MISMATCH, _INSECURE_ALGORITHM, _REVOKED, _PURPOSE, _WEAK_KEY,
 *   _NAME_CONSTRAINTS, _INVALID; SSLB_ERR_INVALID_ARGUMENT; NO_MEMORY.
 */
SSLB_EXTERN int sslb_trust_manager_verify(sslb_trust_manager *tm,
                                          sslb_certificate *const *chain,
                                          size_t chain_len, const char *host,
                                          char **report);

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
/** Stops the I/O thread, fails requests still running with
 * SSLB_ERR_CANCELLED, closes connections and frees the client. NULL-safe. */
SSLB_EXTERN void sslb_client_free(sslb_client *c);
/**
 * Sets the client's protocol policy (sslb_http_policy): what ALPN offers for
 * requests that set none of their own (sslb_request_set_http_policy). Plain
 * http:// URLs always use HTTP/1.1.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN int sslb_client_set_http_policy(sslb_client *c, int policy);
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
 * keystore (its key and chain are copied; the store may be freed). Call
 * before the first request.
 * @param key_password NULL when the key is already usable in the store.
 * @return 0, SSLB_ERR_INVALID_ARGUMENT, SSLB_ERR_NOT_FOUND,
 *   SSLB_ERR_WRONG_ENTRY_KIND, SSLB_ERR_KEY_LOCKED, SSLB_ERR_BAD_KEY_PASSWORD,
 *   SSLB_ERR_TLS.
 */
SSLB_EXTERN int sslb_client_set_identity(sslb_client *c, sslb_keystore *ks,
                                         const char *alias,
                                         const char *key_password);

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
 * Cancels a request started with sslb_client_submit or running in
 * sslb_client_execute on another thread: it ends with SSLB_ERR_CANCELLED
 * (its done callback runs, or execute returns), wherever it is — waiting
 * for DNS or a connection, or on the wire (an HTTP/2 stream is reset; an
 * HTTP/1.1 connection is closed). Returns at once; a request that already
 * completed is unaffected.
 * @return 0 or SSLB_ERR_INVALID_ARGUMENT.
 */
SSLB_EXTERN int sslb_client_cancel(sslb_client *c, sslb_request *r);

/** HTTP status code; 0 for NULL. */
SSLB_EXTERN int sslb_response_status(const sslb_response *resp);
/** "1.1" or "2". */
SSLB_EXTERN const char *sslb_response_http_version(const sslb_response *resp);
/** Number of header fields (repeated names are separate fields). */
SSLB_EXTERN size_t sslb_response_header_count(const sslb_response *resp);
/** Name (lower-case) and value of header field i; NULL out of range. */
SSLB_EXTERN const char *sslb_response_header_name(const sslb_response *resp,
                                                  size_t i);
SSLB_EXTERN const char *sslb_response_header_value(const sslb_response *resp,
                                                   size_t i);
/** First value of a header by name (case-insensitive), or NULL. */
SSLB_EXTERN const char *sslb_response_header(const sslb_response *resp,
                                             const char *name);
/** The body, borrowed for the life of the response. @return 0 or
 * INVALID_ARGUMENT. */
SSLB_EXTERN int sslb_response_body(const sslb_response *resp,
                                   const uint8_t **body, size_t *len);
/** TLS facts of the connection: protocol version ("TLS1.3"), cipher suite,
 * ALPN ("h2", "http/1.1" or ""). */
SSLB_EXTERN const char *sslb_response_tls_version(const sslb_response *resp);
SSLB_EXTERN const char *sslb_response_tls_cipher(const sslb_response *resp);
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
 * (session tickets; the certificate was verified when it was made). */
SSLB_EXTERN int sslb_response_tls_resumed(const sslb_response *resp);
/** Frees a response. NULL-safe. */
SSLB_EXTERN void sslb_response_free(sslb_response *resp);

#ifdef __cplusplus
}
#endif

#endif /* SSLBIND_SSLBIND_H */
