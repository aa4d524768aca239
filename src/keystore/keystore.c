#include <stdlib.h>
#include <string.h>

#include "keystore/ks.h"
#include "util/text.h"

#define CHECK_KS(ks)                                                           \
  do {                                                                         \
    if (!(ks))                                                                 \
      return SSLB_ERR_INVALID_ARGUMENT;                                        \
    sslb__err_clear(&(ks)->err);                                               \
  } while (0)

void sslb__entry_clear(sslb__entry *e) {
  free(e->alias);
  for (size_t i = 0; i < e->chain_len; i++)
    sslb_certificate_free(e->chain[i]);
  free(e->chain);
  sslb__key_unref(e->key);
  if (e->blob) {
    sslb__wipe(e->blob, e->blob_len);
    free(e->blob);
  }
  sslb__free_secret(e->key_password);
  free(e->algorithm);
  memset(e, 0, sizeof *e);
}

long sslb__entries_find(const sslb__entries *l, const char *alias) {
  for (size_t i = 0; i < l->n; i++)
    if (sslb__ascii_casecmp(l->v[i].alias, alias) == 0)
      return (long)i;
  return -1;
}

int sslb__entries_add(sslb__entries *l, sslb__entry *e, sslb__err *err) {
  if (sslb__entries_find(l, e->alias) >= 0)
    return sslb__fail(err, SSLB_ERR_DUPLICATE_ALIAS,
                      "alias '%s' occurs more than once", e->alias);
  if (l->n == l->cap) {
    size_t nc = l->cap ? l->cap * 2 : 8;
    sslb__entry *v = realloc(l->v, nc * sizeof *v);
    if (!v)
      return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
    l->v = v;
    l->cap = nc;
  }
  l->v[l->n++] = *e;
  memset(e, 0, sizeof *e);
  return 0;
}

void sslb__entries_free(sslb__entries *l) {
  for (size_t i = 0; i < l->n; i++)
    sslb__entry_clear(&l->v[i]);
  free(l->v);
  memset(l, 0, sizeof *l);
}

int sslb__entry_unlock(sslb__entry *e, const char *password, sslb__err *err) {
  if (e->key)
    return 0;
  sslb__key *k = NULL;
  const sslb_certificate *leaf = e->chain_len ? e->chain[0] : NULL;
  int rc;
  switch (e->prot) {
  case SSLB__PROT_JKS:
    rc = sslb__jks_unprotect(e->blob, e->blob_len, password, leaf, &k, err);
    break;
  case SSLB__PROT_JCEKS:
    rc = sslb__jceks_unprotect(e->blob, e->blob_len, password, leaf, &k, err);
    break;
  case SSLB__PROT_PKCS8:
    rc = sslb__key_decrypt_pkcs8(&k, e->blob, e->blob_len, password, leaf,
                                 err);
    break;
  default:
    return sslb__fail(err, SSLB_ERR_INTERNAL, "entry has no key to unlock");
  }
  if (rc < 0)
    return rc;
  if (e->chain_len && !sslb__key_matches(k, e->chain[0])) {
    sslb__key_unref(k);
    return sslb__fail(err, SSLB_ERR_PRIVATE_KEY,
                      "the private key does not match the entry's "
                      "certificate");
  }
  e->key = k;
  sslb__wipe(e->blob, e->blob_len);
  free(e->blob);
  e->blob = NULL;
  e->blob_len = 0;
  e->prot = SSLB__PROT_NONE;
  return 0;
}

int sslb_keystore_new(sslb_keystore **out) {
  if (!out)
    return SSLB_ERR_INVALID_ARGUMENT;
  *out = calloc(1, sizeof **out);
  return *out ? 0 : SSLB_ERR_NO_MEMORY;
}

void sslb_keystore_free(sslb_keystore *ks) {
  if (!ks)
    return;
  sslb__entries_free(&ks->e);
  free(ks);
}

const char *sslb_keystore_last_error(const sslb_keystore *ks) {
  return ks ? ks->err.msg : "keystore handle is NULL";
}

int sslb_keystore_sniff(const uint8_t *p, size_t n) {
  if (!p || n < 4)
    return SSLB_FORMAT_UNKNOWN;
  if (p[0] == 0xfe && p[1] == 0xed && p[2] == 0xfe && p[3] == 0xed)
    return SSLB_FORMAT_JKS;
  if (p[0] == 0xce && p[1] == 0xce && p[2] == 0xce && p[3] == 0xce)
    return SSLB_FORMAT_JCEKS;
  if (p[0] == 0x30) {
    /* PFX starts SEQUENCE { INTEGER 3, ...}; a certificate starts SEQUENCE {
     * SEQUENCE {...}}. Look past the outer length. */
    size_t pos = 2;
    if (p[1] & 0x80)
      pos = 2 + (p[1] & 0x7f);
    if (pos + 3 <= n && p[pos] == 0x02 && p[pos + 1] == 0x01 &&
        p[pos + 2] == 0x03)
      return SSLB_FORMAT_PKCS12;
    if (pos < n && p[pos] == 0x30)
      return SSLB_FORMAT_DER;
    return SSLB_FORMAT_UNKNOWN;
  }
  /* PEM: text with a BEGIN line somewhere in the first 64 KiB */
  size_t scan = n < 65536 ? n : 65536;
  if (memmem(p, scan, "-----BEGIN ", 11))
    return SSLB_FORMAT_PEM;
  return SSLB_FORMAT_UNKNOWN;
}

const char *sslb_keystore_format_name(int f) {
  switch (f) {
  case SSLB_FORMAT_JKS:
    return "JKS";
  case SSLB_FORMAT_JCEKS:
    return "JCEKS";
  case SSLB_FORMAT_PKCS12:
    return "PKCS12";
  case SSLB_FORMAT_PEM:
    return "PEM";
  case SSLB_FORMAT_DER:
    return "DER";
  default:
    return "unknown";
  }
}

static int read_der_cert(const uint8_t *p, size_t n, sslb__entries *out,
                         sslb__err *err) {
  sslb__entry e = {0};
  e.kind = SSLB_ENTRY_TRUSTED_CERT;
  e.created_ms = -1;
  e.chain = calloc(1, sizeof *e.chain);
  e.alias = sslb__strdup("certificate");
  if (!e.chain || !e.alias) {
    sslb__entry_clear(&e);
    return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
  }
  int rc = sslb__cert_from_der(&e.chain[0], p, n, err);
  if (rc == 0) {
    e.chain_len = 1;
    rc = sslb__entries_add(out, &e, err);
  }
  sslb__entry_clear(&e);
  return rc;
}

int sslb_keystore_load(sslb_keystore *ks, const uint8_t *data, size_t len,
                       const char *password) {
  CHECK_KS(ks);
  if (!data && len)
    return sslb__fail(&ks->err, SSLB_ERR_INVALID_ARGUMENT, "data is NULL");
  if (password && !sslb__utf8_valid(password))
    return sslb__fail(&ks->err, SSLB_ERR_INVALID_ARGUMENT,
                      "the password is not valid UTF-8");
  int fmt = sslb_keystore_sniff(data, len);
  sslb__entries fresh = {0};
  int rc;
  switch (fmt) {
  case SSLB_FORMAT_JKS:
  case SSLB_FORMAT_JCEKS:
    rc = sslb__jks_read(data, len, password, &fresh, &ks->err);
    break;
  case SSLB_FORMAT_PKCS12:
    rc = sslb__pkcs12_read(data, len, password, &fresh, &ks->err);
    break;
  case SSLB_FORMAT_PEM:
    rc = sslb__pem_read(data, len, password, &fresh, &ks->err);
    break;
  case SSLB_FORMAT_DER:
    rc = read_der_cert(data, len, &fresh, &ks->err);
    break;
  default:
    if (len < 4)
      return sslb__fail(&ks->err, SSLB_ERR_KEYSTORE_TRUNCATED,
                        "%zu bytes are too few to be a keystore", len);
    return sslb__fail(&ks->err, SSLB_ERR_KEYSTORE_FORMAT,
                      "not a keystore: the data starts with %02x %02x %02x "
                      "%02x, which is no JKS, JCEKS, PKCS#12, PEM or DER "
                      "certificate",
                      data[0], data[1], data[2], data[3]);
  }
  if (rc < 0) {
    sslb__entries_free(&fresh);
    if (ks->err.msg[0])
      sslb__err_prefix(&ks->err, "%s keystore", sslb_keystore_format_name(fmt));
    return rc;
  }
  sslb__entries_free(&ks->e);
  ks->e = fresh;
  ks->format = fmt;
  return 0;
}

int sslb_keystore_load_file(sslb_keystore *ks, const char *path,
                            const char *password) {
  CHECK_KS(ks);
  if (!path)
    return sslb__fail(&ks->err, SSLB_ERR_INVALID_ARGUMENT, "path is NULL");
  uint8_t *data;
  size_t len;
  SSLB__GUARD(sslb__read_file(path, &data, &len, &ks->err));
  int rc = sslb_keystore_load(ks, data, len, password);
  if (rc < 0)
    sslb__err_prefix(&ks->err, "%s", path);
  sslb__wipe(data, len);
  free(data);
  return rc;
}

int sslb_keystore_format(const sslb_keystore *ks) {
  return ks ? ks->format : SSLB_FORMAT_UNKNOWN;
}

size_t sslb_keystore_size(const sslb_keystore *ks) { return ks ? ks->e.n : 0; }

int sslb_keystore_find(sslb_keystore *ks, const char *alias, size_t *index) {
  CHECK_KS(ks);
  if (!alias || !index)
    return sslb__fail(&ks->err, SSLB_ERR_INVALID_ARGUMENT,
                      "alias and index must not be NULL");
  long i = sslb__entries_find(&ks->e, alias);
  if (i < 0)
    return sslb__fail(&ks->err, SSLB_ERR_NOT_FOUND, "no entry '%s'", alias);
  *index = (size_t)i;
  return 0;
}

static const sslb__entry *entry_at(const sslb_keystore *ks, size_t i) {
  return ks && i < ks->e.n ? &ks->e.v[i] : NULL;
}

const char *sslb_keystore_entry_alias(const sslb_keystore *ks, size_t i) {
  const sslb__entry *e = entry_at(ks, i);
  return e ? e->alias : NULL;
}

int sslb_keystore_entry_kind(const sslb_keystore *ks, size_t i) {
  const sslb__entry *e = entry_at(ks, i);
  return e ? e->kind : SSLB_ERR_INVALID_ARGUMENT;
}

int64_t sslb_keystore_entry_created(const sslb_keystore *ks, size_t i) {
  const sslb__entry *e = entry_at(ks, i);
  return e ? e->created_ms : -1;
}

const char *sslb_keystore_entry_algorithm(const sslb_keystore *ks, size_t i) {
  const sslb__entry *e = entry_at(ks, i);
  if (!e)
    return NULL;
  if (e->kind == SSLB_ENTRY_SECRET_KEY)
    return e->algorithm ? e->algorithm : "";
  if (e->key)
    return sslb__key_algorithm(e->key);
  return e->chain_len ? sslb_certificate_key_algorithm(e->chain[0]) : "";
}

size_t sslb_keystore_entry_chain_length(const sslb_keystore *ks, size_t i) {
  const sslb__entry *e = entry_at(ks, i);
  return e ? e->chain_len : 0;
}

int sslb_keystore_entry_certificate(const sslb_keystore *ks, size_t i,
                                    size_t pos, sslb_certificate **out) {
  if (!out)
    return SSLB_ERR_INVALID_ARGUMENT;
  *out = NULL;
  const sslb__entry *e = entry_at(ks, i);
  if (!e || pos >= e->chain_len)
    return SSLB_ERR_INVALID_ARGUMENT;
  *out = sslb_certificate_ref(e->chain[pos]);
  return 0;
}

int sslb_keystore_entry_locked(const sslb_keystore *ks, size_t i) {
  const sslb__entry *e = entry_at(ks, i);
  if (!e)
    return SSLB_ERR_INVALID_ARGUMENT;
  return e->kind == SSLB_ENTRY_PRIVATE_KEY && !e->key;
}

static int find_key_entry(sslb_keystore *ks, const char *alias,
                          sslb__entry **out) {
  if (!alias)
    return sslb__fail(&ks->err, SSLB_ERR_INVALID_ARGUMENT, "alias is NULL");
  long i = sslb__entries_find(&ks->e, alias);
  if (i < 0)
    return sslb__fail(&ks->err, SSLB_ERR_NOT_FOUND, "no entry '%s'", alias);
  if (ks->e.v[i].kind != SSLB_ENTRY_PRIVATE_KEY)
    return sslb__fail(&ks->err, SSLB_ERR_WRONG_ENTRY_KIND,
                      "entry '%s' is not a private-key entry", alias);
  *out = &ks->e.v[i];
  return 0;
}

int sslb_keystore_unlock_key(sslb_keystore *ks, const char *alias,
                             const char *key_password) {
  CHECK_KS(ks);
  sslb__entry *e;
  SSLB__GUARD(find_key_entry(ks, alias, &e));
  if (e->key)
    return 0;
  int rc = sslb__entry_unlock(e, key_password, &ks->err);
  if (rc < 0) {
    sslb__err_prefix(&ks->err, "entry '%s'", e->alias);
    return rc;
  }
  if (key_password) {
    char *pw = sslb__strdup(key_password);
    if (!pw)
      return sslb__fail(&ks->err, SSLB_ERR_NO_MEMORY, "out of memory");
    sslb__free_secret(e->key_password);
    e->key_password = pw;
  }
  return 0;
}

int sslb_keystore_set_key_password(sslb_keystore *ks, const char *alias,
                                   const char *key_password) {
  CHECK_KS(ks);
  sslb__entry *e;
  SSLB__GUARD(find_key_entry(ks, alias, &e));
  char *pw = NULL;
  if (key_password && !(pw = sslb__strdup(key_password)))
    return sslb__fail(&ks->err, SSLB_ERR_NO_MEMORY, "out of memory");
  sslb__free_secret(e->key_password);
  e->key_password = pw;
  return 0;
}

static int check_new_alias(sslb_keystore *ks, const char *alias) {
  if (!alias || !*alias)
    return sslb__fail(&ks->err, SSLB_ERR_INVALID_ARGUMENT,
                      "alias must be a non-empty string");
  if (!sslb__utf8_valid(alias) || strlen(alias) > 1024)
    return sslb__fail(&ks->err, SSLB_ERR_INVALID_ARGUMENT,
                      "alias must be valid UTF-8 of at most 1024 bytes");
  if (sslb__entries_find(&ks->e, alias) >= 0)
    return sslb__fail(&ks->err, SSLB_ERR_ALIAS_EXISTS,
                      "an entry '%s' already exists", alias);
  return 0;
}

/* Takes a reference to key and to each certificate of chain. */
int sslb__keystore_add_key(sslb_keystore *ks, const char *alias,
                           sslb__key *key, sslb_certificate **chain,
                           size_t chain_len, const char *key_password) {
  SSLB__GUARD(check_new_alias(ks, alias));
  if (chain_len == 0 || !sslb__key_matches(key, chain[0]))
    return sslb__fail(&ks->err, SSLB_ERR_PRIVATE_KEY,
                      "the private key does not match the first certificate "
                      "of the chain");
  sslb__entry e = {0};
  e.kind = SSLB_ENTRY_PRIVATE_KEY;
  e.created_ms = -1;
  e.alias = sslb__strdup(alias);
  e.chain = calloc(chain_len, sizeof *e.chain);
  if (key_password)
    e.key_password = sslb__strdup(key_password);
  if (!e.alias || !e.chain || (key_password && !e.key_password)) {
    sslb__entry_clear(&e);
    return sslb__fail(&ks->err, SSLB_ERR_NO_MEMORY, "out of memory");
  }
  for (size_t i = 0; i < chain_len; i++)
    e.chain[i] = sslb_certificate_ref(chain[i]);
  e.chain_len = chain_len;
  e.key = sslb__key_ref(key);
  int rc = sslb__entries_add(&ks->e, &e, &ks->err);
  sslb__entry_clear(&e);
  return rc;
}

int sslb_keystore_add_certificate(sslb_keystore *ks, const char *alias,
                                  const uint8_t *data, size_t len) {
  CHECK_KS(ks);
  SSLB__GUARD(check_new_alias(ks, alias));
  if (!data || !len)
    return sslb__fail(&ks->err, SSLB_ERR_INVALID_ARGUMENT,
                      "no certificate data");
  sslb_certificate **certs = NULL;
  size_t n = 0;
  int rc;
  if (sslb_keystore_sniff(data, len) == SSLB_FORMAT_PEM) {
    SSLB__GUARD(sslb__pem_certs(data, len, &certs, &n, &ks->err));
  } else {
    certs = calloc(1, sizeof *certs);
    if (!certs)
      return sslb__fail(&ks->err, SSLB_ERR_NO_MEMORY, "out of memory");
    rc = sslb__cert_from_der(&certs[0], data, len, &ks->err);
    if (rc < 0) {
      free(certs);
      return rc;
    }
    n = 1;
  }
  if (n == 0) {
    free(certs);
    return sslb__fail(&ks->err, SSLB_ERR_CERTIFICATE,
                      "no certificate found in the data");
  }
  sslb__entry e = {0};
  e.kind = SSLB_ENTRY_TRUSTED_CERT;
  e.created_ms = -1;
  e.alias = sslb__strdup(alias);
  e.chain = certs;
  e.chain_len = 1;
  for (size_t i = 1; i < n; i++)
    sslb_certificate_free(certs[i]);
  if (!e.alias) {
    sslb__entry_clear(&e);
    return sslb__fail(&ks->err, SSLB_ERR_NO_MEMORY, "out of memory");
  }
  rc = sslb__entries_add(&ks->e, &e, &ks->err);
  sslb__entry_clear(&e);
  return rc;
}

int sslb_keystore_add_private_key(sslb_keystore *ks, const char *alias,
                                  const uint8_t *key, size_t key_len,
                                  const char *key_password,
                                  const uint8_t *chain, size_t chain_len) {
  CHECK_KS(ks);
  SSLB__GUARD(check_new_alias(ks, alias));
  if (!key || !key_len || !chain || !chain_len)
    return sslb__fail(&ks->err, SSLB_ERR_INVALID_ARGUMENT,
                      "a key and a certificate chain are required");
  sslb__key *k = NULL;
  SSLB__GUARD(sslb__key_import(&k, key, key_len, key_password, &ks->err));
  sslb_certificate **certs = NULL;
  size_t n = 0;
  int rc;
  if (sslb_keystore_sniff(chain, chain_len) == SSLB_FORMAT_PEM) {
    rc = sslb__pem_certs(chain, chain_len, &certs, &n, &ks->err);
  } else {
    certs = calloc(1, sizeof *certs);
    rc = certs ? sslb__cert_from_der(&certs[0], chain, chain_len, &ks->err)
               : sslb__fail(&ks->err, SSLB_ERR_NO_MEMORY, "out of memory");
    n = rc == 0;
  }
  if (rc == 0 && n == 0)
    rc = sslb__fail(&ks->err, SSLB_ERR_CERTIFICATE,
                    "no certificate found in the chain data");
  if (rc == 0)
    rc = sslb__keystore_add_key(ks, alias, k, certs, n, key_password);
  for (size_t i = 0; i < n; i++)
    sslb_certificate_free(certs[i]);
  free(certs);
  sslb__key_unref(k);
  return rc;
}

int sslb_keystore_remove(sslb_keystore *ks, const char *alias) {
  CHECK_KS(ks);
  if (!alias)
    return sslb__fail(&ks->err, SSLB_ERR_INVALID_ARGUMENT, "alias is NULL");
  long i = sslb__entries_find(&ks->e, alias);
  if (i < 0)
    return sslb__fail(&ks->err, SSLB_ERR_NOT_FOUND, "no entry '%s'", alias);
  sslb__entry_clear(&ks->e.v[i]);
  memmove(&ks->e.v[i], &ks->e.v[i + 1],
          (ks->e.n - (size_t)i - 1) * sizeof ks->e.v[0]);
  ks->e.n--;
  return 0;
}

int sslb_keystore_save(sslb_keystore *ks, int format, const char *password,
                       uint8_t **out, size_t *out_len) {
  CHECK_KS(ks);
  if (!out || !out_len)
    return sslb__fail(&ks->err, SSLB_ERR_INVALID_ARGUMENT,
                      "out and out_len must not be NULL");
  *out = NULL;
  *out_len = 0;
  if (password && !sslb__utf8_valid(password))
    return sslb__fail(&ks->err, SSLB_ERR_INVALID_ARGUMENT,
                      "the password is not valid UTF-8");
  for (size_t i = 0; i < ks->e.n; i++) {
    const sslb__entry *e = &ks->e.v[i];
    if (e->kind == SSLB_ENTRY_SECRET_KEY)
      return sslb__fail(&ks->err, SSLB_ERR_UNSUPPORTED,
                        "entry '%s' is a secret key, which sslbind does not "
                        "write; remove it first",
                        e->alias);
    if (e->kind == SSLB_ENTRY_PRIVATE_KEY && !e->key)
      return sslb__fail(&ks->err, SSLB_ERR_KEY_LOCKED,
                        "entry '%s' is locked: unlock it with its key "
                        "password before saving",
                        e->alias);
  }
  sslb__buf b;
  sslb__buf_init(&b);
  int rc;
  switch (format) {
  case SSLB_FORMAT_PKCS12:
    rc = sslb__pkcs12_write(&ks->e, password, &b, &ks->err);
    break;
  case SSLB_FORMAT_JKS:
    rc = sslb__jks_write(&ks->e, password, &b, &ks->err);
    break;
  case SSLB_FORMAT_PEM:
    rc = sslb__pem_write(&ks->e, password, &b, &ks->err);
    break;
  default:
    return sslb__fail(&ks->err,
                      format == SSLB_FORMAT_JCEKS || format == SSLB_FORMAT_DER
                          ? SSLB_ERR_UNSUPPORTED
                          : SSLB_ERR_INVALID_ARGUMENT,
                      "cannot write the %s format (write PKCS12, JKS or PEM)",
                      sslb_keystore_format_name(format));
  }
  if (rc == 0)
    rc = sslb__buf_ok(&b) < 0
             ? sslb__fail(&ks->err, SSLB_ERR_NO_MEMORY, "out of memory")
             : 0;
  if (rc < 0) {
    sslb__buf_free(&b);
    return rc;
  }
  *out = sslb__buf_take(&b, out_len);
  return *out ? 0 : sslb__fail(&ks->err, SSLB_ERR_NO_MEMORY, "out of memory");
}

int sslb_keystore_save_file(sslb_keystore *ks, const char *path, int format,
                            const char *password) {
  CHECK_KS(ks);
  if (!path)
    return sslb__fail(&ks->err, SSLB_ERR_INVALID_ARGUMENT, "path is NULL");
  uint8_t *data;
  size_t len;
  SSLB__GUARD(sslb_keystore_save(ks, format, password, &data, &len));
  int rc = sslb__write_file_atomic(path, data, len, &ks->err);
  sslb__wipe(data, len);
  free(data);
  return rc;
}
