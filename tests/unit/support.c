#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "keystore/ks.h"
#include "support.h"
#include "tls/crypto.h"
#include "tls/x509_internal.h"
#include "util/der.h"
#include "util/text.h"

const char *fixture_path(const char *name) {
  static char path[1024];
  snprintf(path, sizeof path, "%s/%s", SSLB_TEST_DATA, name);
  return path;
}

blob read_fixture(const char *name) {
  const char *path = fixture_path(name);
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "fixture %s is missing", path);
  blob b = {NULL, 0};
  size_t cap = 0;
  for (;;) {
    if (b.len == cap) {
      cap = cap ? cap * 2 : 4096;
      b.p = realloc(b.p, cap + 1);
      cr_assert_not_null(b.p);
    }
    size_t n = fread(b.p + b.len, 1, cap - b.len, f);
    b.len += n;
    if (n == 0)
      break;
  }
  fclose(f);
  b.p[b.len] = 0; /* text fixtures may be used as C strings */
  return b;
}

blob blob_copy(const uint8_t *p, size_t len) {
  blob b = {malloc(len + 1), len};
  cr_assert_not_null(b.p);
  if (len)
    memcpy(b.p, p, len);
  b.p[len] = 0;
  return b;
}

void blob_free(blob *b) {
  free(b->p);
  b->p = NULL;
  b->len = 0;
}

sslb_keystore *load_bytes(const uint8_t *p, size_t len, const char *password) {
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  int rc = sslb_keystore_load(ks, p, len, password);
  cr_assert_eq(rc, 0, "load failed: %s (%s)", sslb_error_name(rc),
               sslb_keystore_last_error(ks));
  return ks;
}

sslb_keystore *load_fixture(const char *name, const char *password) {
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  int rc = sslb_keystore_load_file(ks, fixture_path(name), password);
  cr_assert_eq(rc, 0, "%s: %s (%s)", name, sslb_error_name(rc),
               sslb_keystore_last_error(ks));
  return ks;
}

size_t find_alias(sslb_keystore *ks, const char *alias) {
  size_t i = (size_t)-1;
  int rc = sslb_keystore_find(ks, alias, &i);
  cr_assert_eq(rc, 0, "alias '%s' not found: %s", alias, sslb_error_name(rc));
  cr_assert_lt(i, sslb_keystore_size(ks));
  return i;
}

const char *entry_fingerprint(const sslb_keystore *ks, size_t i, size_t pos) {
  static char fp[128];
  sslb_certificate *c = NULL;
  cr_assert_eq(sslb_keystore_entry_certificate(ks, i, pos, &c), 0);
  snprintf(fp, sizeof fp, "%s", sslb_certificate_sha256_fingerprint(c));
  sslb_certificate_free(c);
  return fp;
}

static int kind_of(const char *keytool_kind) {
  if (strcmp(keytool_kind, "PrivateKeyEntry") == 0)
    return SSLB_ENTRY_PRIVATE_KEY;
  if (strcmp(keytool_kind, "trustedCertEntry") == 0)
    return SSLB_ENTRY_TRUSTED_CERT;
  if (strcmp(keytool_kind, "SecretKeyEntry") == 0)
    return SSLB_ENTRY_SECRET_KEY;
  cr_assert_fail("unknown entry kind '%s' in fixtures.tsv", keytool_kind);
  return 0;
}

/* Copies field [s, e) into dst, asserting that it fits. */
static void field(char *dst, size_t cap, const char *s, const char *e) {
  cr_assert_lt((size_t)(e - s), cap, "fixtures.tsv field too long");
  memcpy(dst, s, (size_t)(e - s));
  dst[e - s] = 0;
}

expected_entry *expected_entries(size_t *count) {
  blob tsv = read_fixture("fixtures.tsv");
  expected_entry *v = NULL;
  size_t n = 0;
  char *line = (char *)tsv.p, *end = line + tsv.len;
  while (line < end) {
    char *nl = memchr(line, '\n', (size_t)(end - line));
    if (!nl)
      nl = end;
    if (nl > line) {
      v = realloc(v, (n + 1) * sizeof *v);
      cr_assert_not_null(v);
      expected_entry *x = &v[n++];
      memset(x, 0, sizeof *x);
      char *t1 = memchr(line, '\t', (size_t)(nl - line));
      cr_assert_not_null(t1, "fixtures.tsv: no alias column");
      char *t2 = memchr(t1 + 1, '\t', (size_t)(nl - t1 - 1));
      cr_assert_not_null(t2, "fixtures.tsv: no kind column");
      char *t3 = memchr(t2 + 1, '\t', (size_t)(nl - t2 - 1));
      cr_assert_not_null(t3, "fixtures.tsv: no fingerprint column");
      char kind[32];
      field(x->file, sizeof x->file, line, t1);
      field(x->alias, sizeof x->alias, t1 + 1, t2);
      field(kind, sizeof kind, t2 + 1, t3);
      x->kind = kind_of(kind);
      /* comma-separated fingerprints, leaf first; none for secret keys */
      for (char *f = t3 + 1; f < nl;) {
        char *c = memchr(f, ',', (size_t)(nl - f));
        if (!c)
          c = nl;
        cr_assert_lt(x->nfp, MAX_FPS);
        field(x->fp[x->nfp++], sizeof x->fp[0], f, c);
        f = c + 1;
      }
    }
    line = nl + 1;
  }
  blob_free(&tsv);
  *count = n;
  return v;
}

const char *fixture_fingerprint(const char *file, const char *alias,
                                size_t pos) {
  static char fp[100];
  size_t n;
  expected_entry *v = expected_entries(&n);
  fp[0] = 0;
  for (size_t r = 0; r < n; r++)
    if (strcmp(v[r].file, file) == 0 && strcmp(v[r].alias, alias) == 0 &&
        pos < v[r].nfp)
      snprintf(fp, sizeof fp, "%s", v[r].fp[pos]);
  free(v);
  cr_assert_neq(fp[0], 0, "fixtures.tsv has no certificate %zu of %s '%s'",
                pos, file, alias);
  return fp;
}

void check_against_fixture(sslb_keystore *ks, const char *file) {
  size_t n, rows = 0;
  expected_entry *v = expected_entries(&n);
  for (size_t r = 0; r < n; r++) {
    const expected_entry *x = &v[r];
    if (strcmp(x->file, file) != 0)
      continue;
    rows++;
    size_t i = find_alias(ks, x->alias);
    cr_expect_eq(sslb__ascii_casecmp(sslb_keystore_entry_alias(ks, i),
                                     x->alias),
                 0);
    cr_expect_eq(sslb_keystore_entry_kind(ks, i), x->kind,
                 "%s '%s': kind %d, keytool says %d", file, x->alias,
                 sslb_keystore_entry_kind(ks, i), x->kind);
    cr_assert_eq(sslb_keystore_entry_chain_length(ks, i), x->nfp,
                 "%s '%s': chain of %zu, keytool says %zu", file, x->alias,
                 sslb_keystore_entry_chain_length(ks, i), x->nfp);
    for (size_t j = 0; j < x->nfp; j++)
      cr_expect_str_eq(entry_fingerprint(ks, i, j), x->fp[j],
                       "%s '%s' certificate %zu", file, x->alias, j);
  }
  cr_assert_gt(rows, 0, "fixtures.tsv has no line for %s", file);
  cr_expect_eq(sslb_keystore_size(ks), rows, "%s: %zu entries, keytool: %zu",
               file, sslb_keystore_size(ks), rows);
  free(v);
}

void check_same_entries(sslb_keystore *want, sslb_keystore *got, int lower) {
  cr_assert_eq(sslb_keystore_size(got), sslb_keystore_size(want));
  for (size_t w = 0; w < sslb_keystore_size(want); w++) {
    const char *alias = sslb_keystore_entry_alias(want, w);
    size_t g = find_alias(got, alias);
    char expect[1100];
    snprintf(expect, sizeof expect, "%s", alias);
    if (lower)
      sslb__ascii_lower(expect);
    cr_expect_str_eq(sslb_keystore_entry_alias(got, g), expect);
    cr_expect_eq(sslb_keystore_entry_kind(got, g),
                 sslb_keystore_entry_kind(want, w));
    size_t n = sslb_keystore_entry_chain_length(want, w);
    cr_assert_eq(sslb_keystore_entry_chain_length(got, g), n, "'%s'", alias);
    for (size_t j = 0; j < n; j++) {
      char fp[128];
      snprintf(fp, sizeof fp, "%s", entry_fingerprint(want, w, j));
      cr_expect_str_eq(entry_fingerprint(got, g, j), fp, "'%s' cert %zu",
                       alias, j);
    }
    if (sslb_keystore_entry_kind(got, g) == SSLB_ENTRY_PRIVATE_KEY) {
      cr_expect_eq(sslb_keystore_entry_locked(got, g), 0, "'%s' locked",
                   alias);
      check_key_usable(got, g);
    }
  }
}

void check_key_usable(sslb_keystore *ks, size_t i) {
  cr_assert_lt(i, ks->e.n);
  const sslb__entry *e = &ks->e.v[i];
  cr_assert_eq(e->kind, SSLB_ENTRY_PRIVATE_KEY);
  cr_assert_not_null(e->key, "entry '%s' is locked", e->alias);
  cr_assert_gt(e->chain_len, 0);
  cr_expect(sslb__key_matches(e->key, e->chain[0]),
            "'%s': key does not match its certificate", e->alias);
  /* Sign with the private key, verify with the leaf's public key: the key
   * works, not only its public half. */
  gnutls_privkey_t priv;
  gnutls_pubkey_t pub;
  cr_assert_geq(gnutls_privkey_init(&priv), 0);
  cr_assert_geq(gnutls_pubkey_init(&pub), 0);
  cr_assert_geq(gnutls_privkey_import_x509(priv, e->key->k, 0), 0);
  cr_assert_geq(gnutls_pubkey_import_x509(pub, sslb__cert_crt(e->chain[0]), 0),
                0);
  int pk = gnutls_privkey_get_pk_algorithm(priv, NULL);
  gnutls_sign_algorithm_t sign =
      pk == GNUTLS_PK_EDDSA_ED25519 ? GNUTLS_SIGN_EDDSA_ED25519
                                    : gnutls_pk_to_sign(pk, GNUTLS_DIG_SHA256);
  cr_assert_neq(sign, GNUTLS_SIGN_UNKNOWN);
  static const char msg[] = "sslbind unit test";
  gnutls_datum_t data = {(unsigned char *)msg, sizeof msg - 1}, sig;
  cr_assert_geq(gnutls_privkey_sign_data2(priv, sign, 0, &data, &sig), 0);
  cr_expect_geq(gnutls_pubkey_verify_data2(pub, sign, 0, &data, &sig), 0,
                "'%s': signature does not verify", e->alias);
  gnutls_free(sig.data);
  gnutls_pubkey_deinit(pub);
  gnutls_privkey_deinit(priv);
}

void generate_into(sslb_keystore *ks, const char *alias, int key_type,
                   int alg) {
  sslb_cert_spec *spec = NULL;
  cr_assert_eq(sslb_cert_spec_new(&spec), 0);
  cr_assert_eq(sslb_cert_spec_set_key_type(spec, key_type), 0);
  cr_assert_eq(sslb_cert_spec_set_key_algorithm(spec, alg), 0);
  int rc = sslb_keystore_generate(ks, alias, spec);
  cr_assert_eq(rc, 0, "generate '%s': %s (%s)", alias, sslb_error_name(rc),
               sslb_keystore_last_error(ks));
  sslb_cert_spec_free(spec);
}

sslb_keystore *generated_store(const char *alias, int key_type, int alg) {
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  generate_into(ks, alias, key_type, alg);
  return ks;
}

blob entry_key_pem(sslb_keystore *ks, size_t i, const char *password,
                   int traditional) {
  cr_assert_lt(i, ks->e.n);
  const sslb__key *k = ks->e.v[i].key;
  cr_assert_not_null(k, "entry %zu has no usable key", i);
  if (traditional) {
    gnutls_datum_t d;
    cr_assert_geq(gnutls_x509_privkey_export2(k->k, GNUTLS_X509_FMT_PEM, &d),
                  0);
    blob b = blob_copy(d.data, d.size);
    gnutls_free(d.data);
    return b;
  }
  sslb__buf b;
  sslb__buf_init(&b);
  cr_assert_eq(sslb__key_export_pkcs8(k, password, 1, &b), 0);
  blob out = blob_copy(b.p, b.len);
  sslb__buf_free(&b);
  return out;
}

blob entry_chain_pem(sslb_keystore *ks, size_t i) {
  sslb__buf b;
  sslb__buf_init(&b);
  for (size_t j = 0; j < sslb_keystore_entry_chain_length(ks, i); j++) {
    sslb_certificate *c = NULL;
    char *pem = NULL;
    cr_assert_eq(sslb_keystore_entry_certificate(ks, i, j, &c), 0);
    cr_assert_eq(sslb_certificate_pem(c, &pem), 0);
    sslb__buf_str(&b, pem);
    sslb_free(pem);
    sslb_certificate_free(c);
  }
  cr_assert_eq(sslb__buf_ok(&b), 0);
  blob out = blob_copy(b.p, b.len);
  sslb__buf_free(&b);
  return out;
}

blob save_store(sslb_keystore *ks, int format, const char *password) {
  uint8_t *p = NULL;
  size_t n = 0;
  int rc = sslb_keystore_save(ks, format, password, &p, &n);
  cr_assert_eq(rc, 0, "save as %s: %s (%s)", sslb_keystore_format_name(format),
               sslb_error_name(rc), sslb_keystore_last_error(ks));
  cr_assert_not_null(p);
  cr_assert_gt(n, 0);
  blob b = blob_copy(p, n);
  sslb_free(p);
  return b;
}

/* ---- hand-made JKS streams ---- */

void jks_header(sslb__buf *b, uint32_t magic, uint32_t version,
                uint32_t count) {
  sslb__buf_u32be(b, magic);
  sslb__buf_u32be(b, version);
  sslb__buf_u32be(b, count);
}

void jks_utf(sslb__buf *b, const char *s) {
  sslb__buf_u16be(b, (uint16_t)strlen(s));
  sslb__buf_str(b, s);
}

static void jks_cert(sslb__buf *b, const uint8_t *der, size_t der_len) {
  jks_utf(b, "X.509");
  sslb__buf_u32be(b, (uint32_t)der_len);
  sslb__buf_put(b, der, der_len);
}

void jks_cert_entry(sslb__buf *b, const char *alias, const uint8_t *der,
                    size_t der_len) {
  sslb__buf_u32be(b, 2);
  jks_utf(b, alias);
  sslb__buf_u64be(b, 1700000000000ull);
  jks_cert(b, der, der_len);
}

void jks_key_entry(sslb__buf *b, const char *alias, uint32_t nchain,
                   const uint8_t *der, size_t der_len) {
  /* Sun KeyProtector OID 1.3.6.1.4.1.42.2.17.1.1 */
  static const uint8_t oid[] = {0x2b, 0x06, 0x01, 0x04, 0x01,
                                0x2a, 0x02, 0x11, 0x01, 0x01};
  uint8_t body[60];
  memset(body, 0x5a, sizeof body); /* salt, "encrypted key", check */
  sslb__buf k;
  sslb__buf_init(&k);
  size_t seq = sslb__der_begin(&k, SSLB__DER_SEQUENCE);
  size_t alg = sslb__der_begin(&k, SSLB__DER_SEQUENCE);
  sslb__der_put(&k, SSLB__DER_OID, oid, sizeof oid);
  sslb__der_put(&k, SSLB__DER_NULL, NULL, 0);
  sslb__der_end(&k, alg);
  sslb__der_put(&k, SSLB__DER_OCTETSTRING, body, sizeof body);
  sslb__der_end(&k, seq);
  cr_assert_eq(sslb__buf_ok(&k), 0);

  sslb__buf_u32be(b, 1);
  jks_utf(b, alias);
  sslb__buf_u64be(b, 1700000000000ull);
  sslb__buf_u32be(b, (uint32_t)k.len);
  sslb__buf_put(b, k.p, k.len);
  sslb__buf_u32be(b, nchain);
  if (der)
    for (uint32_t i = 0; i < nchain; i++)
      jks_cert(b, der, der_len);
  sslb__buf_free(&k);
}

void jks_finish(sslb__buf *b, const char *password) {
  sslb__buf pw;
  sslb__buf_init(&pw);
  cr_assert_eq(sslb__utf8_to_utf16be(&pw, password), 0);
  sslb__hash *h = NULL;
  cr_assert_eq(sslb__hash_new(&h, SSLB__SHA1), 0);
  uint8_t md[20];
  sslb__hash_update(h, pw.p, pw.len);
  sslb__hash_update(h, "Mighty Aphrodite", 16);
  sslb__hash_update(h, b->p, b->len);
  sslb__hash_final(h, md);
  sslb__buf_put(b, md, sizeof md);
  sslb__buf_free(&pw);
  cr_assert_eq(sslb__buf_ok(b), 0);
}

/* ---- temporary directories ---- */

char *make_temp_dir(void) {
  char *dir = strdup("/tmp/sslb-unit-XXXXXX");
  cr_assert_not_null(dir);
  cr_assert_not_null(mkdtemp(dir));
  return dir;
}

void remove_dir(char *dir) {
  if (!dir)
    return;
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *de;
    while ((de = readdir(d))) {
      if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
        continue;
      char path[2048];
      snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
      unlink(path);
    }
    closedir(d);
  }
  rmdir(dir);
  free(dir);
}
