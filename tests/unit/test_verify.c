/* The certificate verifier (sslb_trust_manager_verify): a matrix of chains,
 * each case asserting the specific code and that the report names the host
 * and the certificate at fault. Chains come from the certificate builder;
 * what the builder refuses to make (CN-only, SHA-1, RSA-1024, name
 * constraints, raw SANs) is made here with GnuTLS directly. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "keystore/ks.h"
#include "support.h"
#include "tls/trust.h"
#include "tls/x509_internal.h"

#define DAY ((int64_t)86400)

/* ------------------------------------------------------------ helpers */

/* A compound-literal array and its length, for the helpers below. */
#define CERTS(...)                                                             \
  (sslb_certificate *[]){__VA_ARGS__},                                         \
      sizeof((sslb_certificate *[]){__VA_ARGS__}) / sizeof(sslb_certificate *)

/* Generates entry `alias` into ks with the builder: `type`, `subject`,
 * signed by entry `issuer` of the same store (NULL: self-signed), `days`
 * valid (0: the default), and `names`, a comma-separated list of SANs (IP
 * literals become IP SANs, "dns:" forces a DNS SAN; NULL: the defaults).
 * Returns a new reference to the generated certificate. */
static sslb_certificate *gen(sslb_keystore *ks, const char *alias, int type,
                             const char *subject, const char *issuer,
                             unsigned days, const char *names) {
  sslb_cert_spec *spec = NULL;
  cr_assert_eq(sslb_cert_spec_new(&spec), 0);
  cr_assert_eq(sslb_cert_spec_set_key_type(spec, type), 0);
  cr_assert_eq(sslb_cert_spec_set_subject(spec, subject), 0, "%s",
               sslb_cert_spec_last_error(spec));
  if (days)
    cr_assert_eq(sslb_cert_spec_set_days_valid(spec, days), 0);
  if (issuer)
    cr_assert_eq(sslb_cert_spec_sign_with(spec, ks, issuer, NULL), 0, "%s",
                 sslb_cert_spec_last_error(spec));
  if (names) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s", names);
    char *save = NULL;
    for (char *n = strtok_r(buf, ",", &save); n;
         n = strtok_r(NULL, ",", &save)) {
      uint8_t ip[16];
      if (strncmp(n, "dns:", 4) == 0)
        cr_assert_eq(sslb_cert_spec_add_domain(spec, n + 4), 0, "%s", n);
      else if (inet_pton(AF_INET, n, ip) == 1 ||
               inet_pton(AF_INET6, n, ip) == 1)
        cr_assert_eq(sslb_cert_spec_add_ip_address(spec, n), 0, "%s", n);
      else
        cr_assert_eq(sslb_cert_spec_add_domain(spec, n), 0, "%s", n);
    }
  }
  int rc = sslb_keystore_generate(ks, alias, spec);
  cr_assert_eq(rc, 0, "generate '%s': %s (%s)", alias, sslb_error_name(rc),
               sslb_keystore_last_error(ks));
  sslb_cert_spec_free(spec);
  sslb_certificate *c = NULL;
  size_t i = find_alias(ks, alias);
  cr_assert_eq(sslb_keystore_entry_certificate(ks, i, 0, &c), 0);
  return c;
}

static sslb_keystore *new_store(void) {
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  return ks;
}

/* A trust manager with exactly these anchors (no system store), verifying
 * at `when` (0: the clock). */
static sslb_trust_manager *tm_of(int64_t when, sslb_certificate *const *anchors,
                                 size_t n) {
  sslb_trust_builder *b = NULL;
  cr_assert_eq(sslb_trust_builder_new(&b), 0);
  cr_assert_eq(sslb_trust_builder_replace_defaults(b), 0);
  for (size_t i = 0; i < n; i++)
    cr_assert_eq(sslb_trust_builder_add_certificate(b, anchors[i]), 0);
  cr_assert_eq(sslb_trust_builder_set_time(b, when), 0);
  sslb_trust_manager *tm = NULL;
  int rc = sslb_trust_builder_build(b, &tm);
  cr_assert_eq(rc, 0, "build: %s (%s)", sslb_error_name(rc),
               sslb_trust_builder_last_error(b));
  cr_assert_not_null(tm);
  cr_assert_eq(sslb_trust_manager_anchor_count(tm), n);
  sslb_trust_builder_free(b);
  return tm;
}

/* Does [s, e) contain needle? */
static int span_has(const char *s, const char *e, const char *needle) {
  size_t n = strlen(needle);
  for (; s + n <= e; s++)
    if (memcmp(s, needle, n) == 0)
      return 1;
  return 0;
}

/* Verifies chain for host and asserts the code `want`, with and without a
 * report. The report must start with the host checked; on success it must
 * show the trusted path ending at `who` (the expected anchor); on failure
 * its result line must give the code's name and the subject of `who`, the
 * certificate at fault. */
static void expect_verify(sslb_trust_manager *tm,
                          sslb_certificate *const *chain, size_t n,
                          const char *host, int want,
                          const sslb_certificate *who) {
  cr_assert_eq(sslb_trust_manager_verify(tm, chain, n, host, NULL), want,
               "host '%s': want %s", host ? host : "(null)",
               sslb_error_name(want));
  char *report = (char *)"sentinel";
  int rc = sslb_trust_manager_verify(tm, chain, n, host, &report);
  cr_assert_eq(rc, want, "host '%s': got %s, want %s\n%s",
               host ? host : "(null)", sslb_error_name(rc),
               sslb_error_name(want), report ? report : "(no report)");
  cr_assert_not_null(report);
  char line[512];
  snprintf(line, sizeof line, "host: %s\n", host ? host : "(not checked)");
  cr_expect_eq(strncmp(report, line, strlen(line)), 0,
               "report does not start with '%s':\n%s", line, report);
  const char *subject = who ? sslb_certificate_subject(who) : NULL;
  if (want == 0) {
    cr_expect_not_null(strstr(report, "result: trusted\n"), "%s", report);
    const char *path = strstr(report, "trusted path:\n");
    cr_expect_not_null(path, "%s", report);
    if (path && subject) {
      snprintf(line, sizeof line, "  %s  (anchor)\n", subject);
      cr_expect_not_null(strstr(path, line), "anchor '%s' not in:\n%s",
                         subject, report);
    }
  } else {
    snprintf(line, sizeof line, "result: %s: ", sslb_error_name(want));
    const char *res = strstr(report, line);
    cr_expect_not_null(res, "no '%s' in:\n%s", line, report);
    cr_expect_null(strstr(report, "trusted path:"), "%s", report);
    if (res && subject) {
      const char *eol = strchr(res, '\n');
      cr_expect(span_has(res, eol ? eol : res + strlen(res), subject),
                "the result line does not name '%s':\n%s", subject, report);
    }
  }
  sslb_free(report);
}

/* A chain of leaf + issuers straight from entry `alias` (leaf first). */
static size_t entry_chain(sslb_keystore *ks, const char *alias,
                          sslb_certificate **out, size_t cap) {
  size_t i = find_alias(ks, alias);
  size_t n = sslb_keystore_entry_chain_length(ks, i);
  cr_assert_leq(n, cap);
  for (size_t j = 0; j < n; j++)
    cr_assert_eq(sslb_keystore_entry_certificate(ks, i, j, &out[j]), 0);
  return n;
}

static void free_certs(sslb_certificate **v, size_t n) {
  for (size_t i = 0; i < n; i++)
    sslb_certificate_free(v[i]);
}

/* ---- certificates made with GnuTLS directly ---- */

typedef struct {
  gnutls_x509_privkey_t key;
  gnutls_x509_crt_t crt;
  sslb_certificate *cert;
  int borrowed; /* key and crt belong to a keystore entry */
} gcert;

typedef struct {
  const char *dn;
  unsigned rsa_bits;             /* 0: EC P-256 */
  gnutls_x509_privkey_t same_key; /* copy this key instead of generating */
  int ca;
  const char *eku;               /* NULL: no EKU extension */
  const char *dns;               /* comma-separated DNS SANs; NULL: none */
  const char *raw_dns;           /* one DNS SAN of raw_dns_len bytes */
  size_t raw_dns_len;
  const char *ip;                /* one IP SAN */
  gnutls_digest_algorithm_t dig; /* 0: SHA-256 */
  const char *excluded;          /* excluded DNS subtree (CA only) */
  const char *permitted;         /* permitted DNS subtree (CA only) */
  int no_akid;
  int pathlen1;                  /* pathLenConstraint + 1; 0: none */
  int san_type;                  /* one more SAN of this GnuTLS type, */
  const char *san;               /* written as given */
  int excluded_type;             /* one more excluded subtree: a GnuTLS */
  const char *excluded_other;    /* SAN type and its value (IP: a/n) */
  const char *x_oid;             /* one more extension, DER as given */
  const char *x_der;
  unsigned x_len;
  int x_crit;
  const char *rdn_oid;           /* one more subject attribute, DER as */
  const char *rdn_der;           /* given (tag, length, value) */
  unsigned rdn_len;
  int64_t nb, na;                /* validity from/to now + these; 0: the
                                    default (now - 60 s, now + 30 days) */
  int unknown_critical;          /* a critical extension nobody knows */
} gspec;

static gnutls_privkey_t abstract_key(gnutls_x509_privkey_t k) {
  gnutls_privkey_t pk;
  cr_assert_geq(gnutls_privkey_init(&pk), 0);
  cr_assert_geq(gnutls_privkey_import_x509(pk, k, 0), 0);
  return pk;
}

/* Makes a certificate valid from now - 60 s for 30 days, signed by issuer
 * (NULL: self-signed). */
static gcert gmake(const gspec *s, const gcert *issuer) {
  gcert g = {0};
  cr_assert_geq(gnutls_x509_privkey_init(&g.key), 0);
  if (s->same_key)
    cr_assert_geq(gnutls_x509_privkey_cpy(g.key, s->same_key), 0);
  else if (s->rsa_bits)
    cr_assert_geq(gnutls_x509_privkey_generate(g.key, GNUTLS_PK_RSA,
                                               s->rsa_bits, 0),
                  0);
  else
    cr_assert_geq(gnutls_x509_privkey_generate(
                      g.key, GNUTLS_PK_ECDSA,
                      GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
                  0);
  gnutls_x509_crt_t crt;
  cr_assert_geq(gnutls_x509_crt_init(&crt), 0);
  cr_assert_geq(gnutls_x509_crt_set_version(crt, 3), 0);
  uint8_t serial[12];
  cr_assert_geq(gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial), 0);
  serial[0] = (uint8_t)((serial[0] & 0x3f) | 0x10);
  cr_assert_geq(gnutls_x509_crt_set_serial(crt, serial, sizeof serial), 0);
  time_t now = time(NULL);
  cr_assert_geq(gnutls_x509_crt_set_activation_time(
                    crt, s->nb ? now + s->nb : now - 60),
                0);
  cr_assert_geq(gnutls_x509_crt_set_expiration_time(
                    crt, s->na ? now + s->na : now + 30 * DAY),
                0);
  const char *bad = NULL;
  cr_assert_geq(gnutls_x509_crt_set_dn(crt, s->dn, &bad), 0, "dn '%s'", s->dn);
  if (s->rdn_oid)
    cr_assert_geq(gnutls_x509_crt_set_dn_by_oid(crt, s->rdn_oid, 1, s->rdn_der,
                                                s->rdn_len),
                  0);
  if (s->x_oid)
    cr_assert_geq(gnutls_x509_crt_set_extension_by_oid(crt, s->x_oid, s->x_der,
                                                       s->x_len, s->x_crit),
                  0);
  cr_assert_geq(gnutls_x509_crt_set_key(crt, g.key), 0);
  uint8_t kid[64];
  size_t kn = sizeof kid;
  cr_assert_geq(
      gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA1, kid, &kn), 0);
  cr_assert_geq(gnutls_x509_crt_set_subject_key_id(crt, kid, kn), 0);
  cr_assert_geq(
      gnutls_x509_crt_set_basic_constraints(crt, s->ca, s->pathlen1 - 1), 0);
  if (s->unknown_critical)
    cr_assert_geq(gnutls_x509_crt_set_extension_by_oid(
                      crt, "1.3.6.1.4.1.55555.1", "\x05\x00", 2, 1),
                  0);
  unsigned ku = s->ca ? GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN |
                            GNUTLS_KEY_DIGITAL_SIGNATURE
                      : GNUTLS_KEY_DIGITAL_SIGNATURE;
  if (s->rsa_bits && !s->ca)
    ku |= GNUTLS_KEY_KEY_ENCIPHERMENT;
  cr_assert_geq(gnutls_x509_crt_set_key_usage(crt, ku), 0);
  if (s->eku)
    cr_assert_geq(gnutls_x509_crt_set_key_purpose_oid(crt, s->eku, 0), 0);
  if (s->dns) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s->dns);
    char *save = NULL;
    for (char *n = strtok_r(buf, ",", &save); n; n = strtok_r(NULL, ",", &save))
      cr_assert_geq(gnutls_x509_crt_set_subject_alt_name(
                        crt, GNUTLS_SAN_DNSNAME, n, (unsigned)strlen(n),
                        GNUTLS_FSAN_APPEND),
                    0, "SAN '%s'", n);
  }
  if (s->raw_dns) {
    /* GnuTLS's SAN setter stops at a NUL: encode the extension by hand,
     * SEQUENCE { [2] IA5String } */
    uint8_t ext[128];
    cr_assert_lt(s->raw_dns_len, 100);
    ext[0] = 0x30;
    ext[1] = (uint8_t)(s->raw_dns_len + 2);
    ext[2] = 0x82;
    ext[3] = (uint8_t)s->raw_dns_len;
    memcpy(ext + 4, s->raw_dns, s->raw_dns_len);
    cr_assert_geq(gnutls_x509_crt_set_extension_by_oid(
                      crt, "2.5.29.17", ext, s->raw_dns_len + 4, 0),
                  0);
  }
  if (s->ip) {
    uint8_t ip[16];
    unsigned len = inet_pton(AF_INET, s->ip, ip) == 1 ? 4 : 16;
    cr_assert(len == 4 || inet_pton(AF_INET6, s->ip, ip) == 1);
    cr_assert_geq(gnutls_x509_crt_set_subject_alt_name(
                      crt, GNUTLS_SAN_IPADDRESS, ip, len, GNUTLS_FSAN_APPEND),
                  0);
  }
  if (s->san)
    cr_assert_geq(gnutls_x509_crt_set_subject_alt_name(
                      crt, s->san_type, s->san, (unsigned)strlen(s->san),
                      GNUTLS_FSAN_APPEND),
                  0);
  if (s->excluded || s->permitted || s->excluded_other) {
    gnutls_x509_name_constraints_t nc;
    cr_assert_geq(gnutls_x509_name_constraints_init(&nc), 0);
    if (s->excluded_other) {
      uint8_t net[32] = {0};
      gnutls_datum_t d = {(unsigned char *)s->excluded_other,
                          (unsigned)strlen(s->excluded_other)};
      if (s->excluded_type == GNUTLS_SAN_IPADDRESS) {
        char a[64];
        unsigned bits;
        cr_assert_eq(sscanf(s->excluded_other, "%63[^/]/%u", a, &bits), 2);
        unsigned n = inet_pton(AF_INET, a, net) == 1 ? 4 : 16;
        cr_assert(n == 4 || inet_pton(AF_INET6, a, net) == 1);
        for (unsigned i = 0; i < bits; i++)
          net[n + i / 8] |= (uint8_t)(0x80 >> (i % 8));
        d.data = net;
        d.size = 2 * n;
      }
      cr_assert_geq(gnutls_x509_name_constraints_add_excluded(
                        nc, s->excluded_type, &d),
                    0);
    }
    if (s->excluded) {
      gnutls_datum_t d = {(unsigned char *)s->excluded,
                          (unsigned)strlen(s->excluded)};
      cr_assert_geq(
          gnutls_x509_name_constraints_add_excluded(nc, GNUTLS_SAN_DNSNAME, &d),
          0);
    }
    if (s->permitted) {
      gnutls_datum_t d = {(unsigned char *)s->permitted,
                          (unsigned)strlen(s->permitted)};
      cr_assert_geq(gnutls_x509_name_constraints_add_permitted(
                        nc, GNUTLS_SAN_DNSNAME, &d),
                    0);
    }
    cr_assert_geq(gnutls_x509_crt_set_name_constraints(crt, nc, 1), 0);
    gnutls_x509_name_constraints_deinit(nc);
  }
  gnutls_x509_privkey_t signer = issuer ? issuer->key : g.key;
  if (issuer && !s->no_akid) {
    uint8_t akid[64];
    size_t an = sizeof akid;
    unsigned crit;
    if (gnutls_x509_crt_get_subject_key_id(issuer->crt, akid, &an, &crit) >= 0)
      cr_assert_geq(gnutls_x509_crt_set_authority_key_id(crt, akid, an), 0);
  }
  gnutls_privkey_t pk = abstract_key(signer);
  int rc = gnutls_x509_crt_privkey_sign(crt, issuer ? issuer->crt : crt, pk,
                                        s->dig ? s->dig : GNUTLS_DIG_SHA256, 0);
  cr_assert_geq(rc, 0, "signing '%s': %s", s->dn, gnutls_strerror(rc));
  gnutls_privkey_deinit(pk);
  gnutls_datum_t der;
  cr_assert_geq(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der), 0);
  int r = sslb_certificate_new(&g.cert, der.data, der.size);
  cr_assert_eq(r, 0, "sslb_certificate_new: %s", sslb_error_name(r));
  gnutls_free(der.data);
  g.crt = crt;
  return g;
}

/* The key and certificate of a builder-made entry, to sign with GnuTLS. */
static gcert gborrow(sslb_keystore *ks, const char *alias) {
  const sslb__entry *e = &ks->e.v[find_alias(ks, alias)];
  cr_assert_not_null(e->key);
  gcert g = {e->key->k, sslb__cert_crt(e->chain[0]),
             sslb_certificate_ref(e->chain[0]), 1};
  return g;
}

static void gfree(gcert *g) {
  sslb_certificate_free(g->cert);
  if (!g->borrowed) {
    gnutls_x509_crt_deinit(g->crt);
    gnutls_x509_privkey_deinit(g->key);
  }
  memset(g, 0, sizeof *g);
}

/* A CRL by issuer listing `revoked` (NULL: none), DER or PEM; `stale`: its
 * nextUpdate has passed; `unnumbered`: a version 2 CRL without the CRL
 * number RFC 5280 requires. */
static blob make_crl_at(const gcert *issuer, const sslb_certificate *revoked,
                        int pem, int stale, int unnumbered) {
  gnutls_x509_crl_t crl;
  cr_assert_geq(gnutls_x509_crl_init(&crl), 0);
  cr_assert_geq(gnutls_x509_crl_set_version(crl, 2), 0);
  time_t now = time(NULL);
  time_t this_update = stale ? now - 2 * DAY : now - 60;
  time_t next_update = stale ? now - DAY : now + 7 * DAY;
  cr_assert_geq(gnutls_x509_crl_set_this_update(crl, this_update), 0);
  cr_assert_geq(gnutls_x509_crl_set_next_update(crl, next_update), 0);
  if (!unnumbered)
    cr_assert_geq(gnutls_x509_crl_set_number(crl, "\x01", 1), 0);
  if (revoked) {
    uint8_t serial[64];
    size_t n = sizeof serial;
    cr_assert_geq(
        gnutls_x509_crt_get_serial(sslb__cert_crt(revoked), serial, &n), 0);
    cr_assert_geq(gnutls_x509_crl_set_crt_serial(crl, serial, n, now - 30), 0);
  }
  uint8_t akid[64];
  size_t an = sizeof akid;
  unsigned crit;
  if (gnutls_x509_crt_get_subject_key_id(issuer->crt, akid, &an, &crit) >= 0)
    cr_assert_geq(gnutls_x509_crl_set_authority_key_id(crl, akid, an), 0);
  gnutls_privkey_t pk = abstract_key(issuer->key);
  cr_assert_geq(gnutls_x509_crl_privkey_sign(crl, issuer->crt, pk,
                                             GNUTLS_DIG_SHA256, 0),
                0);
  gnutls_privkey_deinit(pk);
  gnutls_datum_t d;
  cr_assert_geq(gnutls_x509_crl_export2(
                    crl, pem ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER, &d),
                0);
  blob b = blob_copy(d.data, d.size);
  gnutls_free(d.data);
  gnutls_x509_crl_deinit(crl);
  return b;
}

static blob make_crl(const gcert *issuer, const sslb_certificate *revoked,
                     int pem) {
  return make_crl_at(issuer, revoked, pem, 0, 0);
}

/* Root CA -> intermediate CA -> leaf for localhost, all by the builder. */
typedef struct {
  sslb_keystore *ks;
  sslb_certificate *root, *inter, *leaf;
} pki;

static pki make_pki(const char *tag) {
  char subject[128];
  pki p = {new_store(), NULL, NULL, NULL};
  snprintf(subject, sizeof subject, "CN=%s Root CA,O=sslbind tests", tag);
  p.root = gen(p.ks, "root", SSLB_KEY_TYPE_CA, subject, NULL, 365, NULL);
  snprintf(subject, sizeof subject, "CN=%s Intermediate CA,O=sslbind tests",
           tag);
  p.inter = gen(p.ks, "inter", SSLB_KEY_TYPE_CA, subject, "root", 365, NULL);
  snprintf(subject, sizeof subject, "CN=localhost,OU=%s leaf", tag);
  p.leaf = gen(p.ks, "leaf", SSLB_KEY_TYPE_SERVER, subject, "inter", 30, NULL);
  return p;
}

static void free_pki(pki *p) {
  sslb_certificate_free(p->leaf);
  sslb_certificate_free(p->inter);
  sslb_certificate_free(p->root);
  sslb_keystore_free(p->ks);
}

/* ------------------------------------------------------------ chains */

Test(verify, valid_chain_root_intermediate_leaf) {
  pki p = make_pki("Valid");
  sslb_trust_manager *tm = tm_of(0, CERTS(p.root));
  expect_verify(tm, CERTS(p.leaf, p.inter), "localhost", 0, p.root);
  expect_verify(tm, CERTS(p.leaf, p.inter), "127.0.0.1", 0, p.root);
  expect_verify(tm, CERTS(p.leaf, p.inter), "::1", 0, p.root);
  /* the root may be presented too */
  expect_verify(tm, CERTS(p.leaf, p.inter, p.root), "localhost", 0, p.root);

  /* the report lists the presented chain and the path, leaf first */
  char *report = NULL;
  cr_assert_eq(sslb_trust_manager_verify(tm, CERTS(p.leaf, p.inter),
                                         "localhost", &report),
               0);
  const char *path = strstr(report, "trusted path:\n");
  cr_assert_not_null(path, "%s", report);
  const char *l = strstr(path, sslb_certificate_subject(p.leaf));
  const char *i = strstr(path, sslb_certificate_subject(p.inter));
  const char *r = strstr(path, sslb_certificate_subject(p.root));
  cr_expect(l && i && r && l < i && i < r, "path out of order:\n%s", report);
  cr_expect_not_null(strstr(report, "DNS:localhost, IP:127.0.0.1, IP:::1"),
                     "%s", report);
  cr_expect_not_null(strstr(report, sslb_certificate_spki_pin(p.leaf)));
  sslb_free(report);
  sslb_trust_manager_free(tm);
  free_pki(&p);
}

Test(verify, chain_from_the_keystore_entry) {
  pki p = make_pki("Entry");
  sslb_certificate *chain[8];
  size_t n = entry_chain(p.ks, "leaf", chain, 8);
  cr_assert_eq(n, 3, "leaf, intermediate, root");
  sslb_trust_manager *tm = tm_of(0, CERTS(p.root));
  expect_verify(tm, chain, n, "localhost", 0, p.root);
  sslb_trust_manager_free(tm);
  free_certs(chain, n);
  free_pki(&p);
}

Test(verify, missing_intermediate_is_unknown_issuer) {
  pki p = make_pki("Missing");
  sslb_trust_manager *tm = tm_of(0, CERTS(p.root));
  expect_verify(tm, CERTS(p.leaf), "localhost", SSLB_ERR_CERT_UNKNOWN_ISSUER,
                p.leaf);
  /* the report names the issuer that could not be found */
  char *report = NULL;
  sslb_trust_manager_verify(tm, CERTS(p.leaf), "localhost", &report);
  cr_assert_not_null(report);
  cr_expect_not_null(strstr(report, sslb_certificate_subject(p.inter)), "%s",
                     report);
  sslb_free(report);
  sslb_trust_manager_free(tm);
  free_pki(&p);
}

Test(verify, intermediate_as_anchor_is_enough) {
  pki p = make_pki("Partial");
  sslb_trust_manager *tm = tm_of(0, CERTS(p.inter));
  expect_verify(tm, CERTS(p.leaf, p.inter), "localhost", 0, p.inter);
  expect_verify(tm, CERTS(p.leaf), "localhost", 0, p.inter);
  sslb_trust_manager_free(tm);
  free_pki(&p);
}

Test(verify, intermediates_in_any_order_and_extra_certificates) {
  sslb_keystore *ks = new_store();
  sslb_certificate *root =
      gen(ks, "root", SSLB_KEY_TYPE_CA, "CN=Order Root", NULL, 365, NULL);
  sslb_certificate *i1 =
      gen(ks, "i1", SSLB_KEY_TYPE_CA, "CN=Order CA 1", "root", 365, NULL);
  sslb_certificate *i2 =
      gen(ks, "i2", SSLB_KEY_TYPE_CA, "CN=Order CA 2", "i1", 365, NULL);
  sslb_certificate *leaf =
      gen(ks, "leaf", SSLB_KEY_TYPE_SERVER, "CN=order leaf", "i2", 30, NULL);
  sslb_certificate *other =
      gen(ks, "other", SSLB_KEY_TYPE_CA, "CN=Unrelated CA", NULL, 365, NULL);
  sslb_certificate *other_leaf = gen(ks, "other-leaf", SSLB_KEY_TYPE_SERVER,
                                     "CN=unrelated leaf", "other", 30, NULL);
  sslb_trust_manager *tm = tm_of(0, CERTS(root));
  expect_verify(tm, CERTS(leaf, i2, i1), "localhost", 0, root);
  expect_verify(tm, CERTS(leaf, i1, i2), "localhost", 0, root);
  expect_verify(tm, CERTS(leaf, i1, root, i2), "localhost", 0, root);
  expect_verify(tm, CERTS(leaf, other, i2, i1), "localhost", 0, root);
  expect_verify(tm, CERTS(leaf, i1, other_leaf, other, i2), "localhost", 0,
                root);
  /* the same certificate twice changes nothing */
  expect_verify(tm, CERTS(leaf, i2, i2, i1, i1), "localhost", 0, root);
  /* only unrelated extras: the path is broken */
  expect_verify(tm, CERTS(leaf, i1, other), "localhost",
                SSLB_ERR_CERT_UNKNOWN_ISSUER, leaf);
  sslb_trust_manager_free(tm);
  sslb_certificate *all[] = {root, i1, i2, leaf, other, other_leaf};
  free_certs(all, 6);
  sslb_keystore_free(ks);
}

/* Two intermediates with the same name and key identifier gap: the first
 * presented one does not verify the leaf's signature; the search must go
 * on to the second. */
Test(verify, every_path_is_tried) {
  gspec rs = {.dn = "CN=Paths Root", .ca = 1};
  gcert root = gmake(&rs, NULL);
  gspec is = {.dn = "CN=Paths Intermediate", .ca = 1};
  gcert good = gmake(&is, &root);
  gcert decoy = gmake(&is, &root); /* same name, other key */
  gspec ls = {.dn = "CN=paths leaf", .eku = GNUTLS_KP_TLS_WWW_SERVER,
              .dns = "localhost", .no_akid = 1};
  gcert leaf = gmake(&ls, &good);
  sslb_trust_manager *tm = tm_of(0, CERTS(root.cert));
  expect_verify(tm, CERTS(leaf.cert, decoy.cert, good.cert), "localhost", 0,
                root.cert);
  expect_verify(tm, CERTS(leaf.cert, good.cert, decoy.cert), "localhost", 0,
                root.cert);
  /* with only the decoy, the one path fails on its signature */
  expect_verify(tm, CERTS(leaf.cert, decoy.cert), "localhost",
                SSLB_ERR_CERT_INVALID, NULL);
  sslb_trust_manager_free(tm);
  gfree(&leaf);
  gfree(&decoy);
  gfree(&good);
  gfree(&root);
}

/* The classic cross-signed intermediate: one key, two certificates, one
 * from an old root and one from a new root, and a leaf under it. */
typedef struct {
  gcert old_root, new_root, by_old, by_new, leaf;
} cross_pki;

static cross_pki make_cross(const char *tag) {
  char o[64], n[64], i[64], l[64];
  snprintf(o, sizeof o, "CN=%sOld Root", tag);
  snprintf(n, sizeof n, "CN=%sNew Root", tag);
  snprintf(i, sizeof i, "CN=%sCross Intermediate", tag);
  snprintf(l, sizeof l, "CN=%scross leaf", tag);
  cross_pki x;
  gspec old_s = {.dn = o, .ca = 1};
  gspec new_s = {.dn = n, .ca = 1};
  x.old_root = gmake(&old_s, NULL);
  x.new_root = gmake(&new_s, NULL);
  gspec is = {.dn = i, .ca = 1};
  x.by_old = gmake(&is, &x.old_root);
  is.same_key = x.by_old.key;
  x.by_new = gmake(&is, &x.new_root);
  gspec ls = {.dn = l, .eku = GNUTLS_KP_TLS_WWW_SERVER, .dns = "localhost"};
  x.leaf = gmake(&ls, &x.by_old);
  return x;
}

static void free_cross(cross_pki *x) {
  gfree(&x->leaf);
  gfree(&x->by_new);
  gfree(&x->by_old);
  gfree(&x->new_root);
  gfree(&x->old_root);
}

Test(verify, cross_signed_intermediate) {
  cross_pki x = make_cross("");
  sslb_trust_manager *tm = tm_of(0, CERTS(x.new_root.cert));
  expect_verify(tm, CERTS(x.leaf.cert, x.by_old.cert, x.old_root.cert, x.by_new.cert),
                "localhost", 0, x.new_root.cert);
  sslb_trust_manager_free(tm);
  tm = tm_of(0, CERTS(x.old_root.cert));
  expect_verify(tm, CERTS(x.leaf.cert, x.by_new.cert, x.by_old.cert), "localhost", 0,
                x.old_root.cert);
  sslb_trust_manager_free(tm);
  free_cross(&x);
}

/* A hostile chain: many intermediates named X (issued by Y) and Y (issued
 * by X), without key identifiers, so that every one looks like the issuer
 * of half the others. The search must stay bounded. */
Test(verify, path_search_is_bounded, .timeout = 15) {
  gspec xs = {.dn = "CN=Loop X", .ca = 1}, ys = {.dn = "CN=Loop Y", .ca = 1};
  gcert kx = gmake(&xs, NULL), ky = gmake(&ys, NULL);
  enum { NX = 7, NY = 8 };
  gcert loop[NX + NY];
  sslb_certificate *chain[1 + NX + NY];
  xs.no_akid = ys.no_akid = 1;
  xs.same_key = kx.key;
  ys.same_key = ky.key;
  for (int i = 0; i < NX + NY; i++) {
    loop[i] = i < NX ? gmake(&xs, &ky) : gmake(&ys, &kx);
    chain[1 + i] = loop[i].cert;
  }
  gspec ls = {.dn = "CN=loop leaf", .eku = GNUTLS_KP_TLS_WWW_SERVER,
              .dns = "localhost", .no_akid = 1};
  gcert leaf = gmake(&ls, &kx);
  chain[0] = leaf.cert;
  gspec os = {.dn = "CN=Loop Unrelated Root", .ca = 1};
  gcert other = gmake(&os, NULL);
  sslb_trust_manager *tm = tm_of(0, CERTS(other.cert));
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  cr_expect_eq(sslb_trust_manager_verify(tm, chain, 1 + NX + NY, "localhost",
                                         NULL),
               SSLB_ERR_CERT_UNKNOWN_ISSUER);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs =
      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  /* unbounded, this search takes over ten seconds */
  cr_expect_lt(secs, 3.0, "took %.2f s", secs);
  /* (the cost of a step grows with the number of anchors: GnuTLS's issuer
   * check takes microseconds per anchor, so the bound matters most with
   * the system store) */
  sslb_trust_manager_free(tm);
  gfree(&other);
  gfree(&leaf);
  for (int i = 0; i < NX + NY; i++)
    gfree(&loop[i]);
  gfree(&ky);
  gfree(&kx);
}

/* ------------------------------------------------------------ time */

Test(verify, expired_and_not_yet_valid) {
  const unsigned N = 30;
  sslb_keystore *ks = new_store();
  sslb_certificate *root =
      gen(ks, "root", SSLB_KEY_TYPE_CA, "CN=Time Root", NULL, N, NULL);
  sslb_certificate *leaf =
      gen(ks, "leaf", SSLB_KEY_TYPE_SERVER, "CN=time leaf", "root", N, NULL);
  int64_t now = (int64_t)time(NULL);

  sslb_trust_manager *tm = tm_of(now + (N + 10) * DAY, CERTS(root));
  expect_verify(tm, CERTS(leaf), "localhost", SSLB_ERR_CERT_EXPIRED, leaf);
  sslb_trust_manager_free(tm);

  tm = tm_of(now - 10 * DAY, CERTS(root));
  expect_verify(tm, CERTS(leaf), "localhost", SSLB_ERR_CERT_NOT_YET_VALID,
                leaf);
  sslb_trust_manager_free(tm);

  /* inside the validity: fine, at a fixed time and by the clock */
  tm = tm_of(now + (N - 1) * DAY, CERTS(root));
  expect_verify(tm, CERTS(leaf), "localhost", 0, root);
  sslb_trust_manager_free(tm);
  tm = tm_of(0, CERTS(root));
  expect_verify(tm, CERTS(leaf), "localhost", 0, root);
  sslb_trust_manager_free(tm);

  /* an expiry date of the CA's own (the report names the CA) */
  sslb_certificate *short_ca =
      gen(ks, "short", SSLB_KEY_TYPE_CA, "CN=Short CA", "root", 2, NULL);
  sslb_certificate *leaf2 =
      gen(ks, "leaf2", SSLB_KEY_TYPE_SERVER, "CN=time leaf 2", "short", N,
          NULL);
  tm = tm_of(now + 5 * DAY, CERTS(root));
  expect_verify(tm, CERTS(leaf2, short_ca), "localhost", SSLB_ERR_CERT_EXPIRED,
                short_ca);
  sslb_trust_manager_free(tm);
  /* an expired anchor counts as well */
  tm = tm_of(now + 5 * DAY, CERTS(short_ca));
  expect_verify(tm, CERTS(leaf2), "localhost", SSLB_ERR_CERT_EXPIRED, short_ca);
  sslb_trust_manager_free(tm);

  sslb_certificate *all[] = {root, leaf, short_ca, leaf2};
  free_certs(all, 4);
  sslb_keystore_free(ks);
}

/* ------------------------------------------------------------ names */

Test(verify, dns_names) {
  sslb_keystore *ks = new_store();
  sslb_certificate *root =
      gen(ks, "root", SSLB_KEY_TYPE_CA, "CN=Names Root", NULL, 30, NULL);
  sslb_certificate *leaf = gen(ks, "leaf", SSLB_KEY_TYPE_SERVER,
                               "CN=www.example.com", "root", 30,
                               "www.example.com,api.example.com");
  sslb_trust_manager *tm = tm_of(0, CERTS(root));
  expect_verify(tm, CERTS(leaf), "www.example.com", 0, root);
  expect_verify(tm, CERTS(leaf), "api.example.com", 0, root);
  expect_verify(tm, CERTS(leaf), "WWW.Example.COM", 0, root);
  expect_verify(tm, CERTS(leaf), "www.example.com.", 0, root);
  expect_verify(tm, CERTS(leaf), "example.com", SSLB_ERR_CERT_HOSTNAME_MISMATCH,
                leaf);
  expect_verify(tm, CERTS(leaf), "wrong.example.com",
                SSLB_ERR_CERT_HOSTNAME_MISMATCH, leaf);
  expect_verify(tm, CERTS(leaf), "www.example.com.evil.org",
                SSLB_ERR_CERT_HOSTNAME_MISMATCH, leaf);
  expect_verify(tm, CERTS(leaf), "www.example.com..",
                SSLB_ERR_CERT_HOSTNAME_MISMATCH, leaf);
  expect_verify(tm, CERTS(leaf), "localhost", SSLB_ERR_CERT_HOSTNAME_MISMATCH,
                leaf);
  /* the report names the host that was asked for */
  char *report = NULL;
  sslb_trust_manager_verify(tm, CERTS(leaf), "wrong.example.com", &report);
  cr_assert_not_null(report);
  cr_expect_not_null(strstr(report, "'wrong.example.com' is not among"), "%s",
                     report);
  sslb_free(report);
  sslb_trust_manager_free(tm);
  sslb_certificate_free(leaf);
  sslb_certificate_free(root);
  sslb_keystore_free(ks);
}

Test(verify, ip_addresses) {
  sslb_keystore *ks = new_store();
  sslb_certificate *root =
      gen(ks, "root", SSLB_KEY_TYPE_CA, "CN=IP Root", NULL, 30, NULL);
  sslb_certificate *v4 =
      gen(ks, "v4", SSLB_KEY_TYPE_SERVER, "CN=v4 leaf", "root", 30,
          "127.0.0.1");
  sslb_certificate *v6 =
      gen(ks, "v6", SSLB_KEY_TYPE_SERVER, "CN=v6 leaf", "root", 30, "::1");
  sslb_trust_manager *tm = tm_of(0, CERTS(root));
  expect_verify(tm, CERTS(v4), "127.0.0.1", 0, root);
  expect_verify(tm, CERTS(v4), "127.0.0.2", SSLB_ERR_CERT_HOSTNAME_MISMATCH,
                v4);
  expect_verify(tm, CERTS(v4), "::ffff:127.0.0.1",
                SSLB_ERR_CERT_HOSTNAME_MISMATCH, v4);
  expect_verify(tm, CERTS(v4), "::1", SSLB_ERR_CERT_HOSTNAME_MISMATCH, v4);
  expect_verify(tm, CERTS(v6), "::1", 0, root);
  expect_verify(tm, CERTS(v6), "[::1]", 0, root);
  expect_verify(tm, CERTS(v6), "0:0:0:0:0:0:0:1", 0, root);
  expect_verify(tm, CERTS(v6), "0000:0000::0001", 0, root);
  expect_verify(tm, CERTS(v6), "::2", SSLB_ERR_CERT_HOSTNAME_MISMATCH, v6);
  expect_verify(tm, CERTS(v6), "[::2]", SSLB_ERR_CERT_HOSTNAME_MISMATCH, v6);
  expect_verify(tm, CERTS(v6), "127.0.0.1", SSLB_ERR_CERT_HOSTNAME_MISMATCH,
                v6);
  sslb_trust_manager_free(tm);
  sslb_certificate *all[] = {root, v4, v6};
  free_certs(all, 3);
  sslb_keystore_free(ks);
}

Test(verify, dns_and_ip_sans_never_cross) {
  sslb_keystore *ks = new_store();
  sslb_certificate *root =
      gen(ks, "root", SSLB_KEY_TYPE_CA, "CN=Cross Root", NULL, 30, NULL);
  /* a DNS SAN that reads like an address */
  sslb_certificate *dns = gen(ks, "dns", SSLB_KEY_TYPE_SERVER, "CN=127.0.0.1",
                              "root", 30, "dns:127.0.0.1,dns:localhost");
  /* IP SANs only, subject CN localhost */
  sslb_certificate *ip = gen(ks, "ip", SSLB_KEY_TYPE_SERVER, "CN=localhost",
                             "root", 30, "127.0.0.1,::1");
  sslb_trust_manager *tm = tm_of(0, CERTS(root));
  expect_verify(tm, CERTS(dns), "localhost", 0, root);
  expect_verify(tm, CERTS(dns), "127.0.0.1", SSLB_ERR_CERT_HOSTNAME_MISMATCH,
                dns);
  expect_verify(tm, CERTS(ip), "127.0.0.1", 0, root);
  expect_verify(tm, CERTS(ip), "localhost", SSLB_ERR_CERT_HOSTNAME_MISMATCH,
                ip);
  sslb_trust_manager_free(tm);
  sslb_certificate *all[] = {root, dns, ip};
  free_certs(all, 3);
  sslb_keystore_free(ks);
}

Test(verify, subject_cn_is_never_consulted) {
  gspec cs = {.dn = "CN=CN-only Root", .ca = 1};
  gcert ca = gmake(&cs, NULL);
  gspec ls = {.dn = "CN=localhost", .eku = GNUTLS_KP_TLS_WWW_SERVER};
  gcert cn_only = gmake(&ls, &ca);
  cr_assert_eq(sslb_certificate_san_count(cn_only.cert), 0);
  ls.dns = "localhost";
  gcert with_san = gmake(&ls, &ca);
  sslb_trust_manager *tm = tm_of(0, CERTS(ca.cert));
  expect_verify(tm, CERTS(cn_only.cert), "localhost",
                SSLB_ERR_CERT_HOSTNAME_MISMATCH, cn_only.cert);
  expect_verify(tm, CERTS(with_san.cert), "localhost", 0, ca.cert);
  sslb_trust_manager_free(tm);
  /* trusted as itself, self-signed: the CN still does not count */
  ls.dns = NULL;
  gcert self = gmake(&ls, NULL);
  tm = tm_of(0, CERTS(self.cert));
  expect_verify(tm, CERTS(self.cert), "localhost",
                SSLB_ERR_CERT_HOSTNAME_MISMATCH, self.cert);
  expect_verify(tm, CERTS(self.cert), NULL, 0, self.cert);
  sslb_trust_manager_free(tm);
  gfree(&self);
  gfree(&with_san);
  gfree(&cn_only);
  gfree(&ca);
}

/* A DNS SAN with an embedded NUL ("localhost\0.evil.example") must not
 * pass for "localhost". */
Test(verify, san_with_embedded_nul) {
  gspec cs = {.dn = "CN=NUL Root", .ca = 1};
  gcert ca = gmake(&cs, NULL);
  static const char raw[] = "localhost\0.evil.example";
  gspec ls = {.dn = "CN=nul leaf", .eku = GNUTLS_KP_TLS_WWW_SERVER,
              .raw_dns = raw, .raw_dns_len = sizeof raw - 1};
  gcert leaf = gmake(&ls, &ca);
  cr_assert_eq(sslb__host_matches(leaf.cert, "localhost"), 0);
  sslb_trust_manager *tm = tm_of(0, CERTS(ca.cert));
  expect_verify(tm, CERTS(leaf.cert), "localhost",
                SSLB_ERR_CERT_HOSTNAME_MISMATCH, leaf.cert);
  sslb_trust_manager_free(tm);
  gfree(&leaf);
  gfree(&ca);
}

/* DNS names may be 253 characters; a SAN longer than a label must match. */
Test(verify, long_dns_names) {
  char name[254];
  /* 4 labels of 62 characters and "com": 4 * 63 + 3 = 255 > 253, so 3 */
  snprintf(name, sizeof name, "%.62s.%.62s.%.62s.example.com",
           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
           "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
           "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc");
  cr_assert_gt(strlen(name), 190);
  char wild[256];
  snprintf(wild, sizeof wild, "*.%s", strchr(name, '.') + 1);
  gspec ss = {.dn = "CN=long names", .eku = GNUTLS_KP_TLS_WWW_SERVER,
              .dns = name};
  gcert exact = gmake(&ss, NULL);
  ss.dns = wild;
  gcert wildcard = gmake(&ss, NULL);
  cr_expect_eq(sslb__host_matches(exact.cert, name), 1, "%s", name);
  cr_expect_eq(sslb__host_matches(wildcard.cert, name), 1, "%s", wild);
  cr_expect_eq(sslb__host_matches(exact.cert, "a.example.com"), 0);
  sslb_trust_manager *tm = tm_of(0, CERTS(exact.cert));
  expect_verify(tm, CERTS(exact.cert), name, 0, exact.cert);
  sslb_trust_manager_free(tm);
  /* an over-long host name matches nothing and does not crash */
  char huge[600];
  memset(huge, 'a', sizeof huge - 1);
  huge[sizeof huge - 1] = 0;
  cr_expect_eq(sslb__host_matches(exact.cert, huge), 0);
  gfree(&wildcard);
  gfree(&exact);
}

/* ------------------------------------------------------------ wildcards */

/* sslb__host_matches on a self-signed certificate carrying `pattern`. */
static int wild_matches(const char *pattern, const char *host) {
  gspec s = {.dn = "CN=wildcard", .eku = GNUTLS_KP_TLS_WWW_SERVER,
             .dns = pattern};
  gcert g = gmake(&s, NULL);
  int m = sslb__host_matches(g.cert, host);
  gfree(&g);
  return m;
}

Test(verify, wildcard_rules) {
  cr_expect_eq(wild_matches("*.example.com", "a.example.com"), 1);
  cr_expect_eq(wild_matches("*.example.com", "A.EXAMPLE.COM"), 1);
  cr_expect_eq(wild_matches("*.example.com", "a.example.com."), 1);
  cr_expect_eq(wild_matches("*.EXAMPLE.com", "a.example.com"), 1);
  cr_expect_eq(wild_matches("*.example.com", "example.com"), 0);
  cr_expect_eq(wild_matches("*.example.com", "a.b.example.com"), 0);
  cr_expect_eq(wild_matches("*.example.com", ".example.com"), 0);
  cr_expect_eq(wild_matches("*.example.com", "a.example.org"), 0);
  cr_expect_eq(wild_matches("*.example.com", "*.example.com"), 0);
  cr_expect_eq(wild_matches("*.example.com", "aexample.com"), 0);
  cr_expect_eq(wild_matches("*.com", "example.com"), 0);
  cr_expect_eq(wild_matches("*.com", "a.com"), 0);
  cr_expect_eq(wild_matches("f*.example.com", "foo.example.com"), 0);
  cr_expect_eq(wild_matches("f*.example.com", "f.example.com"), 0);
  cr_expect_eq(wild_matches("*o.example.com", "foo.example.com"), 0);
  cr_expect_eq(wild_matches("a.*.example.com", "a.b.example.com"), 0);
  cr_expect_eq(wild_matches("*.*.example.com", "a.b.example.com"), 0);
  cr_expect_eq(wild_matches("*", "localhost"), 0);
  cr_expect_eq(wild_matches("*.", "localhost"), 0);
  cr_expect_eq(wild_matches("*.example.com", "127.0.0.1"), 0);
}

Test(verify, wildcard_in_a_chain) {
  sslb_keystore *ks = new_store();
  sslb_certificate *root =
      gen(ks, "root", SSLB_KEY_TYPE_CA, "CN=Wildcard Root", NULL, 30, NULL);
  sslb_certificate *leaf = gen(ks, "leaf", SSLB_KEY_TYPE_SERVER,
                               "CN=*.example.com", "root", 30, "*.example.com");
  sslb_trust_manager *tm = tm_of(0, CERTS(root));
  expect_verify(tm, CERTS(leaf), "a.example.com", 0, root);
  expect_verify(tm, CERTS(leaf), "example.com", SSLB_ERR_CERT_HOSTNAME_MISMATCH,
                leaf);
  expect_verify(tm, CERTS(leaf), "a.b.example.com",
                SSLB_ERR_CERT_HOSTNAME_MISMATCH, leaf);
  sslb_trust_manager_free(tm);
  sslb_certificate_free(leaf);
  sslb_certificate_free(root);
  sslb_keystore_free(ks);
}

/* ----------------------------------------------------- name constraints */

Test(verify, excluded_subtree_against_a_wildcard) {
  gspec cs = {.dn = "CN=Constrained CA", .ca = 1,
              .excluded = "bad.example.com"};
  gcert ca = gmake(&cs, NULL);
  gspec ls = {.dn = "CN=*.example.com", .eku = GNUTLS_KP_TLS_WWW_SERVER,
              .dns = "*.example.com"};
  gcert leaf = gmake(&ls, &ca);
  sslb_trust_manager *tm = tm_of(0, CERTS(ca.cert));
  expect_verify(tm, CERTS(leaf.cert), "ok.example.com", 0, ca.cert);
  expect_verify(tm, CERTS(leaf.cert), "bad.example.com",
                SSLB_ERR_CERT_NAME_CONSTRAINTS, ca.cert);
  expect_verify(tm, CERTS(leaf.cert), "BAD.Example.com",
                SSLB_ERR_CERT_NAME_CONSTRAINTS, ca.cert);
  expect_verify(tm, CERTS(leaf.cert), "bad.example.com.",
                SSLB_ERR_CERT_NAME_CONSTRAINTS, ca.cert);
  sslb_trust_manager_free(tm);
  gfree(&leaf);
  gfree(&ca);
}

Test(verify, excluded_subtree_on_an_intermediate) {
  gspec rs = {.dn = "CN=NC Root", .ca = 1};
  gcert root = gmake(&rs, NULL);
  gspec cs = {.dn = "CN=NC Intermediate", .ca = 1,
              .excluded = "bad.example.com"};
  gcert ca = gmake(&cs, &root);
  gspec ls = {.dn = "CN=nc leaf", .eku = GNUTLS_KP_TLS_WWW_SERVER,
              .dns = "*.example.com"};
  gcert leaf = gmake(&ls, &ca);
  sslb_trust_manager *tm = tm_of(0, CERTS(root.cert));
  expect_verify(tm, CERTS(leaf.cert, ca.cert), "ok.example.com", 0, root.cert);
  expect_verify(tm, CERTS(leaf.cert, ca.cert), "bad.example.com",
                SSLB_ERR_CERT_NAME_CONSTRAINTS, ca.cert);
  sslb_trust_manager_free(tm);
  gfree(&leaf);
  gfree(&ca);
  gfree(&root);
}

/* A SAN inside an excluded subtree makes the leaf invalid whatever the
 * host; when the host itself is the excluded name, that is the more
 * specific failure. */
Test(verify, san_inside_an_excluded_subtree) {
  gspec cs = {.dn = "CN=Excluding CA", .ca = 1, .excluded = "bad.example.com"};
  gcert ca = gmake(&cs, NULL);
  gspec ls = {.dn = "CN=excluded san leaf", .eku = GNUTLS_KP_TLS_WWW_SERVER,
              .dns = "ok.example.com,bad.example.com"};
  gcert leaf = gmake(&ls, &ca);
  sslb_trust_manager *tm = tm_of(0, CERTS(ca.cert));
  /* the leaf's other SAN is excluded: the certificate is refused whatever
   * name is asked for */
  expect_verify(tm, CERTS(leaf.cert), "ok.example.com",
                SSLB_ERR_CERT_NAME_CONSTRAINTS, ca.cert);
  expect_verify(tm, CERTS(leaf.cert), "bad.example.com",
                SSLB_ERR_CERT_NAME_CONSTRAINTS, ca.cert);
  sslb_trust_manager_free(tm);
  gfree(&leaf);
  gfree(&ca);
}

Test(verify, permitted_subtree) {
  gspec cs = {.dn = "CN=Permitted CA", .ca = 1, .permitted = "example.com"};
  gcert ca = gmake(&cs, NULL);
  gspec ls = {.dn = "CN=permitted leaf", .eku = GNUTLS_KP_TLS_WWW_SERVER,
              .dns = "www.example.com"};
  gcert inside = gmake(&ls, &ca);
  sslb_trust_manager *tm = tm_of(0, CERTS(ca.cert));
  expect_verify(tm, CERTS(inside.cert), "www.example.com", 0, ca.cert);
  sslb_trust_manager_free(tm);
  gfree(&inside);
  gfree(&ca);
}

/* ------------------------------------------------------------ trust */

Test(verify, self_signed_untrusted_then_trusted) {
  /* Ktor's buildKeyStore { certificate("sampleAlias") {...} } */
  sslb_keystore *ks = generated_store("sampleAlias", SSLB_KEY_TYPE_SERVER,
                                      SSLB_KEY_ALG_EC_P256);
  sslb_certificate *cert = NULL;
  cr_assert_eq(sslb_keystore_entry_certificate(ks, 0, 0, &cert), 0);
  sslb_keystore *other = new_store();
  sslb_certificate *other_ca =
      gen(other, "ca", SSLB_KEY_TYPE_CA, "CN=Some Other CA", NULL, 30, NULL);

  sslb_trust_manager *tm = tm_of(0, CERTS(other_ca));
  expect_verify(tm, CERTS(cert), "localhost", SSLB_ERR_CERT_SELF_SIGNED, cert);
  sslb_trust_manager_free(tm);
  tm = tm_of(0, NULL, 0);
  expect_verify(tm, CERTS(cert), "localhost", SSLB_ERR_CERT_SELF_SIGNED, cert);
  sslb_trust_manager_free(tm);

  /* trusted through the same keystore, as Ktor's client does */
  sslb_trust_builder *b = NULL;
  cr_assert_eq(sslb_trust_builder_new(&b), 0);
  cr_assert_eq(sslb_trust_builder_replace_defaults(b), 0);
  cr_assert_eq(sslb_trust_builder_add_keystore(b, ks), 0);
  cr_assert_eq(sslb_trust_builder_build(b, &tm), 0);
  sslb_trust_builder_free(b);
  cr_assert_eq(sslb_trust_manager_anchor_count(tm), 1);
  expect_verify(tm, CERTS(cert), "localhost", 0, cert);
  expect_verify(tm, CERTS(cert), "127.0.0.1", 0, cert);
  expect_verify(tm, CERTS(cert), "::1", 0, cert);
  expect_verify(tm, CERTS(cert), "example.com", SSLB_ERR_CERT_HOSTNAME_MISMATCH,
                cert);
  sslb_trust_manager_free(tm);

  sslb_certificate_free(other_ca);
  sslb_certificate_free(cert);
  sslb_keystore_free(other);
  sslb_keystore_free(ks);
}

Test(verify, unknown_ca) {
  sslb_keystore *ks = new_store();
  sslb_certificate *trusted =
      gen(ks, "trusted", SSLB_KEY_TYPE_CA, "CN=Trusted Root", NULL, 30, NULL);
  sslb_certificate *stranger =
      gen(ks, "stranger", SSLB_KEY_TYPE_CA, "CN=Stranger Root", NULL, 30, NULL);
  sslb_certificate *leaf = gen(ks, "leaf", SSLB_KEY_TYPE_SERVER,
                               "CN=stranger leaf", "stranger", 30, NULL);
  sslb_trust_manager *tm = tm_of(0, CERTS(trusted));
  expect_verify(tm, CERTS(leaf), "localhost", SSLB_ERR_CERT_UNKNOWN_ISSUER,
                leaf);
  expect_verify(tm, CERTS(leaf, stranger), "localhost",
                SSLB_ERR_CERT_UNKNOWN_ISSUER, leaf);
  sslb_trust_manager_free(tm);
  sslb_certificate *all[] = {trusted, stranger, leaf};
  free_certs(all, 3);
  sslb_keystore_free(ks);
}

/* A stranger CA that copies the trusted CA's name (no key identifiers to
 * tell them apart) is still a stranger: its leaf must not verify. */
Test(verify, unknown_ca_with_a_trusted_name) {
  gspec cs = {.dn = "CN=Famous Root", .ca = 1};
  gcert real = gmake(&cs, NULL);
  gcert fake = gmake(&cs, NULL);
  gspec ls = {.dn = "CN=impostor", .eku = GNUTLS_KP_TLS_WWW_SERVER,
              .dns = "localhost", .no_akid = 1};
  gcert leaf = gmake(&ls, &fake);
  sslb_trust_manager *tm = tm_of(0, CERTS(real.cert));
  expect_verify(tm, CERTS(leaf.cert), "localhost", SSLB_ERR_CERT_INVALID,
                NULL);
  expect_verify(tm, CERTS(leaf.cert, fake.cert), "localhost",
                SSLB_ERR_CERT_INVALID, NULL);
  sslb_trust_manager_free(tm);
  gfree(&leaf);
  gfree(&fake);
  gfree(&real);
}

/* ------------------------------------------------------------ algorithms */

Test(verify, sha1_signed_leaf) {
  gspec cs = {.dn = "CN=SHA-1 Test Root", .ca = 1};
  gcert ca = gmake(&cs, NULL);
  gspec ls = {.dn = "CN=sha1 leaf", .eku = GNUTLS_KP_TLS_WWW_SERVER,
              .dns = "localhost", .dig = GNUTLS_DIG_SHA1};
  gcert leaf = gmake(&ls, &ca);
  cr_assert_str_eq(sslb_certificate_signature_algorithm(leaf.cert),
                   "ECDSA-SHA1");
  sslb_trust_manager *tm = tm_of(0, CERTS(ca.cert));
  expect_verify(tm, CERTS(leaf.cert), "localhost",
                SSLB_ERR_CERT_INSECURE_ALGORITHM, leaf.cert);
  sslb_trust_manager_free(tm);
  /* a SHA-1 self-signature on an anchor is irrelevant: nobody checks it */
  cs.dig = GNUTLS_DIG_SHA1;
  gcert old_root = gmake(&cs, NULL);
  ls.dig = 0;
  gcert leaf2 = gmake(&ls, &old_root);
  tm = tm_of(0, CERTS(old_root.cert));
  expect_verify(tm, CERTS(leaf2.cert), "localhost", 0, old_root.cert);
  sslb_trust_manager_free(tm);
  gfree(&leaf2);
  gfree(&old_root);
  gfree(&leaf);
  gfree(&ca);
}

Test(verify, rsa_1024_is_a_weak_key) {
  gspec cs = {.dn = "CN=Weak Key Root", .ca = 1};
  gcert ca = gmake(&cs, NULL);
  gspec ls = {.dn = "CN=rsa1024 leaf", .eku = GNUTLS_KP_TLS_WWW_SERVER,
              .dns = "localhost", .rsa_bits = 1024};
  gcert leaf = gmake(&ls, &ca);
  cr_assert_str_eq(sslb_certificate_key_algorithm(leaf.cert), "RSA");
  cr_assert_eq(sslb_certificate_key_bits(leaf.cert), 1024);
  sslb_trust_manager *tm = tm_of(0, CERTS(ca.cert));
  expect_verify(tm, CERTS(leaf.cert), "localhost", SSLB_ERR_CERT_WEAK_KEY,
                leaf.cert);
  sslb_trust_manager_free(tm);
  /* trusting the weak certificate directly does not help */
  tm = tm_of(0, CERTS(leaf.cert));
  expect_verify(tm, CERTS(leaf.cert), "localhost", SSLB_ERR_CERT_WEAK_KEY,
                leaf.cert);
  sslb_trust_manager_free(tm);
  gfree(&leaf);
  gfree(&ca);
}

/* ------------------------------------------------- purpose and CA flags */

Test(verify, client_certificate_is_not_for_servers) {
  sslb_keystore *ks = new_store();
  sslb_certificate *root =
      gen(ks, "root", SSLB_KEY_TYPE_CA, "CN=Purpose Root", NULL, 30, NULL);
  sslb_certificate *client = gen(ks, "client", SSLB_KEY_TYPE_CLIENT,
                                 "CN=localhost,OU=client", "root", 30,
                                 "localhost");
  sslb_trust_manager *tm = tm_of(0, CERTS(root));
  expect_verify(tm, CERTS(client), "localhost", SSLB_ERR_CERT_PURPOSE, client);
  sslb_trust_manager_free(tm);
  /* trusted as itself, a client certificate is still no server's */
  sslb_certificate *self = gen(ks, "self", SSLB_KEY_TYPE_CLIENT,
                               "CN=self client", NULL, 30, "localhost");
  tm = tm_of(0, CERTS(self));
  expect_verify(tm, CERTS(self), "localhost", SSLB_ERR_CERT_PURPOSE, self);
  sslb_trust_manager_free(tm);
  sslb_certificate *all[] = {root, client, self};
  free_certs(all, 3);
  sslb_keystore_free(ks);
}

Test(verify, no_eku_allows_any_purpose) {
  gspec cs = {.dn = "CN=No EKU Root", .ca = 1};
  gcert ca = gmake(&cs, NULL);
  gspec ls = {.dn = "CN=no eku leaf", .dns = "localhost"};
  gcert leaf = gmake(&ls, &ca);
  sslb_trust_manager *tm = tm_of(0, CERTS(ca.cert));
  expect_verify(tm, CERTS(leaf.cert), "localhost", 0, ca.cert);
  sslb_trust_manager_free(tm);
  gfree(&leaf);
  gfree(&ca);
}

Test(verify, leaf_that_is_a_ca) {
  sslb_keystore *ks = new_store();
  sslb_certificate *root =
      gen(ks, "root", SSLB_KEY_TYPE_CA, "CN=CA-flag Root", NULL, 30, NULL);
  sslb_certificate *ca_leaf = gen(ks, "caleaf", SSLB_KEY_TYPE_CA,
                                  "CN=localhost,OU=ca leaf", "root", 30,
                                  "localhost");
  cr_assert_eq(sslb_certificate_is_ca(ca_leaf), 1);
  sslb_trust_manager *tm = tm_of(0, CERTS(root));
  expect_verify(tm, CERTS(ca_leaf), "localhost", SSLB_ERR_CERT_INVALID,
                ca_leaf);
  sslb_trust_manager_free(tm);
  /* openssl req -x509 style: self-signed CA:TRUE trusted as itself */
  sslb_certificate *self = gen(ks, "self", SSLB_KEY_TYPE_CA,
                               "CN=localhost,OU=self ca", NULL, 30,
                               "localhost");
  cr_assert_eq(sslb_certificate_is_ca(self), 1);
  tm = tm_of(0, CERTS(self));
  expect_verify(tm, CERTS(self), "localhost", 0, self);
  sslb_trust_manager_free(tm);
  /* an end-entity certificate cannot issue: its leaf is invalid */
  sslb_certificate *ee =
      gen(ks, "ee", SSLB_KEY_TYPE_SERVER, "CN=End Entity", "root", 30, NULL);
  sslb_certificate *below =
      gen(ks, "below", SSLB_KEY_TYPE_SERVER, "CN=below ee", "ee", 30, NULL);
  tm = tm_of(0, CERTS(root));
  expect_verify(tm, CERTS(below, ee), "localhost", SSLB_ERR_CERT_INVALID, NULL);
  sslb_trust_manager_free(tm);
  sslb_certificate *all[] = {root, ca_leaf, self, ee, below};
  free_certs(all, 5);
  sslb_keystore_free(ks);
}

/* ------------------------------------------------------------ revocation */

Test(verify, revoked_by_a_crl) {
  pki p = make_pki("CRL");
  gcert inter = gborrow(p.ks, "inter");
  gcert root = gborrow(p.ks, "root");
  blob crl_leaf = make_crl(&inter, p.leaf, 0);
  blob crl_none = make_crl(&inter, NULL, 1);
  blob crl_inter = make_crl(&root, p.inter, 1);

  sslb_trust_builder *b = NULL;
  cr_assert_eq(sslb_trust_builder_new(&b), 0);
  cr_assert_eq(sslb_trust_builder_replace_defaults(b), 0);
  cr_assert_eq(sslb_trust_builder_add_certificate(b, p.root), 0);
  cr_assert_eq(sslb_trust_builder_add_crl(b, crl_none.p, crl_none.len), 0);
  sslb_trust_manager *clean = NULL, *revoked = NULL, *ca_revoked = NULL;
  cr_assert_eq(sslb_trust_builder_build(b, &clean), 0);
  cr_assert_eq(sslb_trust_builder_add_crl(b, crl_leaf.p, crl_leaf.len), 0);
  cr_assert_eq(sslb_trust_builder_build(b, &revoked), 0);
  sslb_trust_builder_free(b);

  cr_assert_eq(sslb_trust_builder_new(&b), 0);
  cr_assert_eq(sslb_trust_builder_replace_defaults(b), 0);
  cr_assert_eq(sslb_trust_builder_add_certificate(b, p.root), 0);
  cr_assert_eq(sslb_trust_builder_add_crl(b, crl_inter.p, crl_inter.len), 0);
  cr_assert_eq(sslb_trust_builder_build(b, &ca_revoked), 0);
  sslb_trust_builder_free(b);

  expect_verify(clean, CERTS(p.leaf, p.inter), "localhost", 0, p.root);
  expect_verify(revoked, CERTS(p.leaf, p.inter), "localhost",
                SSLB_ERR_CERT_REVOKED, NULL);
  expect_verify(ca_revoked, CERTS(p.leaf, p.inter), "localhost",
                SSLB_ERR_CERT_REVOKED, NULL);
  /* the report names the certificates of the presented chain */
  char *report = NULL;
  sslb_trust_manager_verify(revoked, CERTS(p.leaf, p.inter), "localhost",
                            &report);
  cr_assert_not_null(report);
  cr_expect_not_null(strstr(report, sslb_certificate_subject(p.leaf)));
  sslb_free(report);

  sslb_trust_manager_free(ca_revoked);
  sslb_trust_manager_free(revoked);
  sslb_trust_manager_free(clean);
  blob_free(&crl_inter);
  blob_free(&crl_none);
  blob_free(&crl_leaf);
  gfree(&root);
  gfree(&inter);
  free_pki(&p);
}

/* A CRL past its nextUpdate still revokes what it lists. */
Test(verify, stale_crl_still_revokes) {
  pki p = make_pki("Stale CRL");
  gcert inter = gborrow(p.ks, "inter");
  blob crl = make_crl_at(&inter, p.leaf, 1, 1, 0);
  sslb_trust_builder *b = NULL;
  cr_assert_eq(sslb_trust_builder_new(&b), 0);
  cr_assert_eq(sslb_trust_builder_replace_defaults(b), 0);
  cr_assert_eq(sslb_trust_builder_add_certificate(b, p.root), 0);
  cr_assert_eq(sslb_trust_builder_add_crl(b, crl.p, crl.len), 0);
  sslb_trust_manager *tm = NULL;
  cr_assert_eq(sslb_trust_builder_build(b, &tm), 0);
  sslb_trust_builder_free(b);
  expect_verify(tm, CERTS(p.leaf, p.inter), "localhost", SSLB_ERR_CERT_REVOKED,
                NULL);
  sslb_trust_manager_free(tm);
  blob_free(&crl);
  gfree(&inter);
  free_pki(&p);
}

/* A trust manager with one anchor and, when crl is not NULL, one CRL. */
static sslb_trust_manager *tm_with_crl(const sslb_certificate *anchor,
                                       const blob *crl) {
  sslb_trust_builder *b = NULL;
  cr_assert_eq(sslb_trust_builder_new(&b), 0);
  cr_assert_eq(sslb_trust_builder_replace_defaults(b), 0);
  cr_assert_eq(
      sslb_trust_builder_add_certificate(b, (sslb_certificate *)anchor), 0);
  if (crl)
    cr_assert_eq(sslb_trust_builder_add_crl(b, crl->p, crl->len), 0);
  sslb_trust_manager *tm = NULL;
  cr_assert_eq(sslb_trust_builder_build(b, &tm), 0);
  sslb_trust_builder_free(b);
  return tm;
}

/* A version 2 CRL without a CRL number cannot be relied on: the path of
 * the CA that issued it fails, revoked or not. */
Test(verify, crl_without_a_number_fails_the_path) {
  pki p = make_pki("Unnumbered CRL");
  gcert inter = gborrow(p.ks, "inter");
  blob crl = make_crl_at(&inter, NULL, 1, 0, 1);
  sslb_trust_manager *tm = tm_with_crl(p.root, &crl);
  expect_verify(tm, CERTS(p.leaf, p.inter), "localhost", SSLB_ERR_CERT_INVALID,
                p.inter);
  char *report = NULL;
  sslb_trust_manager_verify(tm, CERTS(p.leaf, p.inter), "localhost", &report);
  cr_assert_not_null(report);
  cr_expect_not_null(strstr(report, "without a CRL number"), "%s", report);
  sslb_free(report);
  sslb_trust_manager_free(tm);
  blob_free(&crl);
  gfree(&inter);
  free_pki(&p);
}

/* Name constraints apply to the names a certificate has, never to its
 * subject CN: an IP-only leaf whose CN falls in an excluded DNS subtree is
 * trusted (GnuTLS alone refuses it), as BetterTLS expects. */
Test(verify, name_constraints_ignore_the_common_name) {
  gspec cs = {.dn = "CN=Excluding localhost CA", .ca = 1,
              .excluded = "localhost"};
  gcert ca = gmake(&cs, NULL);
  gspec ls = {.dn = "CN=test.localhost", .eku = GNUTLS_KP_TLS_WWW_SERVER,
              .ip = "127.0.0.1"};
  gcert leaf = gmake(&ls, &ca);
  sslb_trust_manager *tm = tm_of(0, CERTS(ca.cert));
  expect_verify(tm, CERTS(leaf.cert), "127.0.0.1", 0, ca.cert);
  sslb_trust_manager_free(tm);
  gfree(&leaf);
  gfree(&ca);
}

/* A root's name constraints bind the SANs of an intermediate too. */
Test(verify, intermediate_san_outside_the_roots_constraints) {
  gspec rs = {.dn = "CN=Constraining Root", .ca = 1,
              .permitted = "example.com"};
  gcert root = gmake(&rs, NULL);
  gspec is = {.dn = "CN=Wayward Intermediate", .ca = 1,
              .dns = "forbidden.example.net"};
  gcert inter = gmake(&is, &root);
  gspec ls = {.dn = "CN=www.example.com", .eku = GNUTLS_KP_TLS_WWW_SERVER,
              .dns = "www.example.com"};
  gcert leaf = gmake(&ls, &inter);
  sslb_trust_manager *tm = tm_of(0, CERTS(root.cert));
  expect_verify(tm, CERTS(leaf.cert, inter.cert), "www.example.com",
                SSLB_ERR_CERT_NAME_CONSTRAINTS, root.cert);
  sslb_trust_manager_free(tm);
  gfree(&leaf);
  gfree(&inter);
  gfree(&root);
}

/* A CN that names an IP address SAN must be written as the address is; a
 * DNS name in another case, or a CN naming no host, is left alone. */
Test(verify, common_name_spelling) {
  gspec cs = {.dn = "CN=CN Spelling CA", .ca = 1};
  gcert ca = gmake(&cs, NULL);
  gspec odd = {.dn = "CN=Example.COM", .eku = GNUTLS_KP_TLS_WWW_SERVER,
               .dns = "example.com"};
  gcert l1 = gmake(&odd, &ca);
  gspec v4 = {.dn = "CN=192.168.001.001", .eku = GNUTLS_KP_TLS_WWW_SERVER,
              .ip = "192.168.1.1"};
  gcert l2 = gmake(&v4, &ca);
  gspec duke = {.dn = "CN=Duke,OU=Java", .eku = GNUTLS_KP_TLS_WWW_SERVER,
                .dns = "example.com"};
  gcert l3 = gmake(&duke, &ca);
  sslb_trust_manager *tm = tm_of(0, CERTS(ca.cert));
  expect_verify(tm, CERTS(l1.cert), "example.com", 0, ca.cert);
  expect_verify(tm, CERTS(l2.cert), "192.168.1.1", SSLB_ERR_CERT_INVALID,
                NULL);
  expect_verify(tm, CERTS(l3.cert), "example.com", 0, ca.cert);
  sslb_trust_manager_free(tm);
  gfree(&l3);
  gfree(&l2);
  gfree(&l1);
  gfree(&ca);
}

/* Where sslbind's name-constraint verdict replaces GnuTLS's (a CN in an
 * excluded subtree), revocation still counts: GnuTLS consults CRLs only
 * for paths it found valid. */
Test(verify, revoked_leaf_whose_cn_gnutls_excludes) {
  gspec cs = {.dn = "CN=Excluding localhost CA", .ca = 1,
              .excluded = "localhost"};
  gcert ca = gmake(&cs, NULL);
  gspec ls = {.dn = "CN=test.localhost", .eku = GNUTLS_KP_TLS_WWW_SERVER,
              .ip = "127.0.0.1"};
  gcert leaf = gmake(&ls, &ca);
  blob crl = make_crl(&ca, leaf.cert, 0);
  sslb_trust_manager *tm = tm_with_crl(ca.cert, &crl);
  expect_verify(tm, CERTS(leaf.cert), "127.0.0.1", SSLB_ERR_CERT_REVOKED,
                leaf.cert);
  sslb_trust_manager_free(tm);
  blob_free(&crl);
  gfree(&leaf);
  gfree(&ca);
}

/* A self-issued CA certificate (a new key under the same name) does not
 * count against a path length of 0 (RFC 5280 6.1.4), which GnuTLS counts;
 * what GnuTLS then skips at the leaf is still checked: unknown critical
 * extensions on the leaf or its issuer, and revocation of any certificate
 * of the path. */
Test(verify, self_issued_certificate_and_path_length) {
  gspec rs = {.dn = "CN=Rollover Root", .ca = 1};
  gcert root = gmake(&rs, NULL);
  gspec is = {.dn = "CN=Rollover CA", .ca = 1, .pathlen1 = 1};
  gcert inter = gmake(&is, &root);
  gspec ns = {.dn = "CN=Rollover CA", .ca = 1};
  gcert next = gmake(&ns, &inter);
  gspec ls = {.dn = "CN=localhost", .eku = GNUTLS_KP_TLS_WWW_SERVER,
              .dns = "localhost"};
  gcert leaf = gmake(&ls, &next);
  gspec lcs = ls;
  lcs.unknown_critical = 1;
  gcert leaf_crit = gmake(&lcs, &next);
  gspec ncs = ns;
  ncs.unknown_critical = 1;
  gcert next_crit = gmake(&ncs, &inter);
  gcert leaf_under_crit = gmake(&ls, &next_crit);
  sslb_trust_manager *tm = tm_with_crl(root.cert, NULL);
  expect_verify(tm, CERTS(leaf.cert, next.cert, inter.cert), "localhost", 0,
                root.cert);
  cr_expect_neq(sslb_trust_manager_verify(
                    tm, CERTS(leaf_crit.cert, next.cert, inter.cert),
                    "localhost", NULL),
                0, "a leaf with an unknown critical extension was trusted");
  cr_expect_neq(sslb_trust_manager_verify(
                    tm, CERTS(leaf_under_crit.cert, next_crit.cert, inter.cert),
                    "localhost", NULL),
                0, "an issuer with an unknown critical extension was trusted");
  sslb_trust_manager_free(tm);
  blob crl = make_crl(&root, inter.cert, 0);
  tm = tm_with_crl(root.cert, &crl);
  expect_verify(tm, CERTS(leaf.cert, next.cert, inter.cert), "localhost",
                SSLB_ERR_CERT_REVOKED, inter.cert);
  sslb_trust_manager_free(tm);
  blob_free(&crl);
  gfree(&leaf_under_crit);
  gfree(&next_crit);
  gfree(&leaf_crit);
  gfree(&leaf);
  gfree(&next);
  gfree(&inter);
  gfree(&root);
}

/* Names that must not slip out of an excluded subtree: an IPv4-mapped
 * IPv6 address, a URI host with a trailing dot, a mail address whose
 * quoted local part holds an '@'. */
Test(verify, excluded_subtrees_hold_against_other_spellings) {
  static const struct {
    int type;
    const char *excluded, *san;
  } cases[] = {
      {GNUTLS_SAN_IPADDRESS, "10.0.0.0/8", NULL},
      {GNUTLS_SAN_URI, ".example.com", "https://bad.example.com./x"},
      {GNUTLS_SAN_RFC822NAME, "bad.example.com", "\"a@b\"@bad.example.com"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    gspec cs = {.dn = "CN=Excluding CA", .ca = 1,
                .excluded_type = cases[i].type,
                .excluded_other = cases[i].excluded};
    gcert ca = gmake(&cs, NULL);
    gspec ls = {.dn = "CN=spelling leaf", .eku = GNUTLS_KP_TLS_WWW_SERVER,
                .dns = "www.example.net"};
    if (cases[i].type == GNUTLS_SAN_IPADDRESS)
      ls.ip = "::ffff:10.1.2.3";
    else
      ls.san_type = cases[i].type, ls.san = cases[i].san;
    gcert leaf = gmake(&ls, &ca);
    sslb_trust_manager *tm = tm_of(0, CERTS(ca.cert));
    expect_verify(tm, CERTS(leaf.cert), "www.example.net",
                  SSLB_ERR_CERT_NAME_CONSTRAINTS, ca.cert);
    if (cases[i].type == GNUTLS_SAN_IPADDRESS)
      expect_verify(tm, CERTS(leaf.cert), "::ffff:10.1.2.3",
                    SSLB_ERR_CERT_NAME_CONSTRAINTS, ca.cert);
    sslb_trust_manager_free(tm);
    gfree(&leaf);
    gfree(&ca);
  }
}

/* A critical extension GnuTLS does not process (policyConstraints) on a
 * self-issued issuer fails the path as it does on any other issuer: the
 * path length running out at the leaf does not let it through. */
Test(verify, critical_policy_constraints_on_a_self_issued_issuer) {
  gspec rs = {.dn = "CN=Policy Root", .ca = 1};
  gcert root = gmake(&rs, NULL);
  gspec is = {.dn = "CN=Policy CA", .ca = 1, .pathlen1 = 1};
  gcert inter = gmake(&is, &root);
  gspec ns = {.dn = "CN=Policy CA", .ca = 1, .x_oid = "2.5.29.36",
              .x_der = "\x30\x03\x80\x01\x00", .x_len = 5, .x_crit = 1};
  gcert next = gmake(&ns, &inter);
  gspec ls = {.dn = "CN=localhost", .eku = GNUTLS_KP_TLS_WWW_SERVER,
              .dns = "localhost"};
  gcert leaf = gmake(&ls, &next);
  gspec os = ns;
  os.dn = "CN=Other Policy CA";
  gcert other = gmake(&os, &root);
  gcert leaf2 = gmake(&ls, &other);
  sslb_trust_manager *tm = tm_with_crl(root.cert, NULL);
  expect_verify(tm, CERTS(leaf2.cert, other.cert), "localhost",
                SSLB_ERR_CERT_INVALID, NULL);
  expect_verify(tm, CERTS(leaf.cert, next.cert, inter.cert), "localhost",
                SSLB_ERR_CERT_INVALID, NULL);
  sslb_trust_manager_free(tm);
  gfree(&leaf2);
  gfree(&other);
  gfree(&leaf);
  gfree(&next);
  gfree(&inter);
  gfree(&root);
}

/* The override's own signature check judges nothing by the real clock: a
 * trust manager set to a time when the whole path was valid trusts it. */
Test(verify, self_issued_path_at_a_past_verification_time) {
  int64_t d = DAY;
  gspec rs = {.dn = "CN=Past Root", .ca = 1, .nb = -40 * d, .na = 30 * d};
  gcert root = gmake(&rs, NULL);
  gspec is = {.dn = "CN=Past CA", .ca = 1, .pathlen1 = 1, .nb = -40 * d,
              .na = 30 * d};
  gcert inter = gmake(&is, &root);
  gspec ns = {.dn = "CN=Past CA", .ca = 1, .nb = -40 * d, .na = -10 * d};
  gcert next = gmake(&ns, &inter);
  gspec ls = {.dn = "CN=localhost", .eku = GNUTLS_KP_TLS_WWW_SERVER,
              .dns = "localhost", .nb = -40 * d, .na = -10 * d};
  gcert leaf = gmake(&ls, &next);
  sslb_trust_manager *tm = tm_of(time(NULL) - 20 * d, CERTS(root.cert));
  expect_verify(tm, CERTS(leaf.cert, next.cert, inter.cert), "localhost", 0,
                root.cert);
  sslb_trust_manager_free(tm);
  gfree(&leaf);
  gfree(&next);
  gfree(&inter);
  gfree(&root);
}

/* Names in odd forms stay inside excluded subtrees: an emailAddress in
 * the subject as a BMPString, a mail SAN with NULs after the domain, a URI
 * whose authority a backslash ends. */
Test(verify, excluded_mail_and_uri_in_odd_forms) {
  static const char ia5[] = "\x16\x14user@bad.example.com";
  static const char bmp[] = "\x1e\x28\0u\0s\0e\0r\0@\0b\0a\0d\0.\0e\0x\0a\0m"
                            "\0p\0l\0e\0.\0c\0o\0m";
  static const char nul_san[] = "\x30\x27\x82\x0fwww.example.net"
                                "\x81\x14u@bad.example.com\0\0\0";
  gspec cs = {.dn = "CN=Mail Excluding CA", .ca = 1,
              .excluded_type = GNUTLS_SAN_RFC822NAME,
              .excluded_other = "bad.example.com"};
  gcert ca = gmake(&cs, NULL);
  gspec ls = {.dn = "CN=leaf", .eku = GNUTLS_KP_TLS_WWW_SERVER,
              .dns = "www.example.net", .rdn_oid = "1.2.840.113549.1.9.1",
              .rdn_der = ia5, .rdn_len = sizeof ia5 - 1};
  gcert l1 = gmake(&ls, &ca);
  ls.rdn_der = bmp;
  ls.rdn_len = sizeof bmp - 1;
  gcert l2 = gmake(&ls, &ca);
  gspec ns = {.dn = "CN=leaf", .eku = GNUTLS_KP_TLS_WWW_SERVER,
              .x_oid = "2.5.29.17", .x_der = nul_san,
              .x_len = sizeof nul_san - 1};
  gcert l3 = gmake(&ns, &ca);
  sslb_trust_manager *tm = tm_of(0, CERTS(ca.cert));
  expect_verify(tm, CERTS(l1.cert), "www.example.net",
                SSLB_ERR_CERT_NAME_CONSTRAINTS, ca.cert);
  expect_verify(tm, CERTS(l2.cert), "www.example.net",
                SSLB_ERR_CERT_NAME_CONSTRAINTS, ca.cert);
  expect_verify(tm, CERTS(l3.cert), "www.example.net",
                SSLB_ERR_CERT_NAME_CONSTRAINTS, ca.cert);
  sslb_trust_manager_free(tm);

  gspec us = {.dn = "CN=URI Excluding CA", .ca = 1,
              .excluded_type = GNUTLS_SAN_URI,
              .excluded_other = "bad.example.com"};
  gcert uca = gmake(&us, NULL);
  gspec lu = {.dn = "CN=leaf", .eku = GNUTLS_KP_TLS_WWW_SERVER,
              .dns = "www.example.net", .san_type = GNUTLS_SAN_URI,
              .san = "https://bad.example.com\\@good.example.org/"};
  gcert l4 = gmake(&lu, &uca);
  tm = tm_of(0, CERTS(uca.cert));
  expect_verify(tm, CERTS(l4.cert), "www.example.net",
                SSLB_ERR_CERT_NAME_CONSTRAINTS, uca.cert);
  sslb_trust_manager_free(tm);
  gfree(&l4);
  gfree(&uca);
  gfree(&l3);
  gfree(&l2);
  gfree(&l1);
  gfree(&ca);
}

/* An excluded DirName with a multi-valued RDN matches a name's RDN as a
 * set, whatever order each encodes its pairs in, with spaces and letter
 * case folded (here a DirName SAN: GnuTLS writes no multi-valued
 * subject). */
static size_t dirname_der(uint8_t *out, const uint8_t *first, size_t fl,
                          const uint8_t *second, size_t sl) {
  size_t k = 0;
  out[k++] = 0x30, out[k++] = (uint8_t)(fl + sl + 2);
  out[k++] = 0x31, out[k++] = (uint8_t)(fl + sl);
  memcpy(out + k, first, fl);
  memcpy(out + k + fl, second, sl);
  return k + fl + sl;
}

Test(verify, excluded_dirname_with_a_multi_valued_rdn) {
  static const uint8_t cn[] = {0x30, 0x0a, 0x06, 0x03, 0x55, 0x04, 0x03,
                               0x0c, 0x03, 'a',  ' ',  'b'};
  static const uint8_t cn_spaced[] = {0x30, 0x0c, 0x06, 0x03, 0x55, 0x04, 0x03,
                                      0x0c, 0x05, 'a',  ' ',  ' ',  ' ',  'b'};
  static const uint8_t o[] = {0x30, 0x0b, 0x06, 0x03, 0x55, 0x04, 0x0a,
                              0x0c, 0x04, 'A',  'B',  'C',  'D'};
  static const uint8_t o_lower[] = {0x30, 0x0b, 0x06, 0x03, 0x55, 0x04, 0x0a,
                                    0x13, 0x04, 'a',  'b',  'c',  'd'};
  for (int order = 0; order < 2; order++) {
    uint8_t name[64], nc[80], san[64];
    size_t nl = order ? dirname_der(name, o, sizeof o, cn, sizeof cn)
                      : dirname_der(name, cn, sizeof cn, o, sizeof o);
    size_t k = 0;
    nc[k++] = 0x30, nc[k++] = (uint8_t)(nl + 6);
    nc[k++] = 0xa1, nc[k++] = (uint8_t)(nl + 4);
    nc[k++] = 0x30, nc[k++] = (uint8_t)(nl + 2);
    nc[k++] = 0xa4, nc[k++] = (uint8_t)nl;
    memcpy(nc + k, name, nl);
    k += nl;
    /* the SAN's pairs in the other order, spelt differently */
    size_t sn = order ? dirname_der(san, cn_spaced, sizeof cn_spaced, o_lower,
                                    sizeof o_lower)
                      : dirname_der(san, o_lower, sizeof o_lower, cn_spaced,
                                    sizeof cn_spaced);
    gspec cs = {.dn = "CN=DirName Excluding CA", .ca = 1,
                .x_oid = "2.5.29.30", .x_der = (const char *)nc,
                .x_len = (unsigned)k, .x_crit = 1};
    gcert ca = gmake(&cs, NULL);
    gspec ls = {.dn = "CN=leaf", .eku = GNUTLS_KP_TLS_WWW_SERVER,
                .dns = "www.example.net"};
    gcert plain = gmake(&ls, &ca);
    /* the same leaf with the DirName SAN, its extension written here */
    uint8_t ext[96];
    size_t e = 0;
    ext[e++] = 0x30, ext[e++] = (uint8_t)(sn + 2 + 17);
    ext[e++] = 0x82, ext[e++] = 15;
    memcpy(ext + e, "www.example.net", 15);
    e += 15;
    ext[e++] = 0xa4, ext[e++] = (uint8_t)sn;
    memcpy(ext + e, san, sn);
    e += sn;
    gspec ds = {.dn = "CN=leaf", .eku = GNUTLS_KP_TLS_WWW_SERVER,
                .x_oid = "2.5.29.17", .x_der = (const char *)ext,
                .x_len = (unsigned)e};
    gcert leaf = gmake(&ds, &ca);
    sslb_trust_manager *tm = tm_of(0, CERTS(ca.cert));
    expect_verify(tm, CERTS(plain.cert), "www.example.net", 0, ca.cert);
    expect_verify(tm, CERTS(leaf.cert), "www.example.net",
                  SSLB_ERR_CERT_NAME_CONSTRAINTS, ca.cert);
    sslb_trust_manager_free(tm);
    gfree(&leaf);
    gfree(&plain);
    gfree(&ca);
  }
}

/* A dNSName constraint written ".example.com" (as OpenSSL-made CAs do)
 * covers the names below example.com, not example.com itself. */
Test(verify, leading_dot_dns_constraint) {
  gspec cs = {.dn = "CN=Dot Permitting CA", .ca = 1,
              .permitted = ".example.com"};
  gcert ca = gmake(&cs, NULL);
  gspec below = {.dn = "CN=below", .eku = GNUTLS_KP_TLS_WWW_SERVER,
                 .dns = "www.example.com"};
  gcert l1 = gmake(&below, &ca);
  gspec apex = {.dn = "CN=apex", .eku = GNUTLS_KP_TLS_WWW_SERVER,
                .dns = "example.com"};
  gcert l2 = gmake(&apex, &ca);
  sslb_trust_manager *tm = tm_of(0, CERTS(ca.cert));
  expect_verify(tm, CERTS(l1.cert), "www.example.com", 0, ca.cert);
  expect_verify(tm, CERTS(l2.cert), "example.com",
                SSLB_ERR_CERT_NAME_CONSTRAINTS, ca.cert);
  sslb_trust_manager_free(tm);
  gfree(&l2);
  gfree(&l1);
  gfree(&ca);
}

/* A CRL that its named issuer did not sign revokes nothing. */
Test(verify, crl_with_a_forged_signature_is_ignored) {
  pki p = make_pki("Forged CRL");
  gspec fs = {.dn = "CN=Forged CRL Intermediate CA,O=sslbind tests", .ca = 1};
  gcert forger = gmake(&fs, NULL);
  blob crl = make_crl(&forger, p.leaf, 0);
  sslb_trust_builder *b = NULL;
  cr_assert_eq(sslb_trust_builder_new(&b), 0);
  cr_assert_eq(sslb_trust_builder_replace_defaults(b), 0);
  cr_assert_eq(sslb_trust_builder_add_certificate(b, p.root), 0);
  cr_assert_eq(sslb_trust_builder_add_crl(b, crl.p, crl.len), 0);
  sslb_trust_manager *tm = NULL;
  cr_assert_eq(sslb_trust_builder_build(b, &tm), 0);
  sslb_trust_builder_free(b);
  expect_verify(tm, CERTS(p.leaf, p.inter), "localhost", 0, p.root);
  sslb_trust_manager_free(tm);
  blob_free(&crl);
  gfree(&forger);
  free_pki(&p);
}

/* ------------------------------------------------------------ arguments */

Test(verify, invalid_arguments) {
  pki p = make_pki("Args");
  sslb_trust_manager *tm = tm_of(0, CERTS(p.root));
  sslb_certificate *chain[] = {p.leaf, p.inter};
  sslb_certificate *holey[] = {p.leaf, NULL};
  char *report = (char *)"sentinel";
  cr_expect_eq(sslb_trust_manager_verify(NULL, chain, 2, "localhost", &report),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_null(report);
  report = (char *)"sentinel";
  cr_expect_eq(sslb_trust_manager_verify(tm, NULL, 2, "localhost", &report),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_null(report);
  report = (char *)"sentinel";
  cr_expect_eq(sslb_trust_manager_verify(tm, chain, 0, "localhost", &report),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_null(report);
  report = (char *)"sentinel";
  cr_expect_eq(sslb_trust_manager_verify(tm, holey, 2, "localhost", &report),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_null(report);
  cr_expect_eq(sslb_trust_manager_verify(NULL, NULL, 0, NULL, NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  sslb_trust_manager_free(tm);
  free_pki(&p);
}

Test(verify, null_host_skips_the_name_check) {
  pki p = make_pki("No host");
  sslb_trust_manager *tm = tm_of(0, CERTS(p.root));
  expect_verify(tm, CERTS(p.leaf, p.inter), NULL, 0, p.root);
  expect_verify(tm, CERTS(p.leaf, p.inter), "not-the-host.example",
                SSLB_ERR_CERT_HOSTNAME_MISMATCH, p.leaf);
  /* everything else is still checked */
  expect_verify(tm, CERTS(p.leaf), NULL, SSLB_ERR_CERT_UNKNOWN_ISSUER, p.leaf);
  sslb_trust_manager_free(tm);
  free_pki(&p);
}

/* An empty host is a name nothing matches, not "skip the check". */
Test(verify, empty_host_is_checked) {
  pki p = make_pki("Empty host");
  sslb_trust_manager *tm = tm_of(0, CERTS(p.root));
  expect_verify(tm, CERTS(p.leaf, p.inter), "", SSLB_ERR_CERT_HOSTNAME_MISMATCH,
                p.leaf);
  sslb_trust_manager_free(tm);
  free_pki(&p);
}

Test(verify, report_is_released_with_sslb_free) {
  pki p = make_pki("Report");
  sslb_trust_manager *tm = tm_of(0, CERTS(p.root));
  char *ok = NULL, *bad = NULL;
  cr_assert_eq(sslb_trust_manager_verify(tm, CERTS(p.leaf, p.inter),
                                         "localhost", &ok),
               0);
  cr_assert_eq(sslb_trust_manager_verify(tm, CERTS(p.leaf), "localhost", &bad),
               SSLB_ERR_CERT_UNKNOWN_ISSUER);
  cr_assert_not_null(ok);
  cr_assert_not_null(bad);
  cr_expect_not_null(strstr(ok, "presented chain:\n  [0] subject: "));
  cr_expect_not_null(strstr(bad, "presented chain:\n  [0] subject: "));
  cr_expect_not_null(strstr(bad, "result: CERT_UNKNOWN_ISSUER: "));
  sslb_free(ok);
  sslb_free(bad);
  sslb_free(NULL);
  sslb_trust_manager_free(tm);
  free_pki(&p);
}

/* ------------------------------------------------------------ pins */

/* A pin of no certificate here. */
#define STRANGER_PIN "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define STRANGER_PIN2 "sha256/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA="

/* A NULL-terminated list of strings, for the helpers below. */
#define STRS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* A builder with exactly these anchors (no system store), verifying at
 * `when` (0: the clock); `pins` is NULL or pattern, pin, pattern, pin ...
 * ending in NULL. */
static sslb_trust_builder *builder_of(int64_t when,
                                      sslb_certificate *const *anchors,
                                      size_t n, const char *const *pins) {
  sslb_trust_builder *b = NULL;
  cr_assert_eq(sslb_trust_builder_new(&b), 0);
  cr_assert_eq(sslb_trust_builder_replace_defaults(b), 0);
  for (size_t i = 0; i < n; i++)
    cr_assert_eq(sslb_trust_builder_add_certificate(b, anchors[i]), 0);
  cr_assert_eq(sslb_trust_builder_set_time(b, when), 0);
  for (size_t i = 0; pins && pins[i]; i += 2) {
    int rc = sslb_trust_builder_add_pin(b, pins[i], pins[i + 1]);
    cr_assert_eq(rc, 0, "add_pin('%s', '%s'): %s (%s)", pins[i], pins[i + 1],
                 sslb_error_name(rc), sslb_trust_builder_last_error(b));
  }
  return b;
}

/* The manager of b; frees b. */
static sslb_trust_manager *built(sslb_trust_builder *b) {
  sslb_trust_manager *tm = NULL;
  int rc = sslb_trust_builder_build(b, &tm);
  cr_assert_eq(rc, 0, "build: %s (%s)", sslb_error_name(rc),
               sslb_trust_builder_last_error(b));
  sslb_trust_builder_free(b);
  return tm;
}

static sslb_trust_manager *tm_pinned(sslb_certificate *const *anchors,
                                     size_t n, const char *const *pins) {
  return built(builder_of(0, anchors, n, pins));
}

/* Verifies, asserts the code, and returns the report (sslb_free it). */
static char *report_of(sslb_trust_manager *tm, sslb_certificate *const *chain,
                       size_t n, const char *host, int want) {
  char *report = NULL;
  int rc = sslb_trust_manager_verify(tm, chain, n, host, &report);
  cr_assert_eq(rc, want, "host '%s': got %s, want %s\n%s",
               host ? host : "(null)", sslb_error_name(rc),
               sslb_error_name(want), report ? report : "(no report)");
  cr_assert_not_null(report);
  return report;
}

static int starts(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The report's result line, without "result: " and the newline, in a
 * static buffer. */
static const char *result_of(const char *report) {
  static char line[4096];
  const char *r = strstr(report, "\nresult: ");
  cr_assert_not_null(r, "no result line in:\n%s", report);
  r += strlen("\nresult: ");
  size_t n = strcspn(r, "\n");
  cr_assert_lt(n, sizeof line);
  memcpy(line, r, n);
  line[n] = 0;
  return line;
}

static void expect_result(sslb_trust_manager *tm,
                          sslb_certificate *const *chain, size_t n,
                          const char *host, int want, const char *line) {
  char *report = report_of(tm, chain, n, host, want);
  cr_expect_str_eq(result_of(report), line, "%s", report);
  sslb_free(report);
}

Test(verify, spki_pin_of_the_fixture_is_the_openssl_one) {
  /* openssl x509 -in ca.pem -pubkey -noout | openssl pkey -pubin -outform
   * der | openssl dgst -sha256 -binary | base64: the recipe OkHttp's and
   * curl's documentation give */
  blob der = read_fixture("ca.der");
  sslb_certificate *ca = NULL;
  cr_assert_eq(sslb_certificate_new(&ca, der.p, der.len), 0);
  cr_expect_str_eq(sslb_certificate_spki_pin(ca),
                   "sha256/7rt3yDYyXkaBkxGQBMN2SlRGPKAWNwJHXRITDiIek2U=");
  /* and GnuTLS's SHA-256 key id, also a hash of the SPKI, agrees */
  uint8_t id[32];
  size_t idn = sizeof id;
  cr_assert_geq(gnutls_x509_crt_get_key_id(sslb__cert_crt(ca),
                                           GNUTLS_KEYID_USE_SHA256, id, &idn),
                0);
  cr_assert_eq(idn, 32);
  gnutls_datum_t b64 = {(unsigned char *)sslb_certificate_spki_pin(ca) + 7,
                        44};
  gnutls_datum_t raw = {NULL, 0};
  cr_assert_geq(gnutls_base64_decode2(&b64, &raw), 0);
  cr_expect_eq(raw.size, 32);
  cr_expect_eq(memcmp(raw.data, id, 32), 0);
  gnutls_free(raw.data);
  sslb_certificate_free(ca);
  blob_free(&der);
}

Test(verify, a_pin_of_any_certificate_of_the_path_is_enough) {
  pki p = make_pki("Pinned");
  sslb_certificate *each[] = {p.leaf, p.inter, p.root};
  for (size_t i = 0; i < 3; i++) {
    const char *pin = sslb_certificate_spki_pin(each[i]);
    sslb_trust_manager *tm =
        tm_pinned(CERTS(p.root), STRS("localhost", STRANGER_PIN, "localhost",
                                      pin));
    expect_verify(tm, CERTS(p.leaf, p.inter), "localhost", 0, p.root);
    /* the report says which pin held */
    char *report = report_of(tm, CERTS(p.leaf, p.inter), "localhost", 0);
    char want[512];
    snprintf(want, sizeof want,
             "pinned: 2 key(s) for this host; %s matches %s\n", pin,
             sslb_certificate_subject(each[i]));
    cr_expect_not_null(strstr(report, want), "no '%s' in:\n%s", want, report);
    sslb_free(report);
    sslb_trust_manager_free(tm);
  }
  free_pki(&p);
}

Test(verify, pin_mismatch_lists_the_pins_of_the_trusted_path) {
  pki p = make_pki("Mismatch");
  sslb_trust_manager *tm = tm_pinned(
      CERTS(p.root), STRS("localhost", STRANGER_PIN, "**.localhost",
                          STRANGER_PIN2, "*.localhost",
                          sslb_certificate_spki_pin(p.leaf)));
  /* "*.localhost" does not cover localhost: its pin does not count */
  expect_verify(tm, CERTS(p.leaf, p.inter), "localhost",
                SSLB_ERR_CERT_PIN_MISMATCH, p.leaf);
  char want[2048];
  snprintf(want, sizeof want,
           "CERT_PIN_MISMATCH: certificate pinning failure for localhost: "
           "pinned %s, %s; the trusted path has %s (%s), %s (%s), %s (%s)",
           STRANGER_PIN, STRANGER_PIN2, sslb_certificate_spki_pin(p.leaf),
           sslb_certificate_subject(p.leaf), sslb_certificate_spki_pin(p.inter),
           sslb_certificate_subject(p.inter), sslb_certificate_spki_pin(p.root),
           sslb_certificate_subject(p.root));
  expect_result(tm, CERTS(p.leaf, p.inter), "localhost",
                SSLB_ERR_CERT_PIN_MISMATCH, want);
  /* the presented chain is still described, pins included */
  char *report = report_of(tm, CERTS(p.leaf, p.inter), "localhost",
                           SSLB_ERR_CERT_PIN_MISMATCH);
  cr_expect_not_null(strstr(report, "presented chain:\n  [0] subject: "));
  cr_expect_not_null(strstr(report, "      pin:     sha256/"));
  cr_expect_null(strstr(report, "trusted path:\n"), "%s", report);
  sslb_free(report);
  /* a name the patterns do not cover is not pinned */
  expect_verify(tm, CERTS(p.leaf, p.inter), "127.0.0.1", 0, p.root);
  sslb_trust_manager_free(tm);
  free_pki(&p);
}

Test(verify, pins_apply_to_the_hosts_their_pattern_covers) {
  pki p = make_pki("Patterns");
  sslb_certificate *multi =
      gen(p.ks, "multi", SSLB_KEY_TYPE_SERVER, "CN=multi", "inter", 30,
          "localhost,example.com,a.example.com,b.a.example.com,"
          "other.org,127.0.0.1,::1");
  const char *good = sslb_certificate_spki_pin(multi);
  struct {
    const char *pattern;
    const char *host;
    int pinned; /* the stranger pin applies */
  } rows[] = {
      {"example.com", "example.com", 1},
      {"example.com", "EXAMPLE.com.", 1},
      {"Example.COM.", "example.com", 1},
      {"example.com", "a.example.com", 0},
      {"*.example.com", "a.example.com", 1},
      {"*.example.com", "A.Example.Com", 1},
      {"*.example.com", "example.com", 0},
      {"*.example.com", "b.a.example.com", 0},
      {"**.example.com", "example.com", 1},
      {"**.example.com", "a.example.com", 1},
      {"**.example.com", "b.a.example.com", 1},
      {"**.example.com", "other.org", 0},
      {"**.example.com", "localhost", 0},
      {"127.0.0.1", "127.0.0.1", 1},
      {"127.0.0.1", "localhost", 0},
      {"::1", "[::1]", 1},
      {"[::1]", "::1", 1},
      {"::1", "127.0.0.1", 0},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    sslb_trust_manager *tm =
        tm_pinned(CERTS(p.root), STRS(rows[i].pattern, STRANGER_PIN));
    int rc = sslb_trust_manager_verify(tm, CERTS(multi, p.inter), rows[i].host,
                                       NULL);
    cr_expect_eq(rc, rows[i].pinned ? SSLB_ERR_CERT_PIN_MISMATCH : 0,
                 "pattern '%s', host '%s': %s", rows[i].pattern, rows[i].host,
                 sslb_error_name(rc));
    sslb_trust_manager_free(tm);
    /* with the right pin as well, every row passes */
    tm = tm_pinned(CERTS(p.root), STRS(rows[i].pattern, STRANGER_PIN,
                                       rows[i].pattern, good));
    cr_expect_eq(sslb_trust_manager_verify(tm, CERTS(multi, p.inter),
                                           rows[i].host, NULL),
                 0, "pattern '%s', host '%s'", rows[i].pattern, rows[i].host);
    sslb_trust_manager_free(tm);
  }
  /* pins of several patterns that cover a host are pooled */
  sslb_trust_manager *tm = tm_pinned(
      CERTS(p.root),
      STRS("a.example.com", STRANGER_PIN, "**.example.com", good));
  expect_verify(tm, CERTS(multi, p.inter), "a.example.com", 0, p.root);
  expect_verify(tm, CERTS(multi, p.inter), "localhost", 0, p.root);
  sslb_trust_manager_free(tm);
  sslb_certificate_free(multi);
  free_pki(&p);
}

Test(verify, pins_do_not_rescue_an_untrusted_chain) {
  pki p = make_pki("Rescue");
  const char *const *pins =
      STRS("localhost", sslb_certificate_spki_pin(p.leaf), "**.example",
           sslb_certificate_spki_pin(p.leaf), "127.0.0.1",
           sslb_certificate_spki_pin(p.root));
  sslb_trust_manager *tm = tm_pinned(CERTS(p.root), pins);
  expect_verify(tm, CERTS(p.leaf), "localhost", SSLB_ERR_CERT_UNKNOWN_ISSUER,
                p.leaf);
  expect_verify(tm, CERTS(p.leaf, p.inter), "www.example",
                SSLB_ERR_CERT_HOSTNAME_MISMATCH, p.leaf);
  sslb_trust_manager_free(tm);
  /* expired, with the path's own pins */
  sslb_trust_builder *b =
      builder_of((int64_t)time(NULL) + 400 * DAY, CERTS(p.root), pins);
  tm = built(b);
  expect_verify(tm, CERTS(p.leaf, p.inter), "localhost", SSLB_ERR_CERT_EXPIRED,
                p.leaf);
  sslb_trust_manager_free(tm);
  /* a self-signed certificate pinned but not trusted */
  sslb_keystore *ks = generated_store("self", SSLB_KEY_TYPE_SERVER,
                                      SSLB_KEY_ALG_EC_P256);
  sslb_certificate *self = NULL;
  cr_assert_eq(sslb_keystore_entry_certificate(ks, 0, 0, &self), 0);
  tm = tm_pinned(CERTS(p.root),
                 STRS("localhost", sslb_certificate_spki_pin(self)));
  expect_verify(tm, CERTS(self), "localhost", SSLB_ERR_CERT_SELF_SIGNED, self);
  sslb_trust_manager_free(tm);
  sslb_certificate_free(self);
  sslb_keystore_free(ks);
  free_pki(&p);
}

Test(verify, no_host_checks_no_pins) {
  pki p = make_pki("Hostless pins");
  sslb_trust_manager *tm =
      tm_pinned(CERTS(p.root), STRS("localhost", STRANGER_PIN));
  expect_verify(tm, CERTS(p.leaf, p.inter), NULL, 0, p.root);
  expect_verify(tm, CERTS(p.leaf, p.inter), "localhost",
                SSLB_ERR_CERT_PIN_MISMATCH, p.leaf);
  /* "" is a host, which no pattern covers: the name check fails it */
  expect_verify(tm, CERTS(p.leaf, p.inter), "",
                SSLB_ERR_CERT_HOSTNAME_MISMATCH, p.leaf);
  sslb_trust_manager_free(tm);
  free_pki(&p);
}

Test(verify, pin_forms_compare_by_their_bytes) {
  pki p = make_pki("Forms");
  /* the same hash without padding and in the URL-safe alphabet */
  char pin[64];
  snprintf(pin, sizeof pin, "%s", sslb_certificate_spki_pin(p.leaf));
  cr_assert_eq(strlen(pin), 51);
  cr_assert_eq(pin[50], '=');
  pin[50] = 0;
  for (char *c = pin + 7; *c; c++)
    *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
  sslb_trust_manager *tm = tm_pinned(CERTS(p.root), STRS("localhost", pin));
  expect_verify(tm, CERTS(p.leaf, p.inter), "localhost", 0, p.root);
  sslb_trust_manager_free(tm);
  free_pki(&p);
}

/* With a cross-signed intermediate two paths are trusted; the pinned key
 * may be on either. */
Test(verify, a_pinned_key_on_another_trusted_path) {
  cross_pki x = make_cross("Pin ");
  gcert old_root = x.old_root, new_root = x.new_root;
  sslb_certificate *chain[] = {x.leaf.cert, x.by_old.cert, x.by_new.cert};
  /* unpinned, the path through the old root is found first */
  sslb_trust_manager *tm = tm_of(0, CERTS(old_root.cert, new_root.cert));
  expect_verify(tm, chain, 3, "localhost", 0, old_root.cert);
  sslb_trust_manager_free(tm);
  tm = tm_pinned(CERTS(old_root.cert, new_root.cert),
                 STRS("localhost", sslb_certificate_spki_pin(new_root.cert)));
  expect_verify(tm, chain, 3, "localhost", 0, new_root.cert);
  sslb_trust_manager_free(tm);
  /* no path has it: the first trusted one is reported */
  tm = tm_pinned(CERTS(old_root.cert, new_root.cert),
                 STRS("localhost", STRANGER_PIN));
  expect_verify(tm, chain, 3, "localhost", SSLB_ERR_CERT_PIN_MISMATCH,
                old_root.cert);
  sslb_trust_manager_free(tm);
  free_cross(&x);
}

/* ------------------------------------------------------ verify callback */

typedef struct {
  int calls;
  int ret;          /* what the callback returns */
  int pass_verdict; /* return the verdict instead */
  int host_null;
  char host[256];
  size_t chain_len;
  const sslb_certificate *leaf;
  int verdict;
  char *report;
} cb_log;

static int record_cb(void *user_data, const char *host,
                     sslb_certificate *const *chain, size_t chain_len,
                     int verdict, const char *report) {
  cb_log *l = user_data;
  l->calls++;
  l->host_null = host == NULL;
  snprintf(l->host, sizeof l->host, "%s", host ? host : "");
  l->chain_len = chain_len;
  l->leaf = chain_len ? chain[0] : NULL;
  l->verdict = verdict;
  free(l->report);
  l->report = report ? strdup(report) : NULL;
  return l->pass_verdict ? verdict : l->ret;
}

static sslb_trust_manager *tm_with_cb(sslb_certificate *const *anchors,
                                      size_t n, cb_log *log, int insecure) {
  sslb_trust_builder *b = builder_of(0, anchors, n, NULL);
  cr_assert_eq(sslb_trust_builder_set_verify_callback(b, record_cb, log), 0);
  if (insecure)
    cr_assert_eq(sslb_trust_builder_insecure_trust_all(b), 0);
  return built(b);
}

Test(verify, callback_accepts_what_sslbind_rejects) {
  pki p = make_pki("Callback accepts");
  sslb_keystore *ks = generated_store("self", SSLB_KEY_TYPE_SERVER,
                                      SSLB_KEY_ALG_EC_P256);
  sslb_certificate *self = NULL;
  cr_assert_eq(sslb_keystore_entry_certificate(ks, 0, 0, &self), 0);
  cb_log log = {0};
  sslb_trust_manager *tm = tm_with_cb(CERTS(p.root), &log, 0);

  char *report = report_of(tm, CERTS(self), "localhost", 0);
  cr_expect_eq(log.calls, 1);
  cr_expect_eq(log.verdict, SSLB_ERR_CERT_SELF_SIGNED);
  cr_expect_str_eq(log.host, "localhost");
  cr_expect_eq(log.chain_len, 1);
  cr_expect_eq(log.leaf, self);
  cr_assert_not_null(log.report);
  cr_expect(starts(log.report, "host: localhost\n"), "%s", log.report);
  cr_expect_not_null(strstr(log.report, "\nresult: CERT_SELF_SIGNED: '"),
                     "%s", log.report);
  const char *line = result_of(report);
  cr_expect(starts(line, "trusted by the verify callback (sslbind's verdict: "
                         "CERT_SELF_SIGNED: '"),
            "%s", report);
  cr_expect_eq(line[strlen(line) - 1], ')', "%s", line);
  cr_expect_null(strstr(report, "trusted path:"), "%s", report);
  sslb_free(report);

  /* unknown issuer, two certificates, and no report asked for */
  cr_expect_eq(sslb_trust_manager_verify(tm, CERTS(p.leaf, self), "localhost",
                                         NULL),
               0);
  cr_expect_eq(log.calls, 2);
  cr_expect_eq(log.verdict, SSLB_ERR_CERT_UNKNOWN_ISSUER);
  cr_expect_eq(log.chain_len, 2);
  cr_expect_not_null(strstr(log.report, "result: CERT_UNKNOWN_ISSUER: "), "%s",
                     log.report);
  sslb_trust_manager_free(tm);
  free(log.report);
  sslb_certificate_free(self);
  sslb_keystore_free(ks);
  free_pki(&p);
}

Test(verify, callback_rejects_what_sslbind_accepts) {
  pki p = make_pki("Callback rejects");
  cb_log log = {.ret = 1};
  sslb_trust_manager *tm = tm_with_cb(CERTS(p.root), &log, 0);
  expect_result(tm, CERTS(p.leaf, p.inter), "localhost",
                SSLB_ERR_CERT_REJECTED,
                "CERT_REJECTED: rejected by the verify callback (sslbind's "
                "verdict: trusted)");
  cr_expect_eq(log.verdict, 0);
  cr_expect_not_null(strstr(log.report, "\nresult: trusted\n"), "%s",
                     log.report);
  cr_expect_not_null(strstr(log.report, "trusted path:\n"), "%s", log.report);
  /* a CERT_ code of the callback's own is returned as is */
  log.ret = SSLB_ERR_CERT_REVOKED;
  expect_result(tm, CERTS(p.leaf, p.inter), "localhost", SSLB_ERR_CERT_REVOKED,
                "CERT_REVOKED: rejected by the verify callback (sslbind's "
                "verdict: trusted)");
  log.ret = SSLB_ERR_CERT_REJECTED;
  cr_expect_eq(sslb_trust_manager_verify(tm, CERTS(p.leaf, p.inter),
                                         "localhost", NULL),
               SSLB_ERR_CERT_REJECTED);
  /* anything else is CERT_REJECTED: other codes, positive values */
  const int others[] = {-1, SSLB_ERR_NO_MEMORY, SSLB_ERR_TLS, 42, -1000,
                        0x7fffffff, -0x7fffffff - 1};
  for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
    log.ret = others[i];
    cr_expect_eq(sslb_trust_manager_verify(tm, CERTS(p.leaf, p.inter),
                                           "localhost", NULL),
                 SSLB_ERR_CERT_REJECTED, "callback returned %d", others[i]);
  }
  /* rejecting a rejected chain replaces the code; the report keeps
   * sslbind's */
  log.ret = 1;
  char *report = report_of(tm, CERTS(p.leaf), "localhost",
                           SSLB_ERR_CERT_REJECTED);
  cr_expect(starts(result_of(report),
                   "CERT_REJECTED: rejected by the verify callback (sslbind's "
                   "verdict: CERT_UNKNOWN_ISSUER: no path"),
            "%s", report);
  sslb_free(report);
  cr_expect_eq(SSLB_ERR_CERT_REJECTED, -42);
  cr_expect_str_eq(sslb_error_name(-42), "CERT_REJECTED");
  cr_expect_str_eq(sslb_strerror(SSLB_ERR_CERT_REJECTED),
                   "the application's verify callback rejected the "
                   "certificate");
  sslb_trust_manager_free(tm);
  free(log.report);
  free_pki(&p);
}

/* A callback that returns the verdict changes nothing, the report
 * included. */
Test(verify, callback_passing_the_verdict_through) {
  pki p = make_pki("Callback passes");
  cb_log log = {.pass_verdict = 1};
  sslb_trust_manager *tm = tm_with_cb(CERTS(p.root), &log, 0);
  expect_verify(tm, CERTS(p.leaf, p.inter), "localhost", 0, p.root);
  expect_verify(tm, CERTS(p.leaf), "localhost", SSLB_ERR_CERT_UNKNOWN_ISSUER,
                p.leaf);
  expect_verify(tm, CERTS(p.leaf, p.inter), "example.org",
                SSLB_ERR_CERT_HOSTNAME_MISMATCH, p.leaf);
  char *report = report_of(tm, CERTS(p.leaf), "localhost",
                           SSLB_ERR_CERT_UNKNOWN_ISSUER);
  cr_expect_str_eq(report, log.report);
  cr_expect_null(strstr(report, "callback"), "%s", report);
  sslb_free(report);
  sslb_trust_manager_free(tm);
  free(log.report);
  free_pki(&p);
}

Test(verify, callback_is_called_once_per_verification) {
  pki p = make_pki("Callback once");
  cb_log log = {0};
  sslb_trust_manager *tm = tm_with_cb(CERTS(p.root), &log, 0);
  int calls = 0;
  cr_expect_eq(sslb_trust_manager_verify(tm, CERTS(p.leaf, p.inter),
                                         "localhost", NULL),
               0);
  cr_expect_eq(log.calls, ++calls);
  /* the report is made for the callback even when the caller wants none */
  cr_expect_not_null(strstr(log.report, "host: localhost\nresult: trusted\n"),
                     "%s", log.report);
  expect_verify(tm, CERTS(p.leaf, p.inter), "localhost", 0, p.root);
  calls += 2; /* expect_verify verifies twice */
  cr_expect_eq(log.calls, calls);
  /* no host: the callback gets NULL and a report that says so */
  cr_expect_eq(sslb_trust_manager_verify(tm, CERTS(p.leaf, p.inter), NULL,
                                         NULL),
               0);
  cr_expect_eq(log.calls, ++calls);
  cr_expect(log.host_null);
  cr_expect(starts(log.report, "host: (not checked)\n"));
  /* invalid arguments reach no verdict and no callback */
  sslb_certificate *holey[] = {p.leaf, NULL};
  cr_expect_eq(sslb_trust_manager_verify(tm, holey, 2, "localhost", NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_trust_manager_verify(tm, NULL, 1, "localhost", NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(log.calls, calls);
  sslb_trust_manager_free(tm);

  /* a builder's callback cleared with NULL is not called */
  sslb_trust_builder *b = builder_of(0, CERTS(p.root), NULL);
  cr_assert_eq(sslb_trust_builder_set_verify_callback(b, record_cb, &log), 0);
  cr_assert_eq(sslb_trust_builder_set_verify_callback(b, NULL, &log), 0);
  tm = built(b);
  expect_verify(tm, CERTS(p.leaf), "localhost", SSLB_ERR_CERT_UNKNOWN_ISSUER,
                p.leaf);
  cr_expect_eq(log.calls, calls);
  sslb_trust_manager_free(tm);
  free(log.report);
  free_pki(&p);
}

Test(verify, callback_sees_a_pin_mismatch) {
  pki p = make_pki("Callback pins");
  cb_log log = {.ret = 0};
  sslb_trust_builder *b =
      builder_of(0, CERTS(p.root), STRS("localhost", STRANGER_PIN));
  cr_assert_eq(sslb_trust_builder_set_verify_callback(b, record_cb, &log), 0);
  sslb_trust_manager *tm = built(b);
  char *report = report_of(tm, CERTS(p.leaf, p.inter), "localhost", 0);
  cr_expect_eq(log.verdict, SSLB_ERR_CERT_PIN_MISMATCH);
  cr_expect_not_null(strstr(log.report, "\nresult: CERT_PIN_MISMATCH: "
                                        "certificate pinning failure for "
                                        "localhost: pinned " STRANGER_PIN),
                     "%s", log.report);
  cr_expect_not_null(strstr(result_of(report),
                            "trusted by the verify callback (sslbind's "
                            "verdict: CERT_PIN_MISMATCH: certificate pinning "
                            "failure for localhost"),
                     "%s", report);
  sslb_free(report);
  sslb_trust_manager_free(tm);
  free(log.report);
  free_pki(&p);
}

/* ------------------------------------------------------------ trust-all */

static sslb_trust_manager *tm_trust_all(int64_t when,
                                        sslb_certificate *const *anchors,
                                        size_t n, const char *const *pins) {
  sslb_trust_builder *b = builder_of(when, anchors, n, pins);
  cr_assert_eq(sslb_trust_builder_insecure_trust_all(b), 0);
  return built(b);
}

Test(verify, trust_all_accepts_and_reports_what_would_have_failed) {
  pki p = make_pki("Trust all");
  sslb_keystore *ks = generated_store("self", SSLB_KEY_TYPE_SERVER,
                                      SSLB_KEY_ALG_EC_P256);
  sslb_certificate *self = NULL;
  cr_assert_eq(sslb_keystore_entry_certificate(ks, 0, 0, &self), 0);
  sslb_trust_manager *tm = tm_trust_all(0, CERTS(p.root), NULL);
  cr_expect_eq(sslb_trust_manager_is_insecure(tm), 1);

  char want[1024];
  snprintf(want, sizeof want,
           "NOT VERIFIED (insecure trust-all): would have failed with "
           "CERT_SELF_SIGNED: '%s' is self-signed and is not among the 1 "
           "trusted certificates",
           sslb_certificate_subject(self));
  expect_result(tm, CERTS(self), "localhost", 0, want);
  cr_expect_eq(sslb_trust_manager_verify(tm, CERTS(self), "localhost", NULL),
               0);
  char *report = report_of(tm, CERTS(p.leaf, p.inter), "wrong.example", 0);
  cr_expect(starts(result_of(report),
                   "NOT VERIFIED (insecure trust-all): would have failed with "
                   "CERT_HOSTNAME_MISMATCH: 'wrong.example' is not"),
            "%s", report);
  cr_expect_null(strstr(report, "trusted path:"), "%s", report);
  sslb_free(report);
  /* what would have been trusted says so, with its path */
  report = report_of(tm, CERTS(p.leaf, p.inter), "localhost", 0);
  cr_expect_str_eq(result_of(report), "NOT VERIFIED (insecure trust-all): the "
                                      "chain would have been trusted");
  cr_expect_not_null(strstr(report, "trusted path:\n"), "%s", report);
  sslb_free(report);
  /* invalid arguments are still refused */
  cr_expect_eq(sslb_trust_manager_verify(tm, NULL, 1, "localhost", NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  sslb_trust_manager_free(tm);

  /* expired */
  tm = tm_trust_all((int64_t)time(NULL) + 400 * DAY, CERTS(p.root), NULL);
  report = report_of(tm, CERTS(p.leaf, p.inter), "localhost", 0);
  cr_expect(starts(result_of(report),
                   "NOT VERIFIED (insecure trust-all): would have failed with "
                   "CERT_EXPIRED: certificate ["),
            "%s", report);
  sslb_free(report);
  sslb_trust_manager_free(tm);

  /* a pin mismatch too: trust-all comes after the pins */
  tm = tm_trust_all(0, CERTS(p.root), STRS("localhost", STRANGER_PIN));
  report = report_of(tm, CERTS(p.leaf, p.inter), "localhost", 0);
  cr_expect(starts(result_of(report),
                   "NOT VERIFIED (insecure trust-all): would have failed with "
                   "CERT_PIN_MISMATCH: certificate pinning failure for "
                   "localhost"),
            "%s", report);
  sslb_free(report);
  sslb_trust_manager_free(tm);

  tm = tm_of(0, CERTS(p.root));
  cr_expect_eq(sslb_trust_manager_is_insecure(tm), 0);
  sslb_trust_manager_free(tm);
  cr_expect_eq(sslb_trust_manager_is_insecure(NULL), 0);
  sslb_certificate_free(self);
  sslb_keystore_free(ks);
  free_pki(&p);
}

/* The callback comes after trust-all: it sees 0 and the would-be failure,
 * and may still reject. */
Test(verify, trust_all_then_the_callback) {
  pki p = make_pki("Trust all callback");
  cb_log log = {.ret = 1};
  sslb_trust_manager *tm = tm_with_cb(CERTS(p.root), &log, 1);
  cr_expect_eq(sslb_trust_manager_is_insecure(tm), 1);
  char *report = report_of(tm, CERTS(p.leaf), "localhost",
                           SSLB_ERR_CERT_REJECTED);
  cr_expect_eq(log.calls, 1);
  cr_expect_eq(log.verdict, 0);
  cr_expect_not_null(strstr(log.report,
                            "\nresult: NOT VERIFIED (insecure trust-all): "
                            "would have failed with CERT_UNKNOWN_ISSUER: "),
                     "%s", log.report);
  cr_expect(starts(result_of(report),
                   "CERT_REJECTED: rejected by the verify callback (sslbind's "
                   "verdict: NOT VERIFIED (insecure trust-all): would have "
                   "failed with CERT_UNKNOWN_ISSUER: "),
            "%s", report);
  sslb_free(report);
  log.ret = 0;
  cr_expect_eq(sslb_trust_manager_verify(tm, CERTS(p.leaf), "localhost", NULL),
               0);
  cr_expect_eq(log.calls, 2);
  sslb_trust_manager_free(tm);
  free(log.report);
  free_pki(&p);
}
