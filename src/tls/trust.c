/* Trust managers: anchors, CRLs and a verifier that builds every path from
 * the presented chain to an anchor and applies, on top of GnuTLS's chain
 * checks, the rules GnuTLS leaves out: SAN-only host names, the requested
 * name against excluded name-constraint subtrees, key strength, and time
 * checks against an injectable clock. */
#include <arpa/inet.h>
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

struct sslb_trust_builder {
  int use_system;
  sslb_certificate **anchors;
  size_t nanchors, cap;
  gnutls_x509_crl_t *crls;
  size_t ncrls;
  int64_t time;
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
  free(tm);
}

size_t sslb_trust_manager_anchor_count(const sslb_trust_manager *tm) {
  return tm ? tm->nanchors : 0;
}
