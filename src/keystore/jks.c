/* Sun JKS (read/write) and JCEKS (read) keystores.
 *
 * Layout (all integers big-endian): magic, version (1 or 2), entry count;
 * per entry a tag (1 private key, 2 trusted certificate, 3 secret key in
 * JCEKS), the alias in Java's modified UTF-8, a creation time in ms, then the
 * entry body; finally a SHA-1 digest over
 * password-as-UTF-16BE || "Mighty Aphrodite" || everything before it.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keystore/ks.h"
#include "tls/crypto.h"
#include "util/der.h"
#include "util/text.h"

#define JKS_MAGIC 0xfeedfeedu
#define JCEKS_MAGIC 0xcecececeu
#define TAG_KEY 1u
#define TAG_CERT 2u
#define TAG_SECRET 3u

/* 1.3.6.1.4.1.42.2.17.1.1: Sun JKS key protector */
static const uint8_t OID_JKS_KP[] = {0x2b, 0x06, 0x01, 0x04, 0x01,
                                     0x2a, 0x02, 0x11, 0x01, 0x01};
/* 1.3.6.1.4.1.42.2.19.1: PBEWithMD5AndTripleDES (JCEKS key protector) */
static const uint8_t OID_JCEKS_KP[] = {0x2b, 0x06, 0x01, 0x04, 0x01,
                                       0x2a, 0x02, 0x13, 0x01};

static const char WHITENER[] = "Mighty Aphrodite";

/* Java's char[] password as bytes: UTF-16BE code units. */
static int pw_utf16(const char *pw, sslb__buf *b) {
  return sslb__utf8_to_utf16be(b, pw ? pw : "");
}

static int store_digest(const char *pw, const uint8_t *p, size_t n,
                        uint8_t md[20]) {
  sslb__buf pb;
  sslb__buf_init(&pb);
  int rc = pw_utf16(pw, &pb);
  sslb__hash *h = NULL;
  if (rc == 0)
    rc = sslb__hash_new(&h, SSLB__SHA1);
  if (rc == 0) {
    sslb__hash_update(h, pb.p, pb.len);
    sslb__hash_update(h, WHITENER, strlen(WHITENER));
    sslb__hash_update(h, p, n);
    sslb__hash_final(h, md);
  }
  sslb__buf_free(&pb);
  return rc;
}

/* Splits an EncryptedPrivateKeyInfo into algorithm OID, parameters and
 * encrypted octets. */
static int epki_parse(const uint8_t *blob, size_t n, sslb__der *oid,
                      sslb__der *params, sslb__der *data) {
  sslb__der in = {blob, n}, seq, alg;
  unsigned tag;
  if (sslb__der_expect(&in, SSLB__DER_SEQUENCE, &seq) < 0 ||
      sslb__der_expect(&seq, SSLB__DER_SEQUENCE, &alg) < 0 ||
      sslb__der_expect(&alg, SSLB__DER_OID, oid) < 0 ||
      sslb__der_expect(&seq, SSLB__DER_OCTETSTRING, data) < 0)
    return SSLB_ERR_KEYSTORE_CORRUPT;
  params->p = NULL;
  params->len = 0;
  if (alg.len) {
    sslb__der tmp;
    if (sslb__der_next(&alg, &tag, &tmp) < 0)
      return SSLB_ERR_KEYSTORE_CORRUPT;
    if (tag == SSLB__DER_SEQUENCE)
      *params = tmp;
  }
  return 0;
}

/* Sun's KeyProtector: salt(20) || plaintext XOR SHA-1 keystream || check,
 * keystream blocks SHA-1(pw || previous), check SHA-1(pw || plaintext). */
int sslb__jks_unprotect(const uint8_t *blob, size_t n, const char *password,
                        const sslb_certificate *leaf, sslb__key **key,
                        sslb__err *err) {
  sslb__der oid, params, data;
  *key = NULL;
  if (epki_parse(blob, n, &oid, &params, &data) < 0 ||
      !sslb__der_oid_eq(&oid, OID_JKS_KP, sizeof OID_JKS_KP) || data.len < 41)
    return sslb__fail(err, SSLB_ERR_KEYSTORE_CORRUPT,
                      "protected key is not in Sun's JKS key format");
  sslb__buf pb, plain;
  sslb__buf_init(&pb);
  sslb__buf_init(&plain);
  int rc = pw_utf16(password, &pb);
  size_t klen = data.len - 40;
  const uint8_t *salt = data.p, *enc = data.p + 20, *check = enc + klen;
  if (rc == 0)
    rc = sslb__buf_reserve(&plain, klen);
  uint8_t d[20];
  memcpy(d, salt, 20);
  for (size_t off = 0; rc == 0 && off < klen; off += 20) {
    sslb__hash *h;
    if ((rc = sslb__hash_new(&h, SSLB__SHA1)) < 0)
      break;
    sslb__hash_update(h, pb.p, pb.len);
    sslb__hash_update(h, d, 20);
    sslb__hash_final(h, d);
    for (size_t i = 0; i < 20 && off + i < klen; i++)
      plain.p[off + i] = enc[off + i] ^ d[i];
  }
  if (rc == 0) {
    plain.len = klen;
    sslb__hash *h;
    if ((rc = sslb__hash_new(&h, SSLB__SHA1)) == 0) {
      sslb__hash_update(h, pb.p, pb.len);
      sslb__hash_update(h, plain.p, klen);
      sslb__hash_final(h, d);
      if (!sslb__memeq(d, check, 20))
        rc = sslb__fail(err, SSLB_ERR_BAD_KEY_PASSWORD,
                        "wrong key password (the key's check digest does not "
                        "match)");
      else
        rc = sslb__key_from_pkcs8(key, plain.p, klen, leaf, err);
    }
  } else if (rc == SSLB_ERR_NO_MEMORY) {
    rc = sslb__fail(err, rc, "out of memory");
  }
  sslb__wipe(d, sizeof d);
  sslb__buf_free(&pb);
  sslb__buf_free(&plain);
  return rc;
}

static int jks_protect(const sslb__key *key, const char *password,
                       sslb__buf *out) {
  sslb__buf plain, pb, body;
  sslb__buf_init(&plain);
  sslb__buf_init(&pb);
  sslb__buf_init(&body);
  uint8_t salt[20], d[20];
  int rc = sslb__key_export_pkcs8(key, NULL, 0, &plain);
  if (rc == 0)
    rc = pw_utf16(password, &pb);
  if (rc == 0)
    rc = sslb__random(salt, sizeof salt);
  if (rc == 0) {
    sslb__buf_put(&body, salt, 20);
    memcpy(d, salt, 20);
    for (size_t off = 0; rc == 0 && off < plain.len; off += 20) {
      sslb__hash *h;
      if ((rc = sslb__hash_new(&h, SSLB__SHA1)) < 0)
        break;
      sslb__hash_update(h, pb.p, pb.len);
      sslb__hash_update(h, d, 20);
      sslb__hash_final(h, d);
      for (size_t i = 0; i < 20 && off + i < plain.len; i++)
        sslb__buf_u8(&body, plain.p[off + i] ^ d[i]);
    }
  }
  if (rc == 0) {
    sslb__hash *h;
    if ((rc = sslb__hash_new(&h, SSLB__SHA1)) == 0) {
      sslb__hash_update(h, pb.p, pb.len);
      sslb__hash_update(h, plain.p, plain.len);
      sslb__hash_final(h, d);
      sslb__buf_put(&body, d, 20);
      size_t seq = sslb__der_begin(out, SSLB__DER_SEQUENCE);
      size_t alg = sslb__der_begin(out, SSLB__DER_SEQUENCE);
      sslb__der_put(out, SSLB__DER_OID, OID_JKS_KP, sizeof OID_JKS_KP);
      sslb__der_put(out, SSLB__DER_NULL, NULL, 0);
      sslb__der_end(out, alg);
      sslb__der_put(out, SSLB__DER_OCTETSTRING, body.p, body.len);
      sslb__der_end(out, seq);
      rc = sslb__buf_ok(&body) < 0 ? SSLB_ERR_NO_MEMORY : sslb__buf_ok(out);
    }
  }
  sslb__wipe(d, sizeof d);
  sslb__buf_free(&plain);
  sslb__buf_free(&pb);
  sslb__buf_free(&body);
  return rc;
}

/* PBEWithMD5AndTripleDES as Sun's JCE implements it (PBES1Core): the salt's
 * two halves, each hashed `iter` times with MD5 together with the password;
 * if the halves are equal the first is reversed first (Sun's quirk). */
int sslb__jceks_unprotect(const uint8_t *blob, size_t n, const char *password,
                          const sslb_certificate *leaf, sslb__key **key,
                          sslb__err *err) {
  sslb__der oid, params, data, saltd, iterd;
  *key = NULL;
  uint32_t iter;
  if (epki_parse(blob, n, &oid, &params, &data) < 0 ||
      !sslb__der_oid_eq(&oid, OID_JCEKS_KP, sizeof OID_JCEKS_KP) ||
      sslb__der_expect(&params, SSLB__DER_OCTETSTRING, &saltd) < 0 ||
      saltd.len != 8 || sslb__der_expect(&params, SSLB__DER_INTEGER, &iterd) < 0 ||
      sslb__der_uint(&iterd, &iter) < 0 || iter == 0)
    return sslb__fail(err, SSLB_ERR_KEYSTORE_CORRUPT,
                      "protected key is not in Sun's JCEKS key format");
  if (iter > SSLB__MAX_ITERATIONS)
    return sslb__fail(err, SSLB_ERR_LIMIT,
                      "protected key asks for %u iterations, more than the "
                      "%u accepted",
                      iter, SSLB__MAX_ITERATIONS);
  /* Java's PBEKey takes each password char as one byte. */
  sslb__buf pb, plain;
  sslb__buf_init(&pb);
  sslb__buf_init(&plain);
  int rc = pw_utf16(password, &pb);
  uint8_t salt[8], derived[32], md[16];
  memcpy(salt, saltd.p, 8);
  if (memcmp(salt, salt + 4, 4) == 0)
    for (int i = 0; i < 2; i++) {
      uint8_t t = salt[i];
      salt[i] = salt[3 - i];
      salt[3 - i] = t;
    }
  size_t pwn = pb.len / 2;
  uint8_t *pw = malloc(pwn + 1);
  if (rc == 0 && !pw)
    rc = SSLB_ERR_NO_MEMORY;
  for (size_t i = 0; rc == 0 && i < pwn; i++)
    pw[i] = pb.p[2 * i + 1];
  for (int half = 0; rc == 0 && half < 2; half++) {
    const uint8_t *in = salt + 4 * half;
    size_t inlen = 4;
    for (uint32_t j = 0; rc == 0 && j < iter; j++) {
      sslb__hash *h;
      if ((rc = sslb__hash_new(&h, SSLB__MD5)) < 0)
        break;
      sslb__hash_update(h, in, inlen);
      sslb__hash_update(h, pw, pwn);
      sslb__hash_final(h, md);
      in = md;
      inlen = 16;
    }
    memcpy(derived + 16 * half, md, 16);
  }
  if (rc == 0) {
    rc = sslb__cbc_decrypt(SSLB__DES3_CBC, derived, derived + 24, data.p,
                           data.len, &plain);
    if (rc == SSLB_ERR_BAD_PASSWORD || rc == SSLB_ERR_KEYSTORE_CORRUPT)
      rc = sslb__fail(err, SSLB_ERR_BAD_KEY_PASSWORD,
                      "wrong key password (decryption padding is invalid)");
    else if (rc == 0 && sslb__key_from_pkcs8(key, plain.p, plain.len, leaf,
                                               NULL) < 0)
      rc = sslb__fail(err, SSLB_ERR_BAD_KEY_PASSWORD,
                      "wrong key password (decrypted data is no PKCS#8 key)");
    else if (rc < 0)
      rc = sslb__fail(err, rc, "key decryption failed");
  } else {
    rc = sslb__fail(err, rc, "key decryption failed");
  }
  if (pw) {
    sslb__wipe(pw, pwn);
    free(pw);
  }
  sslb__wipe(derived, sizeof derived);
  sslb__wipe(md, sizeof md);
  sslb__buf_free(&pb);
  sslb__buf_free(&plain);
  return rc;
}

static int prot_of(const uint8_t *blob, size_t n) {
  sslb__der oid, params, data;
  if (epki_parse(blob, n, &oid, &params, &data) < 0)
    return -1;
  if (sslb__der_oid_eq(&oid, OID_JKS_KP, sizeof OID_JKS_KP))
    return SSLB__PROT_JKS;
  if (sslb__der_oid_eq(&oid, OID_JCEKS_KP, sizeof OID_JCEKS_KP))
    return SSLB__PROT_JCEKS;
  return SSLB__PROT_PKCS8;
}

static int read_utf(sslb__rd *r, char **out, sslb__err *err,
                    const char *what) {
  uint16_t n = sslb__rd_u16(r);
  const uint8_t *p = sslb__rd_bytes(r, n);
  if (!p)
    return SSLB_ERR_KEYSTORE_TRUNCATED;
  int rc;
  *out = sslb__mutf8_to_utf8(p, n, &rc);
  if (!*out)
    return rc == SSLB_ERR_NO_MEMORY
               ? sslb__fail(err, rc, "out of memory")
               : sslb__fail(err, rc, "%s is not valid modified UTF-8", what);
  return 0;
}

static int read_cert(sslb__rd *r, uint32_t version, sslb_certificate **out,
                     sslb__err *err) {
  if (version == 2) {
    char *type = NULL;
    SSLB__GUARD(read_utf(r, &type, err, "certificate type"));
    int x509 = strcmp(type, "X.509") == 0;
    if (!x509) {
      int rc = sslb__fail(err, SSLB_ERR_UNSUPPORTED,
                          "certificate type '%.40s' is not X.509", type);
      free(type);
      return rc;
    }
    free(type);
  }
  uint32_t n = sslb__rd_u32(r);
  const uint8_t *p = sslb__rd_bytes(r, n);
  if (!p)
    return sslb__fail(err, SSLB_ERR_KEYSTORE_TRUNCATED,
                      "certificate of %u bytes runs past the end", n);
  return sslb__cert_from_der(out, p, n, err);
}

/* Checks a count against the cap and against what the remaining bytes
 * could hold at minimum. A count the bytes cannot hold means the data ends
 * too early (as for a cut file), so it is reported as truncation. */
static int plausible(sslb__rd *r, uint32_t count, size_t min_each,
                     uint32_t cap, sslb__err *err, const char *what) {
  if (count > cap)
    return sslb__fail(err, SSLB_ERR_LIMIT,
                      "%s count %u exceeds the limit of %u", what, count, cap);
  if ((uint64_t)count * min_each > sslb__rd_left(r))
    return sslb__fail(err, SSLB_ERR_KEYSTORE_TRUNCATED,
                      "%s count %u needs more than the %zu bytes left", what,
                      count, sslb__rd_left(r));
  return 0;
}

static int read_entry(sslb__rd *r, uint32_t version, int jceks,
                      sslb__entry *e, sslb__err *err) {
  uint32_t tag = sslb__rd_u32(r);
  if (r->short_read)
    return SSLB_ERR_KEYSTORE_TRUNCATED;
  if (tag != TAG_KEY && tag != TAG_CERT && !(jceks && tag == TAG_SECRET))
    return sslb__fail(err, SSLB_ERR_KEYSTORE_CORRUPT,
                      "unknown entry tag %u", tag);
  SSLB__GUARD(read_utf(r, &e->alias, err, "alias"));
  e->created_ms = (int64_t)sslb__rd_u64(r);
  if (tag == TAG_CERT) {
    e->kind = SSLB_ENTRY_TRUSTED_CERT;
    e->chain = calloc(1, sizeof *e->chain);
    if (!e->chain)
      return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
    SSLB__GUARD(read_cert(r, version, &e->chain[0], err));
    e->chain_len = 1;
    return 0;
  }
  if (tag == TAG_SECRET) {
    e->kind = SSLB_ENTRY_SECRET_KEY;
    char cls[128];
    long used = sslb__javaser_skip(r->p + r->pos, sslb__rd_left(r), cls,
                                   sizeof cls);
    if (used < 0)
      return sslb__fail(err, (int)used,
                        "secret key object could not be delimited");
    (void)sslb__rd_bytes(r, (size_t)used);
    e->algorithm = sslb__strdup("");
    return e->algorithm ? 0 : sslb__fail(err, SSLB_ERR_NO_MEMORY, "oom");
  }
  e->kind = SSLB_ENTRY_PRIVATE_KEY;
  uint32_t klen = sslb__rd_u32(r);
  const uint8_t *kp = sslb__rd_bytes(r, klen);
  if (!kp)
    return sslb__fail(err, SSLB_ERR_KEYSTORE_TRUNCATED,
                      "protected key of %u bytes runs past the end", klen);
  e->prot = prot_of(kp, klen);
  if (e->prot < 0)
    return sslb__fail(err, SSLB_ERR_KEYSTORE_CORRUPT,
                      "protected key is not an EncryptedPrivateKeyInfo");
  e->blob = malloc(klen ? klen : 1);
  if (!e->blob)
    return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
  memcpy(e->blob, kp, klen);
  e->blob_len = klen;
  uint32_t nchain = sslb__rd_u32(r);
  if (r->short_read)
    return SSLB_ERR_KEYSTORE_TRUNCATED;
  SSLB__GUARD(plausible(r, nchain, 4, SSLB__MAX_CHAIN, err, "chain"));
  if (nchain == 0)
    return sslb__fail(err, SSLB_ERR_KEYSTORE_CORRUPT,
                      "private key has no certificate chain");
  e->chain = calloc(nchain, sizeof *e->chain);
  if (!e->chain)
    return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
  for (uint32_t i = 0; i < nchain; i++) {
    SSLB__GUARD(read_cert(r, version, &e->chain[i], err));
    e->chain_len++;
  }
  return 0;
}

int sslb__jks_read(const uint8_t *p, size_t n, const char *password,
                   sslb__entries *out, sslb__err *err) {
  sslb__rd r;
  sslb__rd_init(&r, p, n);
  uint32_t magic = sslb__rd_u32(&r);
  int jceks = magic == JCEKS_MAGIC;
  uint32_t version = sslb__rd_u32(&r);
  uint32_t count = sslb__rd_u32(&r);
  if (r.short_read)
    return sslb__fail(err, SSLB_ERR_KEYSTORE_TRUNCATED,
                      "the header needs 12 bytes, %zu are there", n);
  if (version != 1 && version != 2)
    return sslb__fail(err, SSLB_ERR_KEYSTORE_CORRUPT,
                      "unsupported version %u (1 and 2 exist)", version);
  /* an entry needs at least tag(4) alias(2) date(8) and a 4-byte length */
  SSLB__GUARD(plausible(&r, count, 18, SSLB__MAX_ENTRIES, err, "entry"));
  for (uint32_t i = 0; i < count; i++) {
    sslb__entry e = {0};
    size_t at = r.pos;
    int rc = read_entry(&r, version, jceks, &e, err);
    if (rc == 0 && r.short_read)
      rc = SSLB_ERR_KEYSTORE_TRUNCATED;
    if (rc == SSLB_ERR_KEYSTORE_TRUNCATED || r.short_read)
      rc = sslb__fail(err, SSLB_ERR_KEYSTORE_TRUNCATED,
                      "data ends inside entry %u of %u (starting at byte %zu)",
                      i + 1, count, at);
    else if (rc < 0)
      sslb__err_prefix(err, "entry %u of %u ('%s')", i + 1, count,
                       e.alias ? e.alias : "?");
    if (rc == 0)
      rc = sslb__entries_add(out, &e, err);
    sslb__entry_clear(&e);
    if (rc < 0)
      return rc;
  }
  size_t body = r.pos;
  const uint8_t *digest = sslb__rd_bytes(&r, 20);
  if (!digest)
    return sslb__fail(err, SSLB_ERR_KEYSTORE_TRUNCATED,
                      "data ends before the 20-byte integrity digest");
  if (sslb__rd_left(&r))
    return sslb__fail(err, SSLB_ERR_KEYSTORE_CORRUPT,
                      "%zu unexpected bytes after the integrity digest",
                      sslb__rd_left(&r));
  if (!password)
    return 0; /* Java loads without a check too; keys stay locked */
  uint8_t md[20];
  SSLB__GUARD(store_digest(password, p, body, md));
  int digest_ok = sslb__memeq(md, digest, 20);
  int proven = 0; /* a key decrypted with this password proves it right */
  for (size_t i = 0; i < out->n; i++) {
    sslb__entry *e = &out->v[i];
    if (e->kind != SSLB_ENTRY_PRIVATE_KEY)
      continue;
    sslb__err kerr;
    int rc = sslb__entry_unlock(e, password, &kerr);
    if (rc == 0)
      proven = 1;
    else if (rc != SSLB_ERR_BAD_KEY_PASSWORD && digest_ok) {
      *err = kerr;
      sslb__err_prefix(err, "entry '%s'", e->alias);
      return rc;
    }
  }
  if (!digest_ok) {
    if (proven)
      return sslb__fail(err, SSLB_ERR_KEYSTORE_INTEGRITY,
                        "the integrity digest does not match although the "
                        "password decrypts a key: the data was modified");
    return sslb__fail(err, SSLB_ERR_BAD_PASSWORD,
                      "the integrity digest does not match: the password is "
                      "wrong or the data was modified");
  }
  return 0;
}

int sslb__jks_write(const sslb__entries *l, const char *password,
                    sslb__buf *out, sslb__err *err) {
  if (!password)
    return sslb__fail(err, SSLB_ERR_PASSWORD_REQUIRED,
                      "a JKS store needs a password for its integrity digest");
  size_t start = out->len;
  sslb__buf_u32be(out, JKS_MAGIC);
  sslb__buf_u32be(out, 2);
  sslb__buf_u32be(out, (uint32_t)l->n);
  int64_t now = (int64_t)time(NULL) * 1000;
  for (size_t i = 0; i < l->n; i++) {
    const sslb__entry *e = &l->v[i];
    sslb__buf_u32be(out, e->kind == SSLB_ENTRY_PRIVATE_KEY ? TAG_KEY
                                                           : TAG_CERT);
    /* Java's JKS lower-cases aliases when it stores them and when it looks
     * them up; a mixed-case alias in the file could not be found. */
    char *alias = sslb__strdup(e->alias);
    if (!alias)
      return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
    sslb__ascii_lower(alias);
    sslb__buf tmp;
    sslb__buf_init(&tmp);
    int rc = sslb__utf8_to_mutf8(&tmp, alias);
    free(alias);
    if (rc < 0 || tmp.len > 0xffff) {
      sslb__buf_free(&tmp);
      return sslb__fail(err, SSLB_ERR_INVALID_ARGUMENT,
                        "alias '%s' cannot be written", e->alias);
    }
    sslb__buf_u16be(out, (uint16_t)tmp.len);
    sslb__buf_put(out, tmp.p, tmp.len);
    sslb__buf_free(&tmp);
    sslb__buf_u64be(out, (uint64_t)(e->created_ms >= 0 ? e->created_ms : now));
    if (e->kind == SSLB_ENTRY_PRIVATE_KEY) {
      sslb__buf kb;
      sslb__buf_init(&kb);
      rc = jks_protect(e->key, e->key_password ? e->key_password : password,
                       &kb);
      if (rc < 0) {
        sslb__buf_free(&kb);
        return sslb__fail(err, rc, "entry '%s': key protection failed",
                          e->alias);
      }
      sslb__buf_u32be(out, (uint32_t)kb.len);
      sslb__buf_put(out, kb.p, kb.len);
      sslb__buf_free(&kb);
      sslb__buf_u32be(out, (uint32_t)e->chain_len);
    }
    size_t ncert = e->kind == SSLB_ENTRY_PRIVATE_KEY ? e->chain_len : 1;
    for (size_t j = 0; j < ncert; j++) {
      const uint8_t *der;
      size_t dlen;
      sslb__cert_der(e->chain[j], &der, &dlen);
      sslb__buf_u16be(out, 5);
      sslb__buf_str(out, "X.509");
      sslb__buf_u32be(out, (uint32_t)dlen);
      sslb__buf_put(out, der, dlen);
    }
  }
  if (sslb__buf_ok(out) < 0)
    return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
  uint8_t md[20];
  SSLB__GUARD(store_digest(password, out->p + start, out->len - start, md));
  sslb__buf_put(out, md, 20);
  return sslb__buf_ok(out);
}
