/* Certificates and private keys as the rest of sslbind sees them. */
#ifndef SSLB_X509_H
#define SSLB_X509_H

#include "internal.h"

/* A private key, reference-counted and immutable once made. */
typedef struct sslb__key sslb__key;

sslb__key *sslb__key_ref(sslb__key *k);
void sslb__key_unref(sslb__key *k);
/* Plain PKCS#8 PrivateKeyInfo DER. `leaf`, when known, supplies the public
 * point of an EC key whose encoding omits it (as Java's does). */
int sslb__key_from_pkcs8(sslb__key **out, const uint8_t *der, size_t len,
                         const sslb_certificate *leaf,
                         sslb__err *err) SSLB__MUST_USE;
/* Decrypts an EncryptedPrivateKeyInfo: PBES2 (PBKDF2 with HMAC-SHA-1/2,
 * AES-CBC or 3DES) and PKCS#12's SHA-1/3DES scheme here, other schemes
 * through GnuTLS. SSLB_ERR_BAD_KEY_PASSWORD on a wrong password. */
int sslb__key_decrypt_pkcs8(sslb__key **out, const uint8_t *der, size_t len,
                            const char *password, const sslb_certificate *leaf,
                            sslb__err *err) SSLB__MUST_USE;
/* Any key encoding: PEM or DER; PKCS#8 (encrypted with password or plain),
 * traditional RSA/EC. */
int sslb__key_import(sslb__key **out, const uint8_t *data, size_t len,
                     const char *password, sslb__err *err) SSLB__MUST_USE;
/* Decrypts a DER EncryptedPrivateKeyInfo with standard PKCS#5/#12 schemes.
 * SSLB_ERR_BAD_KEY_PASSWORD on a wrong password. */
int sslb__key_from_encrypted_pkcs8(sslb__key **out, const uint8_t *der,
                                   size_t len, const char *password,
                                   sslb__err *err) SSLB__MUST_USE;
/* PKCS#8 export: plain when password is NULL, else PBES2 AES-256. */
int sslb__key_export_pkcs8(const sslb__key *k, const char *password, int pem,
                           sslb__buf *out) SSLB__MUST_USE;
/* 1 when the certificate carries the key's public key. */
int sslb__key_matches(const sslb__key *k, const sslb_certificate *c);
const char *sslb__key_algorithm(const sslb__key *k);

int sslb__cert_from_der(sslb_certificate **out, const uint8_t *der,
                        size_t len, sslb__err *err) SSLB__MUST_USE;
/* 1 when child's issuer DN equals parent's subject DN and their key
 * identifiers (when both carry them) agree. The signature is checked
 * later, on the whole path. */
int sslb__cert_issued_by(const sslb_certificate *child,
                         const sslb_certificate *parent);
int sslb__cert_self_issued(const sslb_certificate *c);
void sslb__cert_der(const sslb_certificate *c, const uint8_t **der,
                    size_t *len);

/* Orders `certs` as a chain starting from the certificate matching `key`
 * (or certs[0] when key is NULL): each next element is the issuer of the
 * previous one; certificates not in the chain are dropped (references
 * released). Returns the new length. */
size_t sslb__chain_order(sslb_certificate **certs, size_t n,
                         const sslb__key *key);

#endif
