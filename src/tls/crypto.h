/* Cryptographic primitives for the keystore formats, on GnuTLS. Callers
 * outside src/tls/ see no GnuTLS type. */
#ifndef SSLB_CRYPTO_H
#define SSLB_CRYPTO_H

#include "internal.h"

typedef enum { SSLB__MD5, SSLB__SHA1, SSLB__SHA256 } sslb__hash_alg;

typedef struct sslb__hash sslb__hash;
int sslb__hash_new(sslb__hash **h, sslb__hash_alg alg) SSLB__MUST_USE;
void sslb__hash_update(sslb__hash *h, const void *p, size_t n);
/* Writes the digest and frees h. */
void sslb__hash_final(sslb__hash *h, uint8_t *out);
size_t sslb__hash_len(sslb__hash_alg alg);
int sslb__hash_once(sslb__hash_alg alg, const void *p, size_t n, uint8_t *out)
    SSLB__MUST_USE;

typedef enum {
  SSLB__PRF_SHA1,
  SSLB__PRF_SHA224,
  SSLB__PRF_SHA256,
  SSLB__PRF_SHA384,
  SSLB__PRF_SHA512
} sslb__prf;
int sslb__pbkdf2(sslb__prf prf, const uint8_t *pw, size_t pwlen,
                 const uint8_t *salt, size_t slen, unsigned iter, uint8_t *out,
                 size_t outlen) SSLB__MUST_USE;
int sslb__hmac_sha256(const uint8_t *key, size_t klen, const uint8_t *p,
                      size_t n, uint8_t out[32]) SSLB__MUST_USE;
/* PKCS#12 key derivation (RFC 7292 appendix B) with SHA-1 or SHA-256; pw
 * is the BMPString password including its two-byte terminator. */
int sslb__pkcs12_kdf(sslb__hash_alg alg, const uint8_t *pw, size_t pwlen,
                     const uint8_t *salt, size_t slen, uint8_t id,
                     unsigned iter, uint8_t *out, size_t outlen)
    SSLB__MUST_USE;

typedef enum {
  SSLB__AES128_CBC,
  SSLB__AES192_CBC,
  SSLB__AES256_CBC,
  SSLB__DES3_CBC
} sslb__cipher_alg;
size_t sslb__cipher_key_len(sslb__cipher_alg alg);
/* CBC with PKCS#5 padding. Decrypt checks the padding and returns
 * SSLB_ERR_BAD_PASSWORD when it is wrong (the usual sign of a wrong key). */
int sslb__cbc_encrypt(sslb__cipher_alg alg, const uint8_t *key,
                      const uint8_t *iv, const uint8_t *in, size_t n,
                      sslb__buf *out) SSLB__MUST_USE;
int sslb__cbc_decrypt(sslb__cipher_alg alg, const uint8_t *key,
                      const uint8_t *iv, const uint8_t *in, size_t n,
                      sslb__buf *out) SSLB__MUST_USE;
int sslb__random(void *p, size_t n) SSLB__MUST_USE;
/* Constant-time comparison. */
int sslb__memeq(const void *a, const void *b, size_t n);

#endif
