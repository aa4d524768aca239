/* The six Ktor engine styles (and a native one) as configurations of the
 * one client core: each accepts the SSL objects its Ktor engine takes and
 * sets the protocol policy and timeouts a user of that engine expects. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "tls/context.h"

#define ALL_LISTS 4

static const char *const JETTY_DEFAULT_EXCLUDES[ALL_LISTS] = {
    NULL, "SSL,SSLv2,SSLv2Hello,SSLv3", NULL,
    "^.*_(MD5|SHA|SHA1)$,^TLS_RSA_.*$,^SSL_.*$,^.*_NULL_.*$,^.*_anon_.*$"};

/* OkHttp's MODERN_TLS / RESTRICTED_TLS suites that are AEAD (its CBC ones
 * are never enabled by sslbind): the same list for all three specs. */
static const char OKHTTP_SUITES[] =
    "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,"
    "TLS_CHACHA20_POLY1305_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,"
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,"
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,"
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,"
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,"
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256";

struct sslb_ssl_context_factory {
  sslb_ssl_context *ctx;
  int no_identification;
  char *lists[ALL_LISTS]; /* NULL: Jetty's default for that list */
  sslb__err err;
};

typedef struct {
  char *pattern, *pin;
} pin;

struct sslb_engine {
  int kind;
  sslb_ssl_context *ctx;                 /* Apache, Java */
  int hostname_policy;                   /* Apache */
  char *protocols, *suites;              /* Java parameters, CIO suites */
  int jetty;                             /* a factory was set */
  sslb_ssl_context *jetty_ctx;
  int jetty_no_identification;
  char *jetty_lists[ALL_LISTS];
  sslb_trust_manager *tm;                /* CIO; OkHttp's pair */
  sslb_key_manager **kms;                /* CIO addKeyStore */
  size_t nkms;
  char server_name[256];                 /* CIO */
  sslb_connection_fn ssl_manager;        /* Android */
  void *ssl_manager_ud;
  sslb_socket_factory *factory;          /* OkHttp */
  pin *pins;
  size_t npins;
  int spec; /* -1: none set */
  int http_policy;
  sslb_hostname_verifier_fn verifier;
  void *verifier_ud;
  sslb__err err;
};

static const char *const NAMES[] = {"Native", "Apache", "Java",  "Jetty",
                                    "CIO",    "Android", "OkHttp"};

/* What each style takes, for the message when a setter does not fit. */
static const char *const TAKES[] = {
    "everything",
    "sslContext and sslHostnameVerificationPolicy",
    "config { sslContext(...); sslParameters(...) }",
    "an SslContextFactory (sslb_engine_set_ssl_context_factory)",
    "https { trustManager, certificates (addKeyStore), cipherSuites, "
    "serverName }",
    "sslManager, a per-connection callback",
    "sslSocketFactory(factory, trustManager), certificatePinner, "
    "connectionSpecs, protocols and hostnameVerifier"};

const char *sslb_engine_kind_name(int kind) {
  return kind >= 0 && kind <= SSLB_ENGINE_OKHTTP ? NAMES[kind] : "unknown";
}

/* 0 when the engine's style has the setting `what`; a message otherwise. */
static int style_has(sslb_engine *e, unsigned kinds, const char *what) {
  if (e->kind == SSLB_ENGINE_NATIVE || (kinds & (1u << e->kind)))
    return 0;
  return sslb__fail(&e->err, SSLB_ERR_INVALID_ARGUMENT,
                    "the %s engine has no %s: it takes %s", NAMES[e->kind],
                    what, TAKES[e->kind]);
}

#define K(x) (1u << SSLB_ENGINE_##x)

int sslb_engine_new(sslb_engine **out, int kind) {
  if (!out)
    return SSLB_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (kind < SSLB_ENGINE_NATIVE || kind > SSLB_ENGINE_OKHTTP)
    return SSLB_ERR_INVALID_ARGUMENT;
  sslb_engine *e = calloc(1, sizeof *e);
  if (!e)
    return SSLB_ERR_NO_MEMORY;
  e->kind = kind;
  e->spec = -1;
  e->http_policy = kind == SSLB_ENGINE_JETTY                            ? SSLB_HTTP_2
                   : kind == SSLB_ENGINE_CIO || kind == SSLB_ENGINE_ANDROID ? SSLB_HTTP_1_1
                                                                        : SSLB_HTTP_ANY;
  *out = e;
  return 0;
}

static void free_lists(char **lists) {
  for (int i = 0; i < ALL_LISTS; i++) {
    free(lists[i]);
    lists[i] = NULL;
  }
}

void sslb_engine_free(sslb_engine *e) {
  if (!e)
    return;
  sslb_ssl_context_free(e->ctx);
  sslb_ssl_context_free(e->jetty_ctx);
  free_lists(e->jetty_lists);
  free(e->protocols);
  free(e->suites);
  sslb_trust_manager_free(e->tm);
  for (size_t i = 0; i < e->nkms; i++)
    sslb_key_manager_free(e->kms[i]);
  free(e->kms);
  sslb_socket_factory_free(e->factory);
  for (size_t i = 0; i < e->npins; i++) {
    free(e->pins[i].pattern);
    free(e->pins[i].pin);
  }
  free(e->pins);
  free(e);
}

int sslb_engine_kind(const sslb_engine *e) { return e ? e->kind : -1; }

const char *sslb_engine_last_error(const sslb_engine *e) {
  return e ? e->err.msg : "engine handle is NULL";
}

/* Replaces *slot with a copy of s (NULL or "" clears). */
static int set_text(sslb__err *err, char **slot, const char *s) {
  char *copy = s && *s ? sslb__strdup(s) : NULL;
  if (s && *s && !copy)
    return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
  free(*slot);
  *slot = copy;
  return 0;
}

/* Checks protocols and suites the way the context builder will. */
static int check_parameters(sslb__err *err, const char *protocols,
                            const char *suites) {
  sslb_ssl_context_builder *b;
  SSLB__GUARD(sslb_ssl_context_builder_new(&b));
  int rc = sslb_ssl_context_builder_set_protocols(b, protocols);
  if (rc == 0)
    rc = sslb_ssl_context_builder_set_cipher_suites(b, suites);
  if (rc < 0)
    sslb__fail(err, rc, "%s", sslb_ssl_context_builder_last_error(b));
  sslb_ssl_context_builder_free(b);
  return rc;
}

/* ---------------------------------------------------- Apache and Java */

int sslb_engine_set_ssl_context(sslb_engine *e, sslb_ssl_context *ctx) {
  if (!e)
    return SSLB_ERR_INVALID_ARGUMENT;
  SSLB__GUARD(style_has(e, K(APACHE) | K(JAVA), "sslContext"));
  sslb_ssl_context *old = e->ctx;
  e->ctx = sslb_ssl_context_ref(ctx);
  sslb_ssl_context_free(old);
  return 0;
}

int sslb_engine_set_ssl_hostname_verification_policy(sslb_engine *e,
                                                     int policy) {
  if (!e)
    return SSLB_ERR_INVALID_ARGUMENT;
  SSLB__GUARD(style_has(e, K(APACHE), "sslHostnameVerificationPolicy"));
  if (policy < SSLB_HOSTNAME_BUILTIN || policy > SSLB_HOSTNAME_BOTH)
    return sslb__fail(&e->err, SSLB_ERR_INVALID_ARGUMENT,
                      "sslHostnameVerificationPolicy is BUILTIN, CLIENT or "
                      "BOTH");
  e->hostname_policy = policy;
  return 0;
}

int sslb_engine_set_ssl_parameters(sslb_engine *e, const char *protocols,
                                   const char *cipher_suites) {
  if (!e)
    return SSLB_ERR_INVALID_ARGUMENT;
  SSLB__GUARD(style_has(e, K(JAVA), "sslParameters"));
  SSLB__GUARD(check_parameters(&e->err, protocols, cipher_suites));
  SSLB__GUARD(set_text(&e->err, &e->protocols, protocols));
  return set_text(&e->err, &e->suites, cipher_suites);
}

/* ------------------------------------------------------------- Jetty */

int sslb_ssl_context_factory_new(sslb_ssl_context_factory **out) {
  if (!out)
    return SSLB_ERR_INVALID_ARGUMENT;
  *out = calloc(1, sizeof **out);
  return *out ? 0 : SSLB_ERR_NO_MEMORY;
}

void sslb_ssl_context_factory_free(sslb_ssl_context_factory *f) {
  if (!f)
    return;
  sslb_ssl_context_free(f->ctx);
  free_lists(f->lists);
  free(f);
}

const char *
sslb_ssl_context_factory_last_error(const sslb_ssl_context_factory *f) {
  return f ? f->err.msg : "factory handle is NULL";
}

int sslb_ssl_context_factory_set_ssl_context(sslb_ssl_context_factory *f,
                                             sslb_ssl_context *ctx) {
  if (!f)
    return SSLB_ERR_INVALID_ARGUMENT;
  sslb_ssl_context *old = f->ctx;
  f->ctx = sslb_ssl_context_ref(ctx);
  sslb_ssl_context_free(old);
  return 0;
}

int sslb_ssl_context_factory_set_endpoint_identification_algorithm(
    sslb_ssl_context_factory *f, const char *algorithm) {
  if (!f)
    return SSLB_ERR_INVALID_ARGUMENT;
  if (algorithm && strcmp(algorithm, "HTTPS") != 0)
    return sslb__fail(&f->err, SSLB_ERR_INVALID_ARGUMENT,
                      "endpoint identification algorithm '%s' is not "
                      "supported: \"HTTPS\" or NULL",
                      algorithm);
  f->no_identification = algorithm == NULL;
  return 0;
}

typedef struct {
  sslb__err *err;
  int bad;
} regex_check;

static int compile_one(regex_t *re, const char *pattern) {
  char anchored[300];
  if (snprintf(anchored, sizeof anchored, "^(%s)$", pattern) >=
      (int)sizeof anchored)
    return -1;
  return regcomp(re, anchored, REG_EXTENDED | REG_NOSUB) == 0 ? 0 : -1;
}

static int check_regex(void *ud, const char *pattern) {
  regex_check *c = ud;
  regex_t re;
  if (compile_one(&re, pattern) < 0)
    return sslb__fail(c->err, SSLB_ERR_INVALID_ARGUMENT,
                      "'%s' is not a usable regular expression", pattern);
  regfree(&re);
  return 0;
}

int sslb_ssl_context_factory_set_list(sslb_ssl_context_factory *f, int list,
                                      const char *patterns) {
  if (!f || list < 0 || list >= ALL_LISTS || !patterns)
    return SSLB_ERR_INVALID_ARGUMENT;
  regex_check c = {&f->err, 0};
  SSLB__GUARD(sslb__each_item(patterns, check_regex, &c));
  /* "" is a set, empty list: not the default */
  char *copy = sslb__strdup(patterns);
  if (!copy)
    return sslb__fail(&f->err, SSLB_ERR_NO_MEMORY, "out of memory");
  free(f->lists[list]);
  f->lists[list] = copy;
  return 0;
}

int sslb_engine_set_ssl_context_factory(sslb_engine *e,
                                        const sslb_ssl_context_factory *f) {
  if (!e || !f)
    return SSLB_ERR_INVALID_ARGUMENT;
  SSLB__GUARD(style_has(e, K(JETTY), "sslContextFactory"));
  char *lists[ALL_LISTS] = {0};
  for (int i = 0; i < ALL_LISTS; i++)
    if (f->lists[i] && !(lists[i] = sslb__strdup(f->lists[i]))) {
      free_lists(lists);
      return sslb__fail(&e->err, SSLB_ERR_NO_MEMORY, "out of memory");
    }
  free_lists(e->jetty_lists);
  memcpy(e->jetty_lists, lists, sizeof lists);
  sslb_ssl_context *old = e->jetty_ctx;
  e->jetty_ctx = sslb_ssl_context_ref(f->ctx);
  sslb_ssl_context_free(old);
  e->jetty_no_identification = f->no_identification;
  e->jetty = 1;
  return 0;
}

/* 1 when name matches one of the comma-separated patterns. */
typedef struct {
  const char *name;
  int hit;
} match_state;

static int match_one(void *ud, const char *pattern) {
  match_state *m = ud;
  regex_t re;
  if (compile_one(&re, pattern) < 0)
    return 0; /* checked when set */
  if (regexec(&re, m->name, 0, NULL, 0) == 0)
    m->hit = 1;
  regfree(&re);
  return 0;
}

static int matches(const char *patterns, const char *name) {
  match_state m = {name, 0};
  if (sslb__each_item(patterns, match_one, &m) < 0)
    return 0;
  return m.hit;
}

/* Keeps the candidates that the include list (when set) and not the
 * exclude list match, as "a,b,c" in out. */
static void filter(const char *const *candidates, size_t n,
                   const char *include, const char *exclude, sslb__buf *out) {
  for (size_t i = 0; i < n; i++) {
    if (include && !matches(include, candidates[i]))
      continue;
    if (exclude && matches(exclude, candidates[i]))
      continue;
    if (out->len)
      sslb__buf_put(out, ",", 1);
    sslb__buf_str(out, candidates[i]);
  }
  sslb__buf_put(out, "", 1);
}

typedef struct {
  const char *v[64];
  size_t n;
} names;

static int collect(void *ud, const char *item) {
  names *l = ud;
  char *copy = l->n < 64 ? sslb__strdup(item) : NULL;
  if (copy)
    l->v[l->n++] = copy;
  return 0;
}

static void names_free(names *l) {
  for (size_t i = 0; i < l->n; i++)
    free((char *)l->v[i]);
  l->n = 0;
}

/* Jetty's lists applied to the protocols and suites of its context. */
static int jetty_parameters(sslb_engine *e, const sslb_ssl_context *base,
                            sslb_ssl_context_builder *b) {
  const char *inc_p = e->jetty_lists[SSLB_INCLUDE_PROTOCOLS];
  const char *exc_p = e->jetty_lists[SSLB_EXCLUDE_PROTOCOLS]
                          ? e->jetty_lists[SSLB_EXCLUDE_PROTOCOLS]
                          : JETTY_DEFAULT_EXCLUDES[SSLB_EXCLUDE_PROTOCOLS];
  const char *inc_s = e->jetty_lists[SSLB_INCLUDE_CIPHER_SUITES];
  const char *exc_s = e->jetty_lists[SSLB_EXCLUDE_CIPHER_SUITES]
                          ? e->jetty_lists[SSLB_EXCLUDE_CIPHER_SUITES]
                          : JETTY_DEFAULT_EXCLUDES[SSLB_EXCLUDE_CIPHER_SUITES];
  names protos = {0}, suites = {0};
  int rc = sslb__each_item(base ? sslb_ssl_context_protocols(base)
                                : "TLSv1.3,TLSv1.2",
                           collect, &protos);
  const char *given = base ? sslb_ssl_context_cipher_suites(base) : "";
  if (rc == 0 && *given)
    rc = sslb__each_item(given, collect, &suites);
  for (size_t i = 0; rc == 0 && !*given && i < sslb__suite_count(); i++)
    rc = collect(&suites, sslb__suite_name(i));
  sslb__buf p, s;
  sslb__buf_init(&p);
  sslb__buf_init(&s);
  if (rc == 0) {
    filter(protos.v, protos.n, inc_p, exc_p, &p);
    filter(suites.v, suites.n, inc_s, exc_s, &s);
    if (sslb__buf_ok(&p) < 0 || sslb__buf_ok(&s) < 0)
      rc = sslb__fail(&e->err, SSLB_ERR_NO_MEMORY, "out of memory");
  }
  if (rc == 0 && (!*(char *)p.p || !*(char *)s.p))
    rc = sslb__fail(&e->err, SSLB_ERR_UNSUPPORTED,
                    "the SslContextFactory's include/exclude lists leave no "
                    "%s to negotiate",
                    !*(char *)p.p ? "protocol" : "cipher suite");
  if (rc == 0 && ((rc = sslb_ssl_context_builder_set_protocols(
                       b, (char *)p.p)) < 0 ||
                  (rc = sslb_ssl_context_builder_set_cipher_suites(
                       b, (char *)s.p)) < 0))
    sslb__fail(&e->err, rc, "%s", sslb_ssl_context_builder_last_error(b));
  sslb__buf_free(&p);
  sslb__buf_free(&s);
  names_free(&protos);
  names_free(&suites);
  return rc;
}

/* --------------------------------------------------------------- CIO */

int sslb_engine_set_trust_manager(sslb_engine *e, sslb_trust_manager *tm) {
  if (!e)
    return SSLB_ERR_INVALID_ARGUMENT;
  SSLB__GUARD(style_has(e, K(CIO), "trustManager"));
  sslb_trust_manager *old = e->tm;
  e->tm = sslb_trust_manager_ref(tm);
  sslb_trust_manager_free(old);
  return 0;
}

int sslb_engine_add_key_store(sslb_engine *e, sslb_keystore *ks,
                              const char *key_password, const char *alias) {
  if (!e || !ks)
    return SSLB_ERR_INVALID_ARGUMENT;
  SSLB__GUARD(style_has(e, K(CIO), "certificates (addKeyStore)"));
  sslb_key_manager **v = realloc(e->kms, (e->nkms + 1) * sizeof *v);
  if (!v)
    return sslb__fail(&e->err, SSLB_ERR_NO_MEMORY, "out of memory");
  e->kms = v;
  int rc = sslb_key_manager_new(&e->kms[e->nkms], ks, alias, key_password);
  if (rc < 0)
    return sslb__fail(&e->err, rc, "%s", sslb_keystore_last_error(ks));
  e->nkms++;
  return 0;
}

int sslb_engine_set_cipher_suites(sslb_engine *e, const char *cipher_suites) {
  if (!e)
    return SSLB_ERR_INVALID_ARGUMENT;
  SSLB__GUARD(style_has(e, K(CIO), "cipherSuites"));
  SSLB__GUARD(check_parameters(&e->err, NULL, cipher_suites));
  return set_text(&e->err, &e->suites, cipher_suites);
}

int sslb_engine_set_server_name(sslb_engine *e, const char *name) {
  if (!e)
    return SSLB_ERR_INVALID_ARGUMENT;
  SSLB__GUARD(style_has(e, K(CIO), "serverName"));
  if (name && (strlen(name) >= sizeof e->server_name || strpbrk(name, " /\r\n")))
    return sslb__fail(&e->err, SSLB_ERR_INVALID_ARGUMENT,
                      "serverName must be a host name");
  snprintf(e->server_name, sizeof e->server_name, "%s", name ? name : "");
  return 0;
}

/* ----------------------------------------------------------- Android */

int sslb_engine_set_ssl_manager(sslb_engine *e, sslb_connection_fn fn,
                                void *user_data) {
  if (!e)
    return SSLB_ERR_INVALID_ARGUMENT;
  SSLB__GUARD(style_has(e, K(ANDROID), "sslManager"));
  e->ssl_manager = fn;
  e->ssl_manager_ud = fn ? user_data : NULL;
  return 0;
}

/* ------------------------------------------------------------ OkHttp */

int sslb_engine_set_ssl_socket_factory(sslb_engine *e, sslb_socket_factory *f,
                                       sslb_trust_manager *tm) {
  if (!e || !f || !tm)
    return SSLB_ERR_INVALID_ARGUMENT;
  SSLB__GUARD(style_has(e, K(OKHTTP), "sslSocketFactory"));
  sslb_socket_factory *of = e->factory;
  sslb_trust_manager *otm = e->tm;
  e->factory = sslb_socket_factory_ref(f);
  e->tm = sslb_trust_manager_ref(tm);
  sslb_socket_factory_free(of);
  sslb_trust_manager_free(otm);
  return 0;
}

int sslb_engine_add_certificate_pin(sslb_engine *e, const char *host_pattern,
                                    const char *pin_text) {
  if (!e || !host_pattern || !pin_text)
    return SSLB_ERR_INVALID_ARGUMENT;
  SSLB__GUARD(style_has(e, K(OKHTTP), "certificatePinner"));
  /* validated by the trust builder that will hold it */
  sslb_trust_builder *b;
  SSLB__GUARD(sslb_trust_builder_new(&b));
  int rc = sslb_trust_builder_add_pin(b, host_pattern, pin_text);
  if (rc < 0)
    sslb__fail(&e->err, rc, "%s", sslb_trust_builder_last_error(b));
  sslb_trust_builder_free(b);
  SSLB__GUARD(rc);
  pin *v = realloc(e->pins, (e->npins + 1) * sizeof *v);
  if (!v)
    return sslb__fail(&e->err, SSLB_ERR_NO_MEMORY, "out of memory");
  e->pins = v;
  pin *p = &e->pins[e->npins];
  p->pattern = sslb__strdup(host_pattern);
  p->pin = sslb__strdup(pin_text);
  if (!p->pattern || !p->pin) {
    free(p->pattern);
    free(p->pin);
    return sslb__fail(&e->err, SSLB_ERR_NO_MEMORY, "out of memory");
  }
  e->npins++;
  return 0;
}

int sslb_engine_set_connection_spec(sslb_engine *e, int spec) {
  if (!e)
    return SSLB_ERR_INVALID_ARGUMENT;
  SSLB__GUARD(style_has(e, K(OKHTTP), "connectionSpecs"));
  if (spec < SSLB_SPEC_MODERN_TLS || spec > SSLB_SPEC_COMPATIBLE_TLS)
    return sslb__fail(&e->err, SSLB_ERR_INVALID_ARGUMENT,
                      "connection spec is MODERN_TLS, RESTRICTED_TLS or "
                      "COMPATIBLE_TLS");
  e->spec = spec;
  return 0;
}

int sslb_engine_set_protocols(sslb_engine *e, int policy) {
  if (!e)
    return SSLB_ERR_INVALID_ARGUMENT;
  SSLB__GUARD(style_has(e, K(OKHTTP), "protocols"));
  if (policy < SSLB_HTTP_ANY || policy > SSLB_HTTP_2)
    return sslb__fail(&e->err, SSLB_ERR_INVALID_ARGUMENT,
                      "protocols is an sslb_http_policy");
  e->http_policy = policy;
  return 0;
}

int sslb_engine_set_hostname_verifier(sslb_engine *e,
                                      sslb_hostname_verifier_fn fn,
                                      void *user_data) {
  if (!e)
    return SSLB_ERR_INVALID_ARGUMENT;
  SSLB__GUARD(style_has(e, K(OKHTTP), "hostnameVerifier"));
  e->verifier = fn;
  e->verifier_ud = fn ? user_data : NULL;
  return 0;
}

/* ------------------------------------------------------------ clients */

/* The trust manager with the engine's pins added (OkHttp's pinner works
 * on top of its trust manager). */
static int pinned_trust(sslb_engine *e, sslb_trust_manager *base,
                        sslb_trust_manager **out) {
  sslb_trust_builder *b;
  SSLB__GUARD(sslb_trust_builder_new(&b));
  int rc = sslb_trust_builder_init_from(b, base);
  for (size_t i = 0; rc == 0 && i < e->npins; i++)
    rc = sslb_trust_builder_add_pin(b, e->pins[i].pattern, e->pins[i].pin);
  if (rc == 0)
    rc = sslb_trust_builder_build(b, out);
  if (rc < 0)
    sslb__fail(&e->err, rc, "%s", sslb_trust_builder_last_error(b));
  sslb_trust_builder_free(b);
  return rc;
}

static int engine_context(sslb_engine *e, sslb_ssl_context **out) {
  sslb_ssl_context_builder *b;
  SSLB__GUARD(sslb_ssl_context_builder_new(&b));
  sslb_ssl_context *base = e->ctx             ? e->ctx
                           : e->factory       ? sslb_socket_factory_context(e->factory)
                           : e->jetty         ? e->jetty_ctx
                                              : NULL;
  sslb_key_manager *km = NULL;
  sslb_trust_manager *pinned = NULL;
  int rc = base ? sslb_ssl_context_builder_init_from(b, base) : 0;
  if (rc == 0 && e->tm)
    rc = sslb_ssl_context_builder_set_trust_manager(b, e->tm);
  if (rc == 0 && e->nkms) {
    rc = sslb__key_manager_concat(&km, e->kms, e->nkms);
    if (rc == 0)
      rc = sslb_ssl_context_builder_set_key_manager(b, km);
  }
  if (rc == 0 && e->protocols)
    rc = sslb_ssl_context_builder_set_protocols(b, e->protocols);
  if (rc == 0 && e->suites)
    rc = sslb_ssl_context_builder_set_cipher_suites(b, e->suites);
  if (rc == 0 && e->spec >= 0)
    rc = sslb_ssl_context_builder_set_cipher_suites(b, OKHTTP_SUITES);
  if (rc < 0)
    sslb__fail(&e->err, rc, "%s", sslb_ssl_context_builder_last_error(b));
  if (rc == 0 && e->jetty)
    rc = jetty_parameters(e, base, b);
  if (rc == 0 && e->npins) {
    sslb_trust_manager *t = e->tm ? e->tm : base ? sslb_ssl_context_trust_manager(base) : NULL;
    if (t)
      rc = pinned_trust(e, t, &pinned);
    else
      rc = sslb__fail(&e->err, SSLB_ERR_INVALID_ARGUMENT,
                      "certificate pins need a trust manager to add to: "
                      "set sslSocketFactory(factory, trustManager) first");
    if (rc == 0)
      rc = sslb_ssl_context_builder_set_trust_manager(b, pinned);
  }
  if (rc == 0 && (rc = sslb_ssl_context_builder_build(b, out)) < 0)
    sslb__fail(&e->err, rc, "%s", sslb_ssl_context_builder_last_error(b));
  sslb_trust_manager_free(pinned);
  sslb_key_manager_free(km);
  sslb_ssl_context_builder_free(b);
  return rc;
}

int sslb_client_new_from_engine(sslb_client **out, sslb_engine *e) {
  if (!out)
    return SSLB_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (!e)
    return SSLB_ERR_INVALID_ARGUMENT;
  e->err.msg[0] = 0;
  sslb_ssl_context *ctx;
  SSLB__GUARD(engine_context(e, &ctx));
  sslb_client *c;
  int rc = sslb_client_new_with_context(&c, ctx);
  sslb_ssl_context_free(ctx);
  if (rc < 0)
    return sslb__fail(&e->err, rc, "the client could not be started");
  switch (e->kind) {
  case SSLB_ENGINE_APACHE: /* connect and socket timeouts of 10 s */
    rc = sslb_client_set_timeouts(c, 10000, 30000);
    if (rc == 0)
      rc = sslb_client_set_idle_timeout(c, 10000);
    break;
  case SSLB_ENGINE_CIO:
    rc = sslb_client_set_timeouts(c, 5000, 15000);
    break;
  case SSLB_ENGINE_ANDROID:
    rc = sslb_client_set_timeouts(c, 100000, 0);
    if (rc == 0)
      rc = sslb_client_set_idle_timeout(c, 100000);
    break;
  default:
    break;
  }
  if (rc == 0)
    rc = sslb_client_set_http_policy(c, e->http_policy);
  if (rc == 0)
    rc = sslb_client_set_hostname_policy(
        c, e->jetty && e->jetty_no_identification ? SSLB_HOSTNAME_NONE
                                                  : e->hostname_policy);
  if (rc == 0 && e->server_name[0])
    rc = sslb_client_set_server_name(c, e->server_name);
  if (rc == 0 && e->verifier)
    rc = sslb_client_set_hostname_verifier(c, e->verifier, e->verifier_ud);
  if (rc == 0 && e->ssl_manager)
    rc = sslb_client_set_connection_callback(c, e->ssl_manager,
                                             e->ssl_manager_ud);
  if (rc < 0) {
    sslb_client_free(c);
    return sslb__fail(&e->err, rc, "the client could not be configured");
  }
  *out = c;
  return 0;
}
