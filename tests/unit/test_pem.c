/* PEM bundles: certificates, friendlyName aliases, keys with their chains
 * (PKCS#8 plain and encrypted, traditional RSA/EC), and malformed text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "keystore/ks.h"
#include "support.h"

/* Appends text to a growable blob. */
static void cat(blob *b, const void *p, size_t n) {
  b->p = realloc(b->p, b->len + n + 1);
  cr_assert_not_null(b->p);
  memcpy(b->p + b->len, p, n);
  b->len += n;
  b->p[b->len] = 0;
}

static void cats(blob *b, const char *s) { cat(b, s, strlen(s)); }

static void catb(blob *b, const blob *x) { cat(b, x->p, x->len); }

static int try_load(const blob *b, const char *pw, char *msg, size_t msglen) {
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  int rc = sslb_keystore_load(ks, b->p, b->len, pw);
  if (msg)
    snprintf(msg, msglen, "%s", sslb_keystore_last_error(ks));
  if (rc < 0)
    cr_expect_neq(sslb_keystore_last_error(ks)[0], 0, "%s without a message",
                  sslb_error_name(rc));
  sslb_keystore_free(ks);
  return rc;
}

/* The leaf+CA chain of small.jks's server entry and its key. */
typedef struct {
  sslb_keystore *src;
  size_t idx;
  blob chain, leaf, ca;
} server_chain;

static server_chain get_server_chain(void) {
  server_chain s;
  s.src = load_fixture("small.jks", STORE_PW);
  s.idx = find_alias(s.src, "server");
  s.chain = entry_chain_pem(s.src, s.idx);
  const char *second = strstr((char *)s.chain.p + 1, "-----BEGIN CERTIFICATE");
  cr_assert_not_null(second);
  size_t cut = (size_t)((const uint8_t *)second - s.chain.p);
  s.leaf = blob_copy(s.chain.p, cut);
  s.ca = blob_copy(s.chain.p + cut, s.chain.len - cut);
  return s;
}

static void free_server_chain(server_chain *s) {
  blob_free(&s->chain);
  blob_free(&s->leaf);
  blob_free(&s->ca);
  sslb_keystore_free(s->src);
}

/* ------------------------------------------------------- certificates */

Test(pem, bundle_of_certificates) {
  server_chain s = get_server_chain();
  blob pem = read_fixture("ca.pem");
  blob b = {NULL, 0};
  catb(&b, &s.chain);
  catb(&b, &pem);
  sslb_keystore *ks = load_bytes(b.p, b.len, NULL);
  cr_expect_eq(sslb_keystore_format(ks), SSLB_FORMAT_PEM);
  cr_assert_eq(sslb_keystore_size(ks), 3);
  /* unnamed certificates get generated aliases, in file order */
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 0), "cert-1");
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 1), "cert-2");
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 2), "cert-3");
  cr_expect_str_eq(entry_fingerprint(ks, 0, 0),
                   entry_fingerprint(s.src, s.idx, 0));
  cr_expect_str_eq(entry_fingerprint(ks, 1, 0),
                   entry_fingerprint(s.src, s.idx, 1));
  cr_expect_str_eq(entry_fingerprint(ks, 2, 0),
                   entry_fingerprint(s.src, s.idx, 1));
  for (size_t i = 0; i < 3; i++) {
    cr_expect_eq(sslb_keystore_entry_kind(ks, i), SSLB_ENTRY_TRUSTED_CERT);
    cr_expect_eq(sslb_keystore_entry_created(ks, i), -1);
  }
  sslb_keystore_free(ks);

  /* the internal splitter sees the same certificates in order */
  sslb_certificate **certs = NULL;
  size_t n = 0;
  sslb__err err = {{0}};
  cr_assert_eq(sslb__pem_certs(b.p, b.len, &certs, &n, &err), 0);
  cr_assert_eq(n, 3);
  cr_expect_str_eq(sslb_certificate_subject(certs[0]), "CN=localhost");
  cr_expect_str_eq(sslb_certificate_subject(certs[1]), "CN=Fixture CA");
  for (size_t i = 0; i < n; i++)
    sslb_certificate_free(certs[i]);
  free(certs);
  blob_free(&b);
  blob_free(&pem);
  free_server_chain(&s);
}

Test(pem, friendly_names_become_aliases) {
  blob pem = read_fixture("ca.pem");
  blob b = {NULL, 0};
  /* OpenSSL's `pkcs12 -nokeys` layout, one with CRLF line ends */
  cats(&b, "Bag Attributes\n    friendlyName: My Root CA\n"
           "    localKeyID: 01 02 03\nsubject=CN = Fixture CA\n"
           "issuer=CN = Fixture CA\n");
  catb(&b, &pem);
  cats(&b, "Bag Attributes\r\n    friendlyName:\tcrlf name\r\n");
  catb(&b, &pem);
  cats(&b, "Bag Attributes\n    friendlyName: Gr\xc3\xbc\xc3\x9f" "e\n");
  catb(&b, &pem);
  /* no friendlyName before this one: an alias from its position */
  catb(&b, &pem);
  sslb_keystore *ks = load_bytes(b.p, b.len, NULL);
  cr_assert_eq(sslb_keystore_size(ks), 4);
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 0), "My Root CA");
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 1), "crlf name");
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 2), "Gr\xc3\xbc\xc3\x9f" "e");
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 3), "cert-4");
  sslb_keystore_free(ks);

  /* the same friendlyName twice is a duplicate alias */
  blob d = {NULL, 0};
  cats(&d, "friendlyName: same\n");
  catb(&d, &pem);
  cats(&d, "friendlyName: SAME\n");
  catb(&d, &pem);
  cr_expect_eq(try_load(&d, NULL, NULL, 0), SSLB_ERR_DUPLICATE_ALIAS);
  blob_free(&d);
  blob_free(&b);
  blob_free(&pem);
}

Test(pem, overlong_friendly_name_is_ignored) {
  blob pem = read_fixture("ca.pem");
  blob b = {NULL, 0};
  cats(&b, "friendlyName: ");
  char name[1100];
  memset(name, 'n', sizeof name - 1);
  name[sizeof name - 1] = 0;
  cats(&b, name);
  cats(&b, "\n");
  catb(&b, &pem);
  sslb_keystore *ks = load_bytes(b.p, b.len, NULL);
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 0), "cert-1");
  sslb_keystore_free(ks);
  blob_free(&b);
  blob_free(&pem);
}

/* ---------------------------------------------------------------- keys */

Test(pem, key_with_its_chain) {
  server_chain s = get_server_chain();
  blob key = entry_key_pem(s.src, s.idx, NULL, 0);
  /* CA before the leaf and the key last: the chain is put in order */
  blob b = {NULL, 0};
  catb(&b, &s.ca);
  catb(&b, &s.leaf);
  cats(&b, "friendlyName: web\n");
  catb(&b, &key);
  sslb_keystore *ks = load_bytes(b.p, b.len, NULL);
  cr_assert_eq(sslb_keystore_size(ks), 1, "the chain's CA is no entry");
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 0), "web");
  cr_expect_eq(sslb_keystore_entry_kind(ks, 0), SSLB_ENTRY_PRIVATE_KEY);
  cr_assert_eq(sslb_keystore_entry_chain_length(ks, 0), 2);
  cr_expect_str_eq(entry_fingerprint(ks, 0, 0),
                   entry_fingerprint(s.src, s.idx, 0));
  cr_expect_str_eq(entry_fingerprint(ks, 0, 1),
                   entry_fingerprint(s.src, s.idx, 1));
  check_key_usable(ks, 0);
  sslb_keystore_free(ks);
  blob_free(&b);

  /* OpenSSL names both the key and its certificate: one entry */
  cats(&b, "Bag Attributes\n    friendlyName: srv\n");
  catb(&b, &key);
  cats(&b, "Bag Attributes\n    friendlyName: srv\n");
  catb(&b, &s.leaf);
  ks = load_bytes(b.p, b.len, NULL);
  cr_expect_eq(sslb_keystore_size(ks), 1);
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 0), "srv");
  cr_expect_eq(sslb_keystore_entry_chain_length(ks, 0), 1);
  sslb_keystore_free(ks);
  blob_free(&b);

  /* an unnamed key takes its certificate's name, else a generated one */
  cats(&b, "friendlyName: from-cert\n");
  catb(&b, &s.leaf);
  catb(&b, &key);
  ks = load_bytes(b.p, b.len, NULL);
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 0), "from-cert");
  sslb_keystore_free(ks);
  blob_free(&b);
  catb(&b, &key);
  catb(&b, &s.leaf);
  ks = load_bytes(b.p, b.len, NULL);
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 0), "key-1");
  sslb_keystore_free(ks);
  blob_free(&b);
  blob_free(&key);
  free_server_chain(&s);
}

Test(pem, two_keys_and_a_trusted_certificate) {
  sslb_keystore *src = generated_store("one", SSLB_KEY_TYPE_SERVER,
                                       SSLB_KEY_ALG_EC_P256);
  generate_into(src, "two", SSLB_KEY_TYPE_CLIENT, SSLB_KEY_ALG_ED25519);
  blob ca = read_fixture("ca.pem");
  cr_assert_eq(sslb_keystore_add_certificate(src, "anchor", ca.p, ca.len), 0);
  blob b = save_store(src, SSLB_FORMAT_PEM, NULL);
  /* the writer's layout: a friendlyName line before each entry */
  cr_expect_not_null(strstr((char *)b.p,
                            "Bag Attributes\n    friendlyName: one\n"
                            "-----BEGIN PRIVATE KEY-----"));
  cr_expect_not_null(
      strstr((char *)b.p, "friendlyName: anchor\n-----BEGIN CERTIFICATE-----"));
  sslb_keystore *ks = load_bytes(b.p, b.len, NULL);
  check_same_entries(src, ks, 0);
  blob_free(&b);
  blob_free(&ca);
  sslb_keystore_free(ks);
  sslb_keystore_free(src);
}

Test(pem, key_without_a_matching_certificate) {
  sslb_keystore *other = generated_store("x", SSLB_KEY_TYPE_SERVER,
                                         SSLB_KEY_ALG_EC_P256);
  blob key = entry_key_pem(other, 0, NULL, 0);
  blob ca = read_fixture("ca.pem");
  blob b = {NULL, 0};
  catb(&b, &key);
  catb(&b, &ca);
  char msg[600];
  cr_expect_eq(try_load(&b, NULL, msg, sizeof msg), SSLB_ERR_KEYSTORE_CORRUPT);
  cr_expect_not_null(strstr(msg, "key-1"), "%s", msg);
  blob_free(&b);
  /* a key alone */
  cr_expect_eq(try_load(&key, NULL, NULL, 0), SSLB_ERR_KEYSTORE_CORRUPT);
  blob_free(&ca);
  blob_free(&key);
  sslb_keystore_free(other);
}

Test(pem, encrypted_pkcs8_key) {
  server_chain s = get_server_chain();
  blob key = entry_key_pem(s.src, s.idx, "Pem-Pass", 0);
  cr_expect_not_null(strstr((char *)key.p, "BEGIN ENCRYPTED PRIVATE KEY"));
  blob b = {NULL, 0};
  catb(&b, &key);
  catb(&b, &s.chain);
  char msg[600];
  cr_expect_eq(try_load(&b, NULL, NULL, 0), SSLB_ERR_PASSWORD_REQUIRED);
  cr_expect_eq(try_load(&b, "Not-It-42", msg, sizeof msg),
               SSLB_ERR_BAD_PASSWORD);
  cr_expect_null(strstr(msg, "Not-It-42"));
  sslb_keystore *ks = load_bytes(b.p, b.len, "Pem-Pass");
  cr_assert_eq(sslb_keystore_size(ks), 1);
  cr_expect_eq(sslb_keystore_entry_chain_length(ks, 0), 2);
  check_key_usable(ks, 0);
  sslb_keystore_free(ks);
  blob_free(&b);
  blob_free(&key);
  free_server_chain(&s);
}

/* A traditional ("RSA PRIVATE KEY" / "EC PRIVATE KEY") key made by GnuTLS,
 * loaded with its certificate. */
static void traditional(int alg, const char *label) {
  sslb_keystore *src = generated_store("t", SSLB_KEY_TYPE_SERVER, alg);
  blob key = entry_key_pem(src, 0, NULL, 1);
  cr_assert_not_null(strstr((char *)key.p, label), "%s", (char *)key.p);
  blob chain = entry_chain_pem(src, 0);
  blob b = {NULL, 0};
  catb(&b, &key);
  catb(&b, &chain);
  sslb_keystore *ks = load_bytes(b.p, b.len, NULL);
  cr_assert_eq(sslb_keystore_size(ks), 1);
  cr_expect_eq(sslb_keystore_entry_kind(ks, 0), SSLB_ENTRY_PRIVATE_KEY);
  cr_expect_str_eq(entry_fingerprint(ks, 0, 0), entry_fingerprint(src, 0, 0));
  check_key_usable(ks, 0);
  sslb_keystore_free(ks);

  /* the same key through add_private_key */
  sslb_keystore *add = NULL;
  cr_assert_eq(sslb_keystore_new(&add), 0);
  int rc = sslb_keystore_add_private_key(add, "t", key.p, key.len, NULL,
                                         chain.p, chain.len);
  cr_assert_eq(rc, 0, "%s", sslb_keystore_last_error(add));
  check_key_usable(add, 0);
  sslb_keystore_free(add);
  blob_free(&b);
  blob_free(&key);
  blob_free(&chain);
  sslb_keystore_free(src);
}

Test(pem, traditional_ec_key) {
  traditional(SSLB_KEY_ALG_EC_P256, "-----BEGIN EC PRIVATE KEY-----");
}

Test(pem, traditional_rsa_key) {
  traditional(SSLB_KEY_ALG_RSA, "-----BEGIN RSA PRIVATE KEY-----");
}

Test(pem, garbled_key_block) {
  server_chain s = get_server_chain();
  blob b = {NULL, 0};
  cats(&b, "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8w\n"
           "-----END PRIVATE KEY-----\n");
  catb(&b, &s.chain);
  cr_expect_eq(try_load(&b, NULL, NULL, 0), SSLB_ERR_PRIVATE_KEY);
  blob_free(&b);
  free_server_chain(&s);
}

/* --------------------------------------------------- malformed text */

Test(pem, begin_without_end_is_truncated) {
  blob pem = read_fixture("ca.pem");
  /* cut anywhere after the BEGIN line: the END line is missing */
  const char *end = strstr((char *)pem.p, "-----END");
  cr_assert_not_null(end);
  size_t stop = (size_t)((const uint8_t *)end - pem.p);
  for (size_t n = 28; n <= stop + 5; n += 7) {
    blob cut = blob_copy(pem.p, n);
    cr_expect_eq(try_load(&cut, NULL, NULL, 0), SSLB_ERR_KEYSTORE_TRUNCATED,
                 "cut at %zu", n);
    blob_free(&cut);
  }
  /* a complete first block, then a second that never ends */
  blob b = {NULL, 0};
  catb(&b, &pem);
  cats(&b, "-----BEGIN CERTIFICATE-----\nMIIB\n");
  char msg[600];
  cr_expect_eq(try_load(&b, NULL, msg, sizeof msg),
               SSLB_ERR_KEYSTORE_TRUNCATED);
  cr_expect_not_null(strstr(msg, "CERTIFICATE"), "%s", msg);
  sslb_certificate **certs = (sslb_certificate **)&b;
  size_t n = 9;
  sslb__err err = {{0}};
  cr_expect_eq(sslb__pem_certs(b.p, b.len, &certs, &n, &err),
               SSLB_ERR_KEYSTORE_TRUNCATED);
  cr_expect_null(certs);
  cr_expect_eq(n, 0);
  blob_free(&b);
  blob_free(&pem);
}

Test(pem, begin_line_without_dashes) {
  blob b = {NULL, 0};
  cats(&b, "-----BEGIN CERTIFICATE");
  cr_expect_eq(try_load(&b, NULL, NULL, 0), SSLB_ERR_KEYSTORE_CORRUPT);
  blob_free(&b);
  /* a label longer than any real one */
  cats(&b, "-----BEGIN ");
  for (int i = 0; i < 10; i++)
    cats(&b, "ABCDEFGHIJ");
  cats(&b, "-----\n-----END X-----\n");
  cr_expect_eq(try_load(&b, NULL, NULL, 0), SSLB_ERR_KEYSTORE_CORRUPT);
  blob_free(&b);
}

Test(pem, no_certificate_or_key_blocks) {
  blob b = {NULL, 0};
  cats(&b, "just text with -----BEGIN in it but nothing else");
  char msg[600];
  cr_expect_eq(try_load(&b, NULL, msg, sizeof msg), SSLB_ERR_KEYSTORE_CORRUPT);
  blob_free(&b);
  /* blocks, but none a keystore holds */
  cats(&b, "-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n"
           "-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n"
           "-----END CERTIFICATE REQUEST-----\n");
  cr_expect_eq(try_load(&b, NULL, msg, sizeof msg), SSLB_ERR_KEYSTORE_CORRUPT);
  cr_expect_not_null(strstr(msg, "no certificate or private key"), "%s", msg);
  sslb_certificate **certs = NULL;
  size_t n = 5;
  sslb__err err = {{0}};
  cr_expect_eq(sslb__pem_certs(b.p, b.len, &certs, &n, &err), 0);
  cr_expect_eq(n, 0);
  cr_expect_null(certs);
  blob_free(&b);
}

Test(pem, bad_base64_and_bad_certificates) {
  blob b = {NULL, 0};
  cats(&b, "-----BEGIN CERTIFICATE-----\n!!!! not base64 ****\n"
           "-----END CERTIFICATE-----\n");
  cr_expect_eq(try_load(&b, NULL, NULL, 0), SSLB_ERR_KEYSTORE_CORRUPT);
  blob_free(&b);
  /* valid base64 of something that is no certificate */
  cats(&b, "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n"
           "-----END CERTIFICATE-----\n");
  cr_expect_eq(try_load(&b, NULL, NULL, 0), SSLB_ERR_CERTIFICATE);
  blob_free(&b);
}

Test(pem, openssl_trusted_certificate_is_unsupported) {
  blob b = {NULL, 0};
  cats(&b, "-----BEGIN TRUSTED CERTIFICATE-----\nMAMCAQE=\n"
           "-----END TRUSTED CERTIFICATE-----\n");
  char msg[600];
  cr_expect_eq(try_load(&b, NULL, msg, sizeof msg), SSLB_ERR_UNSUPPORTED);
  cr_expect_not_null(strstr(msg, "TRUSTED CERTIFICATE"));
  blob_free(&b);
}
