#ifndef SSLB_PKCS12_H
#define SSLB_PKCS12_H

#include "internal.h"
#include "tls/x509.h"

/* EncryptedPrivateKeyInfo DER with PBES2 (PBKDF2-HMAC-SHA-256, AES-256-CBC). */
int sslb__encrypted_pkcs8(const sslb__key *key, const char *password,
                          sslb__buf *out) SSLB__MUST_USE;

#endif
