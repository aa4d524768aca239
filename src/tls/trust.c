/* Trust managers: anchors, CRLs and a verifier that builds every path from
 * the presented chain to an anchor and applies, on top of GnuTLS's chain
 * checks, the rules GnuTLS leaves out: SAN-only host names, the requested
 * name against excluded name-constraint subtrees, key strength, and time
 * checks against an injectable clock. The builder also collects SPKI pins
 * per host pattern, an application's verify callback and the insecure
 * trust-all switch; verify.c applies them. */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "keystore/ks.h"
#include "tls/trust.h"
#include "tls/x509_internal.h"
#include "util/text.h"

#define MAX_ANCHORS 100000
/* Pins are searched linearly per verification: a list this long is a
 * mistake, not a policy. */
#define MAX_PINS 10000

struct sslb_trust_builder {
  int use_system;
  sslb_certificate **anchors;
  size_t nanchors, cap;
  gnutls_x509_crl_t *crls;
  size_t ncrls;
  int64_t time;
  sslb__pin *pins;
  size_t npins, pins_cap;
  sslb_verify_fn verify_fn;
  void *verify_data;
  int insecure;
  sslb__err err;
};


/* ------------------------------------------------------------ builder */

int sslb_trust_builder_new(sslb_trust_builder **out) {
  if (!out)
    return SSLB_ERR_INVALID_ARGUMENT;
  *out = calloc(1, sizeof **out);
  if (!*out)
    return SSLB_ERR_NO_MEMORY;
  (*out)->use_system = 1;
  return 0;
}

void sslb_trust_builder_free(sslb_trust_builder *b) {
  if (!b)
    return;
  for (size_t i = 0; i < b->nanchors; i++)
    sslb_certificate_free(b->anchors[i]);
  free(b->anchors);
  for (size_t i = 0; i < b->ncrls; i++)
    gnutls_x509_crl_deinit(b->crls[i]);
  free(b->crls);
  free(b->pins);
  free(b);
}

const char *sslb_trust_builder_last_error(const sslb_trust_builder *b) {
  return b ? b->err.msg : "trust builder handle is NULL";
}

int sslb_trust_builder_replace_defaults(sslb_trust_builder *b) {
  if (!b)
    return SSLB_ERR_INVALID_ARGUMENT;
  b->use_system = 0;
  return 0;
}

int sslb_trust_builder_set_time(sslb_trust_builder *b, int64_t t) {
  if (!b || t < 0)
    return SSLB_ERR_INVALID_ARGUMENT;
  b->time = t;
  return 0;
}

/* ------------------------------------------------------------- pins */

/* Decodes base64 into out (at most cap bytes kept) and returns the decoded
 * length, or -1 when s is not base64. Both alphabets, padding optional:
 * Okio, which OkHttp decodes pins with, is as lenient. */
static long b64_decode(const char *s, uint8_t *out, size_t cap) {
  size_t n = strlen(s), pad = 0;
  while (n && s[n - 1] == '=' && pad < 2)
    n--, pad++;
  if ((pad && (n + pad) % 4) || n % 4 == 1)
    return -1;
  uint32_t acc = 0;
  int bits = 0;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    int c = (unsigned char)s[i], v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+' || c == '-')
      v = 62;
    else if (c == '/' || c == '_')
      v = 63;
    else
      return -1;
    acc = ((acc << 6) | (uint32_t)v) & 0xffffu;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o < cap)
        out[o] = (uint8_t)(acc >> bits);
      o++;
    }
  }
  return (long)o;
}

static int parse_pattern(sslb__pin *p, const char *pattern, sslb__err *err) {
  const char *name = pattern;
  if (!*pattern)
    return sslb__fail(err, SSLB_ERR_INVALID_ARGUMENT, "host pattern is empty");
  if (strncmp(pattern, "**.", 3) == 0)
    p->kind = SSLB__PIN_ANY_LABELS, name += 3;
  else if (strncmp(pattern, "*.", 2) == 0)
    p->kind = SSLB__PIN_ONE_LABEL, name += 2;
  else
    p->kind = SSLB__PIN_EXACT;
  if (strchr(name, '*'))
    return sslb__fail(
        err, SSLB_ERR_INVALID_ARGUMENT,
        name == pattern && *pattern == '*'
            ? "host pattern '%s': a wildcard must be a whole leftmost label, "
              "'*.' (one label) or '**.' (any number of labels), followed by "
              "a domain, as in '*.example.com'"
            : "host pattern '%s': '*' may only appear as the leftmost label "
              "('*.' or '**.')",
        pattern);
  /* OkHttp accepts IP literals as exact patterns; a wildcard over numbers
   * would pin a name, never an address */
  if (p->kind == SSLB__PIN_EXACT && (p->iplen = sslb__parse_ip(name, p->ip)))
    return 0;
  long n = sslb__normalize_name(p->name, name);
  if (n < 0 || n > 253)
    return sslb__fail(err, SSLB_ERR_INVALID_ARGUMENT,
                      "host pattern '%.300s...' is longer than a host name "
                      "(253 characters)",
                      pattern);
  if (n == 0)
    return sslb__fail(err, SSLB_ERR_INVALID_ARGUMENT,
                      p->kind == SSLB__PIN_EXACT
                          ? "host pattern '%s' has no host name"
                          : "host pattern '%s' has no domain after the "
                            "wildcard",
                      pattern);
  for (const char *c = p->name; *c; c++) {
    unsigned char u = (unsigned char)*c;
    if (u >= 0x80)
      return sslb__fail(err, SSLB_ERR_INVALID_ARGUMENT,
                        "host pattern '%s' is not ASCII: give an "
                        "internationalized name in its xn-- form",
                        pattern);
    if (!isalnum(u) && u != '-' && u != '_' && u != '.')
      return sslb__fail(err, SSLB_ERR_INVALID_ARGUMENT,
                        isgraph(u) ? "host pattern '%s' contains '%c', which "
                                     "a host name cannot"
                                   : "host pattern '%s' contains the "
                                     "character 0x%02x, which a host name "
                                     "cannot",
                        pattern, u);
  }
  if (p->name[0] == '.' || p->name[n - 1] == '.' || strstr(p->name, ".."))
    return sslb__fail(err, SSLB_ERR_INVALID_ARGUMENT,
                      "host pattern '%s' has an empty label", pattern);
  return 0;
}

static int parse_pin(sslb__pin *p, const char *pin, sslb__err *err) {
  if (strncmp(pin, "sha1/", 5) == 0)
    return sslb__fail(err, SSLB_ERR_INVALID_ARGUMENT,
                      "pin '%s': SHA-1 pins are not supported; pin the "
                      "'sha256/' hash of the same key "
                      "(sslb_certificate_spki_pin prints it)",
                      pin);
  if (strncmp(pin, "sha256/", 7) != 0)
    return sslb__fail(err, SSLB_ERR_INVALID_ARGUMENT,
                      "pin '%.100s' does not start with 'sha256/' (a pin is "
                      "sha256/ + base64 of the SHA-256 of the certificate's "
                      "SubjectPublicKeyInfo)",
                      pin);
  uint8_t h[32];
  long n = b64_decode(pin + 7, h, sizeof h);
  if (n < 0)
    return sslb__fail(err, SSLB_ERR_INVALID_ARGUMENT,
                      "pin '%.100s': what follows 'sha256/' is not base64",
                      pin);
  if (n != (long)sizeof h)
    return sslb__fail(err, SSLB_ERR_INVALID_ARGUMENT,
                      "pin '%.100s' decodes to %ld bytes; a SHA-256 hash has "
                      "32",
                      pin, n);
  /* stored as spki_pin prints it, so that verification compares strings
   * and reports pins in the one form */
  sslb__buf b;
  sslb__buf_init(&b);
  sslb__buf_str(&b, "sha256/");
  sslb__base64(&b, h, sizeof h);
  int rc = sslb__buf_ok(&b);
  if (rc == 0 && b.len < sizeof p->pin) {
    memcpy(p->pin, b.p, b.len);
    p->pin[b.len] = 0;
  }
  sslb__buf_free(&b);
  return rc < 0 ? sslb__fail(err, rc, "out of memory") : 0;
}

int sslb__pin_parse(sslb__pin *p, const char *pattern, const char *pin,
                    sslb__err *err) {
  memset(p, 0, sizeof *p);
  if (!pattern)
    return sslb__fail(err, SSLB_ERR_INVALID_ARGUMENT, "host pattern is NULL");
  if (!pin)
    return sslb__fail(err, SSLB_ERR_INVALID_ARGUMENT, "pin is NULL");
  SSLB__GUARD(parse_pattern(p, pattern, err));
  return parse_pin(p, pin, err);
}

static int same_pin(const sslb__pin *a, const sslb__pin *b) {
  return a->kind == b->kind && a->iplen == b->iplen &&
         memcmp(a->ip, b->ip, sizeof a->ip) == 0 &&
         strcmp(a->name, b->name) == 0 && strcmp(a->pin, b->pin) == 0;
}

int sslb_trust_builder_add_pin(sslb_trust_builder *b, const char *host_pattern,
                               const char *pin) {
  if (!b)
    return SSLB_ERR_INVALID_ARGUMENT;
  sslb__pin p;
  SSLB__GUARD(sslb__pin_parse(&p, host_pattern, pin, &b->err));
  for (size_t i = 0; i < b->npins; i++)
    if (same_pin(&b->pins[i], &p))
      return 0;
  if (b->npins == b->pins_cap) {
    if (b->pins_cap >= MAX_PINS)
      return sslb__fail(&b->err, SSLB_ERR_LIMIT, "more than %d pins",
                        MAX_PINS);
    size_t nc = b->pins_cap ? b->pins_cap * 2 : 8;
    if (nc > MAX_PINS)
      nc = MAX_PINS;
    sslb__pin *v = realloc(b->pins, nc * sizeof *v);
    if (!v)
      return sslb__fail(&b->err, SSLB_ERR_NO_MEMORY, "out of memory");
    b->pins = v;
    b->pins_cap = nc;
  }
  b->pins[b->npins++] = p;
  return 0;
}

int sslb_trust_builder_set_verify_callback(sslb_trust_builder *b,
                                           sslb_verify_fn fn,
                                           void *user_data) {
  if (!b)
    return SSLB_ERR_INVALID_ARGUMENT;
  b->verify_fn = fn;
  b->verify_data = fn ? user_data : NULL;
  return 0;
}

int sslb_trust_builder_insecure_trust_all(sslb_trust_builder *b) {
  if (!b)
    return SSLB_ERR_INVALID_ARGUMENT;
  b->insecure = 1;
  return 0;
}

/* ---------------------------------------------------------- anchors */

static int push_anchor(sslb_certificate ***v, size_t *n, size_t *cap,
                       sslb_certificate *c) {
  for (size_t i = 0; i < *n; i++) {
    const uint8_t *a, *d;
    size_t al, dl;
    sslb__cert_der((*v)[i], &a, &al);
    sslb__cert_der(c, &d, &dl);
    if (al == dl && memcmp(a, d, al) == 0)
      return 0; /* already an anchor */
  }
  if (*n == *cap) {
    if (*cap >= MAX_ANCHORS)
      return SSLB_ERR_LIMIT;
    size_t nc = *cap ? *cap * 2 : 16;
    sslb_certificate **nv = realloc(*v, nc * sizeof *nv);
    if (!nv)
      return SSLB_ERR_NO_MEMORY;
    *v = nv;
    *cap = nc;
  }
  (*v)[(*n)++] = sslb_certificate_ref(c);
  return 0;
}

int sslb_trust_builder_add_certificate(sslb_trust_builder *b,
                                       sslb_certificate *c) {
  if (!b || !c)
    return SSLB_ERR_INVALID_ARGUMENT;
  int rc = push_anchor(&b->anchors, &b->nanchors, &b->cap, c);
  return rc < 0 ? sslb__fail(&b->err, rc, "cannot add the anchor: %s",
                             sslb_strerror(rc))
                : 0;
}

int sslb_trust_builder_add_keystore(sslb_trust_builder *b,
                                    const sslb_keystore *ks) {
  if (!b)
    return SSLB_ERR_INVALID_ARGUMENT;
  if (!ks)
    return sslb__fail(&b->err, SSLB_ERR_INVALID_ARGUMENT, "keystore is NULL");
  for (size_t i = 0; i < ks->e.n; i++) {
    const sslb__entry *e = &ks->e.v[i];
    if (e->chain_len == 0)
      continue; /* secret keys */
    SSLB__GUARD(sslb_trust_builder_add_certificate(b, e->chain[0]));
  }
  return 0;
}

/* The PEM parser reports malformed blocks with keystore codes; for
 * certificate data they are SSLB_ERR_CERTIFICATE, as documented. */
static int pem_code(int rc) {
  return rc == SSLB_ERR_KEYSTORE_CORRUPT || rc == SSLB_ERR_KEYSTORE_TRUNCATED
             ? SSLB_ERR_CERTIFICATE
             : rc;
}

/* Parses PEM bundle or single DER certificate into anchors. */
static int add_bytes(sslb_trust_builder *b, const uint8_t *p, size_t n,
                     const char *what) {
  if (sslb_keystore_sniff(p, n) == SSLB_FORMAT_PEM) {
    sslb_certificate **certs;
    size_t count;
    int rc = sslb__pem_certs(p, n, &certs, &count, &b->err);
    if (rc < 0) {
      sslb__err_prefix(&b->err, "%s", what);
      return pem_code(rc);
    }
    for (size_t i = 0; i < count; i++) {
      if (rc == 0)
        rc = sslb_trust_builder_add_certificate(b, certs[i]);
      sslb_certificate_free(certs[i]);
    }
    free(certs);
    if (rc == 0 && count == 0)
      rc = sslb__fail(&b->err, SSLB_ERR_CERTIFICATE,
                      "%s holds no certificate", what);
    SSLB__GUARD(rc);
  } else {
    sslb_certificate *c;
    int rc = sslb__cert_from_der(&c, p, n, &b->err);
    if (rc < 0) {
      sslb__err_prefix(&b->err, "%s", what);
      return rc;
    }
    rc = sslb_trust_builder_add_certificate(b, c);
    sslb_certificate_free(c);
    SSLB__GUARD(rc);
  }
  return 0;
}

int sslb_trust_builder_add_data(sslb_trust_builder *b, const uint8_t *p,
                                size_t n) {
  if (!b)
    return SSLB_ERR_INVALID_ARGUMENT;
  if (!p || !n)
    return sslb__fail(&b->err, SSLB_ERR_INVALID_ARGUMENT, "no data");
  return add_bytes(b, p, n, "certificate data");
}

static int has_cert_ext(const char *name) {
  size_t n = strlen(name);
  return (n > 4 && (!strcmp(name + n - 4, ".pem") || !strcmp(name + n - 4, ".crt") ||
                    !strcmp(name + n - 4, ".der") || !strcmp(name + n - 4, ".cer"))) ||
         (n > 2 && name[n - 2] == '.' && name[n - 1] >= '0' && name[n - 1] <= '9');
}

static int add_path(sslb_trust_builder *b, const char *path) {
  uint8_t *data;
  size_t len;
  int rc = sslb__read_file(path, &data, &len, &b->err);
  if (rc < 0)
    return rc;
  rc = add_bytes(b, data, len, path);
  free(data);
  return rc;
}

int sslb_trust_builder_add_file(sslb_trust_builder *b, const char *path) {
  if (!b)
    return SSLB_ERR_INVALID_ARGUMENT;
  if (!path)
    return sslb__fail(&b->err, SSLB_ERR_INVALID_ARGUMENT, "path is NULL");
  struct stat st;
  if (stat(path, &st) < 0)
    return sslb__fail(&b->err, SSLB_ERR_IO, "cannot open '%s'", path);
  if (!S_ISDIR(st.st_mode))
    return add_path(b, path);
  DIR *d = opendir(path);
  if (!d)
    return sslb__fail(&b->err, SSLB_ERR_IO, "cannot read directory '%s'",
                      path);
  size_t before = b->nanchors;
  int rc = 0;
  struct dirent *de;
  while (rc == 0 && (de = readdir(d))) {
    if (de->d_name[0] == '.' || !has_cert_ext(de->d_name))
      continue;
    char full[4096];
    if ((size_t)snprintf(full, sizeof full, "%s/%s", path, de->d_name) >=
        sizeof full)
      continue;
    if (stat(full, &st) < 0 || !S_ISREG(st.st_mode))
      continue;
    rc = add_path(b, full);
  }
  closedir(d);
  if (rc == 0 && b->nanchors == before)
    rc = sslb__fail(&b->err, SSLB_ERR_CERTIFICATE,
                    "directory '%s' holds no certificate file", path);
  return rc;
}

int sslb_trust_builder_add_crl(sslb_trust_builder *b, const uint8_t *p,
                               size_t n) {
  if (!b)
    return SSLB_ERR_INVALID_ARGUMENT;
  if (!p || !n || n > UINT32_MAX)
    return sslb__fail(&b->err, SSLB_ERR_INVALID_ARGUMENT, "no CRL data");
  gnutls_x509_crl_t crl;
  if (gnutls_x509_crl_init(&crl) < 0)
    return SSLB_ERR_NO_MEMORY;
  gnutls_datum_t d = {(unsigned char *)p, (unsigned)n};
  int pem = memmem(p, n, "-----BEGIN", 10) != NULL;
  int g = gnutls_x509_crl_import(crl, &d,
                                 pem ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER);
  if (g < 0) {
    gnutls_x509_crl_deinit(crl);
    return sslb__fail(&b->err, SSLB_ERR_CERTIFICATE,
                      "CRL could not be parsed: %s", gnutls_strerror(g));
  }
  gnutls_x509_crl_t *v = realloc(b->crls, (b->ncrls + 1) * sizeof *v);
  if (!v) {
    gnutls_x509_crl_deinit(crl);
    return SSLB_ERR_NO_MEMORY;
  }
  b->crls = v;
  b->crls[b->ncrls++] = crl;
  return 0;
}

int sslb_trust_builder_init_from(sslb_trust_builder *b,
                                 const sslb_trust_manager *tm) {
  if (!b || !tm)
    return SSLB_ERR_INVALID_ARGUMENT;
  sslb_trust_builder *n;
  SSLB__GUARD(sslb_trust_builder_new(&n));
  /* tm's anchors already include the system's, in order */
  n->use_system = 0;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < tm->nanchors; i++)
    rc = push_anchor(&n->anchors, &n->nanchors, &n->cap, tm->anchors[i]);
  for (size_t i = 0; rc == 0 && i < tm->ncrls; i++) {
    gnutls_datum_t der;
    if (gnutls_x509_crl_export2(tm->crls[i], GNUTLS_X509_FMT_DER, &der) < 0) {
      rc = SSLB_ERR_NO_MEMORY;
      break;
    }
    rc = sslb_trust_builder_add_crl(n, der.data, der.size);
    gnutls_free(der.data);
  }
  if (rc == 0 && tm->npins) {
    n->pins = malloc(tm->npins * sizeof *n->pins);
    if (!n->pins)
      rc = SSLB_ERR_NO_MEMORY;
    else
      memcpy(n->pins, tm->pins, tm->npins * sizeof *n->pins);
    n->npins = n->pins_cap = n->pins ? tm->npins : 0;
  }
  if (rc < 0) {
    sslb_trust_builder_free(n);
    return sslb__fail(&b->err, rc, "the trust manager could not be copied");
  }
  n->time = tm->time;
  n->verify_fn = tm->verify_fn;
  n->verify_data = tm->verify_data;
  n->insecure = tm->insecure;
  /* swap contents: b keeps its identity for the caller */
  sslb_trust_builder tmp = *b;
  *b = *n;
  b->err = tmp.err;
  b->err.msg[0] = 0;
  *n = tmp;
  sslb_trust_builder_free(n);
  return 0;
}

static const char *system_bundle(void) {
  const char *env = getenv("SSL_CERT_FILE");
  return env && *env ? env : "/etc/ssl/certs/ca-certificates.crt";
}

int sslb_trust_builder_build(sslb_trust_builder *b, sslb_trust_manager **out) {
  if (!b || !out)
    return SSLB_ERR_INVALID_ARGUMENT;
  *out = NULL;
  sslb_trust_manager *tm = calloc(1, sizeof *tm);
  if (!tm)
    return sslb__fail(&b->err, SSLB_ERR_NO_MEMORY, "out of memory");
  tm->refs = 1;
  tm->time = b->time;
  tm->verify_fn = b->verify_fn;
  tm->verify_data = b->verify_data;
  tm->insecure = b->insecure;
  size_t cap = 0;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < b->nanchors; i++)
    rc = push_anchor(&tm->anchors, &tm->nanchors, &cap, b->anchors[i]);
  if (rc == 0 && b->use_system) {
    /* The system bundle is read after the explicit anchors, which keep
     * their order and take precedence when paths are searched. */
    uint8_t *data;
    size_t len;
    const char *path = system_bundle();
    rc = sslb__read_file(path, &data, &len, &b->err);
    if (rc < 0) {
      sslb__err_prefix(&b->err,
                       "the system trust store could not be read (install "
                       "ca-certificates, set SSL_CERT_FILE, or replace the "
                       "defaults)");
    } else {
      sslb_certificate **certs;
      size_t count;
      rc = sslb__pem_certs(data, len, &certs, &count, &b->err);
      free(data);
      if (rc < 0 && rc != SSLB_ERR_NO_MEMORY) {
        /* a malformed bundle is as unusable as a missing one */
        sslb__err_prefix(&b->err, "the system trust store '%s' could not be "
                                  "parsed",
                         path);
        rc = SSLB_ERR_IO;
      }
      for (size_t i = 0; rc == 0 && i < count; i++)
        rc = push_anchor(&tm->anchors, &tm->nanchors, &cap, certs[i]);
      if (rc == 0 || count) {
        for (size_t i = 0; i < count; i++)
          sslb_certificate_free(certs[i]);
        free(certs);
      }
    }
  }
  if (rc == 0 && b->ncrls) {
    tm->crls = calloc(b->ncrls, sizeof *tm->crls);
    if (!tm->crls)
      rc = SSLB_ERR_NO_MEMORY;
    for (size_t i = 0; rc == 0 && i < b->ncrls; i++) {
      /* CRLs are copied by re-encoding: the manager must not share
       * mutable GnuTLS objects with the builder. */
      gnutls_datum_t der;
      if (gnutls_x509_crl_export2(b->crls[i], GNUTLS_X509_FMT_DER, &der) < 0 ||
          gnutls_x509_crl_init(&tm->crls[i]) < 0) {
        rc = SSLB_ERR_NO_MEMORY;
        break;
      }
      tm->ncrls++;
      int g = gnutls_x509_crl_import(tm->crls[i], &der, GNUTLS_X509_FMT_DER);
      gnutls_free(der.data);
      if (g < 0)
        rc = SSLB_ERR_INTERNAL;
    }
  }
  if (rc == 0 && b->npins) {
    tm->pins = malloc(b->npins * sizeof *tm->pins);
    if (!tm->pins)
      rc = SSLB_ERR_NO_MEMORY;
    else
      memcpy(tm->pins, b->pins, b->npins * sizeof *tm->pins);
    tm->npins = tm->pins ? b->npins : 0;
  }
  if (rc < 0) {
    if (rc == SSLB_ERR_NO_MEMORY)
      sslb__fail(&b->err, rc, "out of memory");
    sslb_trust_manager_free(tm);
    return rc;
  }
  *out = tm;
  return 0;
}

sslb_trust_manager *sslb_trust_manager_ref(sslb_trust_manager *tm) {
  if (tm)
    __atomic_add_fetch(&tm->refs, 1, __ATOMIC_RELAXED);
  return tm;
}

void sslb_trust_manager_free(sslb_trust_manager *tm) {
  if (!tm || __atomic_sub_fetch(&tm->refs, 1, __ATOMIC_ACQ_REL) > 0)
    return;
  for (size_t i = 0; i < tm->nanchors; i++)
    sslb_certificate_free(tm->anchors[i]);
  free(tm->anchors);
  for (size_t i = 0; i < tm->ncrls; i++)
    gnutls_x509_crl_deinit(tm->crls[i]);
  free(tm->crls);
  free(tm->pins);
  free(tm);
}

size_t sslb_trust_manager_anchor_count(const sslb_trust_manager *tm) {
  return tm ? tm->nanchors : 0;
}

int sslb_trust_manager_is_insecure(const sslb_trust_manager *tm) {
  return tm && tm->insecure ? 1 : 0;
}
