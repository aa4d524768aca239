/* The keystore API across formats: sniffing, loading, accessors, editing,
 * saving and the file functions. Format-specific parsing is in test_jks.c,
 * test_pkcs12.c and test_pem.c. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "keystore/ks.h"
#include "support.h"
#include "util/text.h"

/* ------------------------------------------------------------- sniffing */

Test(keystore, sniff_recognises_every_fixture) {
  static const struct {
    const char *file;
    int format;
  } want[] = {{"small.jks", SSLB_FORMAT_JKS},
              {"keypw.jks", SSLB_FORMAT_JKS},
              {"small.jceks", SSLB_FORMAT_JCEKS},
              {"small.p12", SSLB_FORMAT_PKCS12},
              {"legacy.p12", SSLB_FORMAT_PKCS12},
              {"nopass.p12", SSLB_FORMAT_PKCS12},
              {"ca.pem", SSLB_FORMAT_PEM},
              {"ca.der", SSLB_FORMAT_DER}};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    blob b = read_fixture(want[i].file);
    cr_expect_eq(sslb_keystore_sniff(b.p, b.len), want[i].format, "%s",
                 want[i].file);
    blob_free(&b);
  }
}

Test(keystore, sniff_short_input_and_garbage) {
  static const uint8_t jks[] = {0xfe, 0xed, 0xfe, 0xed};
  cr_expect_eq(sslb_keystore_sniff(NULL, 0), SSLB_FORMAT_UNKNOWN);
  cr_expect_eq(sslb_keystore_sniff(NULL, 100), SSLB_FORMAT_UNKNOWN);
  for (size_t n = 0; n < 4; n++)
    cr_expect_eq(sslb_keystore_sniff(jks, n), SSLB_FORMAT_UNKNOWN, "%zu", n);
  cr_expect_eq(sslb_keystore_sniff(jks, 4), SSLB_FORMAT_JKS);
  static const char text[] = "hello, this is no keystore at all";
  cr_expect_eq(sslb_keystore_sniff((const uint8_t *)text, sizeof text - 1),
               SSLB_FORMAT_UNKNOWN);
  /* a DER SEQUENCE that is neither a PFX nor a certificate */
  static const uint8_t seq_int[] = {0x30, 0x03, 0x02, 0x01, 0x05};
  cr_expect_eq(sslb_keystore_sniff(seq_int, sizeof seq_int),
               SSLB_FORMAT_UNKNOWN);
  /* a long-form length pointing far past the data must not be followed */
  static const uint8_t long_len[] = {0x30, 0xff, 0x02, 0x01};
  cr_expect_eq(sslb_keystore_sniff(long_len, sizeof long_len),
               SSLB_FORMAT_UNKNOWN);
  static const uint8_t pfx[] = {0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x03};
  cr_expect_eq(sslb_keystore_sniff(pfx, sizeof pfx), SSLB_FORMAT_PKCS12);
  cr_expect_eq(sslb_keystore_sniff(pfx, sizeof pfx - 1), SSLB_FORMAT_UNKNOWN);
  /* "-----BEGIN " anywhere in the first 64 KiB is PEM, later is not */
  size_t n = 70000;
  uint8_t *big = malloc(n);
  cr_assert_not_null(big);
  memset(big, 'x', n);
  memcpy(big + 100, "-----BEGIN ", 11);
  cr_expect_eq(sslb_keystore_sniff(big, n), SSLB_FORMAT_PEM);
  memset(big + 100, 'x', 11);
  memcpy(big + 66000, "-----BEGIN ", 11);
  cr_expect_eq(sslb_keystore_sniff(big, n), SSLB_FORMAT_UNKNOWN);
  free(big);
}

Test(keystore, format_names) {
  cr_expect_str_eq(sslb_keystore_format_name(SSLB_FORMAT_JKS), "JKS");
  cr_expect_str_eq(sslb_keystore_format_name(SSLB_FORMAT_JCEKS), "JCEKS");
  cr_expect_str_eq(sslb_keystore_format_name(SSLB_FORMAT_PKCS12), "PKCS12");
  cr_expect_str_eq(sslb_keystore_format_name(SSLB_FORMAT_PEM), "PEM");
  cr_expect_str_eq(sslb_keystore_format_name(SSLB_FORMAT_DER), "DER");
  cr_expect_str_eq(sslb_keystore_format_name(SSLB_FORMAT_UNKNOWN), "unknown");
  cr_expect_str_eq(sslb_keystore_format_name(-1), "unknown");
  cr_expect_str_eq(sslb_keystore_format_name(99), "unknown");
}

/* ------------------------------------------------------------- handles */

Test(keystore, new_free_and_empty_store) {
  cr_expect_eq(sslb_keystore_new(NULL), SSLB_ERR_INVALID_ARGUMENT);
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  cr_assert_not_null(ks);
  cr_expect_eq(sslb_keystore_size(ks), 0);
  cr_expect_eq(sslb_keystore_format(ks), SSLB_FORMAT_UNKNOWN);
  cr_expect_str_eq(sslb_keystore_last_error(ks), "");
  sslb_keystore_free(ks);
  sslb_keystore_free(NULL);
}

Test(keystore, null_handle_is_refused_everywhere) {
  uint8_t byte = 0, *out = NULL;
  size_t idx = 0, n = 0;
  cr_expect_eq(sslb_keystore_load(NULL, &byte, 1, NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_load_file(NULL, "x", NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_format(NULL), SSLB_FORMAT_UNKNOWN);
  cr_expect_eq(sslb_keystore_size(NULL), 0);
  cr_expect_eq(sslb_keystore_find(NULL, "a", &idx), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_null(sslb_keystore_entry_alias(NULL, 0));
  cr_expect_eq(sslb_keystore_entry_kind(NULL, 0), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_entry_created(NULL, 0), -1);
  cr_expect_null(sslb_keystore_entry_algorithm(NULL, 0));
  cr_expect_eq(sslb_keystore_entry_chain_length(NULL, 0), 0);
  sslb_certificate *c = (sslb_certificate *)&byte;
  cr_expect_eq(sslb_keystore_entry_certificate(NULL, 0, 0, &c),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_null(c);
  cr_expect_eq(sslb_keystore_entry_locked(NULL, 0), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_unlock_key(NULL, "a", "pw"),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_set_key_password(NULL, "a", "pw"),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_add_certificate(NULL, "a", &byte, 1),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_add_private_key(NULL, "a", &byte, 1, NULL, &byte,
                                             1),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_remove(NULL, "a"), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_save(NULL, SSLB_FORMAT_PKCS12, "pw", &out, &n),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_save_file(NULL, "x", SSLB_FORMAT_PKCS12, "pw"),
               SSLB_ERR_INVALID_ARGUMENT);
}

/* ------------------------------------------------------------- loading */

/* Every keystore fixture, with the password keytool listed it with. */
static const struct {
  const char *file;
  const char *password;
  int format;
} stores[] = {{"small.jks", STORE_PW, SSLB_FORMAT_JKS},
              {"keypw.jks", STORE_PW, SSLB_FORMAT_JKS},
              {"small.jceks", STORE_PW, SSLB_FORMAT_JCEKS},
              {"small.p12", STORE_PW, SSLB_FORMAT_PKCS12},
              {"legacy.p12", STORE_PW, SSLB_FORMAT_PKCS12},
              {"nopass.p12", NULL, SSLB_FORMAT_PKCS12}};
#define NSTORES (sizeof stores / sizeof stores[0])

Test(keystore, every_fixture_matches_keytool) {
  /* and fixtures.tsv names no file this list forgets */
  size_t n;
  expected_entry *v = expected_entries(&n);
  cr_assert_gt(n, 0);
  for (size_t r = 0; r < n; r++) {
    int listed = 0;
    for (size_t i = 0; i < NSTORES; i++)
      listed |= strcmp(v[r].file, stores[i].file) == 0;
    cr_expect(listed, "fixtures.tsv lists %s, which no test loads", v[r].file);
  }
  free(v);
  for (size_t i = 0; i < NSTORES; i++) {
    sslb_keystore *ks = load_fixture(stores[i].file, stores[i].password);
    cr_expect_eq(sslb_keystore_format(ks), stores[i].format, "%s",
                 stores[i].file);
    check_against_fixture(ks, stores[i].file);
    sslb_keystore_free(ks);
  }
}

Test(keystore, load_from_memory_equals_load_from_file) {
  for (size_t i = 0; i < NSTORES; i++) {
    blob b = read_fixture(stores[i].file);
    sslb_keystore *mem = load_bytes(b.p, b.len, stores[i].password);
    sslb_keystore *file = load_fixture(stores[i].file, stores[i].password);
    cr_expect_eq(sslb_keystore_format(mem), sslb_keystore_format(file));
    cr_assert_eq(sslb_keystore_size(mem), sslb_keystore_size(file));
    for (size_t e = 0; e < sslb_keystore_size(mem); e++) {
      cr_expect_str_eq(sslb_keystore_entry_alias(mem, e),
                       sslb_keystore_entry_alias(file, e));
      cr_expect_eq(sslb_keystore_entry_locked(mem, e),
                   sslb_keystore_entry_locked(file, e));
    }
    check_against_fixture(mem, stores[i].file);
    sslb_keystore_free(mem);
    sslb_keystore_free(file);
    blob_free(&b);
  }
}

Test(keystore, load_pem_and_der_certificates) {
  sslb_keystore *ks = load_fixture("ca.pem", NULL);
  cr_expect_eq(sslb_keystore_format(ks), SSLB_FORMAT_PEM);
  cr_assert_eq(sslb_keystore_size(ks), 1);
  cr_expect_eq(sslb_keystore_entry_kind(ks, 0), SSLB_ENTRY_TRUSTED_CERT);
  char fp[128];
  snprintf(fp, sizeof fp, "%s", entry_fingerprint(ks, 0, 0));
  sslb_keystore_free(ks);

  ks = load_fixture("ca.der", NULL);
  cr_expect_eq(sslb_keystore_format(ks), SSLB_FORMAT_DER);
  cr_assert_eq(sslb_keystore_size(ks), 1);
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 0), "certificate");
  cr_expect_eq(sslb_keystore_entry_kind(ks, 0), SSLB_ENTRY_TRUSTED_CERT);
  cr_expect_str_eq(entry_fingerprint(ks, 0, 0), fp);
  /* the CA of every fixture: what keytool printed for 'ca' */
  cr_expect_str_eq(fp, fixture_fingerprint("small.jks", "ca", 0));
  sslb_keystore_free(ks);
}

Test(keystore, load_invalid_arguments) {
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  cr_expect_eq(sslb_keystore_load(ks, NULL, 10, NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_neq(sslb_keystore_last_error(ks)[0], 0);
  /* NULL with no bytes is simply too short */
  cr_expect_eq(sslb_keystore_load(ks, NULL, 0, NULL),
               SSLB_ERR_KEYSTORE_TRUNCATED);
  blob b = read_fixture("small.jks");
  cr_expect_eq(sslb_keystore_load(ks, b.p, b.len, "\xff\xfe"),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_not_null(strstr(sslb_keystore_last_error(ks), "UTF-8"));
  cr_expect_eq(sslb_keystore_load_file(ks, NULL, NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_size(ks), 0);
  blob_free(&b);
  sslb_keystore_free(ks);
}

Test(keystore, load_garbage_and_short_input) {
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  static const uint8_t garbage[] = "\x01\x02\x03\x04 definitely not a keystore";
  cr_expect_eq(sslb_keystore_load(ks, garbage, sizeof garbage - 1, NULL),
               SSLB_ERR_KEYSTORE_FORMAT);
  /* the message shows the bytes it did not recognise */
  cr_expect_not_null(strstr(sslb_keystore_last_error(ks), "01 02 03 04"),
                     "%s", sslb_keystore_last_error(ks));
  cr_expect_eq(sslb_keystore_load(ks, garbage, 3, NULL),
               SSLB_ERR_KEYSTORE_TRUNCATED);
  cr_expect_neq(sslb_keystore_last_error(ks)[0], 0);
  /* looks like a DER certificate (SEQUENCE of SEQUENCE) but is none */
  static const uint8_t fake_der[] = {0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x01};
  cr_expect_eq(sslb_keystore_load(ks, fake_der, sizeof fake_der, NULL),
               SSLB_ERR_CERTIFICATE);
  cr_expect_not_null(strstr(sslb_keystore_last_error(ks), "DER"), "%s",
                     sslb_keystore_last_error(ks));
  static const uint8_t zeros[64] = {0};
  cr_expect_eq(sslb_keystore_load(ks, zeros, sizeof zeros, NULL),
               SSLB_ERR_KEYSTORE_FORMAT);
  cr_expect_eq(sslb_keystore_format(ks), SSLB_FORMAT_UNKNOWN);
  sslb_keystore_free(ks);
}

Test(keystore, failed_load_keeps_previous_contents) {
  sslb_keystore *ks = load_fixture("small.jks", STORE_PW);
  cr_assert_eq(sslb_keystore_size(ks), 2);
  static const uint8_t garbage[] = "garbage garbage garbage";
  cr_expect_eq(sslb_keystore_load(ks, garbage, sizeof garbage - 1, STORE_PW),
               SSLB_ERR_KEYSTORE_FORMAT);
  check_against_fixture(ks, "small.jks");
  cr_expect_eq(sslb_keystore_format(ks), SSLB_FORMAT_JKS);

  /* a store that fails later, at its integrity check, changes nothing */
  blob p12 = read_fixture("small.p12");
  cr_expect_eq(sslb_keystore_load(ks, p12.p, p12.len, "wrong"),
               SSLB_ERR_BAD_PASSWORD);
  check_against_fixture(ks, "small.jks");
  cr_expect_eq(sslb_keystore_format(ks), SSLB_FORMAT_JKS);
  /* ... and a store that ends early */
  cr_expect_eq(sslb_keystore_load(ks, p12.p, p12.len / 2, STORE_PW),
               SSLB_ERR_KEYSTORE_TRUNCATED);
  check_against_fixture(ks, "small.jks");
  size_t i = find_alias(ks, "server");
  check_key_usable(ks, i);

  /* a successful load replaces everything */
  cr_assert_eq(sslb_keystore_load(ks, p12.p, p12.len, STORE_PW), 0);
  cr_expect_eq(sslb_keystore_format(ks), SSLB_FORMAT_PKCS12);
  check_against_fixture(ks, "small.p12");
  blob_free(&p12);
  sslb_keystore_free(ks);
}

Test(keystore, load_file_errors_name_the_path) {
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  const char *missing = "/nonexistent-dir/no-such-keystore.p12";
  cr_expect_eq(sslb_keystore_load_file(ks, missing, "pw"), SSLB_ERR_IO);
  cr_expect_not_null(strstr(sslb_keystore_last_error(ks), missing), "%s",
                     sslb_keystore_last_error(ks));
  /* a directory is no keystore file */
  cr_expect_eq(sslb_keystore_load_file(ks, SSLB_TEST_DATA, "pw"), SSLB_ERR_IO);
  cr_expect_not_null(strstr(sslb_keystore_last_error(ks), SSLB_TEST_DATA));
  /* a parse failure of a file is prefixed with its path too */
  cr_expect_eq(
      sslb_keystore_load_file(ks, fixture_path("small.jks"), "Not-It-42"),
      SSLB_ERR_BAD_PASSWORD);
  cr_expect_not_null(
      strstr(sslb_keystore_last_error(ks), fixture_path("small.jks")));
  /* and the message never carries the password */
  cr_expect_null(strstr(sslb_keystore_last_error(ks), "Not-It-42"), "%s",
                 sslb_keystore_last_error(ks));
  cr_expect_eq(sslb_keystore_size(ks), 0);
  sslb_keystore_free(ks);
}

/* ------------------------------------------------------------ accessors */

Test(keystore, entry_accessors) {
  sslb_keystore *ks = load_fixture("small.jks", STORE_PW);
  size_t s = find_alias(ks, "server"), c = find_alias(ks, "ca");
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, s), "server");
  cr_expect_eq(sslb_keystore_entry_kind(ks, s), SSLB_ENTRY_PRIVATE_KEY);
  cr_expect_eq(sslb_keystore_entry_kind(ks, c), SSLB_ENTRY_TRUSTED_CERT);
  cr_expect_str_eq(sslb_keystore_entry_algorithm(ks, s), "EC");
  cr_expect_str_eq(sslb_keystore_entry_algorithm(ks, c), "EC");
  cr_expect_eq(sslb_keystore_entry_chain_length(ks, s), 2);
  cr_expect_eq(sslb_keystore_entry_chain_length(ks, c), 1);
  cr_expect_eq(sslb_keystore_entry_locked(ks, s), 0);
  cr_expect_eq(sslb_keystore_entry_locked(ks, c), 0);
  /* JKS stores creation dates: the fixtures were made after 2020 */
  cr_expect_gt(sslb_keystore_entry_created(ks, s), 1577836800000ll);
  cr_expect_gt(sslb_keystore_entry_created(ks, c), 1577836800000ll);
  /* the chain: leaf issued by the CA entry's certificate */
  sslb_certificate *leaf = NULL, *ca = NULL, *anchor = NULL;
  cr_assert_eq(sslb_keystore_entry_certificate(ks, s, 0, &leaf), 0);
  cr_assert_eq(sslb_keystore_entry_certificate(ks, s, 1, &ca), 0);
  cr_assert_eq(sslb_keystore_entry_certificate(ks, c, 0, &anchor), 0);
  cr_expect_str_eq(sslb_certificate_subject(leaf), "CN=localhost");
  cr_expect_str_eq(sslb_certificate_issuer(leaf), "CN=Fixture CA");
  cr_expect_str_eq(sslb_certificate_sha256_fingerprint(ca),
                   sslb_certificate_sha256_fingerprint(anchor));
  sslb_certificate_free(leaf);
  sslb_certificate_free(ca);
  sslb_certificate_free(anchor);
  sslb_keystore_free(ks);

  /* PKCS#12 stores no dates */
  ks = load_fixture("small.p12", STORE_PW);
  cr_expect_eq(sslb_keystore_entry_created(ks, find_alias(ks, "server")), -1);
  sslb_keystore_free(ks);
}

Test(keystore, entry_accessors_out_of_range) {
  sslb_keystore *ks = load_fixture("small.jks", STORE_PW);
  size_t n = sslb_keystore_size(ks);
  const size_t bad[] = {n, n + 1, (size_t)-1};
  for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
    size_t i = bad[b];
    cr_expect_null(sslb_keystore_entry_alias(ks, i));
    cr_expect_eq(sslb_keystore_entry_kind(ks, i), SSLB_ERR_INVALID_ARGUMENT);
    cr_expect_eq(sslb_keystore_entry_created(ks, i), -1);
    cr_expect_null(sslb_keystore_entry_algorithm(ks, i));
    cr_expect_eq(sslb_keystore_entry_chain_length(ks, i), 0);
    cr_expect_eq(sslb_keystore_entry_locked(ks, i), SSLB_ERR_INVALID_ARGUMENT);
    sslb_certificate *c = NULL;
    cr_expect_eq(sslb_keystore_entry_certificate(ks, i, 0, &c),
                 SSLB_ERR_INVALID_ARGUMENT);
    cr_expect_null(c);
  }
  /* a position past the chain, and a NULL out pointer */
  size_t s = find_alias(ks, "server");
  sslb_certificate *c = NULL;
  cr_expect_eq(sslb_keystore_entry_certificate(ks, s, 2, &c),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_null(c);
  cr_expect_eq(sslb_keystore_entry_certificate(ks, s, (size_t)-1, &c),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_entry_certificate(ks, s, 0, NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  sslb_keystore_free(ks);
}

Test(keystore, certificates_outlive_their_store) {
  sslb_keystore *ks = load_fixture("small.p12", STORE_PW);
  sslb_certificate *c = NULL;
  cr_assert_eq(sslb_keystore_entry_certificate(ks, find_alias(ks, "server"), 0,
                                               &c),
               0);
  sslb_keystore_free(ks);
  /* the reference keeps the certificate alive (ASan would see a UAF) */
  cr_expect_str_eq(sslb_certificate_subject(c), "CN=localhost");
  sslb_certificate_free(c);
}

/* ----------------------------------------------------- find and remove */

Test(keystore, find_is_case_insensitive_for_ascii) {
  sslb_keystore *ks = load_fixture("small.p12", STORE_PW);
  size_t a = 99, b = 99, c = 99;
  cr_expect_eq(sslb_keystore_find(ks, "server", &a), 0);
  cr_expect_eq(sslb_keystore_find(ks, "SERVER", &b), 0);
  cr_expect_eq(sslb_keystore_find(ks, "SeRvEr", &c), 0);
  cr_expect_eq(a, b);
  cr_expect_eq(a, c);
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, a), "server");
  size_t keep = 77;
  cr_expect_eq(sslb_keystore_find(ks, "serve", &keep), SSLB_ERR_NOT_FOUND);
  cr_expect_eq(sslb_keystore_find(ks, "servers", &keep), SSLB_ERR_NOT_FOUND);
  cr_expect_not_null(strstr(sslb_keystore_last_error(ks), "servers"));
  cr_expect_eq(sslb_keystore_find(ks, "", &keep), SSLB_ERR_NOT_FOUND);
  cr_expect_eq(keep, 77, "a failed find must not touch *index");
  cr_expect_eq(sslb_keystore_find(ks, NULL, &keep), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_find(ks, "server", NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  sslb_keystore_free(ks);
}

Test(keystore, find_folds_only_ascii) {
  /* Java folds only ASCII letters in keystore aliases: "É" is not "é" */
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  blob der = read_fixture("ca.der");
  cr_assert_eq(sslb_keystore_add_certificate(ks, "Caf\xc3\xa9", der.p, der.len),
               0);
  size_t i;
  cr_expect_eq(sslb_keystore_find(ks, "CAF\xc3\xa9", &i), 0);
  cr_expect_eq(sslb_keystore_find(ks, "CAF\xc3\x89", &i), SSLB_ERR_NOT_FOUND);
  blob_free(&der);
  sslb_keystore_free(ks);
}

Test(keystore, remove_entries) {
  sslb_keystore *ks = load_fixture("small.jks", STORE_PW);
  cr_expect_eq(sslb_keystore_remove(ks, "CA"), 0);
  cr_assert_eq(sslb_keystore_size(ks), 1);
  size_t i;
  cr_expect_eq(sslb_keystore_find(ks, "ca", &i), SSLB_ERR_NOT_FOUND);
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 0), "server");
  cr_expect_eq(sslb_keystore_entry_chain_length(ks, 0), 2);
  check_key_usable(ks, 0);
  cr_expect_eq(sslb_keystore_remove(ks, "ca"), SSLB_ERR_NOT_FOUND);
  cr_expect_not_null(strstr(sslb_keystore_last_error(ks), "ca"));
  cr_expect_eq(sslb_keystore_remove(ks, NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_remove(ks, "server"), 0);
  cr_expect_eq(sslb_keystore_size(ks), 0);
  cr_expect_null(sslb_keystore_entry_alias(ks, 0));
  cr_expect_eq(sslb_keystore_remove(ks, "server"), SSLB_ERR_NOT_FOUND);
  sslb_keystore_free(ks);
}

Test(keystore, remove_from_the_middle_keeps_order) {
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  blob der = read_fixture("ca.der");
  const char *names[] = {"one", "two", "three", "four"};
  for (size_t i = 0; i < 4; i++)
    cr_assert_eq(sslb_keystore_add_certificate(ks, names[i], der.p, der.len),
                 0);
  cr_expect_eq(sslb_keystore_remove(ks, "two"), 0);
  cr_assert_eq(sslb_keystore_size(ks), 3);
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 0), "one");
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 1), "three");
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 2), "four");
  blob_free(&der);
  sslb_keystore_free(ks);
}

/* ------------------------------------------------------ add_certificate */

Test(keystore, add_certificate_pem_and_der) {
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  blob pem = read_fixture("ca.pem"), der = read_fixture("ca.der");
  cr_expect_eq(sslb_keystore_add_certificate(ks, "from-pem", pem.p, pem.len),
               0);
  cr_expect_eq(sslb_keystore_add_certificate(ks, "from-der", der.p, der.len),
               0);
  cr_assert_eq(sslb_keystore_size(ks), 2);
  for (size_t i = 0; i < 2; i++) {
    cr_expect_eq(sslb_keystore_entry_kind(ks, i), SSLB_ENTRY_TRUSTED_CERT);
    cr_expect_eq(sslb_keystore_entry_chain_length(ks, i), 1);
    cr_expect_eq(sslb_keystore_entry_created(ks, i), -1);
    char fp[128];
    snprintf(fp, sizeof fp, "%s", entry_fingerprint(ks, i, 0));
    cr_expect_str_eq(fp, fixture_fingerprint("small.jks", "ca", 0));
  }
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 0), "from-pem");
  blob_free(&pem);
  blob_free(&der);
  sslb_keystore_free(ks);
}

Test(keystore, add_certificate_takes_the_first_of_a_bundle) {
  sslb_keystore *src = load_fixture("small.jks", STORE_PW);
  blob bundle = entry_chain_pem(src, find_alias(src, "server"));
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  cr_assert_eq(sslb_keystore_add_certificate(ks, "leaf", bundle.p, bundle.len),
               0);
  cr_expect_eq(sslb_keystore_entry_chain_length(ks, 0), 1);
  cr_expect_str_eq(entry_fingerprint(ks, 0, 0),
                   entry_fingerprint(src, find_alias(src, "server"), 0));
  blob_free(&bundle);
  sslb_keystore_free(src);
  sslb_keystore_free(ks);
}

Test(keystore, add_certificate_errors) {
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  blob der = read_fixture("ca.der");
  cr_assert_eq(sslb_keystore_add_certificate(ks, "ca", der.p, der.len), 0);
  /* the same alias in another case is the same alias */
  cr_expect_eq(sslb_keystore_add_certificate(ks, "CA", der.p, der.len),
               SSLB_ERR_ALIAS_EXISTS);
  cr_expect_not_null(strstr(sslb_keystore_last_error(ks), "CA"));
  cr_expect_eq(sslb_keystore_add_certificate(ks, NULL, der.p, der.len),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_add_certificate(ks, "", der.p, der.len),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_add_certificate(ks, "bad\xc3(", der.p, der.len),
               SSLB_ERR_INVALID_ARGUMENT);
  char longalias[1100];
  memset(longalias, 'a', sizeof longalias - 1);
  longalias[sizeof longalias - 1] = 0;
  cr_expect_eq(sslb_keystore_add_certificate(ks, longalias, der.p, der.len),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_add_certificate(ks, "x", NULL, 10),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_add_certificate(ks, "x", der.p, 0),
               SSLB_ERR_INVALID_ARGUMENT);
  /* adversarial: truncated DER, garbage, a PEM with no certificate */
  cr_expect_eq(sslb_keystore_add_certificate(ks, "x", der.p, der.len - 1),
               SSLB_ERR_CERTIFICATE);
  static const uint8_t junk[] = "\x30\x03\x02\x01\x01";
  cr_expect_eq(sslb_keystore_add_certificate(ks, "x", junk, sizeof junk - 1),
               SSLB_ERR_CERTIFICATE);
  static const char nocert[] = "-----BEGIN PUBLIC KEY-----\nAAAA\n"
                               "-----END PUBLIC KEY-----\n";
  cr_expect_eq(sslb_keystore_add_certificate(ks, "x", (const uint8_t *)nocert,
                                             sizeof nocert - 1),
               SSLB_ERR_CERTIFICATE);
  static const char badb64[] = "-----BEGIN CERTIFICATE-----\n!!!!\n"
                               "-----END CERTIFICATE-----\n";
  cr_expect_lt(sslb_keystore_add_certificate(ks, "x", (const uint8_t *)badb64,
                                             sizeof badb64 - 1),
               0);
  cr_expect_eq(sslb_keystore_size(ks), 1);
  blob_free(&der);
  sslb_keystore_free(ks);
}

/* ------------------------------------------------------ add_private_key */

Test(keystore, add_private_key_pem_key_and_chain) {
  sslb_keystore *src = load_fixture("small.jks", STORE_PW);
  size_t s = find_alias(src, "server");
  blob key = entry_key_pem(src, s, NULL, 0);
  blob chain = entry_chain_pem(src, s);
  cr_expect_not_null(strstr((char *)key.p, "-----BEGIN PRIVATE KEY-----"));

  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  int rc = sslb_keystore_add_private_key(ks, "Imported", key.p, key.len, NULL,
                                         chain.p, chain.len);
  cr_assert_eq(rc, 0, "%s", sslb_keystore_last_error(ks));
  cr_assert_eq(sslb_keystore_size(ks), 1);
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 0), "Imported");
  cr_expect_eq(sslb_keystore_entry_kind(ks, 0), SSLB_ENTRY_PRIVATE_KEY);
  cr_expect_eq(sslb_keystore_entry_chain_length(ks, 0), 2);
  cr_expect_str_eq(entry_fingerprint(ks, 0, 0), entry_fingerprint(src, s, 0));
  cr_expect_str_eq(entry_fingerprint(ks, 0, 1), entry_fingerprint(src, s, 1));
  cr_expect_str_eq(sslb_keystore_entry_algorithm(ks, 0), "EC");
  check_key_usable(ks, 0);
  /* duplicate alias, any case */
  cr_expect_eq(sslb_keystore_add_private_key(ks, "IMPORTED", key.p, key.len,
                                             NULL, chain.p, chain.len),
               SSLB_ERR_ALIAS_EXISTS);
  blob_free(&key);
  blob_free(&chain);
  sslb_keystore_free(src);
  sslb_keystore_free(ks);
}

Test(keystore, add_private_key_der_key_and_der_certificate) {
  sslb_keystore *src = generated_store("gen", SSLB_KEY_TYPE_SERVER,
                                       SSLB_KEY_ALG_EC_P384);
  sslb__buf kd;
  sslb__buf_init(&kd);
  cr_assert_eq(sslb__key_export_pkcs8(src->e.v[0].key, NULL, 0, &kd), 0);
  const uint8_t *der;
  size_t dlen;
  sslb__cert_der(src->e.v[0].chain[0], &der, &dlen);
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  int rc = sslb_keystore_add_private_key(ks, "der", kd.p, kd.len, NULL, der,
                                         dlen);
  cr_assert_eq(rc, 0, "%s", sslb_keystore_last_error(ks));
  cr_expect_eq(sslb_keystore_entry_chain_length(ks, 0), 1);
  cr_expect_str_eq(entry_fingerprint(ks, 0, 0), entry_fingerprint(src, 0, 0));
  check_key_usable(ks, 0);
  sslb__buf_free(&kd);
  sslb_keystore_free(src);
  sslb_keystore_free(ks);
}

Test(keystore, add_private_key_rejects_a_mismatched_pair) {
  sslb_keystore *a = generated_store("a", SSLB_KEY_TYPE_SERVER,
                                     SSLB_KEY_ALG_EC_P256);
  sslb_keystore *b = load_fixture("small.jks", STORE_PW);
  blob key = entry_key_pem(a, 0, NULL, 0);
  blob chain = entry_chain_pem(b, find_alias(b, "server"));
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  cr_expect_eq(sslb_keystore_add_private_key(ks, "x", key.p, key.len, NULL,
                                             chain.p, chain.len),
               SSLB_ERR_PRIVATE_KEY);
  cr_expect_neq(sslb_keystore_last_error(ks)[0], 0);
  cr_expect_eq(sslb_keystore_size(ks), 0);
  blob_free(&key);
  blob_free(&chain);
  sslb_keystore_free(a);
  sslb_keystore_free(b);
  sslb_keystore_free(ks);
}

Test(keystore, add_private_key_encrypted) {
  sslb_keystore *src = generated_store("gen", SSLB_KEY_TYPE_SERVER,
                                       SSLB_KEY_ALG_EC_P256);
  blob key = entry_key_pem(src, 0, "s3cret", 0);
  blob chain = entry_chain_pem(src, 0);
  cr_expect_not_null(
      strstr((char *)key.p, "-----BEGIN ENCRYPTED PRIVATE KEY-----"));
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  cr_expect_eq(sslb_keystore_add_private_key(ks, "k", key.p, key.len, NULL,
                                             chain.p, chain.len),
               SSLB_ERR_PASSWORD_REQUIRED);
  cr_expect_eq(sslb_keystore_add_private_key(ks, "k", key.p, key.len,
                                             "Not-It-42", chain.p, chain.len),
               SSLB_ERR_BAD_KEY_PASSWORD);
  /* messages never carry a password */
  cr_expect_null(strstr(sslb_keystore_last_error(ks), "Not-It-42"));
  cr_expect_eq(sslb_keystore_size(ks), 0);
  int rc = sslb_keystore_add_private_key(ks, "k", key.p, key.len, "s3cret",
                                         chain.p, chain.len);
  cr_assert_eq(rc, 0, "%s", sslb_keystore_last_error(ks));
  check_key_usable(ks, 0);
  /* the key password is remembered for saving: the entry comes back locked
   * from a store saved with another store password */
  blob jks = save_store(ks, SSLB_FORMAT_JKS, "storepw");
  sslb_keystore *back = load_bytes(jks.p, jks.len, "storepw");
  cr_expect_eq(sslb_keystore_entry_locked(back, 0), 1);
  cr_expect_eq(sslb_keystore_unlock_key(back, "k", "s3cret"), 0);
  check_key_usable(back, 0);
  blob_free(&jks);
  blob_free(&key);
  blob_free(&chain);
  sslb_keystore_free(back);
  sslb_keystore_free(src);
  sslb_keystore_free(ks);
}

Test(keystore, add_private_key_invalid_input) {
  sslb_keystore *src = generated_store("gen", SSLB_KEY_TYPE_SERVER,
                                       SSLB_KEY_ALG_EC_P256);
  blob key = entry_key_pem(src, 0, NULL, 0);
  blob chain = entry_chain_pem(src, 0);
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  cr_expect_eq(sslb_keystore_add_private_key(ks, "x", NULL, 5, NULL, chain.p,
                                             chain.len),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_add_private_key(ks, "x", key.p, key.len, NULL,
                                             NULL, 0),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_add_private_key(ks, NULL, key.p, key.len, NULL,
                                             chain.p, chain.len),
               SSLB_ERR_INVALID_ARGUMENT);
  static const uint8_t junk[] = "this is not a key";
  cr_expect_eq(sslb_keystore_add_private_key(ks, "x", junk, sizeof junk - 1,
                                             NULL, chain.p, chain.len),
               SSLB_ERR_PRIVATE_KEY);
  cr_expect_eq(sslb_keystore_add_private_key(ks, "x", key.p, key.len, NULL,
                                             junk, sizeof junk - 1),
               SSLB_ERR_CERTIFICATE);
  /* a PEM chain with no certificate block */
  cr_expect_eq(sslb_keystore_add_private_key(ks, "x", key.p, key.len, NULL,
                                             key.p, key.len),
               SSLB_ERR_CERTIFICATE);
  cr_expect_eq(sslb_keystore_size(ks), 0);
  blob_free(&key);
  blob_free(&chain);
  sslb_keystore_free(src);
  sslb_keystore_free(ks);
}

/* ----------------------------------------------- unlock and key password */

Test(keystore, unlock_key_argument_errors) {
  sslb_keystore *ks = load_fixture("small.jks", STORE_PW);
  cr_expect_eq(sslb_keystore_unlock_key(ks, "nope", "pw"), SSLB_ERR_NOT_FOUND);
  cr_expect_eq(sslb_keystore_unlock_key(ks, "ca", "pw"),
               SSLB_ERR_WRONG_ENTRY_KIND);
  cr_expect_eq(sslb_keystore_unlock_key(ks, NULL, "pw"),
               SSLB_ERR_INVALID_ARGUMENT);
  /* an usable key: nothing is checked */
  cr_expect_eq(sslb_keystore_unlock_key(ks, "server", "anything"), 0);
  cr_expect_eq(sslb_keystore_unlock_key(ks, "SERVER", NULL), 0);
  check_key_usable(ks, find_alias(ks, "server"));
  sslb_keystore_free(ks);
}

Test(keystore, set_key_password) {
  sslb_keystore *ks = generated_store("k", SSLB_KEY_TYPE_SERVER,
                                      SSLB_KEY_ALG_EC_P256);
  blob der = read_fixture("ca.der");
  cr_assert_eq(sslb_keystore_add_certificate(ks, "ca", der.p, der.len), 0);
  cr_expect_eq(sslb_keystore_set_key_password(ks, "nope", "x"),
               SSLB_ERR_NOT_FOUND);
  cr_expect_eq(sslb_keystore_set_key_password(ks, "ca", "x"),
               SSLB_ERR_WRONG_ENTRY_KIND);
  cr_expect_eq(sslb_keystore_set_key_password(ks, NULL, "x"),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_set_key_password(ks, "K", "keypw"), 0);

  const int formats[] = {SSLB_FORMAT_JKS, SSLB_FORMAT_PKCS12};
  for (size_t f = 0; f < 2; f++) {
    blob b = save_store(ks, formats[f], "storepw");
    sslb_keystore *back = load_bytes(b.p, b.len, "storepw");
    size_t i = find_alias(back, "k");
    cr_expect_eq(sslb_keystore_entry_locked(back, i), 1, "%s",
                 sslb_keystore_format_name(formats[f]));
    cr_expect_eq(sslb_keystore_unlock_key(back, "k", "storepw"),
                 SSLB_ERR_BAD_KEY_PASSWORD);
    cr_expect_eq(sslb_keystore_entry_locked(back, i), 1);
    cr_expect_eq(sslb_keystore_unlock_key(back, "k", "keypw"), 0);
    cr_expect_eq(sslb_keystore_entry_locked(back, i), 0);
    check_key_usable(back, i);
    blob_free(&b);
    sslb_keystore_free(back);
  }
  /* NULL goes back to the store password */
  cr_expect_eq(sslb_keystore_set_key_password(ks, "k", NULL), 0);
  blob b = save_store(ks, SSLB_FORMAT_JKS, "storepw");
  sslb_keystore *back = load_bytes(b.p, b.len, "storepw");
  cr_expect_eq(sslb_keystore_entry_locked(back, find_alias(back, "k")), 0);
  blob_free(&b);
  blob_free(&der);
  sslb_keystore_free(back);
  sslb_keystore_free(ks);
}

/* ---------------------------------------------------------------- save */

/* Two keys of different algorithms and a trusted certificate, with
 * mixed-case aliases. */
static sslb_keystore *mixed_store(void) {
  sslb_keystore *ks = generated_store("Server-Key", SSLB_KEY_TYPE_SERVER,
                                      SSLB_KEY_ALG_EC_P256);
  generate_into(ks, "client", SSLB_KEY_TYPE_CLIENT, SSLB_KEY_ALG_ED25519);
  blob pem = read_fixture("ca.pem");
  cr_assert_eq(sslb_keystore_add_certificate(ks, "MyCA", pem.p, pem.len), 0);
  blob_free(&pem);
  return ks;
}

Test(keystore, save_and_load_round_trips) {
  sslb_keystore *ks = mixed_store();
  const struct {
    int format;
    const char *password;
    int lower;
  } cases[] = {{SSLB_FORMAT_PKCS12, "pw", 0},
               {SSLB_FORMAT_JKS, "pw", 1}, /* JKS lower-cases aliases */
               {SSLB_FORMAT_PEM, "pw", 0},
               {SSLB_FORMAT_PEM, NULL, 0}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    blob b = save_store(ks, cases[c].format, cases[c].password);
    cr_expect_eq(sslb_keystore_sniff(b.p, b.len), cases[c].format);
    sslb_keystore *back = load_bytes(b.p, b.len, cases[c].password);
    cr_expect_eq(sslb_keystore_format(back), cases[c].format);
    check_same_entries(ks, back, cases[c].lower);
    /* and once more, from what was read back */
    blob again = save_store(back, cases[c].format, cases[c].password);
    sslb_keystore *twice = load_bytes(again.p, again.len, cases[c].password);
    check_same_entries(back, twice, 0);
    blob_free(&again);
    blob_free(&b);
    sslb_keystore_free(back);
    sslb_keystore_free(twice);
  }
  sslb_keystore_free(ks);
}

Test(keystore, pem_saved_with_password_encrypts_keys) {
  sslb_keystore *ks = mixed_store();
  blob enc = save_store(ks, SSLB_FORMAT_PEM, "pw");
  cr_expect_not_null(strstr((char *)enc.p, "ENCRYPTED PRIVATE KEY"));
  cr_expect_null(strstr((char *)enc.p, "BEGIN PRIVATE KEY"));
  sslb_keystore *back = NULL;
  cr_assert_eq(sslb_keystore_new(&back), 0);
  cr_expect_eq(sslb_keystore_load(back, enc.p, enc.len, NULL),
               SSLB_ERR_PASSWORD_REQUIRED);
  cr_expect_eq(sslb_keystore_load(back, enc.p, enc.len, "nope"),
               SSLB_ERR_BAD_PASSWORD);
  cr_expect_eq(sslb_keystore_size(back), 0);
  blob plain = save_store(ks, SSLB_FORMAT_PEM, NULL);
  cr_expect_not_null(strstr((char *)plain.p, "BEGIN PRIVATE KEY"));
  cr_expect_null(strstr((char *)plain.p, "ENCRYPTED"));
  blob_free(&enc);
  blob_free(&plain);
  sslb_keystore_free(back);
  sslb_keystore_free(ks);
}

Test(keystore, fixtures_survive_conversion) {
  /* keytool's stores, rewritten by sslbind in each format */
  const char *files[] = {"small.jks", "small.p12", "legacy.p12"};
  const int formats[] = {SSLB_FORMAT_PKCS12, SSLB_FORMAT_JKS, SSLB_FORMAT_PEM};
  for (size_t f = 0; f < 3; f++) {
    sslb_keystore *ks = load_fixture(files[f], STORE_PW);
    for (size_t g = 0; g < 3; g++) {
      blob b = save_store(ks, formats[g], STORE_PW);
      sslb_keystore *back = load_bytes(b.p, b.len, STORE_PW);
      check_against_fixture(back, files[f]);
      check_same_entries(ks, back, formats[g] == SSLB_FORMAT_JKS);
      blob_free(&b);
      sslb_keystore_free(back);
    }
    sslb_keystore_free(ks);
  }
}

Test(keystore, save_refuses_locked_and_secret_keys) {
  sslb_keystore *ks = load_fixture("keypw.jks", STORE_PW);
  uint8_t *out = (uint8_t *)1;
  size_t n = 1;
  const int formats[] = {SSLB_FORMAT_PKCS12, SSLB_FORMAT_JKS, SSLB_FORMAT_PEM};
  for (size_t f = 0; f < 3; f++) {
    cr_expect_eq(sslb_keystore_save(ks, formats[f], STORE_PW, &out, &n),
                 SSLB_ERR_KEY_LOCKED);
    cr_expect_null(out);
    cr_expect_eq(n, 0);
    cr_expect_not_null(strstr(sslb_keystore_last_error(ks), "rsakey"));
  }
  /* unlocked, it saves */
  cr_assert_eq(sslb_keystore_unlock_key(ks, "rsakey", KEY_PW), 0);
  blob b = save_store(ks, SSLB_FORMAT_PKCS12, STORE_PW);
  blob_free(&b);
  sslb_keystore_free(ks);

  ks = load_fixture("small.jceks", STORE_PW);
  for (size_t f = 0; f < 3; f++)
    cr_expect_eq(sslb_keystore_save(ks, formats[f], STORE_PW, &out, &n),
                 SSLB_ERR_UNSUPPORTED);
  cr_expect_not_null(strstr(sslb_keystore_last_error(ks), "aes"));
  cr_expect_eq(sslb_keystore_remove(ks, "aes"), 0);
  b = save_store(ks, SSLB_FORMAT_PKCS12, STORE_PW);
  blob_free(&b);
  sslb_keystore_free(ks);
}

Test(keystore, save_password_rules) {
  sslb_keystore *ks = mixed_store();
  uint8_t *out = NULL;
  size_t n = 0;
  cr_expect_eq(sslb_keystore_save(ks, SSLB_FORMAT_JKS, NULL, &out, &n),
               SSLB_ERR_PASSWORD_REQUIRED);
  cr_expect_eq(sslb_keystore_save(ks, SSLB_FORMAT_PKCS12, NULL, &out, &n),
               SSLB_ERR_PASSWORD_REQUIRED);
  cr_expect_null(out);
  /* PEM may be written without a password: keys are then plain */
  blob pem = save_store(ks, SSLB_FORMAT_PEM, NULL);
  blob_free(&pem);
  cr_expect_eq(sslb_keystore_save(ks, SSLB_FORMAT_PKCS12, "\xc0\x80", &out, &n),
               SSLB_ERR_INVALID_ARGUMENT);
  /* a JKS store with only certificates still needs one for its digest */
  sslb_keystore *certs = load_fixture("ca.pem", NULL);
  cr_expect_eq(sslb_keystore_save(certs, SSLB_FORMAT_JKS, NULL, &out, &n),
               SSLB_ERR_PASSWORD_REQUIRED);
  sslb_keystore_free(certs);
  sslb_keystore_free(ks);
}

Test(keystore, trusted_only_pkcs12_without_password) {
  sslb_keystore *ks = load_fixture("ca.pem", NULL);
  blob b = save_store(ks, SSLB_FORMAT_PKCS12, NULL);
  /* no password: no MAC, certificates in the clear, loads without one */
  sslb_keystore *back = load_bytes(b.p, b.len, NULL);
  check_same_entries(ks, back, 0);
  sslb_keystore_free(back);
  /* a password given to a store that has none is not an error */
  back = load_bytes(b.p, b.len, "changeit");
  check_same_entries(ks, back, 0);
  sslb_keystore_free(back);
  blob_free(&b);
  sslb_keystore_free(ks);
}

Test(keystore, empty_store_round_trips) {
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  const int formats[] = {SSLB_FORMAT_PKCS12, SSLB_FORMAT_JKS};
  for (size_t f = 0; f < 2; f++) {
    blob b = save_store(ks, formats[f], "pw");
    sslb_keystore *back = load_bytes(b.p, b.len, "pw");
    cr_expect_eq(sslb_keystore_size(back), 0);
    cr_expect_eq(sslb_keystore_format(back), formats[f]);
    blob_free(&b);
    sslb_keystore_free(back);
  }
  sslb_keystore_free(ks);
}

Test(keystore, save_format_and_argument_errors) {
  sslb_keystore *ks = load_fixture("ca.pem", NULL);
  uint8_t *out = NULL;
  size_t n = 0;
  cr_expect_eq(sslb_keystore_save(ks, SSLB_FORMAT_JCEKS, "pw", &out, &n),
               SSLB_ERR_UNSUPPORTED);
  cr_expect_eq(sslb_keystore_save(ks, SSLB_FORMAT_DER, "pw", &out, &n),
               SSLB_ERR_UNSUPPORTED);
  cr_expect_eq(sslb_keystore_save(ks, SSLB_FORMAT_UNKNOWN, "pw", &out, &n),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_save(ks, 77, "pw", &out, &n),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_save(ks, -3, "pw", &out, &n),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_save(ks, SSLB_FORMAT_PKCS12, "pw", NULL, &n),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_eq(sslb_keystore_save(ks, SSLB_FORMAT_PKCS12, "pw", &out, NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_null(out);
  sslb_keystore_free(ks);
}

/* ----------------------------------------------------------- save_file */

static size_t count_files(const char *dir) {
  DIR *d = opendir(dir);
  cr_assert_not_null(d);
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d)))
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
      n++;
  closedir(d);
  return n;
}

Test(keystore, save_file_is_private_and_atomic) {
  char *dir = make_temp_dir();
  char path[512];
  snprintf(path, sizeof path, "%s/store.p12", dir);
  /* an existing, world-readable file is replaced */
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fputs("old contents", f);
  fclose(f);
  cr_assert_eq(chmod(path, 0644), 0);

  sslb_keystore *ks = mixed_store();
  int rc = sslb_keystore_save_file(ks, path, SSLB_FORMAT_PKCS12, "pw");
  cr_assert_eq(rc, 0, "%s", sslb_keystore_last_error(ks));
  struct stat st;
  cr_assert_eq(stat(path, &st), 0);
  cr_expect_eq(st.st_mode & 07777, 0600, "mode %o", st.st_mode & 07777);
  cr_expect_eq(count_files(dir), 1, "a temporary file was left behind");
  sslb_keystore *back = NULL;
  cr_assert_eq(sslb_keystore_new(&back), 0);
  cr_assert_eq(sslb_keystore_load_file(back, path, "pw"), 0);
  check_same_entries(ks, back, 0);

  /* a failed save leaves neither the old file changed nor a temporary */
  cr_expect_eq(sslb_keystore_save_file(ks, path, SSLB_FORMAT_JKS, NULL),
               SSLB_ERR_PASSWORD_REQUIRED);
  cr_expect_eq(count_files(dir), 1);
  cr_assert_eq(sslb_keystore_load_file(back, path, "pw"), 0);
  cr_expect_eq(sslb_keystore_format(back), SSLB_FORMAT_PKCS12);

  sslb_keystore_free(back);
  sslb_keystore_free(ks);
  remove_dir(dir);
}

Test(keystore, save_file_errors) {
  sslb_keystore *ks = load_fixture("ca.pem", NULL);
  cr_expect_eq(sslb_keystore_save_file(ks, NULL, SSLB_FORMAT_PKCS12, "pw"),
               SSLB_ERR_INVALID_ARGUMENT);
  const char *bad = "/nonexistent-dir/sub/store.p12";
  cr_expect_eq(sslb_keystore_save_file(ks, bad, SSLB_FORMAT_PKCS12, "pw"),
               SSLB_ERR_IO);
  cr_expect_not_null(strstr(sslb_keystore_last_error(ks), bad), "%s",
                     sslb_keystore_last_error(ks));
  cr_expect_eq(access(bad, F_OK), -1);
  sslb_keystore_free(ks);

  /* a locked key is refused before anything is written */
  char *dir = make_temp_dir();
  char path[512];
  snprintf(path, sizeof path, "%s/locked.jks", dir);
  ks = load_fixture("keypw.jks", STORE_PW);
  cr_expect_eq(sslb_keystore_save_file(ks, path, SSLB_FORMAT_JKS, STORE_PW),
               SSLB_ERR_KEY_LOCKED);
  cr_expect_eq(count_files(dir), 0);
  sslb_keystore_free(ks);
  remove_dir(dir);
}

/* ---------------------------------------------- internal entry helpers */

Test(keystore, entries_list_rejects_duplicates_and_grows) {
  sslb__entries l = {0};
  sslb__err err = {{0}};
  blob der = read_fixture("ca.der");
  for (int i = 0; i < 40; i++) {
    sslb__entry e = {0};
    char alias[16];
    snprintf(alias, sizeof alias, "Alias%d", i);
    e.alias = sslb__strdup(alias);
    e.kind = SSLB_ENTRY_TRUSTED_CERT;
    e.chain = calloc(1, sizeof *e.chain);
    cr_assert_eq(sslb__cert_from_der(&e.chain[0], der.p, der.len, &err), 0);
    e.chain_len = 1;
    cr_assert_eq(sslb__entries_add(&l, &e, &err), 0);
    cr_expect_null(e.alias, "the entry moved into the list");
  }
  cr_expect_eq(l.n, 40);
  cr_expect_eq(sslb__entries_find(&l, "alias39"), 39);
  cr_expect_eq(sslb__entries_find(&l, "alias40"), -1);
  sslb__entry dup = {0};
  dup.alias = sslb__strdup("ALIAS7");
  cr_expect_eq(sslb__entries_add(&l, &dup, &err), SSLB_ERR_DUPLICATE_ALIAS);
  cr_expect_not_null(strstr(err.msg, "ALIAS7"));
  sslb__entry_clear(&dup);
  sslb__entries_free(&l);
  cr_expect_eq(l.n, 0);
  cr_expect_null(l.v);
  blob_free(&der);
}
