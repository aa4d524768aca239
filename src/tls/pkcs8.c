/* PKCS#8 private keys: plain import with a repair for EC keys that carry no
 * public point (Java writes them so, and GnuTLS 3.7 cannot import them),
 * and decryption of EncryptedPrivateKeyInfo. */
#include <stdlib.h>
#include <string.h>

#include "tls/crypto.h"
#include "tls/x509_internal.h"
#include "util/der.h"
#include "util/text.h"

static const uint8_t OID_EC_PUBLIC_KEY[] = {0x2a, 0x86, 0x48, 0xce,
                                            0x3d, 0x02, 0x01};
static const uint8_t OID_P256[] = {0x2a, 0x86, 0x48, 0xce,
                                   0x3d, 0x03, 0x01, 0x07};
static const uint8_t OID_P384[] = {0x2b, 0x81, 0x04, 0x00, 0x22};
static const uint8_t OID_P521[] = {0x2b, 0x81, 0x04, 0x00, 0x23};
static const uint8_t OID_PBES2[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                    0x0d, 0x01, 0x05, 0x0d};
static const uint8_t OID_PBKDF2[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                     0x0d, 0x01, 0x05, 0x0c};
static const uint8_t OID_HMAC_PREFIX[] = {0x2a, 0x86, 0x48, 0x86,
                                          0xf7, 0x0d, 0x02};
static const uint8_t OID_AES_PREFIX[] = {0x60, 0x86, 0x48, 0x01,
                                         0x65, 0x03, 0x04, 0x01};
static const uint8_t OID_DES_EDE3_CBC[] = {0x2a, 0x86, 0x48, 0x86,
                                           0xf7, 0x0d, 0x03, 0x07};
static const uint8_t OID_PBE_SHA1_3DES[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                            0x0d, 0x01, 0x0c, 0x01, 0x03};


/* Rebuilds an EC key from its private scalar and the certificate's point. */
static int ec_repair(sslb__key **out, const uint8_t *der, size_t len,
                     const sslb_certificate *leaf) {
  sslb__der in = {der, len}, pki, ver, alg, oid, curve, octets, ecpk, v2, d;
  if (sslb__der_expect(&in, SSLB__DER_SEQUENCE, &pki) < 0 ||
      sslb__der_expect(&pki, SSLB__DER_INTEGER, &ver) < 0 ||
      sslb__der_expect(&pki, SSLB__DER_SEQUENCE, &alg) < 0 ||
      sslb__der_expect(&alg, SSLB__DER_OID, &oid) < 0 ||
      !sslb__der_oid_eq(&oid, OID_EC_PUBLIC_KEY, sizeof OID_EC_PUBLIC_KEY) ||
      sslb__der_expect(&alg, SSLB__DER_OID, &curve) < 0 ||
      sslb__der_expect(&pki, SSLB__DER_OCTETSTRING, &octets) < 0 ||
      sslb__der_expect(&octets, SSLB__DER_SEQUENCE, &ecpk) < 0 ||
      sslb__der_expect(&ecpk, SSLB__DER_INTEGER, &v2) < 0 ||
      sslb__der_expect(&ecpk, SSLB__DER_OCTETSTRING, &d) < 0)
    return SSLB_ERR_PRIVATE_KEY;
  gnutls_ecc_curve_t want;
  if (sslb__der_oid_eq(&curve, OID_P256, sizeof OID_P256))
    want = GNUTLS_ECC_CURVE_SECP256R1;
  else if (sslb__der_oid_eq(&curve, OID_P384, sizeof OID_P384))
    want = GNUTLS_ECC_CURVE_SECP384R1;
  else if (sslb__der_oid_eq(&curve, OID_P521, sizeof OID_P521))
    want = GNUTLS_ECC_CURVE_SECP521R1;
  else
    return SSLB_ERR_UNSUPPORTED;
  gnutls_ecc_curve_t have;
  gnutls_datum_t x = {NULL, 0}, y = {NULL, 0};
  if (gnutls_x509_crt_get_pk_ecc_raw(sslb__cert_crt(leaf), &have, &x, &y) < 0)
    return SSLB_ERR_PRIVATE_KEY;
  int rc = SSLB_ERR_PRIVATE_KEY;
  gnutls_x509_privkey_t k = NULL;
  if (have == want && gnutls_x509_privkey_init(&k) >= 0) {
    gnutls_datum_t kd = {(unsigned char *)d.p, (unsigned)d.len};
    if (gnutls_x509_privkey_import_ecc_raw(k, want, &x, &y, &kd) >= 0 &&
        gnutls_x509_privkey_verify_params(k) >= 0) {
      rc = sslb__key_wrap(out, k);
      k = NULL;
    }
  }
  if (k)
    gnutls_x509_privkey_deinit(k);
  gnutls_free(x.data);
  gnutls_free(y.data);
  return rc;
}

int sslb__key_from_pkcs8(sslb__key **out, const uint8_t *der, size_t len,
                         const sslb_certificate *leaf, sslb__err *err) {
  *out = NULL;
  gnutls_x509_privkey_t k;
  if (gnutls_x509_privkey_init(&k) < 0)
    return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
  gnutls_datum_t d = {(unsigned char *)der, (unsigned)len};
  int g = gnutls_x509_privkey_import_pkcs8(k, &d, GNUTLS_X509_FMT_DER, NULL,
                                           GNUTLS_PKCS_PLAIN);
  if (g >= 0)
    return sslb__key_wrap(out, k) < 0
               ? sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory")
               : 0;
  gnutls_x509_privkey_deinit(k);
  if (leaf && ec_repair(out, der, len, leaf) == 0)
    return 0;
  return sslb__fail(err, SSLB_ERR_PRIVATE_KEY,
                    "decrypted private key is not valid PKCS#8: %s",
                    gnutls_strerror(g));
}

static int prf_of(const sslb__der *oid, sslb__prf *prf) {
  if (oid->len != sizeof OID_HMAC_PREFIX + 1 ||
      memcmp(oid->p, OID_HMAC_PREFIX, sizeof OID_HMAC_PREFIX))
    return SSLB_ERR_UNSUPPORTED;
  switch (oid->p[sizeof OID_HMAC_PREFIX]) {
  case 7:
    *prf = SSLB__PRF_SHA1;
    return 0;
  case 8:
    *prf = SSLB__PRF_SHA224;
    return 0;
  case 9:
    *prf = SSLB__PRF_SHA256;
    return 0;
  case 10:
    *prf = SSLB__PRF_SHA384;
    return 0;
  case 11:
    *prf = SSLB__PRF_SHA512;
    return 0;
  }
  return SSLB_ERR_UNSUPPORTED;
}

static int cipher_of(const sslb__der *oid, sslb__cipher_alg *c) {
  if (sslb__der_oid_eq(oid, OID_DES_EDE3_CBC, sizeof OID_DES_EDE3_CBC)) {
    *c = SSLB__DES3_CBC;
    return 0;
  }
  if (oid->len != sizeof OID_AES_PREFIX + 1 ||
      memcmp(oid->p, OID_AES_PREFIX, sizeof OID_AES_PREFIX))
    return SSLB_ERR_UNSUPPORTED;
  switch (oid->p[sizeof OID_AES_PREFIX]) {
  case 2:
    *c = SSLB__AES128_CBC;
    return 0;
  case 22:
    *c = SSLB__AES192_CBC;
    return 0;
  case 42:
    *c = SSLB__AES256_CBC;
    return 0;
  }
  return SSLB_ERR_UNSUPPORTED;
}

/* PBES2: derives key and IV from params, decrypts into plain. */
static int pbes2(sslb__der params, const char *pw, const sslb__der *ct,
                 sslb__buf *plain) {
  sslb__der kdf, kdf_oid, kdf_params, salt, iterd, enc, enc_oid, iv;
  if (sslb__der_expect(&params, SSLB__DER_SEQUENCE, &kdf) < 0 ||
      sslb__der_expect(&kdf, SSLB__DER_OID, &kdf_oid) < 0 ||
      sslb__der_expect(&kdf, SSLB__DER_SEQUENCE, &kdf_params) < 0 ||
      sslb__der_expect(&params, SSLB__DER_SEQUENCE, &enc) < 0 ||
      sslb__der_expect(&enc, SSLB__DER_OID, &enc_oid) < 0 ||
      sslb__der_expect(&enc, SSLB__DER_OCTETSTRING, &iv) < 0)
    return SSLB_ERR_KEYSTORE_CORRUPT;
  if (!sslb__der_oid_eq(&kdf_oid, OID_PBKDF2, sizeof OID_PBKDF2))
    return SSLB_ERR_UNSUPPORTED;
  uint32_t iter;
  if (sslb__der_expect(&kdf_params, SSLB__DER_OCTETSTRING, &salt) < 0 ||
      sslb__der_expect(&kdf_params, SSLB__DER_INTEGER, &iterd) < 0 ||
      sslb__der_uint(&iterd, &iter) < 0 || iter == 0)
    return SSLB_ERR_KEYSTORE_CORRUPT;
  if (iter > SSLB__MAX_ITERATIONS)
    return SSLB_ERR_LIMIT;
  sslb__prf prf = SSLB__PRF_SHA1;
  while (kdf_params.len) {
    unsigned tag;
    sslb__der el;
    if (sslb__der_next(&kdf_params, &tag, &el) < 0)
      return SSLB_ERR_KEYSTORE_CORRUPT;
    if (tag == SSLB__DER_SEQUENCE) {
      sslb__der prf_oid;
      if (sslb__der_expect(&el, SSLB__DER_OID, &prf_oid) < 0)
        return SSLB_ERR_KEYSTORE_CORRUPT;
      SSLB__GUARD(prf_of(&prf_oid, &prf));
    }
  }
  sslb__cipher_alg c;
  SSLB__GUARD(cipher_of(&enc_oid, &c));
  if (iv.len != (c == SSLB__DES3_CBC ? 8u : 16u))
    return SSLB_ERR_KEYSTORE_CORRUPT;
  uint8_t key[32];
  size_t klen = sslb__cipher_key_len(c);
  SSLB__GUARD(sslb__pbkdf2(prf, (const uint8_t *)pw, strlen(pw), salt.p,
                           salt.len, iter, key, klen));
  int rc = sslb__cbc_decrypt(c, key, iv.p, ct->p, ct->len, plain);
  sslb__wipe(key, sizeof key);
  return rc;
}

/* pbeWithSHAAnd3-KeyTripleDES-CBC (RFC 7292 appendix C). */
static int pbe_sha1_3des(sslb__der params, const char *pw, const sslb__der *ct,
                         sslb__buf *plain) {
  sslb__der salt, iterd;
  uint32_t iter;
  if (sslb__der_expect(&params, SSLB__DER_OCTETSTRING, &salt) < 0 ||
      sslb__der_expect(&params, SSLB__DER_INTEGER, &iterd) < 0 ||
      sslb__der_uint(&iterd, &iter) < 0 || iter == 0)
    return SSLB_ERR_KEYSTORE_CORRUPT;
  if (iter > SSLB__MAX_ITERATIONS)
    return SSLB_ERR_LIMIT;
  sslb__buf bmp;
  sslb__buf_init(&bmp);
  int rc = sslb__utf8_to_utf16be(&bmp, pw);
  sslb__buf_u16be(&bmp, 0);
  if (rc == 0)
    rc = sslb__buf_ok(&bmp);
  uint8_t key[24], iv[8];
  if (rc == 0)
    rc = sslb__pkcs12_kdf(SSLB__SHA1, bmp.p, bmp.len, salt.p, salt.len, 1,
                          iter, key, sizeof key);
  if (rc == 0)
    rc = sslb__pkcs12_kdf(SSLB__SHA1, bmp.p, bmp.len, salt.p, salt.len, 2,
                          iter, iv, sizeof iv);
  if (rc == 0)
    rc = sslb__cbc_decrypt(SSLB__DES3_CBC, key, iv, ct->p, ct->len, plain);
  sslb__wipe(key, sizeof key);
  sslb__buf_free(&bmp);
  return rc;
}

int sslb__key_decrypt_pkcs8(sslb__key **out, const uint8_t *der, size_t len,
                            const char *password, const sslb_certificate *leaf,
                            sslb__err *err) {
  *out = NULL;
  sslb__der in = {der, len}, seq, alg, oid, ct, params = {NULL, 0};
  if (sslb__der_expect(&in, SSLB__DER_SEQUENCE, &seq) < 0 ||
      sslb__der_expect(&seq, SSLB__DER_SEQUENCE, &alg) < 0 ||
      sslb__der_expect(&alg, SSLB__DER_OID, &oid) < 0 ||
      sslb__der_expect(&seq, SSLB__DER_OCTETSTRING, &ct) < 0)
    return sslb__fail(err, SSLB_ERR_KEYSTORE_CORRUPT,
                      "encrypted key is not an EncryptedPrivateKeyInfo");
  if (alg.len && sslb__der_expect(&alg, SSLB__DER_SEQUENCE, &params) < 0)
    return sslb__fail(err, SSLB_ERR_KEYSTORE_CORRUPT,
                      "encrypted key has malformed parameters");
  const char *pw = password ? password : "";
  sslb__buf plain;
  sslb__buf_init(&plain);
  int rc;
  if (sslb__der_oid_eq(&oid, OID_PBES2, sizeof OID_PBES2))
    rc = pbes2(params, pw, &ct, &plain);
  else if (sslb__der_oid_eq(&oid, OID_PBE_SHA1_3DES, sizeof OID_PBE_SHA1_3DES))
    rc = pbe_sha1_3des(params, pw, &ct, &plain);
  else
    return sslb__key_from_encrypted_pkcs8(out, der, len, password, err);
  if (rc == SSLB_ERR_BAD_PASSWORD)
    rc = sslb__fail(err, SSLB_ERR_BAD_KEY_PASSWORD,
                    "wrong key password (decryption padding is invalid)");
  else if (rc == SSLB_ERR_UNSUPPORTED)
    rc = sslb__fail(err, rc, "the key's encryption scheme is not supported");
  else if (rc == SSLB_ERR_LIMIT)
    rc = sslb__fail(err, rc, "the key asks for more than %u iterations",
                    SSLB__MAX_ITERATIONS);
  else if (rc < 0)
    rc = sslb__fail(err, rc, "the key's encryption parameters are malformed");
  else if (sslb__key_from_pkcs8(out, plain.p, plain.len, leaf, NULL) < 0)
    rc = sslb__fail(err, SSLB_ERR_BAD_KEY_PASSWORD,
                    "wrong key password (decrypted data is no PKCS#8 key)");
  sslb__buf_free(&plain);
  return rc;
}
