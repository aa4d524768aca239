/* The certificate builder (Ktor's buildKeyStore / generateCertificate) and
 * the certificate handle's getters. GnuTLS, used directly, is the
 * independent judge of what was generated. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <criterion/criterion.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "keystore/ks.h"
#include "support.h"
#include "util/der.h"

/* GnuTLS's view of certificate `pos` of entry i. */
static gnutls_x509_crt_t crt_of(sslb_keystore *ks, size_t i, size_t pos) {
  sslb_certificate *c = NULL;
  cr_assert_eq(sslb_keystore_entry_certificate(ks, i, pos, &c), 0);
  const uint8_t *der;
  size_t len;
  cr_assert_eq(sslb_certificate_der(c, &der, &len), 0);
  gnutls_x509_crt_t crt;
  cr_assert_geq(gnutls_x509_crt_init(&crt), 0);
  gnutls_datum_t d = {(unsigned char *)der, (unsigned)len};
  cr_assert_geq(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER), 0);
  sslb_certificate_free(c);
  return crt;
}

/* The extended key usages as a comma-separated list of OIDs. */
static void ekus(gnutls_x509_crt_t crt, char *out, size_t cap) {
  out[0] = 0;
  for (unsigned i = 0;; i++) {
    char oid[128];
    size_t n = sizeof oid;
    int g = gnutls_x509_crt_get_key_purpose_oid(crt, i, oid, &n, NULL);
    if (g == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
      break;
    cr_assert_geq(g, 0);
    if (out[0])
      strncat(out, ",", cap - strlen(out) - 1);
    strncat(out, oid, cap - strlen(out) - 1);
  }
}

static unsigned key_usage(gnutls_x509_crt_t crt) {
  unsigned ku = 0, crit;
  cr_assert_geq(gnutls_x509_crt_get_key_usage(crt, &ku, &crit), 0);
  return ku;
}

/* Verifies a self-signed certificate's signature over its TBS bytes with
 * its own public key: Certificate ::= SEQUENCE { tbs, algorithm, BIT
 * STRING signature }. */
static void check_self_signature(gnutls_x509_crt_t crt) {
  gnutls_datum_t der;
  cr_assert_geq(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der), 0);
  sslb__der in = {der.data, der.size}, cert, tbs, alg, sig;
  cr_assert_eq(sslb__der_expect(&in, SSLB__DER_SEQUENCE, &cert), 0);
  const uint8_t *tbs_start = cert.p;
  cr_assert_eq(sslb__der_expect(&cert, SSLB__DER_SEQUENCE, &tbs), 0);
  gnutls_datum_t tbs_raw = {(unsigned char *)tbs_start,
                            (unsigned)(tbs.p + tbs.len - tbs_start)};
  cr_assert_eq(sslb__der_expect(&cert, SSLB__DER_SEQUENCE, &alg), 0);
  cr_assert_eq(sslb__der_expect(&cert, SSLB__DER_BITSTRING, &sig), 0);
  cr_assert_gt(sig.len, 1);
  cr_assert_eq(sig.p[0], 0, "no unused bits");
  gnutls_datum_t sig_raw = {(unsigned char *)sig.p + 1, (unsigned)sig.len - 1};
  gnutls_pubkey_t pub;
  cr_assert_geq(gnutls_pubkey_init(&pub), 0);
  cr_assert_geq(gnutls_pubkey_import_x509(pub, crt, 0), 0);
  int algo = gnutls_x509_crt_get_signature_algorithm(crt);
  cr_expect_geq(gnutls_pubkey_verify_data2(pub, (gnutls_sign_algorithm_t)algo,
                                           0, &tbs_raw, &sig_raw),
                0, "the self-signature does not verify");
  /* and a changed TBS byte makes it fail */
  tbs_raw.data[tbs_raw.size - 1] ^= 1;
  cr_expect_lt(gnutls_pubkey_verify_data2(pub, (gnutls_sign_algorithm_t)algo,
                                          0, &tbs_raw, &sig_raw),
               0);
  gnutls_pubkey_deinit(pub);
  gnutls_free(der.data);
}

static sslb_cert_spec *new_spec(void) {
  sslb_cert_spec *spec = NULL;
  cr_assert_eq(sslb_cert_spec_new(&spec), 0);
  cr_assert_not_null(spec);
  return spec;
}

static sslb_keystore *generate(const char *alias, const sslb_cert_spec *spec) {
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  int rc = sslb_keystore_generate(ks, alias, spec);
  cr_assert_eq(rc, 0, "%s: %s", sslb_error_name(rc),
               sslb_keystore_last_error(ks));
  return ks;
}

static sslb_certificate *leaf_of(sslb_keystore *ks, size_t i) {
  sslb_certificate *c = NULL;
  cr_assert_eq(sslb_keystore_entry_certificate(ks, i, 0, &c), 0);
  return c;
}

/* ------------------------------------------------------------ defaults */

Test(certgen, defaults_are_a_p256_server_for_localhost) {
  sslb_cert_spec *spec = new_spec();
  cr_expect_str_eq(sslb_cert_spec_last_error(spec), "");
  int64_t before = (int64_t)time(NULL);
  sslb_keystore *ks = generate("server", spec);
  int64_t after = (int64_t)time(NULL);
  cr_assert_eq(sslb_keystore_size(ks), 1);
  cr_expect_eq(sslb_keystore_entry_kind(ks, 0), SSLB_ENTRY_PRIVATE_KEY);
  cr_expect_eq(sslb_keystore_entry_chain_length(ks, 0), 1);
  cr_expect_eq(sslb_keystore_entry_locked(ks, 0), 0);
  cr_expect_str_eq(sslb_keystore_entry_algorithm(ks, 0), "EC");
  check_key_usable(ks, 0);

  sslb_certificate *c = leaf_of(ks, 0);
  cr_expect_str_eq(sslb_certificate_subject(c), "CN=localhost");
  cr_expect_str_eq(sslb_certificate_issuer(c), "CN=localhost");
  cr_expect_str_eq(sslb_certificate_key_algorithm(c), "EC");
  cr_expect_eq(sslb_certificate_key_bits(c), 256);
  cr_expect_str_eq(sslb_certificate_signature_algorithm(c), "ECDSA-SHA256");
  cr_expect_eq(sslb_certificate_is_ca(c), 0);
  /* Ktor's default: 3 days, here with a minute of clock slack before now */
  cr_expect_eq(sslb_certificate_not_after(c) - sslb_certificate_not_before(c),
               3 * 86400 + 60);
  cr_expect_geq(sslb_certificate_not_before(c), before - 60);
  cr_expect_leq(sslb_certificate_not_before(c), after - 60);
  /* SANs: localhost, 127.0.0.1, ::1 */
  cr_assert_eq(sslb_certificate_san_count(c), 3);
  cr_expect_eq(sslb_certificate_san_type(c, 0), SSLB_SAN_DNS);
  cr_expect_str_eq(sslb_certificate_san_value(c, 0), "localhost");
  cr_expect_eq(sslb_certificate_san_type(c, 1), SSLB_SAN_IP);
  cr_expect_str_eq(sslb_certificate_san_value(c, 1), "127.0.0.1");
  cr_expect_eq(sslb_certificate_san_type(c, 2), SSLB_SAN_IP);
  cr_expect_str_eq(sslb_certificate_san_value(c, 2), "::1");
  /* a random positive 16-byte serial */
  const char *serial = sslb_certificate_serial(c);
  cr_expect(strlen(serial) == 31 || strlen(serial) == 32, "%s", serial);
  cr_expect_eq(strspn(serial, "0123456789abcdef"), strlen(serial));
  cr_expect_neq(serial[0], '0');
  sslb_certificate_free(c);

  /* GnuTLS reads the extensions: serverAuth only, a signing key, not a CA */
  gnutls_x509_crt_t crt = crt_of(ks, 0, 0);
  char eku[256];
  ekus(crt, eku, sizeof eku);
  cr_expect_str_eq(eku, GNUTLS_KP_TLS_WWW_SERVER);
  cr_expect_eq(key_usage(crt), GNUTLS_KEY_DIGITAL_SIGNATURE);
  unsigned ca = 1, crit;
  cr_expect_geq(gnutls_x509_crt_get_basic_constraints(crt, &crit, &ca, NULL),
                0);
  cr_expect_eq(ca, 0);
  cr_expect_eq(gnutls_x509_crt_get_version(crt), 3);
  check_self_signature(crt);
  gnutls_x509_crt_deinit(crt);
  sslb_keystore_free(ks);
  sslb_cert_spec_free(spec);
}

Test(certgen, client_type) {
  sslb_cert_spec *spec = new_spec();
  cr_expect_eq(sslb_cert_spec_set_key_type(spec, SSLB_KEY_TYPE_CLIENT), 0);
  cr_expect_eq(sslb_cert_spec_set_subject(spec, "CN=alice,O=Example"), 0);
  sslb_keystore *ks = generate("client", spec);
  sslb_certificate *c = leaf_of(ks, 0);
  cr_expect_str_eq(sslb_certificate_subject(c), "CN=alice,O=Example");
  cr_expect_eq(sslb_certificate_san_count(c), 0, "no default SANs for clients");
  cr_expect_eq(sslb_certificate_is_ca(c), 0);
  sslb_certificate_free(c);
  gnutls_x509_crt_t crt = crt_of(ks, 0, 0);
  char eku[256];
  ekus(crt, eku, sizeof eku);
  cr_expect_str_eq(eku, GNUTLS_KP_TLS_WWW_CLIENT);
  gnutls_x509_crt_deinit(crt);
  sslb_keystore_free(ks);
  sslb_cert_spec_free(spec);
}

Test(certgen, ca_type) {
  sslb_cert_spec *spec = new_spec();
  cr_expect_eq(sslb_cert_spec_set_key_type(spec, SSLB_KEY_TYPE_CA), 0);
  cr_expect_eq(sslb_cert_spec_set_subject(spec, "CN=Test CA"), 0);
  cr_expect_eq(sslb_cert_spec_set_days_valid(spec, 365), 0);
  sslb_keystore *ks = generate("ca", spec);
  sslb_certificate *c = leaf_of(ks, 0);
  cr_expect_eq(sslb_certificate_is_ca(c), 1);
  cr_expect_eq(sslb_certificate_san_count(c), 0);
  cr_expect_eq(sslb_certificate_not_after(c) - sslb_certificate_not_before(c),
               365 * 86400 + 60);
  sslb_certificate_free(c);
  gnutls_x509_crt_t crt = crt_of(ks, 0, 0);
  char eku[256];
  ekus(crt, eku, sizeof eku);
  cr_expect_str_eq(eku, "", "a CA carries no EKU");
  cr_expect_eq(key_usage(crt), GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN |
                                   GNUTLS_KEY_DIGITAL_SIGNATURE);
  gnutls_x509_crt_deinit(crt);
  sslb_keystore_free(ks);
  sslb_cert_spec_free(spec);
}

/* ---------------------------------------------------------- algorithms */

Test(certgen, rsa_2048_and_refused_sizes) {
  sslb_cert_spec *spec = new_spec();
  cr_expect_eq(sslb_cert_spec_set_key_algorithm(spec, SSLB_KEY_ALG_RSA), 0);
  cr_expect_eq(sslb_cert_spec_set_key_size(spec, 1024),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_not_null(strstr(sslb_cert_spec_last_error(spec), "1024"));
  cr_expect_eq(sslb_cert_spec_set_key_size(spec, 2047),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_cert_spec_set_key_size(spec, 8193),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_cert_spec_set_key_size(spec, 0), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_cert_spec_set_key_size(spec, 2048), 0);
  sslb_keystore *ks = generate("rsa", spec);
  cr_expect_str_eq(sslb_keystore_entry_algorithm(ks, 0), "RSA");
  sslb_certificate *c = leaf_of(ks, 0);
  cr_expect_str_eq(sslb_certificate_key_algorithm(c), "RSA");
  cr_expect_eq(sslb_certificate_key_bits(c), 2048);
  cr_expect_str_eq(sslb_certificate_signature_algorithm(c), "RSA-SHA256");
  sslb_certificate_free(c);
  gnutls_x509_crt_t crt = crt_of(ks, 0, 0);
  cr_expect_eq(key_usage(crt),
               GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_ENCIPHERMENT);
  check_self_signature(crt);
  gnutls_x509_crt_deinit(crt);
  check_key_usable(ks, 0);
  sslb_keystore_free(ks);
  sslb_cert_spec_free(spec);
}

Test(certgen, ed25519) {
  sslb_cert_spec *spec = new_spec();
  cr_expect_eq(sslb_cert_spec_set_key_algorithm(spec, SSLB_KEY_ALG_ED25519), 0);
  sslb_keystore *ks = generate("ed", spec);
  cr_expect_str_eq(sslb_keystore_entry_algorithm(ks, 0), "Ed25519");
  sslb_certificate *c = leaf_of(ks, 0);
  cr_expect_str_eq(sslb_certificate_key_algorithm(c), "Ed25519");
  cr_expect_str_eq(sslb_certificate_signature_algorithm(c), "EdDSA-Ed25519");
  sslb_certificate_free(c);
  gnutls_x509_crt_t crt = crt_of(ks, 0, 0);
  check_self_signature(crt);
  gnutls_x509_crt_deinit(crt);
  check_key_usable(ks, 0);
  sslb_keystore_free(ks);
  sslb_cert_spec_free(spec);
}

Test(certgen, p384) {
  sslb_cert_spec *spec = new_spec();
  cr_expect_eq(sslb_cert_spec_set_key_algorithm(spec, SSLB_KEY_ALG_EC_P384), 0);
  sslb_keystore *ks = generate("p384", spec);
  sslb_certificate *c = leaf_of(ks, 0);
  cr_expect_str_eq(sslb_certificate_key_algorithm(c), "EC");
  cr_expect_eq(sslb_certificate_key_bits(c), 384);
  sslb_certificate_free(c);
  check_key_usable(ks, 0);
  sslb_keystore_free(ks);
  sslb_cert_spec_free(spec);
}

/* ------------------------------------------------------ names and days */

Test(certgen, explicit_names_replace_the_defaults) {
  sslb_cert_spec *spec = new_spec();
  cr_expect_eq(sslb_cert_spec_add_domain(spec, "example.com"), 0);
  cr_expect_eq(sslb_cert_spec_add_domain(spec, "*.example.com"), 0);
  cr_expect_eq(sslb_cert_spec_add_ip_address(spec, "10.0.0.1"), 0);
  cr_expect_eq(sslb_cert_spec_add_ip_address(spec, "2001:DB8:0:0::1"), 0);
  cr_expect_eq(sslb_cert_spec_set_days_valid(spec, 30), 0);
  sslb_keystore *ks = generate("named", spec);
  sslb_certificate *c = leaf_of(ks, 0);
  cr_assert_eq(sslb_certificate_san_count(c), 4);
  cr_expect_str_eq(sslb_certificate_san_value(c, 0), "example.com");
  cr_expect_str_eq(sslb_certificate_san_value(c, 1), "*.example.com");
  cr_expect_str_eq(sslb_certificate_san_value(c, 2), "10.0.0.1");
  /* IPv6 in RFC 5952 form */
  cr_expect_str_eq(sslb_certificate_san_value(c, 3), "2001:db8::1");
  cr_expect_eq(sslb_certificate_san_type(c, 3), SSLB_SAN_IP);
  cr_expect_eq(sslb_certificate_not_after(c) - sslb_certificate_not_before(c),
               30 * 86400 + 60);
  sslb_certificate_free(c);
  sslb_keystore_free(ks);
  sslb_cert_spec_free(spec);

  /* an IP address alone also replaces the defaults */
  spec = new_spec();
  cr_expect_eq(sslb_cert_spec_add_ip_address(spec, "192.0.2.7"), 0);
  ks = generate("ip", spec);
  c = leaf_of(ks, 0);
  cr_assert_eq(sslb_certificate_san_count(c), 1);
  cr_expect_str_eq(sslb_certificate_san_value(c, 0), "192.0.2.7");
  sslb_certificate_free(c);
  sslb_keystore_free(ks);
  sslb_cert_spec_free(spec);
}

Test(certgen, invalid_values_are_named_in_the_error) {
  sslb_cert_spec *spec = new_spec();
  const char *domains[] = {"bad domain", "exa_mple.com", "a*.example.com",
                           "*", "caf\xc3\xa9.example"};
  for (size_t i = 0; i < sizeof domains / sizeof domains[0]; i++) {
    cr_expect_eq(sslb_cert_spec_add_domain(spec, domains[i]),
                 SSLB_ERR_INVALID_ARGUMENT, "'%s'", domains[i]);
    cr_expect_not_null(strstr(sslb_cert_spec_last_error(spec), domains[i]),
                       "%s", sslb_cert_spec_last_error(spec));
  }
  cr_expect_eq(sslb_cert_spec_add_domain(spec, ""), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_cert_spec_add_domain(spec, NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  char longname[300];
  memset(longname, 'a', sizeof longname - 1);
  longname[sizeof longname - 1] = 0;
  cr_expect_eq(sslb_cert_spec_add_domain(spec, longname),
               SSLB_ERR_INVALID_ARGUMENT);

  const char *ips[] = {"999.1.1.1", "1.2.3", "::g", "localhost", "",
                       "10.0.0.1/8"};
  for (size_t i = 0; i < sizeof ips / sizeof ips[0]; i++) {
    cr_expect_eq(sslb_cert_spec_add_ip_address(spec, ips[i]),
                 SSLB_ERR_INVALID_ARGUMENT, "'%s'", ips[i]);
    char quoted[64];
    snprintf(quoted, sizeof quoted, "'%s'", ips[i]);
    cr_expect_not_null(strstr(sslb_cert_spec_last_error(spec), quoted), "%s",
                       sslb_cert_spec_last_error(spec));
  }
  cr_expect_eq(sslb_cert_spec_add_ip_address(spec, NULL),
               SSLB_ERR_INVALID_ARGUMENT);

  const char *dns[] = {"NOTANATTRIBUTE=x", "CN", "=value"};
  for (size_t i = 0; i < sizeof dns / sizeof dns[0]; i++) {
    cr_expect_eq(sslb_cert_spec_set_subject(spec, dns[i]),
                 SSLB_ERR_INVALID_ARGUMENT, "'%s'", dns[i]);
    cr_expect_not_null(strstr(sslb_cert_spec_last_error(spec), dns[i]), "%s",
                       sslb_cert_spec_last_error(spec));
  }
  cr_expect_eq(sslb_cert_spec_set_subject(spec, ""), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_cert_spec_set_subject(spec, NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_cert_spec_set_subject(spec, "CN=\xff"),
               SSLB_ERR_INVALID_ARGUMENT);

  const unsigned days[] = {0, 36501, 4000000000u};
  for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
    cr_expect_eq(sslb_cert_spec_set_days_valid(spec, days[i]),
                 SSLB_ERR_INVALID_ARGUMENT);
    char num[32];
    snprintf(num, sizeof num, "%u", days[i]);
    cr_expect_not_null(strstr(sslb_cert_spec_last_error(spec), num), "%s",
                       sslb_cert_spec_last_error(spec));
  }
  cr_expect_eq(sslb_cert_spec_set_days_valid(spec, 1), 0);
  cr_expect_eq(sslb_cert_spec_set_days_valid(spec, 36500), 0);

  cr_expect_eq(sslb_cert_spec_set_key_type(spec, 3), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_cert_spec_set_key_type(spec, -1),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_not_null(strstr(sslb_cert_spec_last_error(spec), "-1"));
  cr_expect_eq(sslb_cert_spec_set_key_algorithm(spec, 4),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_cert_spec_set_key_algorithm(spec, -1),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_cert_spec_set_password(spec, "\xc3"),
               SSLB_ERR_INVALID_ARGUMENT);

  /* nothing invalid was kept: the spec still makes the defaults */
  sslb_keystore *ks = generate("still-default", spec);
  sslb_certificate *c = leaf_of(ks, 0);
  cr_expect_str_eq(sslb_certificate_subject(c), "CN=localhost");
  cr_expect_eq(sslb_certificate_san_count(c), 3);
  cr_expect_str_eq(sslb_certificate_key_algorithm(c), "EC");
  sslb_certificate_free(c);
  sslb_keystore_free(ks);
  sslb_cert_spec_free(spec);
}

Test(certgen, too_many_names) {
  sslb_cert_spec *spec = new_spec();
  int rc = 0;
  size_t added = 0;
  for (; added < 1000 && rc == 0; added++) {
    char name[32];
    snprintf(name, sizeof name, "h%zu.example", added);
    rc = sslb_cert_spec_add_domain(spec, name);
  }
  cr_expect_eq(rc, SSLB_ERR_LIMIT);
  cr_expect_eq(added, 257, "256 domains are accepted");
  rc = 0;
  for (added = 0; added < 1000 && rc == 0; added++)
    rc = sslb_cert_spec_add_ip_address(spec, "10.1.2.3");
  cr_expect_eq(rc, SSLB_ERR_LIMIT);
  cr_expect_eq(added, 257);
  sslb_cert_spec_free(spec);
}

Test(certgen, null_spec_and_store_arguments) {
  cr_expect_eq(sslb_cert_spec_new(NULL), SSLB_ERR_INVALID_ARGUMENT);
  sslb_cert_spec_free(NULL);
  cr_expect_eq(sslb_cert_spec_set_key_type(NULL, 0), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_cert_spec_set_key_algorithm(NULL, 0),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_cert_spec_set_key_size(NULL, 2048),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_cert_spec_set_subject(NULL, "CN=x"),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_cert_spec_add_domain(NULL, "x"), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_cert_spec_add_ip_address(NULL, "1.1.1.1"),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_cert_spec_set_days_valid(NULL, 3),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_cert_spec_set_password(NULL, "x"),
               SSLB_ERR_INVALID_ARGUMENT);
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  cr_expect_eq(sslb_cert_spec_sign_with(NULL, ks, "a", NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  sslb_cert_spec *spec = new_spec();
  cr_expect_eq(sslb_keystore_generate(NULL, "a", spec),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_generate(ks, "a", NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_generate(ks, NULL, spec),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_generate(ks, "", spec),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_size(ks), 0);
  cr_assert_eq(sslb_keystore_generate(ks, "a", spec), 0);
  cr_expect_eq(sslb_keystore_generate(ks, "A", spec), SSLB_ERR_ALIAS_EXISTS);
  cr_expect_eq(sslb_keystore_size(ks), 1);
  sslb_cert_spec_free(spec);
  sslb_keystore_free(ks);
}

/* ------------------------------------------------- passwords, signWith */

Test(certgen, spec_password_becomes_the_key_password) {
  sslb_cert_spec *spec = new_spec();
  cr_expect_eq(sslb_cert_spec_set_password(spec, "entry-pw"), 0);
  sslb_keystore *ks = generate("k", spec);
  blob b = save_store(ks, SSLB_FORMAT_JKS, "store-pw");
  sslb_keystore *back = load_bytes(b.p, b.len, "store-pw");
  cr_expect_eq(sslb_keystore_entry_locked(back, 0), 1);
  cr_expect_eq(sslb_keystore_unlock_key(back, "k", "entry-pw"), 0);
  check_key_usable(back, 0);
  /* cleared, the store password protects it */
  cr_expect_eq(sslb_cert_spec_set_password(spec, NULL), 0);
  sslb_keystore *plain = generate("p", spec);
  blob p = save_store(plain, SSLB_FORMAT_JKS, "store-pw");
  sslb_keystore *pback = load_bytes(p.p, p.len, "store-pw");
  cr_expect_eq(sslb_keystore_entry_locked(pback, 0), 0);
  blob_free(&b);
  blob_free(&p);
  sslb_keystore_free(pback);
  sslb_keystore_free(plain);
  sslb_keystore_free(back);
  sslb_keystore_free(ks);
  sslb_cert_spec_free(spec);
}

Test(certgen, sign_with_a_ca) {
  sslb_cert_spec *ca_spec = new_spec();
  cr_assert_eq(sslb_cert_spec_set_key_type(ca_spec, SSLB_KEY_TYPE_CA), 0);
  cr_assert_eq(sslb_cert_spec_set_subject(ca_spec, "CN=Unit CA,O=sslbind"), 0);
  sslb_keystore *cas = generate("ca", ca_spec);

  sslb_cert_spec *spec = new_spec();
  cr_expect_eq(sslb_cert_spec_sign_with(spec, cas, "CA", NULL), 0);
  /* the issuer's key and chain were copied: the store may go */
  gnutls_x509_crt_t ca_crt = crt_of(cas, 0, 0);
  char ca_fp[128];
  snprintf(ca_fp, sizeof ca_fp, "%s", entry_fingerprint(cas, 0, 0));
  sslb_keystore_free(cas);

  sslb_keystore *ks = generate("leaf", spec);
  cr_assert_eq(sslb_keystore_entry_chain_length(ks, 0), 2);
  cr_expect_str_eq(entry_fingerprint(ks, 0, 1), ca_fp);
  sslb_certificate *leaf = leaf_of(ks, 0), *ca = NULL;
  cr_assert_eq(sslb_keystore_entry_certificate(ks, 0, 1, &ca), 0);
  cr_expect_str_eq(sslb_certificate_issuer(leaf), sslb_certificate_subject(ca));
  cr_expect_str_eq(sslb_certificate_issuer(leaf), "CN=Unit CA,O=sslbind");
  cr_expect_str_eq(sslb_certificate_subject(leaf), "CN=localhost");
  check_key_usable(ks, 0);

  gnutls_x509_crt_t crt = crt_of(ks, 0, 0);
  unsigned status = 99;
  cr_expect_geq(gnutls_x509_crt_verify(crt, &ca_crt, 1, 0, &status), 0);
  cr_expect_eq(status, 0, "verification status %x", status);
  /* the authority key id is the CA's subject key id */
  uint8_t akid[64], skid[64];
  size_t an = sizeof akid, sn = sizeof skid;
  unsigned crit;
  cr_assert_geq(gnutls_x509_crt_get_authority_key_id(crt, akid, &an, &crit), 0);
  cr_assert_geq(gnutls_x509_crt_get_subject_key_id(ca_crt, skid, &sn, &crit),
                0);
  cr_expect_eq(an, sn);
  cr_expect_eq(memcmp(akid, skid, an), 0);
  /* and a certificate from another issuer does not verify */
  sslb_keystore *other = load_fixture("ca.pem", NULL);
  gnutls_x509_crt_t other_crt = crt_of(other, 0, 0);
  cr_expect_geq(gnutls_x509_crt_verify(crt, &other_crt, 1, 0, &status), 0);
  cr_expect_neq(status, 0);
  gnutls_x509_crt_deinit(other_crt);
  sslb_keystore_free(other);

  gnutls_x509_crt_deinit(crt);
  gnutls_x509_crt_deinit(ca_crt);
  sslb_certificate_free(leaf);
  sslb_certificate_free(ca);
  sslb_keystore_free(ks);
  sslb_cert_spec_free(spec);
  sslb_cert_spec_free(ca_spec);
}

Test(certgen, sign_with_errors_and_locked_issuers) {
  sslb_cert_spec *spec = new_spec();
  sslb_keystore *ks = load_fixture("keypw.jks", STORE_PW);
  cr_expect_eq(sslb_cert_spec_sign_with(spec, NULL, "rsakey", NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_cert_spec_sign_with(spec, ks, NULL, NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_cert_spec_sign_with(spec, ks, "nope", NULL),
               SSLB_ERR_NOT_FOUND);
  cr_expect_not_null(strstr(sslb_cert_spec_last_error(spec), "nope"));
  cr_expect_eq(sslb_cert_spec_sign_with(spec, ks, "rsakey", NULL),
               SSLB_ERR_KEY_LOCKED);
  cr_expect_eq(sslb_cert_spec_sign_with(spec, ks, "rsakey", "Not-It-42"),
               SSLB_ERR_BAD_KEY_PASSWORD);
  cr_expect_eq(sslb_keystore_entry_locked(ks, 0), 1);
  cr_expect_eq(sslb_cert_spec_sign_with(spec, ks, "rsakey", KEY_PW), 0);
  sslb_keystore *leaf = generate("signed", spec);
  sslb_certificate *c = leaf_of(leaf, 0);
  cr_expect_str_eq(sslb_certificate_issuer(c), "CN=rsa");
  cr_expect_str_eq(sslb_certificate_signature_algorithm(c), "RSA-SHA256");
  sslb_certificate_free(c);
  sslb_keystore_free(leaf);
  sslb_keystore_free(ks);

  ks = load_fixture("small.jks", STORE_PW);
  cr_expect_eq(sslb_cert_spec_sign_with(spec, ks, "ca", NULL),
               SSLB_ERR_WRONG_ENTRY_KIND);
  sslb_keystore_free(ks);
  ks = load_fixture("small.jceks", STORE_PW);
  cr_expect_eq(sslb_cert_spec_sign_with(spec, ks, "aes", NULL),
               SSLB_ERR_WRONG_ENTRY_KIND);
  sslb_keystore_free(ks);
  sslb_cert_spec_free(spec);
}

/* ------------------------------------------------ generateCertificate */

Test(certgen, generate_certificate_writes_a_jks_file) {
  char *dir = make_temp_dir();
  char path[512];
  snprintf(path, sizeof path, "%s/keystore.jks", dir);
  int rc = sslb_generate_certificate(path, SSLB_FORMAT_JKS, "sampleAlias",
                                     "keypw", "foobar", NULL);
  cr_assert_eq(rc, 0, "%s", sslb_error_name(rc));
  struct stat st;
  cr_assert_eq(stat(path, &st), 0);
  cr_expect_eq(st.st_mode & 0777, 0600);
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  cr_assert_eq(sslb_keystore_load_file(ks, path, "foobar"), 0);
  cr_expect_eq(sslb_keystore_format(ks), SSLB_FORMAT_JKS);
  cr_assert_eq(sslb_keystore_size(ks), 1);
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 0), "samplealias");
  cr_expect_eq(sslb_keystore_entry_locked(ks, 0), 1);
  cr_expect_eq(sslb_keystore_unlock_key(ks, "sampleAlias", "keypw"), 0);
  check_key_usable(ks, 0);
  sslb_certificate *c = leaf_of(ks, 0);
  cr_expect_eq(sslb_certificate_san_count(c), 3);
  sslb_certificate_free(c);
  sslb_keystore_free(ks);

  /* PKCS#12 with a spec and the store password for the key */
  sslb_cert_spec *spec = new_spec();
  cr_assert_eq(sslb_cert_spec_set_key_algorithm(spec, SSLB_KEY_ALG_EC_P384), 0);
  snprintf(path, sizeof path, "%s/keystore.p12", dir);
  rc = sslb_generate_certificate(path, SSLB_FORMAT_PKCS12, "Mixed", NULL,
                                 "foobar", spec);
  cr_assert_eq(rc, 0, "%s", sslb_error_name(rc));
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  cr_assert_eq(sslb_keystore_load_file(ks, path, "foobar"), 0);
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 0), "Mixed");
  cr_expect_eq(sslb_keystore_entry_locked(ks, 0), 0);
  c = leaf_of(ks, 0);
  cr_expect_eq(sslb_certificate_key_bits(c), 384);
  sslb_certificate_free(c);
  sslb_keystore_free(ks);
  sslb_cert_spec_free(spec);
  remove_dir(dir);
}

Test(certgen, generate_certificate_errors) {
  char *dir = make_temp_dir();
  char path[512];
  snprintf(path, sizeof path, "%s/x.jks", dir);
  cr_expect_eq(sslb_generate_certificate(NULL, SSLB_FORMAT_JKS, "a", NULL,
                                         "pw", NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_generate_certificate(path, SSLB_FORMAT_JKS, NULL, NULL,
                                         "pw", NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_generate_certificate(path, SSLB_FORMAT_JKS, "a", NULL,
                                         NULL, NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_generate_certificate(path, SSLB_FORMAT_JCEKS, "a", NULL,
                                         "pw", NULL),
               SSLB_ERR_UNSUPPORTED);
  cr_expect_eq(sslb_generate_certificate(path, SSLB_FORMAT_JKS, "", NULL, "pw",
                                         NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  char bad[600];
  snprintf(bad, sizeof bad, "%s/missing/x.jks", dir);
  cr_expect_eq(sslb_generate_certificate(bad, SSLB_FORMAT_JKS, "a", NULL, "pw",
                                         NULL),
               SSLB_ERR_IO);
  struct stat st;
  cr_expect_neq(stat(path, &st), 0, "no file after a failure");
  remove_dir(dir);
}

/* ------------------------------------------------- certificate getters */

static sslb_certificate *cert_fixture(const char *name) {
  blob b = read_fixture(name);
  sslb_certificate *c = NULL;
  cr_assert_eq(sslb_certificate_new(&c, b.p, b.len), 0);
  cr_assert_not_null(c);
  blob_free(&b);
  return c;
}

static void hex_colon(const uint8_t *p, size_t n, char *out) {
  for (size_t i = 0; i < n; i++)
    sprintf(out + 3 * i, "%02X%s", p[i], i + 1 < n ? ":" : "");
}

Test(certificate, getters_on_the_fixture_ca) {
  sslb_certificate *c = cert_fixture("ca.pem");
  blob der = read_fixture("ca.der");
  const uint8_t *d;
  size_t n;
  cr_assert_eq(sslb_certificate_der(c, &d, &n), 0);
  cr_assert_eq(n, der.len);
  cr_expect_eq(memcmp(d, der.p, n), 0);

  cr_expect_str_eq(sslb_certificate_subject(c), "CN=Fixture CA");
  cr_expect_str_eq(sslb_certificate_issuer(c), "CN=Fixture CA");
  cr_expect_eq(sslb_certificate_is_ca(c), 1);
  cr_expect_str_eq(sslb_certificate_key_algorithm(c), "EC");
  cr_expect_eq(sslb_certificate_key_bits(c), 256);
  cr_expect_str_eq(sslb_certificate_signature_algorithm(c), "ECDSA-SHA256");
  cr_expect_eq(sslb_certificate_san_count(c), 0);

  /* independent values from GnuTLS */
  gnutls_x509_crt_t crt;
  cr_assert_geq(gnutls_x509_crt_init(&crt), 0);
  gnutls_datum_t dd = {der.p, (unsigned)der.len};
  cr_assert_geq(gnutls_x509_crt_import(crt, &dd, GNUTLS_X509_FMT_DER), 0);
  cr_expect_eq(sslb_certificate_not_before(c),
               (int64_t)gnutls_x509_crt_get_activation_time(crt));
  cr_expect_eq(sslb_certificate_not_after(c),
               (int64_t)gnutls_x509_crt_get_expiration_time(crt));
  cr_expect_eq(sslb_certificate_not_after(c) - sslb_certificate_not_before(c),
               3650 * 86400, "keytool -validity 3650");
  /* serial: lower-case hex without leading zeros, as keytool prints it */
  uint8_t serial[64];
  size_t sn = sizeof serial;
  cr_assert_geq(gnutls_x509_crt_get_serial(crt, serial, &sn), 0);
  char want[160] = "", *w = want;
  int leading = 1;
  for (size_t i = 0; i < sn; i++) {
    char two[3];
    snprintf(two, sizeof two, "%02x", serial[i]);
    for (int k = 0; k < 2; k++)
      if (!(leading && two[k] == '0')) {
        *w++ = two[k];
        leading = 0;
      }
  }
  *w = 0;
  cr_expect_str_eq(sslb_certificate_serial(c), want);

  /* what keytool printed for the CA (fixtures.tsv) */
  cr_expect_str_eq(sslb_certificate_sha256_fingerprint(c),
                   fixture_fingerprint("small.jks", "ca", 0));
  uint8_t sha1[20];
  cr_assert_geq(gnutls_hash_fast(GNUTLS_DIG_SHA1, der.p, der.len, sha1), 0);
  char sha1hex[64];
  hex_colon(sha1, 20, sha1hex);
  cr_expect_str_eq(sslb_certificate_sha1_fingerprint(c), sha1hex);

  /* pin: base64(SHA-256(SubjectPublicKeyInfo DER)) */
  gnutls_pubkey_t pub;
  gnutls_datum_t spki, b64;
  cr_assert_geq(gnutls_pubkey_init(&pub), 0);
  cr_assert_geq(gnutls_pubkey_import_x509(pub, crt, 0), 0);
  cr_assert_geq(gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &spki), 0);
  uint8_t md[32];
  cr_assert_geq(gnutls_hash_fast(GNUTLS_DIG_SHA256, spki.data, spki.size, md),
                0);
  gnutls_datum_t mdd = {md, sizeof md};
  cr_assert_geq(gnutls_base64_encode2(&mdd, &b64), 0);
  char pin[128];
  snprintf(pin, sizeof pin, "sha256/%.*s", (int)b64.size, (char *)b64.data);
  cr_expect_str_eq(sslb_certificate_spki_pin(c), pin);
  cr_expect_eq(strlen(sslb_certificate_spki_pin(c)), 7 + 44);
  gnutls_free(b64.data);
  gnutls_free(spki.data);
  gnutls_pubkey_deinit(pub);
  gnutls_x509_crt_deinit(crt);

  /* out-of-range SANs */
  cr_expect_eq(sslb_certificate_san_type(c, 0), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_null(sslb_certificate_san_value(c, 0));
  blob_free(&der);
  sslb_certificate_free(c);
}

Test(certificate, sans_of_the_fixture_server) {
  sslb_keystore *ks = load_fixture("small.p12", STORE_PW);
  sslb_certificate *c = leaf_of(ks, find_alias(ks, "server"));
  cr_expect_str_eq(sslb_certificate_subject(c), "CN=localhost");
  cr_expect_str_eq(sslb_certificate_issuer(c), "CN=Fixture CA");
  cr_expect_eq(sslb_certificate_is_ca(c), 0);
  cr_assert_eq(sslb_certificate_san_count(c), 2);
  cr_expect_eq(sslb_certificate_san_type(c, 0), SSLB_SAN_DNS);
  cr_expect_str_eq(sslb_certificate_san_value(c, 0), "localhost");
  cr_expect_eq(sslb_certificate_san_type(c, 1), SSLB_SAN_IP);
  cr_expect_str_eq(sslb_certificate_san_value(c, 1), "127.0.0.1");
  cr_expect_eq(sslb_certificate_san_type(c, 2), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_certificate_san_type(c, (size_t)-1),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_null(sslb_certificate_san_value(c, 2));
  sslb_certificate_free(c);
  sslb_keystore_free(ks);
}

Test(certificate, email_and_uri_sans) {
  /* a certificate built with GnuTLS directly, with every SAN kind sslbind
   * names */
  gnutls_x509_privkey_t key;
  gnutls_x509_crt_t crt;
  cr_assert_geq(gnutls_x509_privkey_init(&key), 0);
  cr_assert_geq(gnutls_x509_privkey_generate(
                    key, GNUTLS_PK_ECDSA,
                    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
                0);
  cr_assert_geq(gnutls_x509_crt_init(&crt), 0);
  cr_assert_geq(gnutls_x509_crt_set_version(crt, 3), 0);
  static const uint8_t serial[] = {0x01, 0x02};
  cr_assert_geq(gnutls_x509_crt_set_serial(crt, serial, sizeof serial), 0);
  cr_assert_geq(gnutls_x509_crt_set_activation_time(crt, 1700000000), 0);
  cr_assert_geq(gnutls_x509_crt_set_expiration_time(crt, 1800000000), 0);
  cr_assert_geq(gnutls_x509_crt_set_dn(crt, "CN=sans,O=Test", NULL), 0);
  cr_assert_geq(gnutls_x509_crt_set_key(crt, key), 0);
  static const uint8_t v6[16] = {0xfe, 0x80, [15] = 0x05};
  cr_assert_geq(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME,
                                                    "a.example", 9,
                                                    GNUTLS_FSAN_APPEND),
                0);
  cr_assert_geq(gnutls_x509_crt_set_subject_alt_name(
                    crt, GNUTLS_SAN_RFC822NAME, "me@example.org", 14,
                    GNUTLS_FSAN_APPEND),
                0);
  cr_assert_geq(gnutls_x509_crt_set_subject_alt_name(
                    crt, GNUTLS_SAN_URI, "https://example.org/x", 21,
                    GNUTLS_FSAN_APPEND),
                0);
  cr_assert_geq(gnutls_x509_crt_set_subject_alt_name(
                    crt, GNUTLS_SAN_IPADDRESS, v6, 16, GNUTLS_FSAN_APPEND),
                0);
  cr_assert_geq(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0), 0);
  gnutls_datum_t der;
  cr_assert_geq(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der), 0);
  sslb_certificate *c = NULL;
  cr_assert_eq(sslb_certificate_new(&c, der.data, der.size), 0);
  cr_expect_str_eq(sslb_certificate_subject(c), "CN=sans,O=Test");
  cr_expect_str_eq(sslb_certificate_serial(c), "102");
  cr_expect_eq(sslb_certificate_not_before(c), 1700000000);
  cr_expect_eq(sslb_certificate_not_after(c), 1800000000);
  cr_assert_eq(sslb_certificate_san_count(c), 4);
  cr_expect_eq(sslb_certificate_san_type(c, 0), SSLB_SAN_DNS);
  cr_expect_eq(sslb_certificate_san_type(c, 1), SSLB_SAN_EMAIL);
  cr_expect_str_eq(sslb_certificate_san_value(c, 1), "me@example.org");
  cr_expect_eq(sslb_certificate_san_type(c, 2), SSLB_SAN_URI);
  cr_expect_str_eq(sslb_certificate_san_value(c, 2), "https://example.org/x");
  cr_expect_eq(sslb_certificate_san_type(c, 3), SSLB_SAN_IP);
  cr_expect_str_eq(sslb_certificate_san_value(c, 3), "fe80::5");
  sslb_certificate_free(c);
  gnutls_free(der.data);
  gnutls_x509_crt_deinit(crt);
  gnutls_x509_privkey_deinit(key);
}

Test(certificate, new_from_pem_der_and_garbage) {
  blob pem = read_fixture("ca.pem"), der = read_fixture("ca.der");
  sslb_certificate *a = NULL, *b = NULL;
  cr_assert_eq(sslb_certificate_new(&a, pem.p, pem.len), 0);
  cr_assert_eq(sslb_certificate_new(&b, der.p, der.len), 0);
  cr_expect_str_eq(sslb_certificate_sha256_fingerprint(a),
                   sslb_certificate_sha256_fingerprint(b));
  /* PEM out, and back in */
  char *text = NULL;
  cr_assert_eq(sslb_certificate_pem(a, &text), 0);
  cr_expect_eq(strncmp(text, "-----BEGIN CERTIFICATE-----\n", 28), 0);
  sslb_certificate *c = NULL;
  cr_assert_eq(sslb_certificate_new(&c, (uint8_t *)text, strlen(text)), 0);
  cr_expect_str_eq(sslb_certificate_sha1_fingerprint(c),
                   sslb_certificate_sha1_fingerprint(a));
  sslb_free(text);
  sslb_certificate_free(c);

  /* invalid arguments */
  sslb_certificate *out = a;
  cr_expect_eq(sslb_certificate_new(NULL, der.p, der.len),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_certificate_new(&out, NULL, 10), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_null(out);
  out = a;
  cr_expect_eq(sslb_certificate_new(&out, der.p, 0), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_null(out);

  /* adversarial: truncated, garbage, broken PEM */
  for (size_t n = 1; n < der.len; n += 13) {
    out = a;
    cr_expect_eq(sslb_certificate_new(&out, der.p, n), SSLB_ERR_CERTIFICATE,
                 "cut at %zu", n);
    cr_expect_null(out);
  }
  static const uint8_t junk[] = "certainly not a certificate";
  cr_expect_eq(sslb_certificate_new(&out, junk, sizeof junk - 1),
               SSLB_ERR_CERTIFICATE);
  static const char broken[] = "-----BEGIN CERTIFICATE-----\n@@@@\n"
                               "-----END CERTIFICATE-----\n";
  cr_expect_eq(sslb_certificate_new(&out, (const uint8_t *)broken,
                                    sizeof broken - 1),
               SSLB_ERR_CERTIFICATE);
  static const char no_end[] = "-----BEGIN CERTIFICATE-----\nMIIB\n";
  cr_expect_eq(sslb_certificate_new(&out, (const uint8_t *)no_end,
                                    sizeof no_end - 1),
               SSLB_ERR_CERTIFICATE);
  cr_expect_null(out);

  /* other getters' invalid arguments */
  const uint8_t *d = NULL;
  size_t n = 0;
  char *p = NULL;
  cr_expect_eq(sslb_certificate_der(NULL, &d, &n), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_certificate_der(a, NULL, &n), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_certificate_der(a, &d, NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_certificate_pem(NULL, &p), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_certificate_pem(a, NULL), SSLB_ERR_INVALID_ARGUMENT);
  sslb_certificate_free(a);
  sslb_certificate_free(b);
  blob_free(&pem);
  blob_free(&der);
}

Test(certificate, getters_accept_null) {
  cr_expect_null(sslb_certificate_subject(NULL));
  cr_expect_null(sslb_certificate_issuer(NULL));
  cr_expect_null(sslb_certificate_serial(NULL));
  cr_expect_null(sslb_certificate_sha256_fingerprint(NULL));
  cr_expect_null(sslb_certificate_sha1_fingerprint(NULL));
  cr_expect_null(sslb_certificate_spki_pin(NULL));
  cr_expect_null(sslb_certificate_key_algorithm(NULL));
  cr_expect_null(sslb_certificate_signature_algorithm(NULL));
  cr_expect_eq(sslb_certificate_not_before(NULL), -1);
  cr_expect_eq(sslb_certificate_not_after(NULL), -1);
  cr_expect_eq(sslb_certificate_key_bits(NULL), 0);
  cr_expect_eq(sslb_certificate_is_ca(NULL), 0);
  cr_expect_eq(sslb_certificate_san_count(NULL), 0);
  cr_expect_eq(sslb_certificate_san_type(NULL, 0), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_null(sslb_certificate_san_value(NULL, 0));
  cr_expect_null(sslb_certificate_ref(NULL));
  sslb_certificate_free(NULL);
}

Test(certificate, references) {
  sslb_certificate *c = cert_fixture("ca.der");
  /* 100 more references: the certificate lives until the last is dropped
   * (ASan reports any use after the real free) */
  for (int i = 0; i < 100; i++)
    cr_assert_eq(sslb_certificate_ref(c), c);
  for (int i = 0; i < 100; i++) {
    sslb_certificate_free(c);
    cr_expect_str_eq(sslb_certificate_subject(c), "CN=Fixture CA");
  }
  sslb_certificate_free(c);
}

static void *ref_churn(void *arg) {
  sslb_certificate *c = arg;
  for (int i = 0; i < 20000; i++)
    sslb_certificate_free(sslb_certificate_ref(c));
  return NULL;
}

Test(certificate, references_from_several_threads) {
  sslb_certificate *c = cert_fixture("ca.der");
  pthread_t t[4];
  for (int i = 0; i < 4; i++)
    cr_assert_eq(pthread_create(&t[i], NULL, ref_churn, c), 0);
  for (int i = 0; i < 4; i++)
    pthread_join(t[i], NULL);
  cr_expect_str_eq(sslb_certificate_subject(c), "CN=Fixture CA");
  sslb_certificate_free(c);
}
