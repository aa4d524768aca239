#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "tls/crypto.h"
#include "tls/x509_internal.h"
#include "util/text.h"

struct sslb_certificate {
  int refs;
  gnutls_x509_crt_t crt;
  uint8_t *der;
  size_t der_len;
  char *subject, *issuer, *serial, *sha256, *sha1, *pin, *sigalg;
  const char *keyalg;
  unsigned key_bits;
  int is_ca;
  int64_t not_before, not_after;
  size_t nsan;
  int *san_type;
  char **san_value;
};

const char *sslb__gnutls_msg(int rc) { return gnutls_strerror(rc); }

static char *take_str(sslb__buf *b) {
  if (sslb__buf_ok(b) < 0) {
    sslb__buf_free(b);
    return NULL;
  }
  return (char *)sslb__buf_take(b, NULL);
}

static char *fingerprint(gnutls_x509_crt_t crt, gnutls_digest_algorithm_t d) {
  uint8_t md[64];
  size_t n = sizeof md;
  if (gnutls_x509_crt_get_fingerprint(crt, d, md, &n) < 0)
    return NULL;
  sslb__buf b;
  sslb__buf_init(&b);
  sslb__hex(&b, md, n, 1, ':');
  return take_str(&b);
}

static char *spki_pin(gnutls_x509_crt_t crt) {
  gnutls_pubkey_t pk;
  gnutls_datum_t spki = {NULL, 0};
  char *out = NULL;
  if (gnutls_pubkey_init(&pk) < 0)
    return NULL;
  if (gnutls_pubkey_import_x509(pk, crt, 0) >= 0 &&
      gnutls_pubkey_export2(pk, GNUTLS_X509_FMT_DER, &spki) >= 0) {
    uint8_t md[32];
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, spki.data, spki.size, md) >= 0) {
      sslb__buf b;
      sslb__buf_init(&b);
      sslb__buf_str(&b, "sha256/");
      sslb__base64(&b, md, sizeof md);
      out = take_str(&b);
    }
    gnutls_free(spki.data);
  }
  gnutls_pubkey_deinit(pk);
  return out;
}

static char *dn_string(gnutls_x509_crt_t crt, int issuer) {
  gnutls_datum_t d = {NULL, 0};
  int rc = issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &d, 0)
                  : gnutls_x509_crt_get_dn3(crt, &d, 0);
  if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
    return sslb__strdup("");
  if (rc < 0)
    return NULL;
  char *s = malloc(d.size + 1);
  if (s) {
    memcpy(s, d.data, d.size);
    s[d.size] = 0;
  }
  gnutls_free(d.data);
  return s;
}

static char *serial_hex(gnutls_x509_crt_t crt) {
  uint8_t s[64];
  size_t n = sizeof s;
  if (gnutls_x509_crt_get_serial(crt, s, &n) < 0)
    return NULL;
  size_t i = 0;
  while (i + 1 < n && s[i] == 0)
    i++;
  sslb__buf b;
  sslb__buf_init(&b);
  sslb__hex(&b, s + i, n - i, 0, 0);
  char *h = take_str(&b);
  if (h && h[0] == '0' && h[1])
    memmove(h, h + 1, strlen(h)); /* as Java's BigInteger.toString(16) */
  return h;
}

static const char *pk_name(int pk) {
  switch (pk) {
  case GNUTLS_PK_RSA:
    return "RSA";
  case GNUTLS_PK_RSA_PSS:
    return "RSASSA-PSS";
  case GNUTLS_PK_ECDSA:
    return "EC";
  case GNUTLS_PK_EDDSA_ED25519:
    return "Ed25519";
  case GNUTLS_PK_EDDSA_ED448:
    return "Ed448";
  case GNUTLS_PK_DSA:
    return "DSA";
  default:
    return "unknown";
  }
}

static int load_sans(sslb_certificate *c) {
  size_t cap = 0;
  for (unsigned i = 0;; i++) {
    uint8_t buf[1024];
    size_t n = sizeof buf - 1;
    unsigned crit;
    int t = gnutls_x509_crt_get_subject_alt_name2(c->crt, i, buf, &n, NULL,
                                                  &crit);
    if (t == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
      break;
    if (t == GNUTLS_E_SHORT_MEMORY_BUFFER)
      continue; /* absurdly long name: not listed */
    if (t < 0)
      break;
    if (c->nsan == cap) {
      size_t nc = cap ? cap * 2 : 4;
      if (nc > 4096)
        break;
      int *ty = realloc(c->san_type, nc * sizeof *ty);
      if (!ty)
        return SSLB_ERR_NO_MEMORY;
      c->san_type = ty;
      char **v = realloc(c->san_value, nc * sizeof *v);
      if (!v)
        return SSLB_ERR_NO_MEMORY;
      c->san_value = v;
      cap = nc;
    }
    char text[INET6_ADDRSTRLEN + 1];
    const char *val;
    int kind;
    switch (t) {
    case GNUTLS_SAN_DNSNAME:
      kind = SSLB_SAN_DNS;
      break;
    case GNUTLS_SAN_RFC822NAME:
      kind = SSLB_SAN_EMAIL;
      break;
    case GNUTLS_SAN_URI:
      kind = SSLB_SAN_URI;
      break;
    case GNUTLS_SAN_IPADDRESS:
      kind = SSLB_SAN_IP;
      break;
    default:
      kind = SSLB_SAN_OTHER;
    }
    if (kind == SSLB_SAN_IP) {
      if (!inet_ntop(n == 4 ? AF_INET : AF_INET6, buf, text, sizeof text) ||
          (n != 4 && n != 16))
        snprintf(text, sizeof text, "(invalid %zu-byte address)", n);
      val = text;
    } else if (kind == SSLB_SAN_OTHER) {
      val = "";
    } else {
      buf[n] = 0;
      val = (const char *)buf;
    }
    c->san_value[c->nsan] = sslb__strdup(val);
    if (!c->san_value[c->nsan])
      return SSLB_ERR_NO_MEMORY;
    c->san_type[c->nsan++] = kind;
  }
  return 0;
}

int sslb__cert_from_der(sslb_certificate **out, const uint8_t *der,
                        size_t len, sslb__err *err) {
  *out = NULL;
  if (len == 0 || len > 1024 * 1024)
    return sslb__fail(err, SSLB_ERR_CERTIFICATE,
                      "certificate of %zu bytes is not plausible", len);
  sslb_certificate *c = calloc(1, sizeof *c);
  if (!c)
    return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
  c->refs = 1;
  int rc = SSLB_ERR_NO_MEMORY;
  c->der = malloc(len);
  if (!c->der || gnutls_x509_crt_init(&c->crt) < 0)
    goto fail;
  memcpy(c->der, der, len);
  c->der_len = len;
  gnutls_datum_t d = {c->der, (unsigned)len};
  int g = gnutls_x509_crt_import(c->crt, &d, GNUTLS_X509_FMT_DER);
  if (g < 0) {
    rc = sslb__fail(err, SSLB_ERR_CERTIFICATE,
                    "certificate could not be parsed: %s", gnutls_strerror(g));
    goto fail;
  }
  c->subject = dn_string(c->crt, 0);
  c->issuer = dn_string(c->crt, 1);
  c->serial = serial_hex(c->crt);
  c->sha256 = fingerprint(c->crt, GNUTLS_DIG_SHA256);
  c->sha1 = fingerprint(c->crt, GNUTLS_DIG_SHA1);
  c->pin = spki_pin(c->crt);
  int sig = gnutls_x509_crt_get_signature_algorithm(c->crt);
  const char *sn = sig >= 0 ? gnutls_sign_get_name(sig) : NULL;
  c->sigalg = sslb__strdup(sn ? sn : "unknown");
  if (!c->subject || !c->issuer || !c->serial || !c->sha256 || !c->sha1 ||
      !c->sigalg) {
    rc = sslb__fail(err, SSLB_ERR_CERTIFICATE,
                    "certificate fields could not be read");
    goto fail;
  }
  if (!c->pin) {
    rc = sslb__fail(err, SSLB_ERR_CERTIFICATE,
                    "certificate public key could not be read");
    goto fail;
  }
  unsigned bits = 0;
  int pk = gnutls_x509_crt_get_pk_algorithm(c->crt, &bits);
  c->keyalg = pk_name(pk);
  c->key_bits = bits;
  unsigned ca = 0;
  c->is_ca = gnutls_x509_crt_get_basic_constraints(c->crt, NULL, &ca, NULL) >=
                 0 &&
             ca;
  c->not_before = (int64_t)gnutls_x509_crt_get_activation_time(c->crt);
  c->not_after = (int64_t)gnutls_x509_crt_get_expiration_time(c->crt);
  if (load_sans(c) < 0) {
    rc = sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
    goto fail;
  }
  *out = c;
  return 0;
fail:
  sslb_certificate_free(c);
  return rc == SSLB_ERR_NO_MEMORY ? sslb__fail(err, rc, "out of memory") : rc;
}

int sslb_certificate_new(sslb_certificate **out, const uint8_t *data,
                         size_t len) {
  if (!out)
    return SSLB_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (!data || !len)
    return SSLB_ERR_INVALID_ARGUMENT;
  const char *begin = "-----BEGIN CERTIFICATE-----";
  if (memmem(data, len, begin, strlen(begin))) {
    gnutls_datum_t in = {(unsigned char *)data, (unsigned)len}, der;
    if (len > UINT32_MAX ||
        gnutls_pem_base64_decode2("CERTIFICATE", &in, &der) < 0)
      return SSLB_ERR_CERTIFICATE;
    int rc = sslb__cert_from_der(out, der.data, der.size, NULL);
    gnutls_free(der.data);
    return rc;
  }
  return sslb__cert_from_der(out, data, len, NULL);
}

sslb_certificate *sslb_certificate_ref(sslb_certificate *c) {
  if (c)
    __atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
  return c;
}

void sslb_certificate_free(sslb_certificate *c) {
  if (!c || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) > 0)
    return;
  if (c->crt)
    gnutls_x509_crt_deinit(c->crt);
  free(c->der);
  free(c->subject);
  free(c->issuer);
  free(c->serial);
  free(c->sha256);
  free(c->sha1);
  free(c->pin);
  free(c->sigalg);
  for (size_t i = 0; i < c->nsan; i++)
    free(c->san_value[i]);
  free(c->san_value);
  free(c->san_type);
  free(c);
}

#define GETTER(name, field, dflt)                                              \
  const char *sslb_certificate_##name(const sslb_certificate *c) {             \
    return c ? c->field : dflt;                                                \
  }
GETTER(subject, subject, NULL)
GETTER(issuer, issuer, NULL)
GETTER(serial, serial, NULL)
GETTER(sha256_fingerprint, sha256, NULL)
GETTER(sha1_fingerprint, sha1, NULL)
GETTER(spki_pin, pin, NULL)
GETTER(key_algorithm, keyalg, NULL)
GETTER(signature_algorithm, sigalg, NULL)
#undef GETTER

int64_t sslb_certificate_not_before(const sslb_certificate *c) {
  return c ? c->not_before : -1;
}
int64_t sslb_certificate_not_after(const sslb_certificate *c) {
  return c ? c->not_after : -1;
}
unsigned sslb_certificate_key_bits(const sslb_certificate *c) {
  return c ? c->key_bits : 0;
}
int sslb_certificate_is_ca(const sslb_certificate *c) {
  return c ? c->is_ca : 0;
}
size_t sslb_certificate_san_count(const sslb_certificate *c) {
  return c ? c->nsan : 0;
}
int sslb_certificate_san_type(const sslb_certificate *c, size_t i) {
  return c && i < c->nsan ? c->san_type[i] : SSLB_ERR_INVALID_ARGUMENT;
}
const char *sslb_certificate_san_value(const sslb_certificate *c, size_t i) {
  return c && i < c->nsan ? c->san_value[i] : NULL;
}

int sslb_certificate_der(const sslb_certificate *c, const uint8_t **der,
                         size_t *len) {
  if (!c || !der || !len)
    return SSLB_ERR_INVALID_ARGUMENT;
  *der = c->der;
  *len = c->der_len;
  return 0;
}

int sslb_certificate_pem(const sslb_certificate *c, char **pem) {
  if (!c || !pem)
    return SSLB_ERR_INVALID_ARGUMENT;
  *pem = NULL;
  gnutls_datum_t d = {c->der, (unsigned)c->der_len}, out;
  if (gnutls_pem_base64_encode2("CERTIFICATE", &d, &out) < 0)
    return SSLB_ERR_NO_MEMORY;
  *pem = malloc(out.size + 1);
  if (*pem) {
    memcpy(*pem, out.data, out.size);
    (*pem)[out.size] = 0;
  }
  gnutls_free(out.data);
  return *pem ? 0 : SSLB_ERR_NO_MEMORY;
}

gnutls_x509_crt_t sslb__cert_crt(const sslb_certificate *c) { return c->crt; }

void sslb__cert_der(const sslb_certificate *c, const uint8_t **der,
                    size_t *len) {
  *der = c->der;
  *len = c->der_len;
}

int sslb__cert_issued_by(const sslb_certificate *child,
                         const sslb_certificate *parent) {
  /* Equal DER names give equal strings, so different strings rule a pair
   * out cheaply; GnuTLS's check (names and key identifiers) is slow enough
   * to matter against a system store of a few hundred anchors. */
  if (strcmp(child->issuer, parent->subject) != 0)
    return 0;
  return gnutls_x509_crt_check_issuer(child->crt, parent->crt) == 1;
}

int sslb__cert_self_issued(const sslb_certificate *c) {
  return gnutls_x509_crt_check_issuer(c->crt, c->crt) == 1;
}

size_t sslb__chain_order(sslb_certificate **certs, size_t n,
                         const sslb__key *key) {
  if (n == 0)
    return 0;
  size_t leaf = 0;
  if (key)
    for (size_t i = 0; i < n; i++)
      if (sslb__key_matches(key, certs[i])) {
        leaf = i;
        break;
      }
  sslb_certificate *t = certs[0];
  certs[0] = certs[leaf];
  certs[leaf] = t;
  size_t len = 1;
  while (len < n && !sslb__cert_self_issued(certs[len - 1])) {
    size_t found = n;
    for (size_t i = len; i < n; i++)
      if (sslb__cert_issued_by(certs[len - 1], certs[i])) {
        found = i;
        break;
      }
    if (found == n)
      break;
    t = certs[len];
    certs[len] = certs[found];
    certs[found] = t;
    len++;
  }
  for (size_t i = len; i < n; i++) {
    sslb_certificate_free(certs[i]);
    certs[i] = NULL;
  }
  return len;
}

/* ---- keys ---- */

int sslb__key_wrap(sslb__key **out, gnutls_x509_privkey_t k) {
  *out = malloc(sizeof **out);
  if (!*out) {
    gnutls_x509_privkey_deinit(k);
    return SSLB_ERR_NO_MEMORY;
  }
  (*out)->refs = 1;
  (*out)->k = k;
  return 0;
}

sslb__key *sslb__key_ref(sslb__key *k) {
  if (k)
    __atomic_add_fetch(&k->refs, 1, __ATOMIC_RELAXED);
  return k;
}

void sslb__key_unref(sslb__key *k) {
  if (!k || __atomic_sub_fetch(&k->refs, 1, __ATOMIC_ACQ_REL) > 0)
    return;
  gnutls_x509_privkey_deinit(k->k); /* GnuTLS wipes key material */
  free(k);
}

static int key_error(sslb__err *err, int g, int encrypted) {
  if (g == GNUTLS_E_DECRYPTION_FAILED ||
      (encrypted && (g == GNUTLS_E_ASN1_DER_ERROR ||
                     g == GNUTLS_E_ASN1_TAG_ERROR ||
                     g == GNUTLS_E_PK_INVALID_PRIVKEY)))
    return sslb__fail(err, SSLB_ERR_BAD_KEY_PASSWORD,
                      "the private key could not be decrypted: wrong key "
                      "password");
  if (g == GNUTLS_E_UNKNOWN_CIPHER_TYPE || g == GNUTLS_E_UNKNOWN_ALGORITHM ||
      g == GNUTLS_E_UNKNOWN_PK_ALGORITHM ||
      g == GNUTLS_E_UNKNOWN_HASH_ALGORITHM)
    return sslb__fail(err, SSLB_ERR_UNSUPPORTED,
                      "the private key uses an unsupported algorithm: %s",
                      gnutls_strerror(g));
  return sslb__fail(err, SSLB_ERR_PRIVATE_KEY,
                    "the private key could not be parsed: %s",
                    gnutls_strerror(g));
}

int sslb__key_from_encrypted_pkcs8(sslb__key **out, const uint8_t *der,
                                   size_t len, const char *password,
                                   sslb__err *err) {
  *out = NULL;
  gnutls_x509_privkey_t k;
  if (gnutls_x509_privkey_init(&k) < 0)
    return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
  gnutls_datum_t d = {(unsigned char *)der, (unsigned)len};
  int g = gnutls_x509_privkey_import_pkcs8(k, &d, GNUTLS_X509_FMT_DER,
                                           password ? password : "", 0);
  if (g < 0) {
    gnutls_x509_privkey_deinit(k);
    return key_error(err, g, 1);
  }
  return sslb__key_wrap(out, k) < 0
             ? sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory")
             : 0;
}

int sslb__key_import(sslb__key **out, const uint8_t *data, size_t len,
                     const char *password, sslb__err *err) {
  *out = NULL;
  if (len == 0 || len > 1024 * 1024)
    return sslb__fail(err, SSLB_ERR_PRIVATE_KEY, "no private key data");
  int pem = memmem(data, len, "-----BEGIN", 10) != NULL;
  int encrypted = pem ? (memmem(data, len, "ENCRYPTED", 9) != NULL) : 0;
  if (encrypted && !password)
    return sslb__fail(err, SSLB_ERR_PASSWORD_REQUIRED,
                      "the private key is encrypted and no password was "
                      "given");
  gnutls_x509_privkey_t k;
  if (gnutls_x509_privkey_init(&k) < 0)
    return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
  gnutls_datum_t d = {(unsigned char *)data, (unsigned)len};
  int g = gnutls_x509_privkey_import2(
      k, &d, pem ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER, password,
      password ? 0 : GNUTLS_PKCS_PLAIN);
  if (g < 0) {
    gnutls_x509_privkey_deinit(k);
    return key_error(err, g, encrypted || (!pem && password));
  }
  return sslb__key_wrap(out, k) < 0
             ? sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory")
             : 0;
}

int sslb__key_export_pkcs8(const sslb__key *k, const char *password, int pem,
                           sslb__buf *out) {
  gnutls_datum_t d;
  int g = gnutls_x509_privkey_export2_pkcs8(
      k->k, pem ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER, password,
      password ? GNUTLS_PKCS_PBES2_AES_256 : GNUTLS_PKCS_PLAIN, &d);
  if (g < 0)
    return SSLB_ERR_INTERNAL;
  sslb__buf_put(out, d.data, d.size);
  gnutls_memset(d.data, 0, d.size);
  gnutls_free(d.data);
  return sslb__buf_ok(out);
}

int sslb__key_matches(const sslb__key *k, const sslb_certificate *c) {
  uint8_t a[64], b[64];
  size_t na = sizeof a, nb = sizeof b;
  if (gnutls_x509_privkey_get_key_id(k->k, GNUTLS_KEYID_USE_SHA256, a, &na) <
          0 ||
      gnutls_x509_crt_get_key_id(c->crt, GNUTLS_KEYID_USE_SHA256, b, &nb) < 0)
    return 0;
  return na == nb && memcmp(a, b, na) == 0;
}

const char *sslb__key_algorithm(const sslb__key *k) {
  return pk_name(gnutls_x509_privkey_get_pk_algorithm(k->k));
}
