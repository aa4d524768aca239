/* PEM bundles: certificates, PKCS#8 keys (encrypted or not), traditional
 * RSA/EC keys. Aliases survive a round trip through OpenSSL-style
 * "friendlyName:" bag attribute lines before each block. */
#include <stdlib.h>
#include <string.h>

#include "keystore/ks.h"
#include "tls/pkcs12.h"
#include "tls/x509_internal.h"

typedef struct {
  const uint8_t *label;
  size_t label_len;
  const uint8_t *start; /* of the BEGIN line */
  const uint8_t *end;   /* after the END line */
  char *name;           /* friendlyName from preceding text, or NULL */
} block;

static const uint8_t *find(const uint8_t *p, const uint8_t *end,
                           const char *s) {
  size_t n = strlen(s);
  if ((size_t)(end - p) < n)
    return NULL;
  return memmem(p, (size_t)(end - p), s, n);
}

/* friendlyName in the text between prev and the block, if any. */
static char *friendly_name(const uint8_t *from, const uint8_t *to) {
  const uint8_t *f = NULL, *q = from;
  while ((q = find(q, to, "friendlyName:")))
    f = q++, q += 12;
  if (!f)
    return NULL;
  f += 13;
  while (f < to && (*f == ' ' || *f == '\t'))
    f++;
  const uint8_t *e = f;
  while (e < to && *e != '\n' && *e != '\r')
    e++;
  if (e == f || e - f > 1024)
    return NULL;
  char *s = malloc((size_t)(e - f) + 1);
  if (s) {
    memcpy(s, f, (size_t)(e - f));
    s[e - f] = 0;
  }
  return s;
}

static int next_block(const uint8_t **pos, const uint8_t *end, block *b,
                      sslb__err *err) {
  const uint8_t *begin = find(*pos, end, "-----BEGIN ");
  if (!begin)
    return 0;
  const uint8_t *lab = begin + 11;
  const uint8_t *dash = find(lab, end, "-----");
  if (!dash || dash - lab > 64)
    return sslb__fail(err, SSLB_ERR_KEYSTORE_CORRUPT,
                      "a BEGIN line is not terminated");
  b->label = lab;
  b->label_len = (size_t)(dash - lab);
  char endline[96];
  snprintf(endline, sizeof endline, "-----END %.*s-----", (int)b->label_len,
           (const char *)lab);
  const uint8_t *e = find(dash, end, endline);
  if (!e)
    return sslb__fail(err, SSLB_ERR_KEYSTORE_TRUNCATED,
                      "the %.*s block has no END line", (int)b->label_len,
                      (const char *)lab);
  b->start = begin;
  b->end = e + strlen(endline);
  b->name = friendly_name(*pos, begin);
  *pos = b->end;
  return 1;
}

static int label_is(const block *b, const char *s) {
  return b->label_len == strlen(s) && memcmp(b->label, s, b->label_len) == 0;
}

static int decode_cert(const block *b, sslb_certificate **out,
                       sslb__err *err) {
  gnutls_datum_t in = {(unsigned char *)b->start,
                       (unsigned)(b->end - b->start)},
                 der;
  char label[72];
  snprintf(label, sizeof label, "%.*s", (int)b->label_len,
           (const char *)b->label);
  int g = gnutls_pem_base64_decode2(label, &in, &der);
  if (g < 0)
    return sslb__fail(err, SSLB_ERR_KEYSTORE_CORRUPT,
                      "a %s block is not valid base64", label);
  int rc = sslb__cert_from_der(out, der.data, der.size, err);
  gnutls_free(der.data);
  return rc;
}

int sslb__pem_certs(const uint8_t *p, size_t n, sslb_certificate ***certs,
                    size_t *count, sslb__err *err) {
  *certs = NULL;
  *count = 0;
  const uint8_t *pos = p, *end = p + n;
  size_t cap = 0;
  int rc;
  block b;
  while ((rc = next_block(&pos, end, &b, err)) > 0) {
    free(b.name);
    if (!label_is(&b, "CERTIFICATE") && !label_is(&b, "X509 CERTIFICATE"))
      continue;
    if (*count == cap) {
      if (cap >= SSLB__MAX_ENTRIES) {
        rc = sslb__fail(err, SSLB_ERR_LIMIT, "too many certificates");
        break;
      }
      size_t nc = cap ? cap * 2 : 4;
      sslb_certificate **v = realloc(*certs, nc * sizeof *v);
      if (!v) {
        rc = sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
        break;
      }
      *certs = v;
      cap = nc;
    }
    if ((rc = decode_cert(&b, &(*certs)[*count], err)) < 0)
      break;
    (*count)++;
  }
  if (rc < 0) {
    for (size_t i = 0; i < *count; i++)
      sslb_certificate_free((*certs)[i]);
    free(*certs);
    *certs = NULL;
    *count = 0;
    return rc;
  }
  return 0;
}

typedef struct {
  sslb_certificate *cert;
  char *name;
  int used;
} pcert;

typedef struct {
  sslb__key *key;
  char *name;
} pkey;

int sslb__pem_read(const uint8_t *p, size_t n, const char *password,
                   sslb__entries *out, sslb__err *err) {
  const uint8_t *pos = p, *end = p + n;
  pcert *certs = NULL;
  pkey *keys = NULL;
  size_t nc = 0, nk = 0;
  int rc;
  block b;
  while ((rc = next_block(&pos, end, &b, err)) > 0) {
    if (label_is(&b, "CERTIFICATE") || label_is(&b, "X509 CERTIFICATE") ||
        label_is(&b, "TRUSTED CERTIFICATE")) {
      if (nc % 16 == 0) {
        pcert *v = nc >= SSLB__MAX_ENTRIES
                       ? NULL
                       : realloc(certs, (nc + 16) * sizeof *v);
        if (!v) {
          free(b.name);
          rc = sslb__fail(err, SSLB_ERR_LIMIT, "too many certificates");
          break;
        }
        certs = v;
      }
      certs[nc].name = b.name;
      certs[nc].used = 0;
      if (label_is(&b, "TRUSTED CERTIFICATE")) {
        /* OpenSSL's form: a certificate followed by trust settings. */
        rc = sslb__fail(err, SSLB_ERR_UNSUPPORTED,
                        "OpenSSL 'TRUSTED CERTIFICATE' blocks are not "
                        "supported; export plain certificates");
        free(b.name);
        break;
      }
      if ((rc = decode_cert(&b, &certs[nc].cert, err)) < 0) {
        free(b.name);
        break;
      }
      nc++;
    } else if (b.label_len >= 11 &&
               memcmp(b.label + b.label_len - 11, "PRIVATE KEY", 11) == 0) {
      if (nk % 8 == 0) {
        pkey *v = nk >= 4096 ? NULL : realloc(keys, (nk + 8) * sizeof *v);
        if (!v) {
          free(b.name);
          rc = sslb__fail(err, SSLB_ERR_LIMIT, "too many keys");
          break;
        }
        keys = v;
      }
      keys[nk].name = b.name;
      rc = sslb__key_import(&keys[nk].key, b.start, (size_t)(b.end - b.start),
                            password, err);
      if (rc == SSLB_ERR_BAD_KEY_PASSWORD)
        rc = sslb__fail(err, SSLB_ERR_BAD_PASSWORD,
                        "private key %zu could not be decrypted: wrong "
                        "password",
                        nk + 1);
      if (rc < 0) {
        free(b.name);
        break;
      }
      nk++;
    } else {
      free(b.name); /* parameters, CRLs, requests: not keystore entries */
    }
  }
  if (rc == 0 && nc == 0 && nk == 0)
    rc = sslb__fail(err, SSLB_ERR_KEYSTORE_CORRUPT,
                    "no certificate or private key block found");
  for (size_t i = 0; rc == 0 && i < nk; i++) {
    sslb__entry e = {0};
    e.kind = SSLB_ENTRY_PRIVATE_KEY;
    e.created_ms = -1;
    e.chain = calloc(nc ? nc : 1, sizeof *e.chain);
    size_t m = 0, leaf = nc;
    for (size_t j = 0; j < nc; j++)
      if (sslb__key_matches(keys[i].key, certs[j].cert)) {
        leaf = j;
        break;
      }
    char gen[32];
    snprintf(gen, sizeof gen, "key-%zu", i + 1);
    const char *alias = keys[i].name ? keys[i].name
                        : leaf < nc && certs[leaf].name ? certs[leaf].name
                                                        : gen;
    e.alias = sslb__strdup(alias);
    if (!e.chain || !e.alias) {
      sslb__entry_clear(&e);
      rc = sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
      break;
    }
    if (leaf == nc) {
      sslb__entry_clear(&e);
      rc = sslb__fail(err, SSLB_ERR_KEYSTORE_CORRUPT,
                      "private key '%s' has no matching certificate in the "
                      "bundle",
                      alias);
      break;
    }
    e.chain[m++] = sslb_certificate_ref(certs[leaf].cert);
    certs[leaf].used = 1;
    /* Unnamed certificates first: a CA written both in a chain and as its
     * own aliased entry (as sslbind writes a store whose trusted CA also
     * issued a key's certificate) is then taken from the chain, and the
     * aliased copy stays an entry instead of vanishing into the chain. */
    for (int pass = 0; pass < 2; pass++)
      for (size_t j = 0; j < nc; j++)
        if (j != leaf && !certs[j].name == !pass)
          e.chain[m++] = sslb_certificate_ref(certs[j].cert);
    e.chain_len = sslb__chain_order(e.chain, m, NULL);
    /* the chain's other certificates are not separate trusted entries */
    for (size_t c = 1; c < e.chain_len; c++)
      for (size_t j = 0; j < nc; j++)
        if (certs[j].cert == e.chain[c])
          certs[j].used = 1;
    e.key = sslb__key_ref(keys[i].key);
    rc = sslb__entries_add(out, &e, err);
    sslb__entry_clear(&e);
  }
  size_t gen_n = 0;
  for (size_t j = 0; rc == 0 && j < nc; j++) {
    if (certs[j].used)
      continue;
    sslb__entry e = {0};
    e.kind = SSLB_ENTRY_TRUSTED_CERT;
    e.created_ms = -1;
    char gen[32];
    snprintf(gen, sizeof gen, "cert-%zu", ++gen_n);
    e.alias = sslb__strdup(certs[j].name ? certs[j].name : gen);
    e.chain = calloc(1, sizeof *e.chain);
    if (!e.alias || !e.chain) {
      sslb__entry_clear(&e);
      rc = sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
      break;
    }
    e.chain[0] = sslb_certificate_ref(certs[j].cert);
    e.chain_len = 1;
    rc = sslb__entries_add(out, &e, err);
    sslb__entry_clear(&e);
  }
  for (size_t j = 0; j < nc; j++) {
    sslb_certificate_free(certs[j].cert);
    free(certs[j].name);
  }
  for (size_t i = 0; i < nk; i++) {
    sslb__key_unref(keys[i].key);
    free(keys[i].name);
  }
  free(certs);
  free(keys);
  return rc;
}

static void put_pem(sslb__buf *out, const char *label, const uint8_t *der,
                    size_t n) {
  gnutls_datum_t d = {(unsigned char *)der, (unsigned)n}, pem;
  if (gnutls_pem_base64_encode2(label, &d, &pem) < 0) {
    out->oom = 1;
    return;
  }
  sslb__buf_put(out, pem.data, pem.size);
  gnutls_memset(pem.data, 0, pem.size);
  gnutls_free(pem.data);
}

int sslb__pem_write(const sslb__entries *l, const char *password,
                    sslb__buf *out, sslb__err *err) {
  for (size_t i = 0; i < l->n; i++) {
    const sslb__entry *e = &l->v[i];
    sslb__buf_printf(out, "Bag Attributes\n    friendlyName: %s\n", e->alias);
    if (e->kind == SSLB_ENTRY_PRIVATE_KEY) {
      const char *pw = e->key_password ? e->key_password : password;
      sslb__buf k;
      sslb__buf_init(&k);
      int rc = pw ? sslb__encrypted_pkcs8(e->key, pw, &k)
                  : sslb__key_export_pkcs8(e->key, NULL, 0, &k);
      if (rc < 0) {
        sslb__buf_free(&k);
        return sslb__fail(err, rc, "entry '%s': key export failed", e->alias);
      }
      put_pem(out, pw ? "ENCRYPTED PRIVATE KEY" : "PRIVATE KEY", k.p, k.len);
      sslb__buf_free(&k);
    }
    for (size_t j = 0; j < e->chain_len; j++) {
      const uint8_t *der;
      size_t n;
      sslb__cert_der(e->chain[j], &der, &n);
      if (j)
        sslb__buf_str(out, "Bag Attributes\n");
      put_pem(out, "CERTIFICATE", der, n);
    }
  }
  return sslb__buf_ok(out) < 0
             ? sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory")
             : 0;
}
