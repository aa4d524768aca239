/* Certificate generation: Ktor's buildKeyStore { certificate(alias) {...} }
 * with modern defaults (EC P-256 / RSA >= 2048, SHA-256). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keystore/ks.h"
#include "tls/crypto.h"
#include "tls/x509_internal.h"
#include "util/text.h"

#define MAX_NAMES 256

struct sslb_cert_spec {
  int type;
  int alg;
  unsigned rsa_bits;
  unsigned days;
  char *subject;
  char *password;
  char *domains[MAX_NAMES];
  size_t ndomains;
  uint8_t ips[MAX_NAMES][16];
  uint8_t ip_len[MAX_NAMES];
  size_t nips;
  sslb__key *issuer_key;
  sslb_certificate **issuer_chain;
  size_t issuer_chain_len;
  sslb__err err;
};

int sslb_cert_spec_new(sslb_cert_spec **out) {
  if (!out)
    return SSLB_ERR_INVALID_ARGUMENT;
  sslb_cert_spec *s = calloc(1, sizeof *s);
  if (!s || !(s->subject = sslb__strdup("CN=localhost"))) {
    free(s);
    *out = NULL;
    return SSLB_ERR_NO_MEMORY;
  }
  s->type = SSLB_KEY_TYPE_SERVER;
  s->alg = SSLB_KEY_ALG_EC_P256;
  s->rsa_bits = 2048;
  s->days = 3;
  *out = s;
  return 0;
}

static void drop_issuer(sslb_cert_spec *s) {
  sslb__key_unref(s->issuer_key);
  for (size_t i = 0; i < s->issuer_chain_len; i++)
    sslb_certificate_free(s->issuer_chain[i]);
  free(s->issuer_chain);
  s->issuer_key = NULL;
  s->issuer_chain = NULL;
  s->issuer_chain_len = 0;
}

void sslb_cert_spec_free(sslb_cert_spec *s) {
  if (!s)
    return;
  free(s->subject);
  sslb__free_secret(s->password);
  for (size_t i = 0; i < s->ndomains; i++)
    free(s->domains[i]);
  drop_issuer(s);
  free(s);
}

const char *sslb_cert_spec_last_error(const sslb_cert_spec *s) {
  return s ? s->err.msg : "spec handle is NULL";
}

int sslb_cert_spec_set_key_type(sslb_cert_spec *s, int type) {
  if (!s)
    return SSLB_ERR_INVALID_ARGUMENT;
  if (type < SSLB_KEY_TYPE_SERVER || type > SSLB_KEY_TYPE_CA)
    return sslb__fail(&s->err, SSLB_ERR_INVALID_ARGUMENT,
                      "key type %d is not Server (0), Client (1) or CA (2)",
                      type);
  s->type = type;
  return 0;
}

int sslb_cert_spec_set_key_algorithm(sslb_cert_spec *s, int alg) {
  if (!s)
    return SSLB_ERR_INVALID_ARGUMENT;
  if (alg < SSLB_KEY_ALG_EC_P256 || alg > SSLB_KEY_ALG_ED25519)
    return sslb__fail(&s->err, SSLB_ERR_INVALID_ARGUMENT,
                      "unknown key algorithm %d", alg);
  s->alg = alg;
  return 0;
}

int sslb_cert_spec_set_key_size(sslb_cert_spec *s, unsigned bits) {
  if (!s)
    return SSLB_ERR_INVALID_ARGUMENT;
  if (bits < 2048 || bits > 8192)
    return sslb__fail(&s->err, SSLB_ERR_INVALID_ARGUMENT,
                      "RSA key size %u is outside 2048..8192 (keys under "
                      "2048 bits are not safe)",
                      bits);
  s->rsa_bits = bits;
  return 0;
}

int sslb_cert_spec_set_subject(sslb_cert_spec *s, const char *dn) {
  if (!s)
    return SSLB_ERR_INVALID_ARGUMENT;
  if (!dn || !*dn || !sslb__utf8_valid(dn))
    return sslb__fail(&s->err, SSLB_ERR_INVALID_ARGUMENT,
                      "subject must be a non-empty UTF-8 DN");
  /* Validate now, so that a typo is reported where it was made. */
  gnutls_x509_crt_t crt;
  if (gnutls_x509_crt_init(&crt) < 0)
    return SSLB_ERR_NO_MEMORY;
  const char *bad = NULL;
  int g = gnutls_x509_crt_set_dn(crt, dn, &bad);
  gnutls_x509_crt_deinit(crt);
  if (g < 0)
    return sslb__fail(&s->err, SSLB_ERR_INVALID_ARGUMENT,
                      "subject '%s' is not a valid DN near '%.20s': %s", dn,
                      bad ? bad : "", gnutls_strerror(g));
  char *c = sslb__strdup(dn);
  if (!c)
    return SSLB_ERR_NO_MEMORY;
  free(s->subject);
  s->subject = c;
  return 0;
}

int sslb_cert_spec_add_domain(sslb_cert_spec *s, const char *domain) {
  if (!s)
    return SSLB_ERR_INVALID_ARGUMENT;
  if (!domain || !*domain || strlen(domain) > 253)
    return sslb__fail(&s->err, SSLB_ERR_INVALID_ARGUMENT,
                      "a domain must be 1 to 253 characters");
  for (const char *c = domain; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
          (*c >= '0' && *c <= '9') || *c == '-' || *c == '.' ||
          (*c == '*' && c == domain && c[1] == '.')))
      return sslb__fail(&s->err, SSLB_ERR_INVALID_ARGUMENT,
                        "'%s' is not a DNS name (use the A-label form of "
                        "internationalised names; '*' only as the whole "
                        "first label)",
                        domain);
  if (s->ndomains == MAX_NAMES)
    return sslb__fail(&s->err, SSLB_ERR_LIMIT, "at most %d domains",
                      MAX_NAMES);
  char *d = sslb__strdup(domain);
  if (!d)
    return SSLB_ERR_NO_MEMORY;
  s->domains[s->ndomains++] = d;
  return 0;
}

int sslb_cert_spec_add_ip_address(sslb_cert_spec *s, const char *ip) {
  if (!s)
    return SSLB_ERR_INVALID_ARGUMENT;
  if (!ip)
    return sslb__fail(&s->err, SSLB_ERR_INVALID_ARGUMENT, "ip is NULL");
  if (s->nips == MAX_NAMES)
    return sslb__fail(&s->err, SSLB_ERR_LIMIT, "at most %d IP addresses",
                      MAX_NAMES);
  if (inet_pton(AF_INET, ip, s->ips[s->nips]) == 1)
    s->ip_len[s->nips++] = 4;
  else if (inet_pton(AF_INET6, ip, s->ips[s->nips]) == 1)
    s->ip_len[s->nips++] = 16;
  else
    return sslb__fail(&s->err, SSLB_ERR_INVALID_ARGUMENT,
                      "'%s' is not an IPv4 or IPv6 address", ip);
  return 0;
}

int sslb_cert_spec_set_days_valid(sslb_cert_spec *s, unsigned days) {
  if (!s)
    return SSLB_ERR_INVALID_ARGUMENT;
  if (days < 1 || days > 36500)
    return sslb__fail(&s->err, SSLB_ERR_INVALID_ARGUMENT,
                      "days valid %u is outside 1..36500", days);
  s->days = days;
  return 0;
}

int sslb_cert_spec_set_password(sslb_cert_spec *s, const char *password) {
  if (!s)
    return SSLB_ERR_INVALID_ARGUMENT;
  char *p = NULL;
  if (password && !sslb__utf8_valid(password))
    return sslb__fail(&s->err, SSLB_ERR_INVALID_ARGUMENT,
                      "password is not valid UTF-8");
  if (password && !(p = sslb__strdup(password)))
    return SSLB_ERR_NO_MEMORY;
  sslb__free_secret(s->password);
  s->password = p;
  return 0;
}

int sslb_cert_spec_sign_with(sslb_cert_spec *s, sslb_keystore *issuer,
                             const char *alias, const char *key_password) {
  if (!s)
    return SSLB_ERR_INVALID_ARGUMENT;
  if (!issuer || !alias)
    return sslb__fail(&s->err, SSLB_ERR_INVALID_ARGUMENT,
                      "issuer store and alias are required");
  long i = sslb__entries_find(&issuer->e, alias);
  if (i < 0)
    return sslb__fail(&s->err, SSLB_ERR_NOT_FOUND,
                      "the issuer store has no entry '%s'", alias);
  sslb__entry *e = &issuer->e.v[i];
  if (e->kind != SSLB_ENTRY_PRIVATE_KEY)
    return sslb__fail(&s->err, SSLB_ERR_WRONG_ENTRY_KIND,
                      "issuer entry '%s' has no private key", alias);
  if (!e->key) {
    if (!key_password)
      return sslb__fail(&s->err, SSLB_ERR_KEY_LOCKED,
                        "issuer key '%s' is locked: give its key password",
                        alias);
    SSLB__GUARD(sslb__entry_unlock(e, key_password, &s->err));
  }
  sslb_certificate **chain = calloc(e->chain_len, sizeof *chain);
  if (!chain)
    return SSLB_ERR_NO_MEMORY;
  drop_issuer(s);
  for (size_t j = 0; j < e->chain_len; j++)
    chain[j] = sslb_certificate_ref(e->chain[j]);
  s->issuer_chain = chain;
  s->issuer_chain_len = e->chain_len;
  s->issuer_key = sslb__key_ref(e->key);
  return 0;
}

static int generate_key(const sslb_cert_spec *s, gnutls_x509_privkey_t *out) {
  gnutls_x509_privkey_t k;
  if (gnutls_x509_privkey_init(&k) < 0)
    return SSLB_ERR_NO_MEMORY;
  int g;
  switch (s->alg) {
  case SSLB_KEY_ALG_RSA:
    g = gnutls_x509_privkey_generate(k, GNUTLS_PK_RSA, s->rsa_bits, 0);
    break;
  case SSLB_KEY_ALG_EC_P384:
    g = gnutls_x509_privkey_generate(
        k, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1), 0);
    break;
  case SSLB_KEY_ALG_ED25519:
    g = gnutls_x509_privkey_generate(
        k, GNUTLS_PK_EDDSA_ED25519,
        GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519), 0);
    break;
  default:
    g = gnutls_x509_privkey_generate(
        k, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
  }
  if (g < 0) {
    gnutls_x509_privkey_deinit(k);
    return SSLB_ERR_INTERNAL;
  }
  *out = k;
  return 0;
}

#define G(expr)                                                                \
  do {                                                                         \
    int g_ = (expr);                                                           \
    if (g_ < 0) {                                                              \
      rc = sslb__fail(err, SSLB_ERR_INTERNAL, "%s: %s", #expr,                 \
                      gnutls_strerror(g_));                                    \
      goto out;                                                                \
    }                                                                          \
  } while (0)

static int make_cert(const sslb_cert_spec *s, gnutls_x509_privkey_t key,
                     sslb_certificate **out, sslb__err *err) {
  int rc = 0;
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t der = {NULL, 0};
  gnutls_x509_privkey_t signer =
      s->issuer_key ? s->issuer_key->k : key;
  /* EdDSA signs the whole message; the digest is implied */
  gnutls_digest_algorithm_t dig =
      gnutls_x509_privkey_get_pk_algorithm(signer) == GNUTLS_PK_EDDSA_ED25519
          ? GNUTLS_DIG_SHA512
          : GNUTLS_DIG_SHA256;
  G(gnutls_x509_crt_init(&crt));
  G(gnutls_x509_crt_set_version(crt, 3));
  uint8_t serial[16];
  if ((rc = sslb__random(serial, sizeof serial)) < 0)
    goto out;
  serial[0] &= 0x7f; /* positive */
  serial[0] |= 0x01; /* and 16 bytes long */
  G(gnutls_x509_crt_set_serial(crt, serial, sizeof serial));
  time_t now = time(NULL);
  /* a minute of slack for peers whose clocks run a little behind */
  G(gnutls_x509_crt_set_activation_time(crt, now - 60));
  G(gnutls_x509_crt_set_expiration_time(crt, now + (time_t)s->days * 86400));
  G(gnutls_x509_crt_set_dn(crt, s->subject, NULL));
  G(gnutls_x509_crt_set_key(crt, key));
  {
    uint8_t kid[64];
    size_t kn = sizeof kid;
    G(gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA1, kid, &kn));
    G(gnutls_x509_crt_set_subject_key_id(crt, kid, kn));
  }
  if (s->type == SSLB_KEY_TYPE_CA) {
    G(gnutls_x509_crt_set_basic_constraints(crt, 1, -1));
    G(gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_KEY_CERT_SIGN |
                                             GNUTLS_KEY_CRL_SIGN |
                                             GNUTLS_KEY_DIGITAL_SIGNATURE));
  } else {
    G(gnutls_x509_crt_set_basic_constraints(crt, 0, -1));
    unsigned ku = GNUTLS_KEY_DIGITAL_SIGNATURE;
    if (s->alg == SSLB_KEY_ALG_RSA)
      ku |= GNUTLS_KEY_KEY_ENCIPHERMENT;
    G(gnutls_x509_crt_set_key_usage(crt, ku));
    G(gnutls_x509_crt_set_key_purpose_oid(
        crt,
        s->type == SSLB_KEY_TYPE_SERVER ? GNUTLS_KP_TLS_WWW_SERVER
                                        : GNUTLS_KP_TLS_WWW_CLIENT,
        0));
  }
  int defaults = s->type == SSLB_KEY_TYPE_SERVER && !s->ndomains && !s->nips;
  if (defaults) {
    static const uint8_t v4[4] = {127, 0, 0, 1};
    static const uint8_t v6[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                   0, 0, 0, 0, 0, 0, 0, 1};
    G(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME,
                                           "localhost", 9, GNUTLS_FSAN_APPEND));
    G(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, v4, 4,
                                           GNUTLS_FSAN_APPEND));
    G(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, v6, 16,
                                           GNUTLS_FSAN_APPEND));
  }
  for (size_t i = 0; i < s->ndomains; i++)
    G(gnutls_x509_crt_set_subject_alt_name(
        crt, GNUTLS_SAN_DNSNAME, s->domains[i],
        (unsigned)strlen(s->domains[i]), GNUTLS_FSAN_APPEND));
  for (size_t i = 0; i < s->nips; i++)
    G(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS,
                                           s->ips[i], s->ip_len[i],
                                           GNUTLS_FSAN_APPEND));
  if (s->issuer_key) {
    gnutls_x509_crt_t icrt = sslb__cert_crt(s->issuer_chain[0]);
    uint8_t akid[64];
    size_t an = sizeof akid;
    unsigned crit;
    if (gnutls_x509_crt_get_subject_key_id(icrt, akid, &an, &crit) >= 0)
      G(gnutls_x509_crt_set_authority_key_id(crt, akid, an));
    gnutls_privkey_t pk;
    G(gnutls_privkey_init(&pk));
    int g = gnutls_privkey_import_x509(pk, signer, 0);
    if (g >= 0)
      g = gnutls_x509_crt_privkey_sign(crt, icrt, pk, dig, 0);
    gnutls_privkey_deinit(pk);
    G(g);
  } else {
    gnutls_privkey_t pk;
    G(gnutls_privkey_init(&pk));
    int g = gnutls_privkey_import_x509(pk, signer, 0);
    if (g >= 0)
      g = gnutls_x509_crt_privkey_sign(crt, crt, pk, dig, 0);
    gnutls_privkey_deinit(pk);
    G(g);
  }
  G(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der));
  rc = sslb__cert_from_der(out, der.data, der.size, err);
out:
  gnutls_free(der.data);
  if (crt)
    gnutls_x509_crt_deinit(crt);
  return rc;
}

int sslb_keystore_generate(sslb_keystore *ks, const char *alias,
                           const sslb_cert_spec *s) {
  if (!ks)
    return SSLB_ERR_INVALID_ARGUMENT;
  sslb__err_clear(&ks->err);
  if (!s)
    return sslb__fail(&ks->err, SSLB_ERR_INVALID_ARGUMENT, "spec is NULL");
  if (!alias || !*alias)
    return sslb__fail(&ks->err, SSLB_ERR_INVALID_ARGUMENT,
                      "alias must be a non-empty string");
  if (sslb__entries_find(&ks->e, alias) >= 0)
    return sslb__fail(&ks->err, SSLB_ERR_ALIAS_EXISTS,
                      "an entry '%s' already exists", alias);
  gnutls_x509_privkey_t k;
  if (generate_key(s, &k) < 0)
    return sslb__fail(&ks->err, SSLB_ERR_INTERNAL, "key generation failed");
  sslb__key *key;
  if (sslb__key_wrap(&key, k) < 0)
    return sslb__fail(&ks->err, SSLB_ERR_NO_MEMORY, "out of memory");
  sslb_certificate *cert = NULL;
  int rc = make_cert(s, key->k, &cert, &ks->err);
  if (rc == 0) {
    size_t n = 1 + s->issuer_chain_len;
    sslb_certificate **chain = calloc(n, sizeof *chain);
    if (!chain) {
      rc = sslb__fail(&ks->err, SSLB_ERR_NO_MEMORY, "out of memory");
    } else {
      chain[0] = cert;
      for (size_t i = 0; i < s->issuer_chain_len; i++)
        chain[i + 1] = s->issuer_chain[i];
      rc = sslb__keystore_add_key(ks, alias, key, chain, n, s->password);
      free(chain);
    }
  }
  sslb_certificate_free(cert);
  sslb__key_unref(key);
  return rc;
}

int sslb_generate_certificate(const char *path, int format, const char *alias,
                              const char *key_password,
                              const char *store_password,
                              const sslb_cert_spec *spec) {
  if (!path || !alias || !store_password)
    return SSLB_ERR_INVALID_ARGUMENT;
  sslb_cert_spec *dflt = NULL;
  if (!spec) {
    SSLB__GUARD(sslb_cert_spec_new(&dflt));
    spec = dflt;
  }
  sslb_keystore *ks;
  int rc = sslb_keystore_new(&ks);
  if (rc == 0)
    rc = sslb_keystore_generate(ks, alias, spec);
  if (rc == 0 && key_password)
    rc = sslb_keystore_set_key_password(ks, alias, key_password);
  if (rc == 0)
    rc = sslb_keystore_save_file(ks, path, format, store_password);
  sslb_keystore_free(ks);
  sslb_cert_spec_free(dflt);
  return rc;
}
