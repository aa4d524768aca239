/* Trust builders and trust managers: where anchors come from (system store,
 * SSL_CERT_FILE, keystores, PEM/DER data, files and directories), CRLs,
 * the fixed clock, SPKI pins and their host patterns, the verify callback
 * and trust-all switches, reference counting, and managers that outlive
 * and stay independent of their builder. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "keystore/ks.h"
#include "support.h"
#include "tls/trust.h"
#include "tls/x509_internal.h"

#define SYSTEM_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define DAY ((int64_t)86400)

/* ------------------------------------------------------------ helpers */

static sslb_trust_builder *new_builder(int keep_defaults) {
  sslb_trust_builder *b = NULL;
  cr_assert_eq(sslb_trust_builder_new(&b), 0);
  cr_assert_not_null(b);
  if (!keep_defaults)
    cr_assert_eq(sslb_trust_builder_replace_defaults(b), 0);
  return b;
}

static sslb_trust_manager *build(sslb_trust_builder *b) {
  sslb_trust_manager *tm = NULL;
  int rc = sslb_trust_builder_build(b, &tm);
  cr_assert_eq(rc, 0, "build: %s (%s)", sslb_error_name(rc),
               sslb_trust_builder_last_error(b));
  cr_assert_not_null(tm);
  return tm;
}

/* Number of anchors a builder would give now. */
static size_t count_of(sslb_trust_builder *b) {
  sslb_trust_manager *tm = build(b);
  size_t n = sslb_trust_manager_anchor_count(tm);
  sslb_trust_manager_free(tm);
  return n;
}

static sslb_certificate *cert_of(sslb_keystore *ks, const char *alias,
                                 size_t pos) {
  sslb_certificate *c = NULL;
  cr_assert_eq(sslb_keystore_entry_certificate(ks, find_alias(ks, alias), pos,
                                               &c),
               0);
  return c;
}

/* A CA and a server leaf it issued (for localhost), in one store. */
typedef struct {
  sslb_keystore *ks;
  sslb_certificate *ca, *leaf;
} pair;

static pair make_pair(const char *ca_subject) {
  pair p = {NULL, NULL, NULL};
  cr_assert_eq(sslb_keystore_new(&p.ks), 0);
  sslb_cert_spec *spec = NULL;
  cr_assert_eq(sslb_cert_spec_new(&spec), 0);
  cr_assert_eq(sslb_cert_spec_set_key_type(spec, SSLB_KEY_TYPE_CA), 0);
  cr_assert_eq(sslb_cert_spec_set_subject(spec, ca_subject), 0);
  cr_assert_eq(sslb_keystore_generate(p.ks, "ca", spec), 0);
  sslb_cert_spec_free(spec);
  cr_assert_eq(sslb_cert_spec_new(&spec), 0);
  cr_assert_eq(sslb_cert_spec_sign_with(spec, p.ks, "ca", NULL), 0);
  cr_assert_eq(sslb_keystore_generate(p.ks, "leaf", spec), 0);
  sslb_cert_spec_free(spec);
  p.ca = cert_of(p.ks, "ca", 0);
  p.leaf = cert_of(p.ks, "leaf", 0);
  return p;
}

static void free_pair(pair *p) {
  sslb_certificate_free(p->leaf);
  sslb_certificate_free(p->ca);
  sslb_keystore_free(p->ks);
}

static int verify(sslb_trust_manager *tm, sslb_certificate *leaf,
                  const char *host) {
  sslb_certificate *chain[] = {leaf};
  return sslb_trust_manager_verify(tm, chain, 1, host, NULL);
}

static char *pem_of(const sslb_certificate *c) {
  char *pem = NULL;
  cr_assert_eq(sslb_certificate_pem(c, &pem), 0);
  return pem;
}

/* Writes dir/name and returns its path (malloc'd). */
static char *write_file(const char *dir, const char *name, const void *data,
                        size_t len) {
  char *path = NULL;
  cr_assert_geq(asprintf(&path, "%s/%s", dir, name), 0);
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f, "%s", path);
  cr_assert_eq(fwrite(data, 1, len, f), len);
  cr_assert_eq(fclose(f), 0);
  return path;
}

static char *write_pem(const char *dir, const char *name,
                       const sslb_certificate *c) {
  char *pem = pem_of(c);
  char *path = write_file(dir, name, pem, strlen(pem));
  sslb_free(pem);
  return path;
}

/* Removes a subdirectory made inside a make_temp_dir() directory. */
static void remove_subdir(const char *dir, const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  remove_dir(strdup(path));
}

/* A CRL by the CA of ks entry `ca` listing `revoked` (NULL: none). */
static blob make_crl(sslb_keystore *ks, const char *ca,
                     const sslb_certificate *revoked, int pem) {
  const sslb__entry *e = &ks->e.v[find_alias(ks, ca)];
  cr_assert_not_null(e->key);
  gnutls_x509_crt_t issuer = sslb__cert_crt(e->chain[0]);
  gnutls_x509_crl_t crl;
  cr_assert_geq(gnutls_x509_crl_init(&crl), 0);
  cr_assert_geq(gnutls_x509_crl_set_version(crl, 2), 0);
  time_t now = time(NULL);
  cr_assert_geq(gnutls_x509_crl_set_this_update(crl, now - 60), 0);
  cr_assert_geq(gnutls_x509_crl_set_next_update(crl, now + 7 * DAY), 0);
  cr_assert_geq(gnutls_x509_crl_set_number(crl, "\x01", 1), 0);
  if (revoked) {
    uint8_t serial[64];
    size_t n = sizeof serial;
    cr_assert_geq(
        gnutls_x509_crt_get_serial(sslb__cert_crt(revoked), serial, &n), 0);
    cr_assert_geq(gnutls_x509_crl_set_crt_serial(crl, serial, n, now - 30), 0);
  }
  gnutls_privkey_t pk;
  cr_assert_geq(gnutls_privkey_init(&pk), 0);
  cr_assert_geq(gnutls_privkey_import_x509(pk, e->key->k, 0), 0);
  cr_assert_geq(
      gnutls_x509_crl_privkey_sign(crl, issuer, pk, GNUTLS_DIG_SHA256, 0), 0);
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

/* A time inside the fixtures' validity (keytool made them "now", for ten
 * years): a day after the fixture CA's start. */
static int64_t fixture_time(void) {
  blob der = read_fixture("ca.der");
  sslb_certificate *ca = NULL;
  cr_assert_eq(sslb_certificate_new(&ca, der.p, der.len), 0);
  int64_t t = sslb_certificate_not_before(ca) + DAY;
  sslb_certificate_free(ca);
  blob_free(&der);
  return t;
}

/* ------------------------------------------------------- builder basics */

Test(trust_builder, new_and_free) {
  cr_expect_eq(sslb_trust_builder_new(NULL), SSLB_ERR_INVALID_ARGUMENT);
  sslb_trust_builder *b = new_builder(1);
  cr_expect_str_eq(sslb_trust_builder_last_error(b), "");
  sslb_trust_builder_free(b);
  sslb_trust_builder_free(NULL);
  cr_expect_not_null(sslb_trust_builder_last_error(NULL));
}

Test(trust_builder, replace_defaults_leaves_only_explicit_anchors) {
  sslb_trust_builder *b = new_builder(0);
  cr_expect_eq(count_of(b), 0);
  cr_expect_eq(sslb_trust_builder_replace_defaults(b), 0, "twice is fine");
  cr_expect_eq(count_of(b), 0);
  cr_expect_eq(sslb_trust_builder_replace_defaults(NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  sslb_trust_builder_free(b);
}

Test(trust_builder, defaults_are_the_system_store) {
  unsetenv("SSL_CERT_FILE");
  if (access(SYSTEM_BUNDLE, R_OK) != 0)
    cr_skip_test(SYSTEM_BUNDLE " is absent (no ca-certificates)");
  sslb_trust_builder *b = new_builder(1);
  size_t system = count_of(b);
  cr_expect_gt(system, 100, "%zu system anchors", system);
  /* explicit anchors come on top of them */
  pair p = make_pair("CN=Explicit Plus System CA");
  cr_assert_eq(sslb_trust_builder_add_certificate(b, p.ca), 0);
  cr_expect_eq(count_of(b), system + 1);
  /* and replace_defaults, even late, drops the system ones */
  cr_assert_eq(sslb_trust_builder_replace_defaults(b), 0);
  cr_expect_eq(count_of(b), 1);
  sslb_trust_builder_free(b);
  free_pair(&p);
}

Test(trust_builder, ssl_cert_file_is_honoured) {
  char *dir = make_temp_dir();
  pair a = make_pair("CN=Bundle CA A"), c = make_pair("CN=Bundle CA C");
  char *pa = pem_of(a.ca), *pc = pem_of(c.ca);
  char bundle[8192];
  snprintf(bundle, sizeof bundle, "# a comment line\n%s\n%s", pa, pc);
  char *path = write_file(dir, "bundle.pem", bundle, strlen(bundle));
  cr_assert_eq(setenv("SSL_CERT_FILE", path, 1), 0);

  sslb_trust_builder *b = new_builder(1);
  sslb_trust_manager *tm = build(b);
  cr_expect_eq(sslb_trust_manager_anchor_count(tm), 2);
  cr_expect_eq(verify(tm, a.leaf, "localhost"), 0);
  cr_expect_eq(verify(tm, c.leaf, "localhost"), 0);
  sslb_trust_manager_free(tm);
  /* an explicit anchor that the bundle holds too counts once */
  cr_assert_eq(sslb_trust_builder_add_certificate(b, a.ca), 0);
  cr_expect_eq(count_of(b), 2);
  cr_assert_eq(sslb_trust_builder_add_certificate(b, a.leaf), 0);
  cr_expect_eq(count_of(b), 3);
  sslb_trust_builder_free(b);

  unsetenv("SSL_CERT_FILE");
  sslb_free(pa);
  sslb_free(pc);
  free(path);
  free_pair(&c);
  free_pair(&a);
  remove_dir(dir);
}

Test(trust_builder, ssl_cert_file_missing_fails_the_build) {
  char *dir = make_temp_dir();
  char path[1024];
  snprintf(path, sizeof path, "%s/no-such-bundle.pem", dir);
  cr_assert_eq(setenv("SSL_CERT_FILE", path, 1), 0);
  sslb_trust_builder *b = new_builder(1);
  sslb_trust_manager *tm = (sslb_trust_manager *)&tm; /* not NULL */
  cr_expect_eq(sslb_trust_builder_build(b, &tm), SSLB_ERR_IO);
  cr_expect_null(tm);
  const char *msg = sslb_trust_builder_last_error(b);
  cr_expect_not_null(strstr(msg, path), "message: %s", msg);
  cr_expect_not_null(strstr(msg, "SSL_CERT_FILE"), "message: %s", msg);
  /* without the defaults the bundle is not needed */
  cr_assert_eq(sslb_trust_builder_replace_defaults(b), 0);
  cr_expect_eq(count_of(b), 0);
  sslb_trust_builder_free(b);
  unsetenv("SSL_CERT_FILE");
  remove_dir(dir);
}

Test(trust_builder, ssl_cert_file_corrupt_fails_the_build) {
  char *dir = make_temp_dir();
  static const char corrupt[] =
      "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
  char *path = write_file(dir, "corrupt.pem", corrupt, sizeof corrupt - 1);
  cr_assert_eq(setenv("SSL_CERT_FILE", path, 1), 0);
  sslb_trust_builder *b = new_builder(1);
  sslb_trust_manager *tm = NULL;
  cr_expect_eq(sslb_trust_builder_build(b, &tm), SSLB_ERR_IO);
  cr_expect_null(tm);
  const char *msg = sslb_trust_builder_last_error(b);
  cr_expect_not_null(strstr(msg, path), "message: %s", msg);
  sslb_trust_builder_free(b);
  unsetenv("SSL_CERT_FILE");
  free(path);
  remove_dir(dir);
}

Test(trust_builder, empty_ssl_cert_file_means_the_default) {
  cr_assert_eq(setenv("SSL_CERT_FILE", "", 1), 0);
  if (access(SYSTEM_BUNDLE, R_OK) != 0)
    cr_skip_test(SYSTEM_BUNDLE " is absent (no ca-certificates)");
  sslb_trust_builder *b = new_builder(1);
  cr_expect_gt(count_of(b), 100);
  sslb_trust_builder_free(b);
  unsetenv("SSL_CERT_FILE");
}

/* ------------------------------------------------------------ keystores */

Test(trust_builder, add_keystore_fixtures) {
  sslb_keystore *jks = load_fixture("small.jks", STORE_PW);
  sslb_keystore *p12 = load_fixture("small.p12", STORE_PW);
  sslb_trust_builder *b = new_builder(0);
  cr_assert_eq(sslb_trust_builder_add_keystore(b, jks), 0);
  /* the trusted CA and the leaf of the key entry */
  cr_expect_eq(count_of(b), 2);
  cr_assert_eq(sslb_trust_builder_add_keystore(b, jks), 0);
  cr_expect_eq(count_of(b), 2, "the same store twice adds nothing");
  cr_assert_eq(sslb_trust_builder_add_keystore(b, p12), 0);
  /* same CA, another server leaf */
  cr_expect_eq(count_of(b), 3);
  cr_assert_eq(sslb_trust_builder_set_time(b, fixture_time()), 0);
  sslb_trust_manager *tm = build(b);
  sslb_trust_builder_free(b);

  /* both servers verify for the names keytool gave them */
  sslb_certificate *js = cert_of(jks, "server", 0),
                   *ps = cert_of(p12, "server", 0);
  cr_expect_eq(verify(tm, js, "localhost"), 0);
  cr_expect_eq(verify(tm, js, "127.0.0.1"), 0);
  cr_expect_eq(verify(tm, ps, "localhost"), 0);
  cr_expect_eq(verify(tm, js, "example.com"), SSLB_ERR_CERT_HOSTNAME_MISMATCH);
  sslb_trust_manager_free(tm);

  /* only the CA (from the PEM fixture): the servers verify through it */
  b = new_builder(0);
  cr_assert_eq(sslb_trust_builder_add_file(b, fixture_path("ca.pem")), 0);
  cr_assert_eq(sslb_trust_builder_set_time(b, fixture_time()), 0);
  tm = build(b);
  sslb_trust_builder_free(b);
  cr_expect_eq(sslb_trust_manager_anchor_count(tm), 1);
  cr_expect_eq(verify(tm, js, "localhost"), 0);
  cr_expect_eq(verify(tm, ps, "localhost"), 0);
  sslb_trust_manager_free(tm);

  sslb_certificate_free(ps);
  sslb_certificate_free(js);
  sslb_keystore_free(p12);
  sslb_keystore_free(jks);
}

Test(trust_builder, add_keystore_skips_secret_keys) {
  sslb_keystore *ks = load_fixture("small.jceks", STORE_PW);
  cr_assert_eq(sslb_keystore_size(ks), 3, "aes, ca, eckey");
  sslb_trust_builder *b = new_builder(0);
  cr_assert_eq(sslb_trust_builder_add_keystore(b, ks), 0);
  cr_expect_eq(count_of(b), 2);
  sslb_trust_builder_free(b);
  sslb_keystore_free(ks);
}

Test(trust_builder, add_keystore_with_a_chain_adds_only_the_leaf) {
  pair p = make_pair("CN=Leaf Only CA");
  /* a store with just the leaf's key entry (chain leaf + CA) */
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  size_t li = find_alias(p.ks, "leaf");
  cr_assert_eq(sslb_keystore_entry_chain_length(p.ks, li), 2);
  blob key = entry_key_pem(p.ks, li, NULL, 0);
  blob chain = entry_chain_pem(p.ks, li);
  cr_assert_eq(sslb_keystore_add_private_key(ks, "leaf", key.p, key.len, NULL,
                                             chain.p, chain.len),
               0);
  sslb_trust_builder *b = new_builder(0);
  cr_assert_eq(sslb_trust_builder_add_keystore(b, ks), 0);
  sslb_trust_manager *tm = build(b);
  cr_expect_eq(sslb_trust_manager_anchor_count(tm), 1);
  /* the leaf is trusted as itself; the CA is not an anchor */
  cr_expect_eq(verify(tm, p.leaf, "localhost"), 0);
  pair other = make_pair("CN=Leaf Only CA");
  cr_expect_eq(verify(tm, other.leaf, "localhost"),
               SSLB_ERR_CERT_UNKNOWN_ISSUER);
  sslb_trust_manager_free(tm);
  sslb_trust_builder_free(b);
  free_pair(&other);
  blob_free(&chain);
  blob_free(&key);
  sslb_keystore_free(ks);
  free_pair(&p);
}

Test(trust_builder, add_keystore_invalid_arguments) {
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  sslb_trust_builder *b = new_builder(0);
  cr_expect_eq(sslb_trust_builder_add_keystore(NULL, ks),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_trust_builder_add_keystore(b, NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_not_null(strstr(sslb_trust_builder_last_error(b), "NULL"), "%s",
                     sslb_trust_builder_last_error(b));
  cr_expect_eq(sslb_trust_builder_add_keystore(b, ks), 0, "an empty store");
  cr_expect_eq(count_of(b), 0);
  sslb_trust_builder_free(b);
  sslb_keystore_free(ks);
}

/* ------------------------------------------------------------ data */

Test(trust_builder, add_data_pem_bundle_and_der) {
  blob ca_pem = read_fixture("ca.pem"), ca_der = read_fixture("ca.der");
  pair a = make_pair("CN=Data CA A"), c = make_pair("CN=Data CA C");
  char *pa = pem_of(a.ca), *pc = pem_of(c.ca);
  char bundle[8192];
  snprintf(bundle, sizeof bundle, "%s%s%s", (char *)ca_pem.p, pa, pc);

  sslb_trust_builder *b = new_builder(0);
  cr_assert_eq(sslb_trust_builder_add_data(b, (const uint8_t *)bundle,
                                           strlen(bundle)),
               0);
  cr_expect_eq(count_of(b), 3);
  /* the fixture CA again, as DER: counted once */
  cr_assert_eq(sslb_trust_builder_add_data(b, ca_der.p, ca_der.len), 0);
  cr_expect_eq(count_of(b), 3);
  sslb_trust_manager *tm = build(b);
  cr_expect_eq(verify(tm, a.leaf, "localhost"), 0);
  cr_expect_eq(verify(tm, c.leaf, "localhost"), 0);
  sslb_trust_manager_free(tm);
  sslb_trust_builder_free(b);

  b = new_builder(0);
  cr_assert_eq(sslb_trust_builder_add_data(b, ca_der.p, ca_der.len), 0);
  cr_expect_eq(count_of(b), 1);
  sslb_trust_builder_free(b);

  sslb_free(pa);
  sslb_free(pc);
  free_pair(&c);
  free_pair(&a);
  blob_free(&ca_der);
  blob_free(&ca_pem);
}

Test(trust_builder, add_data_refuses_what_holds_no_certificate) {
  sslb_trust_builder *b = new_builder(0);
  blob ca_der = read_fixture("ca.der");
  cr_assert_eq(sslb_trust_builder_add_data(b, ca_der.p, ca_der.len), 0);

  static const char garbage[] = "this is not a certificate at all";
  cr_expect_eq(sslb_trust_builder_add_data(b, (const uint8_t *)garbage,
                                           sizeof garbage - 1),
               SSLB_ERR_CERTIFICATE);
  cr_expect_not_null(strstr(sslb_trust_builder_last_error(b),
                            "certificate data"),
                     "%s", sslb_trust_builder_last_error(b));
  static const uint8_t bad_der[] = {0x30, 0x82, 0x01, 0x00, 0x30, 0x03, 0x02};
  cr_expect_eq(sslb_trust_builder_add_data(b, bad_der, sizeof bad_der),
               SSLB_ERR_CERTIFICATE);
  /* PEM text, but only a key */
  sslb_keystore *ks = generated_store("k", SSLB_KEY_TYPE_SERVER,
                                      SSLB_KEY_ALG_EC_P256);
  blob key = entry_key_pem(ks, 0, NULL, 0);
  cr_expect_eq(sslb_trust_builder_add_data(b, key.p, key.len),
               SSLB_ERR_CERTIFICATE);
  cr_expect_not_null(strstr(sslb_trust_builder_last_error(b),
                            "holds no certificate"),
                     "%s", sslb_trust_builder_last_error(b));
  static const char no_pem[] =
      "-----BEGIN NOTHING-----\n-----END NOTHING-----\n";
  cr_expect_eq(sslb_trust_builder_add_data(b, (const uint8_t *)no_pem,
                                           sizeof no_pem - 1),
               SSLB_ERR_CERTIFICATE);
  /* a bundle with one broken certificate adds none of them */
  pair p = make_pair("CN=Half Broken Bundle CA");
  char *pem = pem_of(p.ca);
  char bundle[8192];
  snprintf(bundle, sizeof bundle,
           "%s-----BEGIN CERTIFICATE-----\nMIIBroken!!\n"
           "-----END CERTIFICATE-----\n",
           pem);
  cr_expect_eq(sslb_trust_builder_add_data(b, (const uint8_t *)bundle,
                                           strlen(bundle)),
               SSLB_ERR_CERTIFICATE);
  /* a block without its END line */
  snprintf(bundle, sizeof bundle, "%.*s", (int)(strstr(pem, "-----END") - pem),
           pem);
  cr_expect_eq(sslb_trust_builder_add_data(b, (const uint8_t *)bundle,
                                           strlen(bundle)),
               SSLB_ERR_CERTIFICATE);

  cr_expect_eq(sslb_trust_builder_add_data(b, NULL, 10),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_trust_builder_add_data(b, ca_der.p, 0),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_trust_builder_add_data(NULL, ca_der.p, ca_der.len),
               SSLB_ERR_INVALID_ARGUMENT);
  /* the failures left the builder as it was */
  cr_expect_eq(count_of(b), 1);
  sslb_free(pem);
  free_pair(&p);
  blob_free(&key);
  sslb_keystore_free(ks);
  blob_free(&ca_der);
  sslb_trust_builder_free(b);
}

Test(trust_builder, add_certificate) {
  pair p = make_pair("CN=Add Certificate CA");
  sslb_trust_builder *b = new_builder(0);
  cr_expect_eq(sslb_trust_builder_add_certificate(NULL, p.ca),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_trust_builder_add_certificate(b, NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_trust_builder_add_certificate(b, p.ca), 0);
  cr_assert_eq(sslb_trust_builder_add_certificate(b, p.ca), 0);
  cr_expect_eq(count_of(b), 1);
  /* the builder holds its own reference */
  sslb_certificate *leaf = sslb_certificate_ref(p.leaf);
  free_pair(&p);
  sslb_trust_manager *tm = build(b);
  cr_expect_eq(verify(tm, leaf, "localhost"), 0);
  sslb_trust_manager_free(tm);
  sslb_trust_builder_free(b);
  sslb_certificate_free(leaf);
}

/* ------------------------------------------------------------ files */

Test(trust_builder, add_file_pem_and_der) {
  sslb_trust_builder *b = new_builder(0);
  cr_assert_eq(sslb_trust_builder_add_file(b, fixture_path("ca.pem")), 0);
  cr_expect_eq(count_of(b), 1);
  cr_assert_eq(sslb_trust_builder_add_file(b, fixture_path("ca.der")), 0);
  cr_expect_eq(count_of(b), 1, "the same CA");
  cr_expect_eq(sslb_trust_builder_add_file(b, fixture_path("fixtures.tsv")),
               SSLB_ERR_CERTIFICATE);
  cr_expect_not_null(strstr(sslb_trust_builder_last_error(b), "fixtures.tsv"),
                     "%s", sslb_trust_builder_last_error(b));
  cr_expect_eq(sslb_trust_builder_add_file(b, NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_trust_builder_add_file(NULL, fixture_path("ca.pem")),
               SSLB_ERR_INVALID_ARGUMENT);
  sslb_trust_builder_free(b);
}

Test(trust_builder, add_file_missing_path) {
  char *dir = make_temp_dir();
  char path[1024];
  snprintf(path, sizeof path, "%s/missing.pem", dir);
  sslb_trust_builder *b = new_builder(0);
  cr_expect_eq(sslb_trust_builder_add_file(b, path), SSLB_ERR_IO);
  cr_expect_not_null(strstr(sslb_trust_builder_last_error(b), path), "%s",
                     sslb_trust_builder_last_error(b));
  cr_expect_eq(count_of(b), 0);
  sslb_trust_builder_free(b);
  remove_dir(dir);
}

Test(trust_builder, add_file_directory) {
  char *dir = make_temp_dir();
  pair a = make_pair("CN=Dir CA A"), c = make_pair("CN=Dir CA C"),
       d = make_pair("CN=Dir CA D"), h = make_pair("CN=Dir CA H"),
       x = make_pair("CN=Dir CA Ignored");
  free(write_pem(dir, "a.pem", a.ca));
  free(write_pem(dir, "c.crt", c.ca));
  const uint8_t *der;
  size_t der_len;
  cr_assert_eq(sslb_certificate_der(d.ca, &der, &der_len), 0);
  free(write_file(dir, "d.der", der, der_len));
  free(write_pem(dir, "5d30f3c5.0", h.ca)); /* c_rehash's hashed name */
  /* other extensions and hidden files are not read */
  free(write_pem(dir, "x.txt", x.ca));
  free(write_pem(dir, ".hidden.pem", x.ca));
  free(write_file(dir, "README", "not a certificate\n", 18));
  sslb_trust_builder *b = new_builder(0);
  cr_assert_eq(sslb_trust_builder_add_file(b, dir), 0, "%s",
               sslb_trust_builder_last_error(b));
  sslb_trust_manager *tm = build(b);
  cr_expect_eq(sslb_trust_manager_anchor_count(tm), 4);
  cr_expect_eq(verify(tm, a.leaf, "localhost"), 0);
  cr_expect_eq(verify(tm, c.leaf, "localhost"), 0);
  cr_expect_eq(verify(tm, d.leaf, "localhost"), 0);
  cr_expect_eq(verify(tm, h.leaf, "localhost"), 0);
  cr_expect_eq(verify(tm, x.leaf, "localhost"), SSLB_ERR_CERT_UNKNOWN_ISSUER);
  sslb_trust_manager_free(tm);
  sslb_trust_builder_free(b);
  free_pair(&x);
  free_pair(&h);
  free_pair(&d);
  free_pair(&c);
  free_pair(&a);
  remove_dir(dir);
}

Test(trust_builder, add_file_directory_without_certificates) {
  char *dir = make_temp_dir();
  sslb_trust_builder *b = new_builder(0);
  cr_expect_eq(sslb_trust_builder_add_file(b, dir), SSLB_ERR_CERTIFICATE);
  cr_expect_not_null(strstr(sslb_trust_builder_last_error(b), dir), "%s",
                     sslb_trust_builder_last_error(b));
  free(write_file(dir, "notes.txt", "hello\n", 6));
  cr_expect_eq(sslb_trust_builder_add_file(b, dir), SSLB_ERR_CERTIFICATE);
  /* a subdirectory named like a certificate is not a file */
  char sub[1024];
  snprintf(sub, sizeof sub, "%s/sub.pem", dir);
  cr_assert_eq(mkdir(sub, 0700), 0);
  cr_expect_eq(sslb_trust_builder_add_file(b, dir), SSLB_ERR_CERTIFICATE);
  remove_subdir(dir, "sub.pem");
  /* a file with a certificate's name but no certificate */
  free(write_file(dir, "broken.pem", "garbage\n", 8));
  cr_expect_eq(sslb_trust_builder_add_file(b, dir), SSLB_ERR_CERTIFICATE);
  cr_expect_not_null(strstr(sslb_trust_builder_last_error(b), "broken.pem"),
                     "%s", sslb_trust_builder_last_error(b));
  cr_expect_eq(count_of(b), 0);
  sslb_trust_builder_free(b);
  remove_dir(dir);
}

/* ------------------------------------------------------------ CRLs and time */

Test(trust_builder, add_crl) {
  pair p = make_pair("CN=CRL Builder CA");
  blob der = make_crl(p.ks, "ca", p.leaf, 0);
  blob pem = make_crl(p.ks, "ca", NULL, 1);
  sslb_trust_builder *b = new_builder(0);
  cr_assert_eq(sslb_trust_builder_add_certificate(b, p.ca), 0);
  cr_expect_eq(sslb_trust_builder_add_crl(b, pem.p, pem.len), 0);
  sslb_trust_manager *before = build(b);
  cr_expect_eq(sslb_trust_builder_add_crl(b, der.p, der.len), 0);
  sslb_trust_manager *after = build(b);
  cr_expect_eq(verify(before, p.leaf, "localhost"), 0);
  cr_expect_eq(verify(after, p.leaf, "localhost"), SSLB_ERR_CERT_REVOKED);

  static const char garbage[] = "not a CRL";
  cr_expect_eq(sslb_trust_builder_add_crl(b, (const uint8_t *)garbage,
                                          sizeof garbage - 1),
               SSLB_ERR_CERTIFICATE);
  cr_expect_not_null(strstr(sslb_trust_builder_last_error(b), "CRL"), "%s",
                     sslb_trust_builder_last_error(b));
  static const char bad_pem[] =
      "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n";
  cr_expect_eq(sslb_trust_builder_add_crl(b, (const uint8_t *)bad_pem,
                                          sizeof bad_pem - 1),
               SSLB_ERR_CERTIFICATE);
  /* a certificate is not a CRL */
  const uint8_t *cder;
  size_t clen;
  cr_assert_eq(sslb_certificate_der(p.ca, &cder, &clen), 0);
  cr_expect_eq(sslb_trust_builder_add_crl(b, cder, clen), SSLB_ERR_CERTIFICATE);
  cr_expect_eq(sslb_trust_builder_add_crl(b, NULL, 5),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_trust_builder_add_crl(b, der.p, 0),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_trust_builder_add_crl(NULL, der.p, der.len),
               SSLB_ERR_INVALID_ARGUMENT);
  /* the refused ones changed nothing */
  sslb_trust_manager *again = build(b);
  cr_expect_eq(verify(again, p.leaf, "localhost"), SSLB_ERR_CERT_REVOKED);
  sslb_trust_manager_free(again);
  sslb_trust_manager_free(after);
  sslb_trust_manager_free(before);
  sslb_trust_builder_free(b);
  blob_free(&pem);
  blob_free(&der);
  free_pair(&p);
}

Test(trust_builder, set_time) {
  pair p = make_pair("CN=Set Time CA");
  sslb_trust_builder *b = new_builder(0);
  cr_expect_eq(sslb_trust_builder_set_time(b, -1), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_trust_builder_set_time(b, INT64_MIN),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_trust_builder_set_time(NULL, 0), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_trust_builder_add_certificate(b, p.ca), 0);
  int64_t now = (int64_t)time(NULL);
  cr_assert_eq(sslb_trust_builder_set_time(b, now + 10 * DAY), 0);
  sslb_trust_manager *later = build(b);
  cr_assert_eq(sslb_trust_builder_set_time(b, 0), 0, "back to the clock");
  sslb_trust_manager *clock = build(b);
  cr_assert_eq(sslb_trust_builder_set_time(b, 1), 0, "1970");
  sslb_trust_manager *early = build(b);
  /* the builder's default is 3 days */
  cr_expect_eq(verify(later, p.leaf, "localhost"), SSLB_ERR_CERT_EXPIRED);
  cr_expect_eq(verify(clock, p.leaf, "localhost"), 0);
  cr_expect_eq(verify(early, p.leaf, "localhost"), SSLB_ERR_CERT_NOT_YET_VALID);
  sslb_trust_manager_free(early);
  sslb_trust_manager_free(clock);
  sslb_trust_manager_free(later);
  sslb_trust_builder_free(b);
  free_pair(&p);
}

/* ------------------------------------------------------------ managers */

Test(trust_manager, build_arguments) {
  sslb_trust_builder *b = new_builder(0);
  sslb_trust_manager *tm = NULL;
  cr_expect_eq(sslb_trust_builder_build(NULL, &tm), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_null(tm);
  cr_expect_eq(sslb_trust_builder_build(b, NULL), SSLB_ERR_INVALID_ARGUMENT);
  sslb_trust_builder_free(b);
}

Test(trust_manager, ref_and_free) {
  pair p = make_pair("CN=Refcount CA");
  sslb_trust_builder *b = new_builder(0);
  cr_assert_eq(sslb_trust_builder_add_certificate(b, p.ca), 0);
  sslb_trust_manager *tm = build(b);
  sslb_trust_builder_free(b);
  cr_expect_eq(sslb_trust_manager_ref(tm), tm);
  cr_expect_eq(sslb_trust_manager_ref(tm), tm);
  sslb_trust_manager_free(tm);
  sslb_trust_manager_free(tm);
  /* one reference left: still usable */
  cr_expect_eq(sslb_trust_manager_anchor_count(tm), 1);
  cr_expect_eq(verify(tm, p.leaf, "localhost"), 0);
  sslb_trust_manager_free(tm);
  cr_expect_null(sslb_trust_manager_ref(NULL));
  sslb_trust_manager_free(NULL);
  cr_expect_eq(sslb_trust_manager_anchor_count(NULL), 0);
  free_pair(&p);
}

Test(trust_manager, outlives_its_builder_and_anchors) {
  pair p = make_pair("CN=Outlive CA");
  sslb_certificate *leaf = sslb_certificate_ref(p.leaf);
  blob crl = make_crl(p.ks, "ca", NULL, 0);
  sslb_trust_builder *b = new_builder(0);
  cr_assert_eq(sslb_trust_builder_add_keystore(b, p.ks), 0);
  cr_assert_eq(sslb_trust_builder_add_crl(b, crl.p, crl.len), 0);
  sslb_trust_manager *tm = build(b);
  sslb_trust_builder_free(b);
  free_pair(&p);
  blob_free(&crl);
  cr_expect_eq(sslb_trust_manager_anchor_count(tm), 2);
  cr_expect_eq(verify(tm, leaf, "localhost"), 0);
  sslb_trust_manager_free(tm);
  sslb_certificate_free(leaf);
}

Test(trust_manager, builds_are_independent) {
  pair a = make_pair("CN=Independent CA A");
  pair c = make_pair("CN=Independent CA C");
  sslb_trust_builder *b = new_builder(0);
  cr_assert_eq(sslb_trust_builder_add_certificate(b, a.ca), 0);
  sslb_trust_manager *first = build(b);
  /* the builder goes on: another anchor, a CRL, a clock */
  cr_assert_eq(sslb_trust_builder_add_certificate(b, c.ca), 0);
  blob crl = make_crl(a.ks, "ca", a.leaf, 0);
  cr_assert_eq(sslb_trust_builder_add_crl(b, crl.p, crl.len), 0);
  sslb_trust_manager *second = build(b);
  cr_assert_neq(first, second);
  cr_assert_eq(sslb_trust_builder_set_time(b, (int64_t)time(NULL) + 10 * DAY),
               0);
  sslb_trust_manager *third = build(b);
  sslb_trust_builder_free(b);

  cr_expect_eq(sslb_trust_manager_anchor_count(first), 1);
  cr_expect_eq(sslb_trust_manager_anchor_count(second), 2);
  cr_expect_eq(verify(first, a.leaf, "localhost"), 0);
  cr_expect_eq(verify(first, c.leaf, "localhost"),
               SSLB_ERR_CERT_UNKNOWN_ISSUER);
  cr_expect_eq(verify(second, a.leaf, "localhost"), SSLB_ERR_CERT_REVOKED);
  cr_expect_eq(verify(second, c.leaf, "localhost"), 0);
  cr_expect_eq(verify(third, c.leaf, "localhost"), SSLB_ERR_CERT_EXPIRED);
  sslb_trust_manager_free(first);
  cr_expect_eq(verify(second, c.leaf, "localhost"), 0);
  sslb_trust_manager_free(third);
  sslb_trust_manager_free(second);
  blob_free(&crl);
  free_pair(&c);
  free_pair(&a);
}

/* A manager is shared between threads: concurrent verifications agree. */
typedef struct {
  sslb_trust_manager *tm;
  sslb_certificate *good, *bad;
  int failures;
} shared;

static void *verify_many(void *arg) {
  shared *s = arg;
  for (int i = 0; i < 25; i++) {
    if (verify(s->tm, s->good, "localhost") != 0)
      __atomic_add_fetch(&s->failures, 1, __ATOMIC_RELAXED);
    if (verify(s->tm, s->bad, "localhost") != SSLB_ERR_CERT_REVOKED)
      __atomic_add_fetch(&s->failures, 1, __ATOMIC_RELAXED);
  }
  return NULL;
}

Test(trust_manager, shared_between_threads) {
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  generate_into(ks, "ca", SSLB_KEY_TYPE_CA, SSLB_KEY_ALG_EC_P256);
  sslb_cert_spec *spec = NULL;
  cr_assert_eq(sslb_cert_spec_new(&spec), 0);
  cr_assert_eq(sslb_cert_spec_sign_with(spec, ks, "ca", NULL), 0);
  cr_assert_eq(sslb_keystore_generate(ks, "good", spec), 0);
  cr_assert_eq(sslb_keystore_generate(ks, "bad", spec), 0);
  sslb_cert_spec_free(spec);
  shared s = {NULL, cert_of(ks, "good", 0), cert_of(ks, "bad", 0), 0};
  sslb_certificate *ca = cert_of(ks, "ca", 0);
  blob crl = make_crl(ks, "ca", s.bad, 1);
  sslb_trust_builder *b = new_builder(0);
  cr_assert_eq(sslb_trust_builder_add_certificate(b, ca), 0);
  cr_assert_eq(sslb_trust_builder_add_crl(b, crl.p, crl.len), 0);
  s.tm = build(b);
  sslb_trust_builder_free(b);
  pthread_t t[4];
  for (int i = 0; i < 4; i++)
    cr_assert_eq(pthread_create(&t[i], NULL, verify_many, &s), 0);
  for (int i = 0; i < 4; i++)
    pthread_join(t[i], NULL);
  cr_expect_eq(s.failures, 0);
  sslb_trust_manager_free(s.tm);
  blob_free(&crl);
  sslb_certificate_free(ca);
  sslb_certificate_free(s.bad);
  sslb_certificate_free(s.good);
  sslb_keystore_free(ks);
}

/* ------------------------------------------------------------ pins */

#define PIN_A "sha256/7rt3yDYyXkaBkxGQBMN2SlRGPKAWNwJHXRITDiIek2U="
/* 32 bytes of zeros; 20 bytes (a SHA-1's length) */
#define PIN_ZERO "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define B64_20 "AAAAAAAAAAAAAAAAAAAAAAAAAAA="

/* add_pin refuses `pattern`/`pin` with INVALID_ARGUMENT and a message
 * containing `says`. */
static void expect_refused(const char *pattern, const char *pin,
                           const char *says) {
  sslb_trust_builder *b = new_builder(0);
  int rc = sslb_trust_builder_add_pin(b, pattern, pin);
  cr_expect_eq(rc, SSLB_ERR_INVALID_ARGUMENT, "'%s' '%s': %s",
               pattern ? pattern : "(null)", pin ? pin : "(null)",
               sslb_error_name(rc));
  cr_expect_not_null(strstr(sslb_trust_builder_last_error(b), says),
                     "'%s' '%s': message '%s' lacks '%s'",
                     pattern ? pattern : "(null)", pin ? pin : "(null)",
                     sslb_trust_builder_last_error(b), says);
  sslb_trust_builder_free(b);
}

Test(trust_builder, add_pin_refuses_bad_patterns) {
  cr_expect_eq(sslb_trust_builder_add_pin(NULL, "example.com", PIN_A),
               SSLB_ERR_INVALID_ARGUMENT);
  expect_refused(NULL, PIN_A, "host pattern is NULL");
  expect_refused("", PIN_A, "host pattern is empty");
  const char *leading[] = {"*", "**", "*example.com", "**example.com",
                           "***.example.com", "*-a.example.com"};
  for (size_t i = 0; i < sizeof leading / sizeof leading[0]; i++)
    expect_refused(leading[i], PIN_A, "a wildcard must be a whole leftmost "
                                      "label");
  const char *inner[] = {"a.*.example.com", "*.*.example.com", "example.*",
                         "**.*.example.com", "a*.example.com",
                         "*.ex*ample.com"};
  for (size_t i = 0; i < sizeof inner / sizeof inner[0]; i++)
    expect_refused(inner[i], PIN_A, "'*' may only appear as the leftmost");
  expect_refused("*.", PIN_A, "no domain after the wildcard");
  expect_refused("**.", PIN_A, "no domain after the wildcard");
  expect_refused(".", PIN_A, "has no host name");
  expect_refused(".example.com", PIN_A, "empty label");
  expect_refused("example..com", PIN_A, "empty label");
  expect_refused("*..example.com", PIN_A, "empty label");
  expect_refused("example.com..", PIN_A, "empty label");
  expect_refused("exa mple.com", PIN_A, "the character 0x20");
  expect_refused("example.com/path", PIN_A, "contains '/'");
  expect_refused("user@example.com", PIN_A, "contains '@'");
  expect_refused("example.com:443", PIN_A, "contains ':'");
  expect_refused("tab\t.example.com", PIN_A, "the character 0x09");
  expect_refused("b\xc3\xbc"
                 "cher.example",
                 PIN_A, "xn-- form");
  char longname[300];
  memset(longname, 'a', sizeof longname - 1);
  longname[sizeof longname - 1] = 0;
  for (size_t i = 60; i < sizeof longname - 1; i += 60)
    longname[i] = '.';
  expect_refused(longname, PIN_A, "longer than a host name");
  longname[254] = 0; /* 254 characters: one too many */
  expect_refused(longname, PIN_A, "longer than a host name");
  longname[253] = 0;
  sslb_trust_builder *b = new_builder(0);
  cr_expect_eq(sslb_trust_builder_add_pin(b, longname, PIN_A), 0, "%s",
               sslb_trust_builder_last_error(b));
  sslb_trust_builder_free(b);
}

Test(trust_builder, add_pin_refuses_bad_pins) {
  expect_refused("example.com", NULL, "pin is NULL");
  expect_refused("example.com", "sha1/" B64_20, "SHA-1 pins are not supported");
  expect_refused("example.com", "", "does not start with 'sha256/'");
  expect_refused("example.com", "7rt3yDYyXkaBkxGQBMN2SlRGPKAWNwJHXRITDiIek2U=",
                 "does not start with 'sha256/'");
  expect_refused("example.com",
                 "SHA256/7rt3yDYyXkaBkxGQBMN2SlRGPKAWNwJHXRITDiIek2U=",
                 "does not start with 'sha256/'");
  expect_refused("example.com", "sha512/" B64_20,
                 "does not start with 'sha256/'");
  expect_refused("example.com", "sha256/", "decodes to 0 bytes");
  expect_refused("example.com", "sha256/" B64_20, "decodes to 20 bytes");
  expect_refused("example.com",
                 "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                 "decodes to 36 bytes");
  const char *not_b64[] = {
      "sha256/7rt3yDYyXkaBkxGQBMN2SlRGPKAWNwJHXRITDiIek2U==",
      "sha256/7rt3yDYyXkaBkxGQBMN2SlRGPKAWNwJHXRITDiIek2U===",
      "sha256/7rt3yDYyXkaBkxGQBMN2SlRG=KAWNwJHXRITDiIek2U=",
      "sha256/ 7rt3yDYyXkaBkxGQBMN2SlRGPKAWNwJHXRITDiIek2U=",
      "sha256/7rt3yDYyXkaBkxGQBMN2SlRGPKAWNwJHXRITDiIek2U=\n",
      "sha256/7rt3yDYyXkaBkxGQBMN2SlRGPKAWNwJHXRITDiIek2U!",
      "sha256/7rt3yDYyXkaBkxGQBMN2SlRGPKAWNwJHXRITDiIek2UAB",
  };
  for (size_t i = 0; i < sizeof not_b64 / sizeof not_b64[0]; i++)
    expect_refused("example.com", not_b64[i], "is not base64");
}

Test(trust_builder, add_pin_accepts) {
  sslb_trust_builder *b = new_builder(0);
  const char *patterns[] = {"example.com",
                            "EXAMPLE.com.",
                            "*.example.com",
                            "**.example.com",
                            "localhost",
                            "127.0.0.1",
                            "::1",
                            "[2001:db8::1]",
                            "xn--bcher-kva.example",
                            "_srv.example.com",
                            "**.com"};
  for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++)
    cr_expect_eq(sslb_trust_builder_add_pin(b, patterns[i], PIN_A), 0,
                 "'%s': %s", patterns[i], sslb_trust_builder_last_error(b));
  /* several pins per pattern; other spellings of the same bytes */
  cr_expect_eq(sslb_trust_builder_add_pin(b, "example.com", PIN_ZERO), 0);
  cr_expect_eq(sslb_trust_builder_add_pin(
                   b, "example.com",
                   "sha256/7rt3yDYyXkaBkxGQBMN2SlRGPKAWNwJHXRITDiIek2U"),
               0);
  cr_expect_eq(sslb_trust_builder_add_pin(
                   b, "example.com",
                   "sha256/_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-8"),
               0);
  sslb_trust_manager *tm = build(b);
  sslb_trust_manager_free(tm);
  sslb_trust_builder_free(b);
}

/* The stored pin is the canonical form, whatever was given. */
Test(trust_builder, pins_are_stored_as_spki_pin_prints_them) {
  sslb__pin p;
  sslb__err err = {{0}};
  const char *unpadded = "sha256/7rt3yDYyXkaBkxGQBMN2SlRGPKAWNwJHXRITDiIek2U";
  cr_assert_eq(sslb__pin_parse(&p, "Example.COM.", unpadded, &err), 0, "%s",
               err.msg);
  cr_expect_str_eq(p.pin, PIN_A);
  cr_expect_str_eq(p.name, "example.com");
  cr_expect_eq(p.kind, SSLB__PIN_EXACT);
  const char *url_safe = "sha256/_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-8=";
  cr_assert_eq(sslb__pin_parse(&p, "**.example.com", url_safe, &err), 0, "%s",
               err.msg);
  cr_expect_str_eq(p.pin,
                   "sha256//+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+8=");
  cr_expect_str_eq(p.name, "example.com");
  cr_expect_eq(p.kind, SSLB__PIN_ANY_LABELS);
  cr_assert_eq(sslb__pin_parse(&p, "[::1]", PIN_A, &err), 0);
  cr_expect_eq(p.iplen, 16);
  cr_expect_eq(sslb__pin_parse(&p, "*", PIN_A, NULL),
               SSLB_ERR_INVALID_ARGUMENT);
}

/* sslb__pin_matches for a pattern, or -1 when the pattern is refused. */
static int pattern_matches(const char *pattern, const char *host) {
  sslb__pin p;
  if (sslb__pin_parse(&p, pattern, PIN_A, NULL) < 0)
    return -1;
  return sslb__pin_matches(&p, host);
}

Test(trust_builder, pin_pattern_matching) {
  struct {
    const char *pattern, *host;
    int want;
  } rows[] = {
      /* exact */
      {"example.com", "example.com", 1},
      {"example.com", "EXAMPLE.COM", 1},
      {"EXAMPLE.com", "example.com", 1},
      {"example.com", "example.com.", 1},
      {"example.com.", "example.com", 1},
      {"example.com", "a.example.com", 0},
      {"example.com", "example.org", 0},
      {"example.com", "xexample.com", 0},
      {"example.com", "example.com.evil", 0},
      {"example.com", "", 0},
      {"localhost", "localhost", 1},
      /* one label */
      {"*.example.com", "a.example.com", 1},
      {"*.example.com", "A.Example.COM.", 1},
      {"*.EXAMPLE.COM", "www.example.com", 1},
      {"*.example.com", "example.com", 0},
      {"*.example.com", "a.b.example.com", 0},
      {"*.example.com", ".example.com", 0},
      {"*.example.com", "aexample.com", 0},
      {"*.example.com", "a.example.org", 0},
      {"*.example.com", "a..example.com", 0},
      /* any number of labels */
      {"**.example.com", "example.com", 1},
      {"**.example.com", "a.example.com", 1},
      {"**.example.com", "a.b.example.com", 1},
      {"**.example.com", "A.B.C.Example.Com.", 1},
      {"**.example.com", "aexample.com", 0},
      {"**.example.com", ".example.com", 0},
      {"**.example.com", "a..example.com", 0},
      {"**.example.com", "example.org", 0},
      {"**.example.com", "com", 0},
      /* IP literals: bytes, exact patterns only */
      {"127.0.0.1", "127.0.0.1", 1},
      {"127.0.0.1", "127.0.0.2", 0},
      {"::1", "::1", 1},
      {"::1", "[::1]", 1},
      {"[::1]", "0:0:0:0:0:0:0:1", 1},
      {"::1", "127.0.0.1", 0},
      {"127.0.0.1", "localhost", 0},
      {"localhost", "127.0.0.1", 0},
      {"**.0.0.1", "127.0.0.1", 0},
      {"*.0.0.1", "127.0.0.1", 0},
      /* refused patterns */
      {"*", "example.com", -1},
      {"*example.com", "aexample.com", -1},
      {"a.*.com", "a.b.com", -1},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    cr_expect_eq(pattern_matches(rows[i].pattern, rows[i].host), rows[i].want,
                 "pattern '%s', host '%s'", rows[i].pattern, rows[i].host);
}

Test(trust_builder, add_pin_limit) {
  sslb_trust_builder *b = new_builder(0);
  char host[32];
  int rc = 0;
  for (int i = 0; i < 10000 && rc == 0; i++) {
    snprintf(host, sizeof host, "h%d.example", i);
    rc = sslb_trust_builder_add_pin(b, host, PIN_A);
  }
  cr_expect_eq(rc, 0, "%s", sslb_trust_builder_last_error(b));
  /* the same pair again is a no-op, not a new pin */
  cr_expect_eq(sslb_trust_builder_add_pin(b, "h0.example", PIN_A), 0);
  cr_expect_eq(sslb_trust_builder_add_pin(b, "h0.EXAMPLE.", PIN_A), 0);
  cr_expect_eq(sslb_trust_builder_add_pin(b, "one.too.many", PIN_A),
               SSLB_ERR_LIMIT);
  cr_expect_not_null(strstr(sslb_trust_builder_last_error(b), "pins"));
  sslb_trust_builder_free(b);
}

/* ------------------------------------------- verify callback, trust-all */

static int reject_all(void *user_data, const char *host,
                      sslb_certificate *const *chain, size_t chain_len,
                      int verdict, const char *report) {
  (*(int *)user_data)++;
  return 1;
}

Test(trust_builder, verify_callback_and_trust_all_arguments) {
  int calls = 0;
  cr_expect_eq(sslb_trust_builder_set_verify_callback(NULL, reject_all, &calls),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_trust_builder_set_verify_callback(NULL, NULL, NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_trust_builder_insecure_trust_all(NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_trust_manager_is_insecure(NULL), 0);
  sslb_trust_builder *b = new_builder(0);
  cr_expect_eq(sslb_trust_builder_set_verify_callback(b, NULL, NULL), 0,
               "clearing what was never set is fine");
  cr_expect_eq(sslb_trust_builder_set_verify_callback(b, reject_all, NULL), 0,
               "user_data may be NULL");
  cr_expect_eq(sslb_trust_builder_insecure_trust_all(b), 0);
  cr_expect_eq(sslb_trust_builder_insecure_trust_all(b), 0, "twice is fine");
  sslb_trust_builder_free(b);
}

/* Pins, callback and trust-all are copied at build: what the builder does
 * afterwards, or its freeing, changes no manager already built. */
Test(trust_manager, pins_callback_and_trust_all_are_copied_at_build) {
  pair p = make_pair("CN=Copied CA");
  sslb_trust_builder *b = new_builder(0);
  cr_assert_eq(sslb_trust_builder_add_certificate(b, p.ca), 0);
  sslb_trust_manager *plain = build(b);

  char *pin = strdup(sslb_certificate_spki_pin(p.ca));
  char *pattern = strdup("**.LOCALHOST");
  cr_assert_eq(sslb_trust_builder_add_pin(b, pattern, pin), 0);
  /* the strings were copied */
  memset(pin, 'x', strlen(pin));
  memset(pattern, 'x', strlen(pattern));
  free(pin);
  free(pattern);
  sslb_trust_manager *pinned = build(b);
  cr_assert_eq(sslb_trust_builder_add_pin(b, "localhost", PIN_ZERO), 0);
  sslb_trust_manager *mismatched = build(b);
  int calls = 0;
  cr_assert_eq(sslb_trust_builder_set_verify_callback(b, reject_all, &calls),
               0);
  sslb_trust_manager *rejecting = build(b);
  cr_assert_eq(sslb_trust_builder_set_verify_callback(b, NULL, NULL), 0);
  cr_assert_eq(sslb_trust_builder_insecure_trust_all(b), 0);
  sslb_trust_manager *insecure = build(b);
  sslb_trust_builder_free(b);

  sslb_keystore *other = NULL;
  cr_assert_eq(sslb_keystore_new(&other), 0);
  generate_into(other, "self", SSLB_KEY_TYPE_SERVER, SSLB_KEY_ALG_EC_P256);
  sslb_certificate *stranger = cert_of(other, "self", 0);

  cr_expect_eq(verify(plain, p.leaf, "localhost"), 0);
  cr_expect_eq(verify(pinned, p.leaf, "localhost"), 0);
  /* PIN_ZERO for localhost adds a pin; the CA's pin still matches */
  cr_expect_eq(verify(mismatched, p.leaf, "localhost"), 0);
  cr_expect_eq(verify(rejecting, p.leaf, "localhost"), SSLB_ERR_CERT_REJECTED);
  cr_expect_eq(calls, 1);
  cr_expect_eq(verify(insecure, stranger, "localhost"), 0);
  cr_expect_eq(calls, 1, "the callback was cleared before this build");
  cr_expect_eq(verify(plain, stranger, "localhost"), SSLB_ERR_CERT_SELF_SIGNED);
  cr_expect_eq(verify(rejecting, stranger, "localhost"),
               SSLB_ERR_CERT_REJECTED);
  cr_expect_eq(calls, 2);
  cr_expect_eq(sslb_trust_manager_is_insecure(plain), 0);
  cr_expect_eq(sslb_trust_manager_is_insecure(rejecting), 0);
  cr_expect_eq(sslb_trust_manager_is_insecure(insecure), 1);

  sslb_trust_manager_free(insecure);
  sslb_trust_manager_free(rejecting);
  sslb_trust_manager_free(mismatched);
  sslb_trust_manager_free(pinned);
  sslb_trust_manager_free(plain);
  sslb_certificate_free(stranger);
  sslb_keystore_free(other);
  free_pair(&p);
}

/* A pinned manager is shared between threads like any other. */
static void *verify_pinned(void *arg) {
  shared *s = arg;
  for (int i = 0; i < 25; i++) {
    if (verify(s->tm, s->good, "localhost") != 0)
      __atomic_add_fetch(&s->failures, 1, __ATOMIC_RELAXED);
    if (verify(s->tm, s->good, "127.0.0.1") != SSLB_ERR_CERT_PIN_MISMATCH)
      __atomic_add_fetch(&s->failures, 1, __ATOMIC_RELAXED);
  }
  return NULL;
}

Test(trust_manager, pinned_manager_shared_between_threads) {
  pair p = make_pair("CN=Pinned Shared CA");
  sslb_trust_builder *b = new_builder(0);
  cr_assert_eq(sslb_trust_builder_add_certificate(b, p.ca), 0);
  cr_assert_eq(sslb_trust_builder_add_pin(b, "localhost",
                                          sslb_certificate_spki_pin(p.leaf)),
               0);
  cr_assert_eq(sslb_trust_builder_add_pin(b, "127.0.0.1", PIN_ZERO), 0);
  shared s = {build(b), p.leaf, NULL, 0};
  sslb_trust_builder_free(b);
  pthread_t t[4];
  for (int i = 0; i < 4; i++)
    cr_assert_eq(pthread_create(&t[i], NULL, verify_pinned, &s), 0);
  for (int i = 0; i < 4; i++)
    pthread_join(t[i], NULL);
  cr_expect_eq(s.failures, 0);
  sslb_trust_manager_free(s.tm);
  free_pair(&p);
}
