/* Key managers, SSL contexts and socket factories: JSSE's KeyManagerFactory,
 * SSLContext (+ SSLParameters) and SSLSocketFactory, compiled into GnuTLS
 * credentials and a priority cache once, then shared read-only. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keystore/ks.h"
#include "tls/context.h"
#include "tls/trust.h"

/* ----------------------------------------------------------- key manager */

static void identity_clear(sslb__identity *id) {
  free(id->alias);
  for (size_t i = 0; i < id->chain_len; i++)
    sslb_certificate_free(id->chain[i]);
  free(id->chain);
  sslb__key_unref(id->key);
}

static int take_identity(sslb_key_manager *km, sslb_keystore *ks, size_t i,
                         const char *key_password) {
  sslb__entry *e = &ks->e.v[i];
  if (!e->key && !key_password)
    return sslb__fail(&ks->err, SSLB_ERR_KEY_LOCKED,
                      "the key of entry '%s' is locked: give its key password",
                      e->alias);
  if (!e->key)
    SSLB__GUARD(sslb__entry_unlock(e, key_password, &ks->err));
  if (e->chain_len == 0)
    return sslb__fail(&ks->err, SSLB_ERR_CERTIFICATE,
                      "entry '%s' has a key but no certificate", e->alias);
  sslb__identity *id = &km->v[km->n];
  memset(id, 0, sizeof *id);
  id->alias = sslb__strdup(e->alias);
  id->chain = calloc(e->chain_len, sizeof *id->chain);
  if (!id->alias || !id->chain) {
    identity_clear(id);
    return sslb__fail(&ks->err, SSLB_ERR_NO_MEMORY, "out of memory");
  }
  for (size_t k = 0; k < e->chain_len; k++)
    id->chain[k] = sslb_certificate_ref(e->chain[k]);
  id->chain_len = e->chain_len;
  id->key = sslb__key_ref(e->key);
  km->n++;
  return 0;
}

int sslb_key_manager_new(sslb_key_manager **out, sslb_keystore *ks,
                         const char *alias, const char *key_password) {
  if (!out)
    return SSLB_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (!ks)
    return SSLB_ERR_INVALID_ARGUMENT;
  size_t first = 0, count = 0;
  if (alias) {
    SSLB__GUARD(sslb_keystore_find(ks, alias, &first));
    if (ks->e.v[first].kind != SSLB_ENTRY_PRIVATE_KEY)
      return sslb__fail(&ks->err, SSLB_ERR_WRONG_ENTRY_KIND,
                        "entry '%s' has no private key", alias);
    count = 1;
  } else {
    for (size_t i = 0; i < ks->e.n; i++)
      count += ks->e.v[i].kind == SSLB_ENTRY_PRIVATE_KEY;
    if (count == 0)
      return sslb__fail(&ks->err, SSLB_ERR_NOT_FOUND,
                        "the keystore has no private-key entry");
  }
  sslb_key_manager *km = calloc(1, sizeof *km);
  if (km)
    km->v = calloc(count, sizeof *km->v);
  if (!km || !km->v) {
    free(km);
    return sslb__fail(&ks->err, SSLB_ERR_NO_MEMORY, "out of memory");
  }
  km->refs = 1;
  int rc = 0;
  if (alias) {
    rc = take_identity(km, ks, first, key_password);
  } else {
    for (size_t i = 0; i < ks->e.n && rc == 0; i++)
      if (ks->e.v[i].kind == SSLB_ENTRY_PRIVATE_KEY)
        rc = take_identity(km, ks, i, key_password);
  }
  if (rc < 0) {
    sslb_key_manager_free(km);
    return rc;
  }
  *out = km;
  return 0;
}

sslb_key_manager *sslb_key_manager_ref(sslb_key_manager *km) {
  if (km)
    __atomic_add_fetch(&km->refs, 1, __ATOMIC_RELAXED);
  return km;
}

void sslb_key_manager_free(sslb_key_manager *km) {
  if (!km || __atomic_sub_fetch(&km->refs, 1, __ATOMIC_ACQ_REL) > 0)
    return;
  for (size_t i = 0; i < km->n; i++)
    identity_clear(&km->v[i]);
  free(km->v);
  free(km);
}

size_t sslb_key_manager_count(const sslb_key_manager *km) {
  return km ? km->n : 0;
}

const char *sslb_key_manager_alias(const sslb_key_manager *km, size_t i) {
  return km && i < km->n ? km->v[i].alias : NULL;
}

sslb_certificate *sslb_key_manager_certificate(const sslb_key_manager *km,
                                               size_t i) {
  return km && i < km->n ? km->v[i].chain[0] : NULL;
}

/* One key manager holding the identities of several (CIO's certificates
 * list, which keystores are added to one by one). */
int sslb__key_manager_concat(sslb_key_manager **out,
                             sslb_key_manager *const *v, size_t n) {
  *out = NULL;
  size_t total = 0;
  for (size_t i = 0; i < n; i++)
    total += v[i]->n;
  sslb_key_manager *km = calloc(1, sizeof *km);
  if (km)
    km->v = calloc(total ? total : 1, sizeof *km->v);
  if (!km || !km->v) {
    free(km);
    return SSLB_ERR_NO_MEMORY;
  }
  km->refs = 1;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < v[i]->n; j++) {
      const sslb__identity *from = &v[i]->v[j];
      sslb__identity *id = &km->v[km->n];
      id->alias = sslb__strdup(from->alias);
      id->chain = calloc(from->chain_len, sizeof *id->chain);
      if (!id->alias || !id->chain) {
        identity_clear(id);
        sslb_key_manager_free(km);
        return SSLB_ERR_NO_MEMORY;
      }
      for (size_t k = 0; k < from->chain_len; k++)
        id->chain[k] = sslb_certificate_ref(from->chain[k]);
      id->chain_len = from->chain_len;
      id->key = sslb__key_ref(from->key);
      km->n++;
    }
  *out = km;
  return 0;
}

/* -------------------------------------------------- protocols and suites */

enum { V12 = 1, V13 = 2 };

typedef struct {
  const char *name;
  unsigned versions;
  const char *cipher; /* GnuTLS name */
  const char *kx;     /* GnuTLS name; NULL for TLS 1.3 suites */
} suite;

static const suite SUITES[] = {
    {"TLS_AES_128_GCM_SHA256", V13, "AES-128-GCM", NULL},
    {"TLS_AES_256_GCM_SHA384", V13, "AES-256-GCM", NULL},
    {"TLS_CHACHA20_POLY1305_SHA256", V13, "CHACHA20-POLY1305", NULL},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", V12, "AES-128-GCM", "ECDHE-ECDSA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", V12, "AES-256-GCM", "ECDHE-ECDSA"},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", V12, "CHACHA20-POLY1305",
     "ECDHE-ECDSA"},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", V12, "AES-128-GCM", "ECDHE-RSA"},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", V12, "AES-256-GCM", "ECDHE-RSA"},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", V12, "CHACHA20-POLY1305",
     "ECDHE-RSA"},
    {"TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", V12, "AES-128-GCM", "DHE-RSA"},
    {"TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", V12, "AES-256-GCM", "DHE-RSA"},
    {"TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", V12, "CHACHA20-POLY1305",
     "DHE-RSA"},
};

size_t sslb__suite_count(void) { return sizeof SUITES / sizeof *SUITES; }

const char *sslb__suite_name(size_t i) {
  return i < sizeof SUITES / sizeof *SUITES ? SUITES[i].name : NULL;
}

/* Calls fn for each comma-separated, space-trimmed item of list. */
int sslb__each_item(const char *list, int (*fn)(void *, const char *),
                     void *ud) {
  const char *p = list;
  while (*p) {
    while (*p == ' ' || *p == ',')
      p++;
    size_t n = strcspn(p, ",");
    while (n && p[n - 1] == ' ')
      n--;
    if (n) {
      char item[128];
      if (n >= sizeof item)
        return SSLB_ERR_INVALID_ARGUMENT;
      memcpy(item, p, n);
      item[n] = 0;
      SSLB__GUARD(fn(ud, item));
    }
    p += n;
    while (*p && *p != ',')
      p++;
  }
  return 0;
}

struct sslb_ssl_context_builder {
  sslb_key_manager *km;
  sslb_trust_manager *tm;
  unsigned versions;
  char *suites; /* NULL: defaults */
  sslb__err err;
};

static int add_protocol(void *ud, const char *name) {
  sslb_ssl_context_builder *b = ud;
  if (!strcasecmp(name, "TLSv1.3")) {
    b->versions |= V13;
    return 0;
  }
  if (!strcasecmp(name, "TLSv1.2")) {
    b->versions |= V12;
    return 0;
  }
  if (!strcasecmp(name, "TLSv1.1") || !strcasecmp(name, "TLSv1") ||
      !strcasecmp(name, "SSLv3") || !strcasecmp(name, "SSLv2Hello"))
    return sslb__fail(&b->err, SSLB_ERR_UNSUPPORTED,
                      "protocol %s is not supported: sslbind speaks TLSv1.2 "
                      "and TLSv1.3 only",
                      name);
  return sslb__fail(&b->err, SSLB_ERR_INVALID_ARGUMENT,
                    "unknown protocol '%s' (expected TLSv1.3 or TLSv1.2)",
                    name);
}

static int check_suite(void *ud, const char *name) {
  sslb_ssl_context_builder *b = ud;
  if (!strcmp(name, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"))
    return 0; /* a signalling value JSSE lists; GnuTLS sends it anyway */
  for (size_t i = 0; i < sizeof SUITES / sizeof *SUITES; i++)
    if (!strcasecmp(name, SUITES[i].name))
      return 0;
  if (strstr(name, "_CBC_") || strstr(name, "RC4") || strstr(name, "3DES") ||
      strstr(name, "_NULL_") || !strncasecmp(name, "SSL_", 4) ||
      strstr(name, "_CCM") ||
      (!strncasecmp(name, "TLS_RSA_WITH_", 13) && strstr(name, "_GCM_")))
    return sslb__fail(&b->err, SSLB_ERR_UNSUPPORTED,
                      "cipher suite %s is not supported: sslbind enables "
                      "only forward-secret AEAD suites (AES-GCM, "
                      "ChaCha20-Poly1305)",
                      name);
  return sslb__fail(&b->err, SSLB_ERR_INVALID_ARGUMENT,
                    "unknown cipher suite '%s'", name);
}

typedef struct {
  unsigned versions; /* with at least one named suite */
  sslb__buf ciphers, kxs;
} suite_acc;

/* Appends ":+name" unless the list has it already. */
static void add_once(sslb__buf *b, const char *name) {
  char tok[64];
  int n = snprintf(tok, sizeof tok, ":+%s:", name);
  /* look for ":+name:" in the list with a ':' appended */
  size_t len = b->len;
  sslb__buf_put(b, ":", 1);
  int seen = b->len > len && memmem(b->p, b->len, tok, (size_t)n) != NULL;
  b->len = len;
  if (!seen)
    sslb__buf_put(b, tok, (size_t)n - 1);
}

static int collect_suite(void *ud, const char *name) {
  suite_acc *a = ud;
  for (size_t i = 0; i < sizeof SUITES / sizeof *SUITES; i++)
    if (!strcasecmp(name, SUITES[i].name)) {
      a->versions |= SUITES[i].versions;
      add_once(&a->ciphers, SUITES[i].cipher);
      if (SUITES[i].kx)
        add_once(&a->kxs, SUITES[i].kx);
    }
  return 0;
}

/* The GnuTLS priority string for versions and (validated) suites. */
static int compile_priority(unsigned *versions_io, const char *suites,
                            char **out, sslb__err *err) {
  unsigned versions = *versions_io;
  sslb__buf p;
  sslb__buf_init(&p);
  suite_acc a = {0};
  sslb__buf_init(&a.ciphers);
  sslb__buf_init(&a.kxs);
  int rc = 0;
  if (suites && *suites) {
    /* validated by the builder: collecting cannot fail */
    if (sslb__each_item(suites, collect_suite, &a) < 0)
      a.versions = 0;
    versions &= a.versions;
    if (!versions)
      rc = sslb__fail(err, SSLB_ERR_UNSUPPORTED,
                      "no enabled protocol has an enabled cipher suite "
                      "(TLSv1.3 needs TLS_AES_* or TLS_CHACHA20_* suites, "
                      "TLSv1.2 the TLS_ECDHE_* or TLS_DHE_* ones)");
  }
  if (rc == 0) {
    sslb__buf_str(&p, "NORMAL:-VERS-ALL");
    if (versions & V13)
      sslb__buf_str(&p, ":+VERS-TLS1.3");
    if (versions & V12)
      sslb__buf_str(&p, ":+VERS-TLS1.2");
    sslb__buf_str(&p, ":-CIPHER-ALL");
    if (a.ciphers.len)
      sslb__buf_put(&p, a.ciphers.p, a.ciphers.len);
    else
      sslb__buf_str(&p, ":+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305");
    sslb__buf_str(&p, ":-MAC-ALL:+AEAD");
    if (a.kxs.len) {
      sslb__buf_str(&p, ":-KX-ALL");
      sslb__buf_put(&p, a.kxs.p, a.kxs.len);
    }
    sslb__buf_str(&p, ":%SAFE_RENEGOTIATION");
    sslb__buf_put(&p, "", 1);
    if (sslb__buf_ok(&p) < 0)
      rc = sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
  }
  sslb__buf_free(&a.ciphers);
  sslb__buf_free(&a.kxs);
  if (rc < 0) {
    sslb__buf_free(&p);
    return rc;
  }
  *out = (char *)sslb__buf_take(&p, NULL);
  *versions_io = versions;
  return 0;
}

/* ----------------------------------------------------------- SSL context */

static char *protocols_text(unsigned versions) {
  return sslb__strdup(versions == (V12 | V13) ? "TLSv1.3,TLSv1.2"
                      : versions == V13       ? "TLSv1.3"
                                              : "TLSv1.2");
}

static int context_make(sslb_ssl_context **out, sslb_key_manager *km,
                        sslb_trust_manager *tm, unsigned versions,
                        const char *suites, sslb__err *err) {
  *out = NULL;
  sslb_ssl_context *ctx = calloc(1, sizeof *ctx);
  if (!ctx)
    return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
  ctx->refs = 1;
  int rc = 0;
  if (tm) {
    ctx->tm = sslb_trust_manager_ref(tm);
  } else {
    sslb_trust_builder *b;
    rc = sslb_trust_builder_new(&b);
    if (rc == 0 && (rc = sslb_trust_builder_build(b, &ctx->tm)) < 0)
      sslb__fail(err, rc, "%s", sslb_trust_builder_last_error(b));
    sslb_trust_builder_free(b);
  }
  if (rc == 0) {
    ctx->km = sslb_key_manager_ref(km);
    /* the protocols that keep at least one of the suites */
    rc = compile_priority(&versions, suites, &ctx->priority, err);
  }
  if (rc == 0) {
    ctx->protocols = protocols_text(versions);
    ctx->suites = sslb__strdup(suites ? suites : "");
    if (!ctx->protocols || !ctx->suites)
      rc = sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
  }
  if (rc == 0)
    rc = sslb__tls_ctx_new(&ctx->tls, ctx->tm, ctx->priority, err);
  for (size_t i = 0; rc == 0 && km && i < km->n; i++)
    rc = sslb__tls_ctx_set_identity(ctx->tls, km->v[i].chain,
                                    km->v[i].chain_len, km->v[i].key, err);
  if (rc < 0) {
    sslb_ssl_context_free(ctx);
    return rc;
  }
  *out = ctx;
  return 0;
}

int sslb_ssl_context_new(sslb_ssl_context **out, sslb_key_manager *km,
                         sslb_trust_manager *tm) {
  if (!out)
    return SSLB_ERR_INVALID_ARGUMENT;
  sslb__err err;
  return context_make(out, km, tm, V12 | V13, NULL, &err);
}

int sslb__ssl_context_for_trust(sslb_ssl_context **out, sslb_trust_manager *tm,
                                sslb__err *err) {
  return context_make(out, NULL, tm, V12 | V13, NULL, err);
}

static unsigned versions_of(const sslb_ssl_context *ctx) {
  unsigned v = 0;
  if (strstr(ctx->protocols, "TLSv1.3"))
    v |= V13;
  if (strstr(ctx->protocols, "TLSv1.2"))
    v |= V12;
  return v;
}

int sslb__ssl_context_with_keys(sslb_ssl_context **out,
                                const sslb_ssl_context *base,
                                sslb_key_manager *km, sslb__err *err) {
  return context_make(out, km, base->tm, versions_of(base),
                      *base->suites ? base->suites : NULL, err);
}

sslb_ssl_context *sslb_ssl_context_ref(sslb_ssl_context *ctx) {
  if (ctx)
    __atomic_add_fetch(&ctx->refs, 1, __ATOMIC_RELAXED);
  return ctx;
}

void sslb_ssl_context_free(sslb_ssl_context *ctx) {
  if (!ctx || __atomic_sub_fetch(&ctx->refs, 1, __ATOMIC_ACQ_REL) > 0)
    return;
  sslb__tls_ctx_free(ctx->tls);
  sslb_key_manager_free(ctx->km);
  sslb_trust_manager_free(ctx->tm);
  free(ctx->protocols);
  free(ctx->suites);
  free(ctx->priority);
  free(ctx);
}

sslb_trust_manager *sslb_ssl_context_trust_manager(const sslb_ssl_context *ctx) {
  return ctx ? ctx->tm : NULL;
}

sslb_key_manager *sslb_ssl_context_key_manager(const sslb_ssl_context *ctx) {
  return ctx ? ctx->km : NULL;
}

const char *sslb_ssl_context_protocols(const sslb_ssl_context *ctx) {
  return ctx ? ctx->protocols : "";
}

const char *sslb_ssl_context_cipher_suites(const sslb_ssl_context *ctx) {
  return ctx ? ctx->suites : "";
}

const char *sslb_ssl_context_priority(const sslb_ssl_context *ctx) {
  return ctx ? ctx->priority : "";
}

/* --------------------------------------------------------------- builder */

int sslb_ssl_context_builder_new(sslb_ssl_context_builder **out) {
  if (!out)
    return SSLB_ERR_INVALID_ARGUMENT;
  *out = calloc(1, sizeof **out);
  if (!*out)
    return SSLB_ERR_NO_MEMORY;
  (*out)->versions = V12 | V13;
  return 0;
}

void sslb_ssl_context_builder_free(sslb_ssl_context_builder *b) {
  if (!b)
    return;
  sslb_key_manager_free(b->km);
  sslb_trust_manager_free(b->tm);
  free(b->suites);
  free(b);
}

const char *
sslb_ssl_context_builder_last_error(const sslb_ssl_context_builder *b) {
  return b ? b->err.msg : "builder handle is NULL";
}

int sslb_ssl_context_builder_init_from(sslb_ssl_context_builder *b,
                                       const sslb_ssl_context *ctx) {
  if (!b || !ctx)
    return SSLB_ERR_INVALID_ARGUMENT;
  char *suites = *ctx->suites ? sslb__strdup(ctx->suites) : NULL;
  if (*ctx->suites && !suites)
    return sslb__fail(&b->err, SSLB_ERR_NO_MEMORY, "out of memory");
  sslb_key_manager_free(b->km);
  sslb_trust_manager_free(b->tm);
  free(b->suites);
  b->km = sslb_key_manager_ref(ctx->km);
  b->tm = sslb_trust_manager_ref(ctx->tm);
  b->versions = versions_of(ctx);
  b->suites = suites;
  return 0;
}

int sslb_ssl_context_builder_set_key_manager(sslb_ssl_context_builder *b,
                                             sslb_key_manager *km) {
  if (!b)
    return SSLB_ERR_INVALID_ARGUMENT;
  sslb_key_manager *old = b->km;
  b->km = sslb_key_manager_ref(km);
  sslb_key_manager_free(old);
  return 0;
}

int sslb_ssl_context_builder_set_trust_manager(sslb_ssl_context_builder *b,
                                               sslb_trust_manager *tm) {
  if (!b)
    return SSLB_ERR_INVALID_ARGUMENT;
  sslb_trust_manager *old = b->tm;
  b->tm = sslb_trust_manager_ref(tm);
  sslb_trust_manager_free(old);
  return 0;
}

int sslb_ssl_context_builder_set_protocols(sslb_ssl_context_builder *b,
                                           const char *protocols) {
  if (!b)
    return SSLB_ERR_INVALID_ARGUMENT;
  unsigned keep = b->versions;
  b->versions = 0;
  int rc = protocols ? sslb__each_item(protocols, add_protocol, b) : 0;
  if (rc == SSLB_ERR_INVALID_ARGUMENT && !b->err.msg[0])
    sslb__fail(&b->err, rc, "a protocol name is too long");
  if (rc < 0) {
    b->versions = keep;
    return rc;
  }
  if (!b->versions)
    b->versions = V12 | V13;
  return 0;
}

int sslb_ssl_context_builder_set_cipher_suites(sslb_ssl_context_builder *b,
                                               const char *suites) {
  if (!b)
    return SSLB_ERR_INVALID_ARGUMENT;
  b->err.msg[0] = 0;
  if (suites && *suites) {
    int rc = sslb__each_item(suites, check_suite, b);
    if (rc == SSLB_ERR_INVALID_ARGUMENT && !b->err.msg[0])
      sslb__fail(&b->err, rc, "a cipher suite name is too long");
    if (rc < 0)
      return rc;
  }
  char *copy = suites && *suites ? sslb__strdup(suites) : NULL;
  if (suites && *suites && !copy)
    return sslb__fail(&b->err, SSLB_ERR_NO_MEMORY, "out of memory");
  free(b->suites);
  b->suites = copy;
  return 0;
}

int sslb_ssl_context_builder_build(sslb_ssl_context_builder *b,
                                   sslb_ssl_context **out) {
  if (!out)
    return SSLB_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (!b)
    return SSLB_ERR_INVALID_ARGUMENT;
  return context_make(out, b->km, b->tm, b->versions, b->suites, &b->err);
}

/* -------------------------------------------------------- socket factory */

int sslb_ssl_context_socket_factory(sslb_ssl_context *ctx,
                                    sslb_socket_factory **out) {
  if (!out)
    return SSLB_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (!ctx)
    return SSLB_ERR_INVALID_ARGUMENT;
  sslb_socket_factory *f = calloc(1, sizeof *f);
  if (!f)
    return SSLB_ERR_NO_MEMORY;
  f->refs = 1;
  f->ctx = sslb_ssl_context_ref(ctx);
  *out = f;
  return 0;
}

sslb_socket_factory *sslb_socket_factory_ref(sslb_socket_factory *f) {
  if (f)
    __atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
  return f;
}

void sslb_socket_factory_free(sslb_socket_factory *f) {
  if (!f || __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) > 0)
    return;
  sslb_ssl_context_free(f->ctx);
  free(f);
}

sslb_ssl_context *sslb_socket_factory_context(const sslb_socket_factory *f) {
  return f ? f->ctx : NULL;
}
