/* PKCS#12: read through GnuTLS's bag-level API (several keys and chains,
 * friendly names as aliases, PBES2 and the legacy RC2/3DES schemes,
 * password-less stores); written by sslbind's own encoder so that trusted
 * certificates carry the attribute Java needs to list them. */
#include <stdlib.h>
#include <string.h>

#include <gnutls/pkcs12.h>

#include "keystore/ks.h"
#include "tls/crypto.h"
#include "tls/pkcs12.h"
#include "tls/x509_internal.h"
#include "util/der.h"
#include "util/text.h"

#define PBE_ITERATIONS 10000u
#define MAC_ITERATIONS 10000u

static const uint8_t OID_DATA[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                   0x0d, 0x01, 0x07, 0x01};
static const uint8_t OID_ENCRYPTED_DATA[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                             0x0d, 0x01, 0x07, 0x06};
static const uint8_t OID_PBES2[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                    0x0d, 0x01, 0x05, 0x0d};
static const uint8_t OID_PBKDF2[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                     0x0d, 0x01, 0x05, 0x0c};
static const uint8_t OID_HMAC_SHA256[] = {0x2a, 0x86, 0x48, 0x86,
                                          0xf7, 0x0d, 0x02, 0x09};
static const uint8_t OID_AES256_CBC[] = {0x60, 0x86, 0x48, 0x01, 0x65,
                                         0x03, 0x04, 0x01, 0x2a};
static const uint8_t OID_SHA256[] = {0x60, 0x86, 0x48, 0x01, 0x65,
                                     0x03, 0x04, 0x02, 0x01};
static const uint8_t OID_CERT_BAG[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
                                       0x01, 0x0c, 0x0a, 0x01, 0x03};
static const uint8_t OID_SHROUDED_KEY_BAG[] = {
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x02};
static const uint8_t OID_X509_CERT[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                        0x0d, 0x01, 0x09, 0x16, 0x01};
static const uint8_t OID_FRIENDLY_NAME[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                            0x0d, 0x01, 0x09, 0x14};
static const uint8_t OID_LOCAL_KEY_ID[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                           0x0d, 0x01, 0x09, 0x15};
/* 2.16.840.1.113894.746875.1.1: Oracle's trusted key usage */
static const uint8_t OID_ORACLE_TRUSTED_KU[] = {
    0x60, 0x86, 0x48, 0x01, 0x86, 0xf9, 0x66, 0xad, 0xca, 0x7b, 0x01, 0x01};
static const uint8_t OID_ANY_EKU[] = {0x55, 0x1d, 0x25, 0x00};

/* ---------------------------------------------------------------- write */

static void put_oid(sslb__buf *b, const uint8_t *oid, size_t n) {
  sslb__der_put(b, SSLB__DER_OID, oid, n);
}

/* AlgorithmIdentifier for PBES2 + PBKDF2-HMAC-SHA256 + AES-256-CBC, and
 * the ciphertext of `plain`. */
static int pbes2_encrypt(const char *password, const uint8_t *plain, size_t n,
                         sslb__buf *alg, sslb__buf *ct) {
  uint8_t salt[16], iv[16], key[32];
  const char *pw = password ? password : "";
  SSLB__GUARD(sslb__random(salt, sizeof salt));
  SSLB__GUARD(sslb__random(iv, sizeof iv));
  SSLB__GUARD(sslb__pbkdf2(SSLB__PRF_SHA256, (const uint8_t *)pw, strlen(pw),
                           salt, sizeof salt, PBE_ITERATIONS, key,
                           sizeof key));
  int rc = sslb__cbc_encrypt(SSLB__AES256_CBC, key, iv, plain, n, ct);
  sslb__wipe(key, sizeof key);
  if (rc < 0)
    return rc;
  size_t a = sslb__der_begin(alg, SSLB__DER_SEQUENCE);
  put_oid(alg, OID_PBES2, sizeof OID_PBES2);
  size_t params = sslb__der_begin(alg, SSLB__DER_SEQUENCE);
  size_t kdf = sslb__der_begin(alg, SSLB__DER_SEQUENCE);
  put_oid(alg, OID_PBKDF2, sizeof OID_PBKDF2);
  size_t kp = sslb__der_begin(alg, SSLB__DER_SEQUENCE);
  sslb__der_put(alg, SSLB__DER_OCTETSTRING, salt, sizeof salt);
  sslb__der_put_uint(alg, PBE_ITERATIONS);
  sslb__der_put_uint(alg, 32);
  size_t prf = sslb__der_begin(alg, SSLB__DER_SEQUENCE);
  put_oid(alg, OID_HMAC_SHA256, sizeof OID_HMAC_SHA256);
  sslb__der_put(alg, SSLB__DER_NULL, NULL, 0);
  sslb__der_end(alg, prf);
  sslb__der_end(alg, kp);
  sslb__der_end(alg, kdf);
  size_t enc = sslb__der_begin(alg, SSLB__DER_SEQUENCE);
  put_oid(alg, OID_AES256_CBC, sizeof OID_AES256_CBC);
  sslb__der_put(alg, SSLB__DER_OCTETSTRING, iv, sizeof iv);
  sslb__der_end(alg, enc);
  sslb__der_end(alg, params);
  sslb__der_end(alg, a);
  return sslb__buf_ok(alg) < 0 ? SSLB_ERR_NO_MEMORY : sslb__buf_ok(ct);
}

int sslb__encrypted_pkcs8(const sslb__key *key, const char *password,
                          sslb__buf *out) {
  sslb__buf plain, alg, ct;
  sslb__buf_init(&plain);
  sslb__buf_init(&alg);
  sslb__buf_init(&ct);
  int rc = sslb__key_export_pkcs8(key, NULL, 0, &plain);
  if (rc == 0)
    rc = pbes2_encrypt(password, plain.p, plain.len, &alg, &ct);
  if (rc == 0) {
    size_t s = sslb__der_begin(out, SSLB__DER_SEQUENCE);
    sslb__der_raw(out, alg.p, alg.len);
    sslb__der_put(out, SSLB__DER_OCTETSTRING, ct.p, ct.len);
    sslb__der_end(out, s);
    rc = sslb__buf_ok(out);
  }
  sslb__buf_free(&plain);
  sslb__buf_free(&alg);
  sslb__buf_free(&ct);
  return rc;
}

static void put_friendly_name(sslb__buf *b, const char *alias) {
  sslb__buf bmp;
  sslb__buf_init(&bmp);
  if (sslb__utf8_to_utf16be(&bmp, alias) < 0) {
    b->oom = 1; /* aliases are validated on entry; treat as failure */
    sslb__buf_free(&bmp);
    return;
  }
  size_t a = sslb__der_begin(b, SSLB__DER_SEQUENCE);
  put_oid(b, OID_FRIENDLY_NAME, sizeof OID_FRIENDLY_NAME);
  size_t set = sslb__der_begin(b, SSLB__DER_SET);
  sslb__der_put(b, SSLB__DER_BMP, bmp.p, bmp.len);
  sslb__der_end(b, set);
  sslb__der_end(b, a);
  sslb__buf_free(&bmp);
}

static void put_local_key_id(sslb__buf *b, const uint8_t id[20]) {
  size_t a = sslb__der_begin(b, SSLB__DER_SEQUENCE);
  put_oid(b, OID_LOCAL_KEY_ID, sizeof OID_LOCAL_KEY_ID);
  size_t set = sslb__der_begin(b, SSLB__DER_SET);
  sslb__der_put(b, SSLB__DER_OCTETSTRING, id, 20);
  sslb__der_end(b, set);
  sslb__der_end(b, a);
}

static void put_trusted_usage(sslb__buf *b) {
  size_t a = sslb__der_begin(b, SSLB__DER_SEQUENCE);
  put_oid(b, OID_ORACLE_TRUSTED_KU, sizeof OID_ORACLE_TRUSTED_KU);
  size_t set = sslb__der_begin(b, SSLB__DER_SET);
  put_oid(b, OID_ANY_EKU, sizeof OID_ANY_EKU);
  sslb__der_end(b, set);
  sslb__der_end(b, a);
}

/* One cert SafeBag. alias/key_id may be NULL. */
static void put_cert_bag(sslb__buf *b, const sslb_certificate *c,
                         const char *alias, const uint8_t *key_id,
                         int trusted) {
  const uint8_t *der;
  size_t dlen;
  sslb__cert_der(c, &der, &dlen);
  size_t bag = sslb__der_begin(b, SSLB__DER_SEQUENCE);
  put_oid(b, OID_CERT_BAG, sizeof OID_CERT_BAG);
  size_t v = sslb__der_begin(b, SSLB__DER_CTX0);
  size_t cb = sslb__der_begin(b, SSLB__DER_SEQUENCE);
  put_oid(b, OID_X509_CERT, sizeof OID_X509_CERT);
  size_t cv = sslb__der_begin(b, SSLB__DER_CTX0);
  sslb__der_put(b, SSLB__DER_OCTETSTRING, der, dlen);
  sslb__der_end(b, cv);
  sslb__der_end(b, cb);
  sslb__der_end(b, v);
  if (alias || key_id || trusted) {
    size_t attrs = sslb__der_begin(b, SSLB__DER_SET);
    if (alias)
      put_friendly_name(b, alias);
    if (key_id)
      put_local_key_id(b, key_id);
    if (trusted)
      put_trusted_usage(b);
    sslb__der_end(b, attrs);
  }
  sslb__der_end(b, bag);
}

static void put_content_info_data(sslb__buf *b, const sslb__buf *content) {
  size_t ci = sslb__der_begin(b, SSLB__DER_SEQUENCE);
  put_oid(b, OID_DATA, sizeof OID_DATA);
  size_t c0 = sslb__der_begin(b, SSLB__DER_CTX0);
  sslb__der_put(b, SSLB__DER_OCTETSTRING, content->p, content->len);
  sslb__der_end(b, c0);
  sslb__der_end(b, ci);
}

static int put_content_info_encrypted(sslb__buf *b, const char *password,
                                      const sslb__buf *content) {
  sslb__buf alg, ct;
  sslb__buf_init(&alg);
  sslb__buf_init(&ct);
  int rc = pbes2_encrypt(password, content->p, content->len, &alg, &ct);
  if (rc == 0) {
    size_t ci = sslb__der_begin(b, SSLB__DER_SEQUENCE);
    put_oid(b, OID_ENCRYPTED_DATA, sizeof OID_ENCRYPTED_DATA);
    size_t c0 = sslb__der_begin(b, SSLB__DER_CTX0);
    size_t ed = sslb__der_begin(b, SSLB__DER_SEQUENCE);
    sslb__der_put_uint(b, 0);
    size_t eci = sslb__der_begin(b, SSLB__DER_SEQUENCE);
    put_oid(b, OID_DATA, sizeof OID_DATA);
    sslb__der_raw(b, alg.p, alg.len);
    sslb__der_put(b, SSLB__DER_CTX0_PRIM, ct.p, ct.len);
    sslb__der_end(b, eci);
    sslb__der_end(b, ed);
    sslb__der_end(b, c0);
    sslb__der_end(b, ci);
  }
  sslb__buf_free(&alg);
  sslb__buf_free(&ct);
  return rc;
}

static int mac_data(sslb__buf *b, const char *password, const uint8_t *data,
                    size_t n) {
  sslb__buf bmp;
  sslb__buf_init(&bmp);
  SSLB__GUARD(sslb__utf8_to_utf16be(&bmp, password));
  sslb__buf_u16be(&bmp, 0); /* the BMPString password includes its NUL */
  uint8_t salt[16], key[32], mac[32];
  int rc = sslb__buf_ok(&bmp);
  if (rc == 0)
    rc = sslb__random(salt, sizeof salt);
  if (rc == 0)
    rc = sslb__pkcs12_kdf(SSLB__SHA256, bmp.p, bmp.len, salt, sizeof salt, 3,
                          MAC_ITERATIONS, key, sizeof key);
  if (rc == 0)
    rc = sslb__hmac_sha256(key, sizeof key, data, n, mac);
  sslb__wipe(key, sizeof key);
  sslb__buf_free(&bmp);
  if (rc < 0)
    return rc;
  size_t md = sslb__der_begin(b, SSLB__DER_SEQUENCE);
  size_t di = sslb__der_begin(b, SSLB__DER_SEQUENCE);
  size_t ai = sslb__der_begin(b, SSLB__DER_SEQUENCE);
  put_oid(b, OID_SHA256, sizeof OID_SHA256);
  sslb__der_put(b, SSLB__DER_NULL, NULL, 0);
  sslb__der_end(b, ai);
  sslb__der_put(b, SSLB__DER_OCTETSTRING, mac, sizeof mac);
  sslb__der_end(b, di);
  sslb__der_put(b, SSLB__DER_OCTETSTRING, salt, sizeof salt);
  sslb__der_put_uint(b, MAC_ITERATIONS);
  sslb__der_end(b, md);
  return sslb__buf_ok(b);
}

int sslb__pkcs12_write(const sslb__entries *l, const char *password,
                       sslb__buf *out, sslb__err *err) {
  int has_keys = 0;
  for (size_t i = 0; i < l->n; i++)
    has_keys |= l->v[i].kind == SSLB_ENTRY_PRIVATE_KEY;
  if (has_keys && !password)
    return sslb__fail(err, SSLB_ERR_PASSWORD_REQUIRED,
                      "a PKCS#12 store with private keys needs a password");
  sslb__buf certs, keys, safe;
  sslb__buf_init(&certs);
  sslb__buf_init(&keys);
  sslb__buf_init(&safe);
  int rc = 0;
  size_t cs = sslb__der_begin(&certs, SSLB__DER_SEQUENCE);
  size_t ks = sslb__der_begin(&keys, SSLB__DER_SEQUENCE);
  for (size_t i = 0; rc == 0 && i < l->n; i++) {
    const sslb__entry *e = &l->v[i];
    if (e->kind == SSLB_ENTRY_TRUSTED_CERT) {
      put_cert_bag(&certs, e->chain[0], e->alias, NULL, 1);
      continue;
    }
    uint8_t id[20];
    const uint8_t *der;
    size_t dlen;
    sslb__cert_der(e->chain[0], &der, &dlen);
    if ((rc = sslb__hash_once(SSLB__SHA1, der, dlen, id)) < 0)
      break;
    put_cert_bag(&certs, e->chain[0], e->alias, id, 0);
    for (size_t j = 1; j < e->chain_len; j++)
      put_cert_bag(&certs, e->chain[j], NULL, NULL, 0);
    sslb__buf epki;
    sslb__buf_init(&epki);
    rc = sslb__encrypted_pkcs8(
        e->key, e->key_password ? e->key_password : password, &epki);
    if (rc == 0) {
      size_t bag = sslb__der_begin(&keys, SSLB__DER_SEQUENCE);
      put_oid(&keys, OID_SHROUDED_KEY_BAG, sizeof OID_SHROUDED_KEY_BAG);
      size_t v = sslb__der_begin(&keys, SSLB__DER_CTX0);
      sslb__der_raw(&keys, epki.p, epki.len);
      sslb__der_end(&keys, v);
      size_t attrs = sslb__der_begin(&keys, SSLB__DER_SET);
      put_friendly_name(&keys, e->alias);
      put_local_key_id(&keys, id);
      sslb__der_end(&keys, attrs);
      sslb__der_end(&keys, bag);
    }
    sslb__buf_free(&epki);
  }
  sslb__der_end(&certs, cs);
  sslb__der_end(&keys, ks);
  if (rc == 0)
    rc = sslb__buf_ok(&certs) < 0 ? SSLB_ERR_NO_MEMORY : sslb__buf_ok(&keys);
  /* AuthenticatedSafe: the certificates (encrypted when there is a
   * password), then the shrouded keys. */
  size_t as = sslb__der_begin(&safe, SSLB__DER_SEQUENCE);
  if (rc == 0 && password)
    rc = put_content_info_encrypted(&safe, password, &certs);
  else if (rc == 0)
    put_content_info_data(&safe, &certs);
  if (rc == 0 && has_keys)
    put_content_info_data(&safe, &keys);
  sslb__der_end(&safe, as);
  if (rc == 0)
    rc = sslb__buf_ok(&safe);
  if (rc == 0) {
    size_t pfx = sslb__der_begin(out, SSLB__DER_SEQUENCE);
    sslb__der_put_uint(out, 3);
    put_content_info_data(out, &safe);
    if (password)
      rc = mac_data(out, password, safe.p, safe.len);
    sslb__der_end(out, pfx);
    if (rc == 0)
      rc = sslb__buf_ok(out);
  }
  sslb__buf_free(&certs);
  sslb__buf_free(&keys);
  sslb__buf_free(&safe);
  if (rc < 0)
    return sslb__fail(err, rc, "PKCS#12 encoding failed: %s",
                      sslb_strerror(rc));
  return 0;
}

/* ----------------------------------------------------------------- read */

typedef struct {
  sslb_certificate *cert;
  char *name;
  uint8_t id[64];
  size_t id_len;
  int used;
} p12cert;

typedef struct {
  sslb__key *key; /* NULL when still encrypted */
  uint8_t *blob;  /* PKCS#8, encrypted unless `plain` */
  size_t blob_len;
  int plain;
  char *name;
  uint8_t id[64];
  size_t id_len;
} p12key;

typedef struct {
  p12cert *certs;
  size_t ncerts;
  p12key *keys;
  size_t nkeys;
  char **secrets;
  size_t nsecrets;
  int decrypted; /* something was decrypted with the password */
} p12acc;

static void acc_free(p12acc *a) {
  for (size_t i = 0; i < a->ncerts; i++) {
    sslb_certificate_free(a->certs[i].cert);
    free(a->certs[i].name);
  }
  for (size_t i = 0; i < a->nkeys; i++) {
    sslb__key_unref(a->keys[i].key);
    if (a->keys[i].blob) {
      sslb__wipe(a->keys[i].blob, a->keys[i].blob_len);
      free(a->keys[i].blob);
    }
    free(a->keys[i].name);
  }
  for (size_t i = 0; i < a->nsecrets; i++)
    free(a->secrets[i]);
  free(a->certs);
  free(a->keys);
  free(a->secrets);
}

static int grow(void **v, size_t n, size_t size) {
  if (n % 8)
    return 0;
  if (n >= SSLB__MAX_ENTRIES)
    return SSLB_ERR_LIMIT;
  void *nv = realloc(*v, (n + 8) * size);
  if (!nv)
    return SSLB_ERR_NO_MEMORY;
  *v = nv;
  return 0;
}

static char *bag_name(gnutls_pkcs12_bag_t bag, unsigned i) {
  char *name = NULL;
  if (gnutls_pkcs12_bag_get_friendly_name(bag, i, &name) < 0 || !name)
    return NULL;
  return sslb__strdup(name);
}

static size_t bag_id(gnutls_pkcs12_bag_t bag, unsigned i, uint8_t *id) {
  gnutls_datum_t d;
  if (gnutls_pkcs12_bag_get_key_id(bag, i, &d) < 0 || !d.size)
    return 0;
  size_t n = d.size < 64 ? d.size : 64;
  memcpy(id, d.data, n);
  return n;
}

static int read_bag(gnutls_pkcs12_bag_t bag, p12acc *a, sslb__err *err) {
  int count = gnutls_pkcs12_bag_get_count(bag);
  if (count < 0)
    return sslb__fail(err, SSLB_ERR_KEYSTORE_CORRUPT,
                      "a bag could not be read: %s", gnutls_strerror(count));
  for (int i = 0; i < count; i++) {
    int type = gnutls_pkcs12_bag_get_type(bag, (unsigned)i);
    gnutls_datum_t d;
    if (type < 0 || gnutls_pkcs12_bag_get_data(bag, (unsigned)i, &d) < 0)
      return sslb__fail(err, SSLB_ERR_KEYSTORE_CORRUPT,
                        "bag element %d could not be read", i);
    if (type == GNUTLS_BAG_CERTIFICATE) {
      SSLB__GUARD(grow((void **)&a->certs, a->ncerts, sizeof *a->certs));
      p12cert *c = &a->certs[a->ncerts];
      memset(c, 0, sizeof *c);
      SSLB__GUARD(sslb__cert_from_der(&c->cert, d.data, d.size, err));
      a->ncerts++;
      c->name = bag_name(bag, (unsigned)i);
      c->id_len = bag_id(bag, (unsigned)i, c->id);
    } else if (type == GNUTLS_BAG_PKCS8_KEY ||
               type == GNUTLS_BAG_PKCS8_ENCRYPTED_KEY) {
      /* Decoded once its certificate is known: Java's EC keys need the
       * certificate's public point. */
      SSLB__GUARD(grow((void **)&a->keys, a->nkeys, sizeof *a->keys));
      p12key *k = &a->keys[a->nkeys];
      memset(k, 0, sizeof *k);
      a->nkeys++;
      k->name = bag_name(bag, (unsigned)i);
      k->id_len = bag_id(bag, (unsigned)i, k->id);
      k->plain = type == GNUTLS_BAG_PKCS8_KEY;
      k->blob = malloc(d.size ? d.size : 1);
      if (!k->blob)
        return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
      memcpy(k->blob, d.data, d.size);
      k->blob_len = d.size;
    } else if (type == GNUTLS_BAG_SECRET) {
      SSLB__GUARD(grow((void **)&a->secrets, a->nsecrets, sizeof(char *)));
      char *name = bag_name(bag, (unsigned)i);
      if (!name) {
        char gen[32];
        snprintf(gen, sizeof gen, "secret-%zu", a->nsecrets + 1);
        name = sslb__strdup(gen);
      }
      if (!name)
        return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
      a->secrets[a->nsecrets++] = name;
    }
    /* CRL and unknown bags: not keystore entries; skipped as Java does */
  }
  return 0;
}

/* True when a certificate bag looks like part of a chain rather than a
 * trusted entry: unnamed, or named with its own subject DN as Java does. */
static int chain_named(const p12cert *c) {
  return !c->name ||
         sslb__ascii_casecmp(c->name, sslb_certificate_subject(c->cert)) == 0;
}

/* Decodes key k for the given leaf: 0, BAD_KEY_PASSWORD (stays locked) or
 * another code. */
static int decode_key(p12acc *a, p12key *k, const sslb_certificate *leaf,
                      const char *password, sslb__err *err) {
  if (k->plain)
    return sslb__key_from_pkcs8(&k->key, k->blob, k->blob_len, leaf, err);
  if (!password)
    return SSLB_ERR_BAD_KEY_PASSWORD;
  int rc = sslb__key_decrypt_pkcs8(&k->key, k->blob, k->blob_len, password,
                                   leaf, err);
  if (rc == 0)
    a->decrypted = 1;
  return rc;
}

static int build_entries(p12acc *a, const char *password, sslb__entries *out,
                         sslb__err *err) {
  for (size_t i = 0; i < a->nkeys; i++) {
    p12key *k = &a->keys[i];
    long leaf = -1;
    for (size_t j = 0; j < a->ncerts && leaf < 0; j++)
      if (k->id_len && a->certs[j].id_len == k->id_len &&
          memcmp(a->certs[j].id, k->id, k->id_len) == 0)
        leaf = (long)j;
    /* No local key id: the certificate is the one the key decodes for. */
    for (size_t j = 0; j < a->ncerts && leaf < 0; j++) {
      if (decode_key(a, k, a->certs[j].cert, password, NULL) == 0 &&
          sslb__key_matches(k->key, a->certs[j].cert))
        leaf = (long)j;
      else {
        sslb__key_unref(k->key);
        k->key = NULL;
      }
    }
    if (leaf >= 0 && !k->key) {
      sslb__err kerr;
      int rc = decode_key(a, k, a->certs[leaf].cert, password, &kerr);
      if (rc < 0 && rc != SSLB_ERR_BAD_KEY_PASSWORD) {
        *err = kerr;
        return rc;
      }
    }
    const char *alias = k->name ? k->name
                        : leaf >= 0 && a->certs[leaf].name ? a->certs[leaf].name
                                                           : NULL;
    char gen[32];
    if (!alias) {
      snprintf(gen, sizeof gen, "key-%zu", i + 1);
      alias = gen;
    }
    if (leaf < 0)
      return sslb__fail(err, SSLB_ERR_KEYSTORE_CORRUPT,
                        "private key '%s' has no certificate", alias);
    if (k->key && !sslb__key_matches(k->key, a->certs[leaf].cert))
      return sslb__fail(err, SSLB_ERR_PRIVATE_KEY,
                        "private key '%s' does not match its certificate",
                        alias);
    a->certs[leaf].used = 1;
    sslb__entry e = {0};
    e.kind = SSLB_ENTRY_PRIVATE_KEY;
    e.created_ms = -1;
    e.alias = sslb__strdup(alias);
    e.chain = calloc(a->ncerts, sizeof *e.chain);
    if (!e.alias || !e.chain) {
      sslb__entry_clear(&e);
      return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
    }
    e.chain[0] = sslb_certificate_ref(a->certs[leaf].cert);
    size_t n = 1;
    /* Chain certificates first: Java names them with their subject DN, so
     * a certificate stored twice (in a chain and as a trusted entry) is
     * taken from the chain bag and its aliased twin stays an entry. */
    for (int pass = 0; pass < 2; pass++)
      for (size_t j = 0; j < a->ncerts; j++)
        if ((long)j != leaf && !a->certs[j].id_len &&
            chain_named(&a->certs[j]) == !pass)
          e.chain[n++] = sslb_certificate_ref(a->certs[j].cert);
    e.chain_len = sslb__chain_order(e.chain, n, NULL);
    for (size_t c = 1; c < e.chain_len; c++)
      for (size_t j = 0; j < a->ncerts; j++)
        if (a->certs[j].cert == e.chain[c] && chain_named(&a->certs[j]))
          a->certs[j].used = 1;
    if (k->key) {
      e.key = sslb__key_ref(k->key);
    } else if (k->plain) {
      sslb__entry_clear(&e);
      return sslb__fail(err, SSLB_ERR_PRIVATE_KEY,
                        "private key '%s' could not be decoded", alias);
    } else {
      e.prot = SSLB__PROT_PKCS8;
      e.blob = k->blob;
      e.blob_len = k->blob_len;
      k->blob = NULL;
    }
    int rc = sslb__entries_add(out, &e, err);
    sslb__entry_clear(&e);
    if (rc < 0)
      return rc;
  }
  /* Named certificates that belong to no key are trusted entries (Java
   * marks them with its trusted-key-usage attribute; stores from other
   * tools name them without it). */
  for (size_t j = 0; j < a->ncerts; j++) {
    p12cert *c = &a->certs[j];
    if (c->used || c->id_len || !c->name)
      continue;
    sslb__entry e = {0};
    e.kind = SSLB_ENTRY_TRUSTED_CERT;
    e.created_ms = -1;
    e.alias = sslb__strdup(c->name);
    e.chain = calloc(1, sizeof *e.chain);
    if (!e.alias || !e.chain) {
      sslb__entry_clear(&e);
      return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
    }
    e.chain[0] = sslb_certificate_ref(c->cert);
    e.chain_len = 1;
    int rc = sslb__entries_add(out, &e, err);
    sslb__entry_clear(&e);
    if (rc < 0)
      return rc;
  }
  for (size_t i = 0; i < a->nsecrets; i++) {
    sslb__entry e = {0};
    e.kind = SSLB_ENTRY_SECRET_KEY;
    e.created_ms = -1;
    e.alias = a->secrets[i];
    a->secrets[i] = NULL;
    e.algorithm = sslb__strdup("");
    int rc = e.algorithm ? sslb__entries_add(out, &e, err)
                         : sslb__fail(err, SSLB_ERR_NO_MEMORY, "oom");
    sslb__entry_clear(&e);
    if (rc < 0)
      return rc;
  }
  return 0;
}

int sslb__pkcs12_read(const uint8_t *p, size_t n, const char *password,
                      sslb__entries *out, sslb__err *err) {
  /* GnuTLS reports a short file as a generic DER error; check the outer
   * length first so that truncation is named as such. */
  sslb__der outer = {p, n}, content;
  unsigned tag;
  int drc = sslb__der_next(&outer, &tag, &content);
  if (drc == SSLB_ERR_KEYSTORE_TRUNCATED)
    return sslb__fail(err, drc, "data ends before the %zu-byte structure its "
                                "header announces",
                      n);
  if (drc < 0 || outer.len)
    return sslb__fail(err, SSLB_ERR_KEYSTORE_CORRUPT,
                      "the outer DER structure is malformed");
  if (n > UINT32_MAX)
    return sslb__fail(err, SSLB_ERR_LIMIT, "too large");
  gnutls_pkcs12_t p12;
  if (gnutls_pkcs12_init(&p12) < 0)
    return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
  gnutls_datum_t d = {(unsigned char *)p, (unsigned)n};
  int g = gnutls_pkcs12_import(p12, &d, GNUTLS_X509_FMT_DER, 0);
  int rc = 0;
  p12acc acc = {0};
  if (g < 0) {
    rc = sslb__fail(err, SSLB_ERR_KEYSTORE_CORRUPT,
                    "not a valid PKCS#12 structure: %s", gnutls_strerror(g));
    goto out;
  }
  unsigned mac_alg;
  uint8_t salt[64];
  unsigned salt_size = sizeof salt, iter;
  char *oid = NULL;
  int mi = gnutls_pkcs12_mac_info(p12, &mac_alg, salt, &salt_size, &iter,
                                  &oid);
  gnutls_free(oid);
  /* A MAC whose algorithm GnuTLS does not know is still a MAC: treating it
   * as absent would let one changed OID byte switch the check off. */
  int has_mac = mi >= 0 || mi == GNUTLS_E_UNKNOWN_HASH_ALGORITHM;
  int mac_failed = 0;
  if (has_mac && password) {
    g = gnutls_pkcs12_verify_mac(p12, password);
    if (g == GNUTLS_E_MAC_VERIFY_FAILED)
      mac_failed = 1;
    else if (g < 0) {
      rc = sslb__fail(err, SSLB_ERR_UNSUPPORTED,
                      "the integrity MAC could not be checked: %s",
                      gnutls_strerror(g));
      goto out;
    }
  }
  for (int idx = 0;; idx++) {
    gnutls_pkcs12_bag_t bag;
    if (gnutls_pkcs12_bag_init(&bag) < 0) {
      rc = sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
      goto out;
    }
    g = gnutls_pkcs12_get_bag(p12, idx, bag);
    if (g == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
      gnutls_pkcs12_bag_deinit(bag);
      break;
    }
    if (g >= 0 && gnutls_pkcs12_bag_get_type(bag, 0) == GNUTLS_BAG_ENCRYPTED) {
      if (!password) {
        gnutls_pkcs12_bag_deinit(bag);
        rc = sslb__fail(err, SSLB_ERR_PASSWORD_REQUIRED,
                        "the store's certificates are encrypted: a password "
                        "is required");
        goto out;
      }
      g = gnutls_pkcs12_bag_decrypt(bag, password);
      if (g == GNUTLS_E_UNKNOWN_CIPHER_TYPE ||
          g == GNUTLS_E_UNKNOWN_ALGORITHM) {
        gnutls_pkcs12_bag_deinit(bag);
        rc = sslb__fail(err, SSLB_ERR_UNSUPPORTED,
                        "bag %d uses an unsupported cipher: %s", idx,
                        gnutls_strerror(g));
        goto out;
      }
      if (g < 0) {
        gnutls_pkcs12_bag_deinit(bag);
        rc = sslb__fail(err, SSLB_ERR_BAD_PASSWORD,
                        "the certificates could not be decrypted: wrong "
                        "password");
        goto out;
      }
      acc.decrypted = 1;
    }
    if (g < 0) {
      gnutls_pkcs12_bag_deinit(bag);
      rc = sslb__fail(err, SSLB_ERR_KEYSTORE_CORRUPT,
                      "bag %d could not be read: %s", idx, gnutls_strerror(g));
      goto out;
    }
    rc = read_bag(bag, &acc, err);
    gnutls_pkcs12_bag_deinit(bag);
    if (rc < 0)
      goto out;
  }
  {
    sslb__entries tmp = {0};
    sslb__err berr = {{0}};
    rc = build_entries(&acc, password, &tmp, &berr);
    if (rc == 0 && !mac_failed) {
      *out = tmp;
      goto out;
    }
    sslb__entries_free(&tmp);
    if (!mac_failed) {
      *err = berr;
      goto out;
    }
  }
  if (mac_failed) {
    rc = acc.decrypted
             ? sslb__fail(err, SSLB_ERR_KEYSTORE_INTEGRITY,
                          "the integrity MAC does not match although the "
                          "password decrypts the contents: the data was "
                          "modified")
             : sslb__fail(err, SSLB_ERR_BAD_PASSWORD,
                          "the integrity MAC does not match: the password is "
                          "wrong or the data was modified");
    goto out;
  }
out:
  acc_free(&acc);
  gnutls_pkcs12_deinit(p12);
  return rc;
}
