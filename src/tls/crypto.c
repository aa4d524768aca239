#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "tls/crypto.h"

struct sslb__hash {
  gnutls_hash_hd_t hd;
};

static gnutls_digest_algorithm_t dig(sslb__hash_alg alg) {
  switch (alg) {
  case SSLB__MD5:
    return GNUTLS_DIG_MD5;
  case SSLB__SHA1:
    return GNUTLS_DIG_SHA1;
  case SSLB__SHA256:
    return GNUTLS_DIG_SHA256;
  }
  return GNUTLS_DIG_UNKNOWN;
}

size_t sslb__hash_len(sslb__hash_alg alg) {
  return gnutls_hash_get_len(dig(alg));
}

int sslb__hash_new(sslb__hash **h, sslb__hash_alg alg) {
  *h = malloc(sizeof **h);
  if (!*h)
    return SSLB_ERR_NO_MEMORY;
  if (gnutls_hash_init(&(*h)->hd, dig(alg)) < 0) {
    free(*h);
    *h = NULL;
    return SSLB_ERR_INTERNAL;
  }
  return 0;
}

void sslb__hash_update(sslb__hash *h, const void *p, size_t n) {
  if (n)
    gnutls_hash(h->hd, p, n);
}

void sslb__hash_final(sslb__hash *h, uint8_t *out) {
  gnutls_hash_deinit(h->hd, out);
  free(h);
}

int sslb__hash_once(sslb__hash_alg alg, const void *p, size_t n,
                    uint8_t *out) {
  return gnutls_hash_fast(dig(alg), p, n, out) < 0 ? SSLB_ERR_INTERNAL : 0;
}

int sslb__hmac_sha256(const uint8_t *key, size_t klen, const uint8_t *p,
                      size_t n, uint8_t out[32]) {
  return gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, klen, p, n, out) < 0
             ? SSLB_ERR_INTERNAL
             : 0;
}

int sslb__pbkdf2(sslb__prf prf, const uint8_t *pw, size_t pwlen,
                 const uint8_t *salt, size_t slen, unsigned iter, uint8_t *out,
                 size_t outlen) {
  static const gnutls_mac_algorithm_t macs[] = {
      GNUTLS_MAC_SHA1, GNUTLS_MAC_SHA224, GNUTLS_MAC_SHA256, GNUTLS_MAC_SHA384,
      GNUTLS_MAC_SHA512};
  gnutls_datum_t k = {(unsigned char *)pw, (unsigned)pwlen};
  gnutls_datum_t s = {(unsigned char *)salt, (unsigned)slen};
  return gnutls_pbkdf2(macs[prf], &k, &s, iter, out, outlen) < 0
             ? SSLB_ERR_INTERNAL
             : 0;
}

int sslb__pkcs12_kdf(sslb__hash_alg alg, const uint8_t *pw, size_t pwlen,
                     const uint8_t *salt, size_t slen, uint8_t id,
                     unsigned iter, uint8_t *out, size_t outlen) {
  enum { v = 64 };
  const size_t u = sslb__hash_len(alg);
  uint8_t D[v], A[64], B[v];
  size_t slen_r = slen ? v * ((slen + v - 1) / v) : 0;
  size_t plen_r = pwlen ? v * ((pwlen + v - 1) / v) : 0;
  size_t ilen = slen_r + plen_r;
  uint8_t *I = malloc(ilen ? ilen : 1);
  if (!I)
    return SSLB_ERR_NO_MEMORY;
  memset(D, id, v);
  for (size_t i = 0; i < slen_r; i++)
    I[i] = salt[i % slen];
  for (size_t i = 0; i < plen_r; i++)
    I[slen_r + i] = pw[i % pwlen];
  int rc = 0;
  for (size_t done = 0; done < outlen;) {
    gnutls_hash_hd_t h;
    if (gnutls_hash_init(&h, dig(alg)) < 0) {
      rc = SSLB_ERR_INTERNAL;
      break;
    }
    gnutls_hash(h, D, v);
    gnutls_hash(h, I, ilen);
    gnutls_hash_deinit(h, A);
    for (unsigned r = 1; r < iter; r++)
      if (gnutls_hash_fast(dig(alg), A, u, A) < 0) {
        rc = SSLB_ERR_INTERNAL;
        goto out;
      }
    size_t take = outlen - done < u ? outlen - done : u;
    memcpy(out + done, A, take);
    done += take;
    if (done >= outlen)
      break;
    for (size_t i = 0; i < v; i++)
      B[i] = A[i % u];
    /* I_j = (I_j + B + 1) mod 2^(8v) for each v-byte block of I */
    for (size_t j = 0; j < ilen; j += v) {
      unsigned carry = 1;
      for (size_t k = v; k-- > 0;) {
        carry += (unsigned)I[j + k] + B[k];
        I[j + k] = (uint8_t)carry;
        carry >>= 8;
      }
    }
  }
out:
  sslb__wipe(I, ilen);
  sslb__wipe(A, sizeof A);
  sslb__wipe(B, sizeof B);
  free(I);
  return rc;
}

static gnutls_cipher_algorithm_t cipher(sslb__cipher_alg alg, size_t *klen,
                                        size_t *blk) {
  switch (alg) {
  case SSLB__AES128_CBC:
    *klen = 16, *blk = 16;
    return GNUTLS_CIPHER_AES_128_CBC;
  case SSLB__AES192_CBC:
    *klen = 24, *blk = 16;
    return GNUTLS_CIPHER_AES_192_CBC;
  case SSLB__AES256_CBC:
    *klen = 32, *blk = 16;
    return GNUTLS_CIPHER_AES_256_CBC;
  default:
    *klen = 24, *blk = 8;
    return GNUTLS_CIPHER_3DES_CBC;
  }
}

size_t sslb__cipher_key_len(sslb__cipher_alg alg) {
  size_t k, b;
  (void)cipher(alg, &k, &b);
  return k;
}

int sslb__cbc_encrypt(sslb__cipher_alg alg, const uint8_t *key,
                      const uint8_t *iv, const uint8_t *in, size_t n,
                      sslb__buf *out) {
  size_t klen, blk;
  gnutls_cipher_algorithm_t c = cipher(alg, &klen, &blk);
  size_t pad = blk - n % blk, total = n + pad;
  SSLB__GUARD(sslb__buf_reserve(out, total));
  uint8_t *dst = out->p + out->len;
  memcpy(dst, in, n);
  memset(dst + n, (int)pad, pad);
  gnutls_cipher_hd_t hd;
  gnutls_datum_t k = {(unsigned char *)key, (unsigned)klen};
  gnutls_datum_t v = {(unsigned char *)iv, (unsigned)blk};
  if (gnutls_cipher_init(&hd, c, &k, &v) < 0)
    return SSLB_ERR_INTERNAL;
  int r = gnutls_cipher_encrypt(hd, dst, total);
  gnutls_cipher_deinit(hd);
  if (r < 0)
    return SSLB_ERR_INTERNAL;
  out->len += total;
  return 0;
}

int sslb__cbc_decrypt(sslb__cipher_alg alg, const uint8_t *key,
                      const uint8_t *iv, const uint8_t *in, size_t n,
                      sslb__buf *out) {
  size_t klen, blk;
  gnutls_cipher_algorithm_t c = cipher(alg, &klen, &blk);
  if (n == 0 || n % blk)
    return SSLB_ERR_KEYSTORE_CORRUPT;
  SSLB__GUARD(sslb__buf_reserve(out, n));
  uint8_t *dst = out->p + out->len;
  gnutls_cipher_hd_t hd;
  gnutls_datum_t k = {(unsigned char *)key, (unsigned)klen};
  gnutls_datum_t v = {(unsigned char *)iv, (unsigned)blk};
  if (gnutls_cipher_init(&hd, c, &k, &v) < 0)
    return SSLB_ERR_INTERNAL;
  int r = gnutls_cipher_decrypt2(hd, in, n, dst, n);
  gnutls_cipher_deinit(hd);
  if (r < 0)
    return SSLB_ERR_INTERNAL;
  unsigned pad = dst[n - 1];
  int bad = pad == 0 || pad > blk;
  for (unsigned i = 0; !bad && i < pad; i++)
    bad |= dst[n - 1 - i] != pad;
  if (bad) {
    sslb__wipe(dst, n);
    return SSLB_ERR_BAD_PASSWORD;
  }
  out->len += n - pad;
  out->p[out->len] = 0;
  return 0;
}

int sslb__random(void *p, size_t n) {
  return gnutls_rnd(GNUTLS_RND_RANDOM, p, n) < 0 ? SSLB_ERR_INTERNAL : 0;
}

int sslb__memeq(const void *a, const void *b, size_t n) {
  return gnutls_memcmp(a, b, n) == 0;
}
