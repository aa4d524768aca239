/* PKCS#12: keytool's modern, legacy and password-less stores, the MAC,
 * truncation, and what sslbind writes (checked with GnuTLS as the
 * independent reader); also the DER reader/writer and the encrypted PKCS#8
 * parameters that PKCS#12 and PEM keys are built on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <gnutls/pkcs12.h>

#include "keystore/ks.h"
#include "support.h"
#include "tls/crypto.h"
#include "util/der.h"

static int try_load(const uint8_t *p, size_t n, const char *pw, int *msg_ok) {
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  int rc = sslb_keystore_load(ks, p, n, pw);
  if (msg_ok)
    *msg_ok = rc == 0 || sslb_keystore_last_error(ks)[0] != 0;
  sslb_keystore_free(ks);
  return rc;
}

/* ------------------------------------------------------ keytool's stores */

Test(pkcs12, small_p12_matches_keytool) {
  sslb_keystore *ks = load_fixture("small.p12", STORE_PW);
  cr_expect_eq(sslb_keystore_format(ks), SSLB_FORMAT_PKCS12);
  check_against_fixture(ks, "small.p12");
  size_t s = find_alias(ks, "server");
  cr_expect_eq(sslb_keystore_entry_locked(ks, s), 0);
  check_key_usable(ks, s);
  cr_expect_str_eq(sslb_keystore_entry_algorithm(ks, s), "EC");
  sslb_keystore_free(ks);
}

Test(pkcs12, legacy_p12_with_rc2_and_3des) {
  sslb_keystore *ks = load_fixture("legacy.p12", STORE_PW);
  check_against_fixture(ks, "legacy.p12");
  size_t i = find_alias(ks, "legacy");
  check_key_usable(ks, i);
  cr_expect_str_eq(sslb_keystore_entry_algorithm(ks, i), "RSA");
  sslb_certificate *c = NULL;
  cr_assert_eq(sslb_keystore_entry_certificate(ks, i, 0, &c), 0);
  cr_expect_eq(sslb_certificate_key_bits(c), 2048);
  cr_expect_str_eq(sslb_certificate_subject(c), "CN=legacy");
  sslb_certificate_free(c);
  sslb_keystore_free(ks);
}

Test(pkcs12, nopass_p12_without_password) {
  sslb_keystore *ks = load_fixture("nopass.p12", NULL);
  check_against_fixture(ks, "nopass.p12");
  sslb_keystore_free(ks);
  /* keytool listed it with "changeit"; a password given is not an error */
  ks = load_fixture("nopass.p12", "changeit");
  check_against_fixture(ks, "nopass.p12");
  sslb_keystore_free(ks);
}

Test(pkcs12, wrong_or_missing_password) {
  const char *files[] = {"small.p12", "legacy.p12"};
  for (size_t f = 0; f < 2; f++) {
    blob b = read_fixture(files[f]);
    sslb_keystore *ks = NULL;
    cr_assert_eq(sslb_keystore_new(&ks), 0);
    cr_expect_eq(sslb_keystore_load(ks, b.p, b.len, "Not-It-42"),
                 SSLB_ERR_BAD_PASSWORD, "%s", files[f]);
    cr_expect_neq(sslb_keystore_last_error(ks)[0], 0);
    cr_expect_null(strstr(sslb_keystore_last_error(ks), "Not-It-42"));
    cr_expect_eq(sslb_keystore_load(ks, b.p, b.len, ""), SSLB_ERR_BAD_PASSWORD,
                 "%s", files[f]);
    /* the certificates are encrypted: no password, no store */
    cr_expect_eq(sslb_keystore_load(ks, b.p, b.len, NULL),
                 SSLB_ERR_PASSWORD_REQUIRED, "%s", files[f]);
    cr_expect_eq(sslb_keystore_size(ks), 0);
    sslb_keystore_free(ks);
    blob_free(&b);
  }
}

/* --------------------------------------------------------------- the MAC */

/* Finds the MAC value: PFX ::= SEQUENCE { version, authSafe, macData
 * SEQUENCE { DigestInfo SEQUENCE { algorithm, OCTET STRING digest }, ... } }.
 */
static void find_mac(const blob *b, size_t *off, size_t *len) {
  sslb__der in = {b->p, b->len}, pfx, ver, auth, mac, di, alg, digest;
  cr_assert_eq(sslb__der_expect(&in, SSLB__DER_SEQUENCE, &pfx), 0);
  cr_assert_eq(sslb__der_expect(&pfx, SSLB__DER_INTEGER, &ver), 0);
  cr_assert_eq(sslb__der_expect(&pfx, SSLB__DER_SEQUENCE, &auth), 0);
  cr_assert_eq(sslb__der_expect(&pfx, SSLB__DER_SEQUENCE, &mac), 0);
  cr_assert_eq(sslb__der_expect(&mac, SSLB__DER_SEQUENCE, &di), 0);
  cr_assert_eq(sslb__der_expect(&di, SSLB__DER_SEQUENCE, &alg), 0);
  cr_assert_eq(sslb__der_expect(&di, SSLB__DER_OCTETSTRING, &digest), 0);
  *off = (size_t)(digest.p - b->p);
  *len = digest.len;
}

Test(pkcs12, every_flipped_mac_byte_is_an_integrity_failure) {
  blob b = read_fixture("small.p12");
  size_t off, len;
  find_mac(&b, &off, &len);
  cr_assert_eq(len, 32, "keytool's MAC is HMAC-SHA-256");
  cr_assert_gt(off + len, b.len - 40, "the MAC is within the last 40 bytes");
  for (size_t i = off; i < off + len; i++) {
    b.p[i] ^= 0x01;
    int msg_ok;
    cr_expect_eq(try_load(b.p, b.len, STORE_PW, &msg_ok),
                 SSLB_ERR_KEYSTORE_INTEGRITY, "MAC byte %zu", i - off);
    cr_expect(msg_ok);
    b.p[i] ^= 0x01;
  }
  /* a wrong password on a modified store still reads as a wrong password */
  b.p[off] ^= 0x01;
  cr_expect_eq(try_load(b.p, b.len, "Not-It-42", NULL), SSLB_ERR_BAD_PASSWORD);
  blob_free(&b);
}

Test(pkcs12, unknown_mac_algorithm_does_not_skip_the_check) {
  /* Changing the MAC's hash OID must not turn the store into one without a
   * MAC (which would then load unchecked). */
  blob b = read_fixture("small.p12");
  static const uint8_t sha256_oid[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                       0x65, 0x03, 0x04, 0x02, 0x01};
  size_t off, len;
  find_mac(&b, &off, &len);
  uint8_t *oid = memmem(b.p + off - 20, 20, sha256_oid, sizeof sha256_oid);
  cr_assert_not_null(oid, "the MAC's SHA-256 OID precedes its value");
  oid[sizeof sha256_oid - 1] ^= 0x20; /* 2.16.840.1.101.3.4.2.33 */
  int msg_ok;
  cr_expect_eq(try_load(b.p, b.len, STORE_PW, &msg_ok), SSLB_ERR_UNSUPPORTED);
  cr_expect(msg_ok);
  blob_free(&b);
}

Test(pkcs12, flipped_bytes_in_the_mac_data) {
  /* the last 40 bytes: MAC value, salt and iteration count */
  blob b = read_fixture("small.p12");
  int integrity = 0;
  for (size_t i = b.len - 40; i < b.len; i++) {
    b.p[i] ^= 0x01;
    int msg_ok;
    int rc = try_load(b.p, b.len, STORE_PW, &msg_ok);
    cr_expect(rc == SSLB_ERR_KEYSTORE_INTEGRITY ||
                  rc == SSLB_ERR_KEYSTORE_CORRUPT,
              "byte %zu: %s", i, sslb_error_name(rc));
    cr_expect(msg_ok);
    integrity += rc == SSLB_ERR_KEYSTORE_INTEGRITY;
    b.p[i] ^= 0x01;
  }
  cr_expect_gt(integrity, 0);
  blob_free(&b);
}

Test(pkcs12, flipped_bytes_in_the_body_are_detected) {
  blob b = read_fixture("small.p12");
  /* one byte every 7 over the whole file: encrypted bags, certificates,
   * key bags, DER headers */
  for (size_t i = 0; i < b.len; i += 7) {
    b.p[i] ^= 0x20;
    int msg_ok;
    int rc = try_load(b.p, b.len, STORE_PW, &msg_ok);
    cr_expect_lt(rc, 0, "byte %zu flipped went unnoticed", i);
    cr_expect(msg_ok, "byte %zu: %s without a message", i, sslb_error_name(rc));
    b.p[i] ^= 0x20;
  }
  blob_free(&b);
}

Test(pkcs12, truncated_at_every_length) {
  const char *files[] = {"small.p12", "nopass.p12"};
  for (size_t f = 0; f < 2; f++) {
    blob b = read_fixture(files[f]);
    for (size_t n = 0; n < b.len; n++) {
      blob cut = blob_copy(b.p, n);
      int msg_ok;
      int rc = try_load(cut.p, cut.len, STORE_PW, &msg_ok);
      cr_expect(rc == SSLB_ERR_KEYSTORE_TRUNCATED ||
                    rc == SSLB_ERR_KEYSTORE_CORRUPT ||
                    rc == SSLB_ERR_KEYSTORE_FORMAT ||
                    rc == SSLB_ERR_BAD_PASSWORD ||
                    rc == SSLB_ERR_KEYSTORE_INTEGRITY ||
                    rc == SSLB_ERR_CERTIFICATE,
                "%s cut at %zu: %s", files[f], n, sslb_error_name(rc));
      cr_expect(msg_ok, "%s cut at %zu: no message", files[f], n);
      /* past the outer header the cut is named as such */
      if (n >= 8)
        cr_expect_eq(rc, SSLB_ERR_KEYSTORE_TRUNCATED, "%s cut at %zu: %s",
                     files[f], n, sslb_error_name(rc));
      blob_free(&cut);
    }
    blob_free(&b);
  }
}

Test(pkcs12, trailing_bytes_and_garbage_inside) {
  blob b = read_fixture("small.p12");
  blob longer = blob_copy(b.p, b.len + 1);
  longer.p[b.len] = 0;
  cr_expect_eq(try_load(longer.p, longer.len, STORE_PW, NULL),
               SSLB_ERR_KEYSTORE_CORRUPT);
  /* a PFX header over garbage */
  uint8_t junk[64];
  memset(junk, 0xa5, sizeof junk);
  junk[0] = 0x30;
  junk[1] = 62;
  junk[2] = 0x02;
  junk[3] = 0x01;
  junk[4] = 0x03;
  cr_expect_eq(sslb_keystore_sniff(junk, sizeof junk), SSLB_FORMAT_PKCS12);
  cr_expect_eq(try_load(junk, sizeof junk, STORE_PW, NULL),
               SSLB_ERR_KEYSTORE_CORRUPT);
  blob_free(&longer);
  blob_free(&b);
}

/* ------------------------------------------------------ what sslbind writes */

static sslb_keystore *three_entries(void) {
  sslb_keystore *ks = generated_store("first-key", SSLB_KEY_TYPE_SERVER,
                                      SSLB_KEY_ALG_EC_P256);
  generate_into(ks, "Second Key", SSLB_KEY_TYPE_CLIENT, SSLB_KEY_ALG_EC_P384);
  blob der = read_fixture("ca.der");
  cr_assert_eq(sslb_keystore_add_certificate(ks, "Trusted CA", der.p, der.len),
               0);
  blob_free(&der);
  return ks;
}

Test(pkcs12, written_store_reads_back_with_every_entry) {
  sslb_keystore *ks = three_entries();
  blob b = save_store(ks, SSLB_FORMAT_PKCS12, "pw");
  sslb_keystore *back = load_bytes(b.p, b.len, "pw");
  cr_expect_eq(sslb_keystore_size(back), 3);
  check_same_entries(ks, back, 0);
  cr_expect_eq(sslb_keystore_entry_kind(back, find_alias(back, "trusted ca")),
               SSLB_ENTRY_TRUSTED_CERT);
  blob_free(&b);
  sslb_keystore_free(back);
  sslb_keystore_free(ks);
}

Test(pkcs12, written_store_is_read_by_gnutls) {
  sslb_keystore *ks = three_entries();
  blob b = save_store(ks, SSLB_FORMAT_PKCS12, "pw");
  gnutls_pkcs12_t p12;
  cr_assert_geq(gnutls_pkcs12_init(&p12), 0);
  gnutls_datum_t d = {b.p, (unsigned)b.len};
  cr_assert_geq(gnutls_pkcs12_import(p12, &d, GNUTLS_X509_FMT_DER, 0), 0);
  /* the MAC sslbind computed (PKCS#12 KDF, HMAC-SHA-256) verifies */
  cr_expect_eq(gnutls_pkcs12_verify_mac(p12, "pw"), 0);
  cr_expect_eq(gnutls_pkcs12_verify_mac(p12, "pW"), GNUTLS_E_MAC_VERIFY_FAILED);
  unsigned mac;
  uint8_t salt[64];
  unsigned salt_size = sizeof salt, iter;
  char *oid = NULL;
  cr_assert_geq(gnutls_pkcs12_mac_info(p12, &mac, salt, &salt_size, &iter,
                                       &oid),
                0);
  cr_expect_eq(mac, GNUTLS_MAC_SHA256);
  cr_expect_geq(iter, 10000);
  cr_expect_eq(salt_size, 16);
  gnutls_free(oid);
  /* the first bag (certificates) is encrypted and decrypts with "pw" */
  gnutls_pkcs12_bag_t bag;
  cr_assert_geq(gnutls_pkcs12_bag_init(&bag), 0);
  cr_assert_geq(gnutls_pkcs12_get_bag(p12, 0, bag), 0);
  cr_expect_eq(gnutls_pkcs12_bag_get_type(bag, 0), GNUTLS_BAG_ENCRYPTED);
  cr_expect_geq(gnutls_pkcs12_bag_decrypt(bag, "pw"), 0);
  cr_expect_eq(gnutls_pkcs12_bag_get_count(bag), 3);
  gnutls_pkcs12_bag_deinit(bag);
  gnutls_pkcs12_deinit(p12);
  blob_free(&b);
  sslb_keystore_free(ks);
}

Test(pkcs12, trusted_certificates_carry_javas_attribute) {
  /* Without a password nothing is encrypted, so the attribute is visible:
   * 2.16.840.1.113894.746875.1.1 with anyExtendedKeyUsage. */
  static const uint8_t trusted_ku[] = {0x06, 0x0c, 0x60, 0x86, 0x48,
                                       0x01, 0x86, 0xf9, 0x66, 0xad,
                                       0xca, 0x7b, 0x01, 0x01};
  static const uint8_t any_eku[] = {0x06, 0x04, 0x55, 0x1d, 0x25, 0x00};
  sslb_keystore *ks = load_fixture("ca.pem", NULL);
  blob b = save_store(ks, SSLB_FORMAT_PKCS12, NULL);
  cr_expect_not_null(memmem(b.p, b.len, trusted_ku, sizeof trusted_ku));
  cr_expect_not_null(memmem(b.p, b.len, any_eku, sizeof any_eku));
  blob_free(&b);
  sslb_keystore_free(ks);
}

Test(pkcs12, aliases_keep_case_and_unicode) {
  const char *aliases[] = {"MiXeD-Case", "Gr\xc3\xbc\xc3\x9f" "e",
                           "key-\xf0\x9f\x94\x91"};
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  for (size_t i = 0; i < 3; i++)
    generate_into(ks, aliases[i], SSLB_KEY_TYPE_SERVER, SSLB_KEY_ALG_EC_P256);
  blob b = save_store(ks, SSLB_FORMAT_PKCS12, "pw");
  sslb_keystore *back = load_bytes(b.p, b.len, "pw");
  for (size_t i = 0; i < 3; i++) {
    size_t j = find_alias(back, aliases[i]);
    cr_expect_str_eq(sslb_keystore_entry_alias(back, j), aliases[i]);
  }
  check_same_entries(ks, back, 0);
  blob_free(&b);
  sslb_keystore_free(back);
  sslb_keystore_free(ks);
}

/* --------------------------------------------------- the PKCS#12 KDF */

static void hex(const char *s, uint8_t *out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    cr_assert_eq(sscanf(s + 2 * i, "%2x", &v), 1);
    out[i] = (uint8_t)v;
  }
}

Test(pkcs12, kdf_known_answers) {
  /* RFC 7292 appendix B with SHA-1: the vectors OpenSSL and Bouncy Castle
   * test against ("smeg" and "queeg" as BMPStrings with their NUL). */
  static const uint8_t smeg[] = {0, 's', 0, 'm', 0, 'e', 0, 'g', 0, 0};
  static const uint8_t queeg[] = {0, 'q', 0, 'u', 0, 'e', 0, 'e', 0, 'g', 0, 0};
  const struct {
    const uint8_t *pw;
    size_t pwlen;
    const char *salt;
    uint8_t id;
    unsigned iter;
    const char *want;
  } v[] = {
      {smeg, sizeof smeg, "0A58CF64530D823F", 1, 1,
       "8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3"},
      {smeg, sizeof smeg, "0A58CF64530D823F", 2, 1, "79993DFE048D3B76"},
      {queeg, sizeof queeg, "05DEC959ACFF72F7", 1, 1000,
       "ED2034E36328830FF09DF1E1A07DD357185DAC0D4F9EB3D4"},
      {queeg, sizeof queeg, "05DEC959ACFF72F7", 2, 1000, "11DEDAD7758D4860"},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    uint8_t salt[8], want[24], got[24];
    size_t n = strlen(v[i].want) / 2;
    hex(v[i].salt, salt, 8);
    hex(v[i].want, want, n);
    cr_assert_eq(sslb__pkcs12_kdf(SSLB__SHA1, v[i].pw, v[i].pwlen, salt, 8,
                                  v[i].id, v[i].iter, got, n),
                 0);
    cr_expect_eq(memcmp(got, want, n), 0, "vector %zu", i);
  }
}

/* ------------------------------------------- the DER reader and writer */

static sslb__der der_of(const uint8_t *p, size_t n) {
  sslb__der d = {p, n};
  return d;
}

Test(der, next_short_and_long_forms) {
  unsigned tag = 0;
  sslb__der c;
  static const uint8_t shortform[] = {0x04, 0x03, 'a', 'b', 'c', 0x05, 0x00};
  sslb__der in = der_of(shortform, sizeof shortform);
  cr_assert_eq(sslb__der_next(&in, &tag, &c), 0);
  cr_expect_eq(tag, 0x04);
  cr_expect_eq(c.len, 3);
  cr_expect_eq(memcmp(c.p, "abc", 3), 0);
  cr_expect_eq(in.len, 2, "advanced past the element");
  cr_assert_eq(sslb__der_next(&in, &tag, &c), 0);
  cr_expect_eq(tag, SSLB__DER_NULL);
  cr_expect_eq(c.len, 0);
  cr_expect_eq(in.len, 0);

  /* long forms of one, two and three length bytes */
  const size_t sizes[] = {128, 255, 256, 70000};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    sslb__buf b;
    sslb__buf_init(&b);
    uint8_t *body = calloc(1, sizes[i]);
    cr_assert_not_null(body);
    sslb__der_put(&b, SSLB__DER_OCTETSTRING, body, sizes[i]);
    cr_assert_eq(sslb__buf_ok(&b), 0);
    size_t hdr = sizes[i] < 256 ? 3 : sizes[i] < 65536 ? 4 : 5;
    cr_expect_eq(b.len, sizes[i] + hdr, "size %zu", sizes[i]);
    cr_expect_eq(b.p[1], 0x80 | (hdr - 2));
    in = der_of(b.p, b.len);
    cr_assert_eq(sslb__der_next(&in, &tag, &c), 0, "size %zu", sizes[i]);
    cr_expect_eq(c.len, sizes[i]);
    cr_expect_eq(in.len, 0);
    /* every cut of the element is truncation */
    for (size_t n = 1; n < b.len; n += n < 8 ? 1 : 997) {
      in = der_of(b.p, n);
      cr_expect_eq(sslb__der_next(&in, &tag, &c), SSLB_ERR_KEYSTORE_TRUNCATED,
                   "size %zu cut at %zu", sizes[i], n);
      cr_expect_eq(in.len, n, "a failed read does not advance");
    }
    free(body);
    sslb__buf_free(&b);
  }
}

Test(der, next_rejects_malformed_headers) {
  unsigned tag;
  sslb__der c;
  const struct {
    uint8_t b[8];
    size_t n;
    int want;
  } cases[] = {
      {{0}, 0, SSLB_ERR_KEYSTORE_CORRUPT},                   /* nothing */
      {{0x30}, 1, SSLB_ERR_KEYSTORE_TRUNCATED},              /* no length */
      {{0x04, 0x80, 0x00, 0x00}, 4, SSLB_ERR_KEYSTORE_CORRUPT}, /* indefinite */
      {{0x04, 0x85, 1, 2, 3, 4, 5}, 7, SSLB_ERR_KEYSTORE_CORRUPT}, /* absurd */
      {{0x04, 0x84, 0xff, 0xff, 0xff, 0xff}, 6, SSLB_ERR_KEYSTORE_TRUNCATED},
      {{0x04, 0x82, 0x01}, 3, SSLB_ERR_KEYSTORE_TRUNCATED}, /* short length */
      {{0x1f, 0x81, 0x01, 0x00}, 4, SSLB_ERR_KEYSTORE_CORRUPT}, /* high tag */
      {{0x04, 0x05, 'a'}, 3, SSLB_ERR_KEYSTORE_TRUNCATED},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    blob copy = blob_copy(cases[i].b, cases[i].n);
    sslb__der in = der_of(copy.p, copy.len);
    cr_expect_eq(sslb__der_next(&in, &tag, &c), cases[i].want, "case %zu", i);
    blob_free(&copy);
  }
  static const uint8_t seq[] = {0x30, 0x00};
  sslb__der in = der_of(seq, sizeof seq);
  cr_expect_eq(sslb__der_expect(&in, SSLB__DER_SET, &c),
               SSLB_ERR_KEYSTORE_CORRUPT);
  in = der_of(seq, sizeof seq);
  cr_expect_eq(sslb__der_expect(&in, SSLB__DER_SEQUENCE, &c), 0);
}

Test(der, small_integers) {
  const struct {
    uint8_t b[6];
    size_t n;
    int rc;
    uint32_t v;
  } cases[] = {{{0x05}, 1, 0, 5},
               {{0x00, 0x80}, 2, 0, 128},
               {{0x27, 0x10}, 2, 0, 10000},
               {{0x00, 0xff, 0xff, 0xff, 0xff}, 5, 0, 0xffffffffu},
               {{0x01, 0x00, 0x00, 0x00, 0x00}, 5, SSLB_ERR_LIMIT, 0},
               {{0x80}, 1, SSLB_ERR_KEYSTORE_CORRUPT, 0}, /* negative */
               {{0}, 0, SSLB_ERR_KEYSTORE_CORRUPT, 0},     /* empty */
               {{0, 0, 0, 0, 0, 1}, 6, SSLB_ERR_KEYSTORE_CORRUPT, 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    sslb__der c = {cases[i].b, cases[i].n};
    uint32_t v = 0;
    cr_expect_eq(sslb__der_uint(&c, &v), cases[i].rc, "case %zu", i);
    if (cases[i].rc == 0)
      cr_expect_eq(v, cases[i].v, "case %zu", i);
  }
  /* the writer's minimal encodings read back */
  const uint32_t values[] = {0, 1, 127, 128, 255, 256, 10000, 0x7fffffff,
                             0x80000000u, 0xffffffffu};
  const size_t lens[] = {1, 1, 1, 2, 2, 2, 2, 4, 5, 5};
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
    sslb__buf b;
    sslb__buf_init(&b);
    sslb__der_put_uint(&b, values[i]);
    cr_assert_eq(sslb__buf_ok(&b), 0);
    sslb__der in = {b.p, b.len}, c;
    cr_assert_eq(sslb__der_expect(&in, SSLB__DER_INTEGER, &c), 0);
    cr_expect_eq(c.len, lens[i], "%u", values[i]);
    uint32_t v = 1;
    cr_expect_eq(sslb__der_uint(&c, &v), 0);
    cr_expect_eq(v, values[i]);
    sslb__buf_free(&b);
  }
}

Test(der, nested_writer_and_oids) {
  static const uint8_t oid[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01};
  sslb__buf b;
  sslb__buf_init(&b);
  size_t outer = sslb__der_begin(&b, SSLB__DER_SEQUENCE);
  sslb__der_put(&b, SSLB__DER_OID, oid, sizeof oid);
  size_t inner = sslb__der_begin(&b, SSLB__DER_CTX0);
  uint8_t big[300];
  memset(big, 0x11, sizeof big);
  sslb__der_put(&b, SSLB__DER_OCTETSTRING, big, sizeof big);
  sslb__der_end(&b, inner);
  sslb__der_raw(&b, "\x05\x00", 2);
  sslb__der_end(&b, outer);
  cr_assert_eq(sslb__buf_ok(&b), 0);
  /* the inner length grew to two bytes; the outer one was patched after */
  sslb__der in = {b.p, b.len}, seq, o, ctx, os, nul;
  cr_assert_eq(sslb__der_expect(&in, SSLB__DER_SEQUENCE, &seq), 0);
  cr_expect_eq(in.len, 0);
  cr_assert_eq(sslb__der_expect(&seq, SSLB__DER_OID, &o), 0);
  cr_expect(sslb__der_oid_eq(&o, oid, sizeof oid));
  cr_expect_not(sslb__der_oid_eq(&o, oid, sizeof oid - 1));
  cr_assert_eq(sslb__der_expect(&seq, SSLB__DER_CTX0, &ctx), 0);
  cr_assert_eq(sslb__der_expect(&ctx, SSLB__DER_OCTETSTRING, &os), 0);
  cr_expect_eq(os.len, sizeof big);
  cr_assert_eq(sslb__der_expect(&seq, SSLB__DER_NULL, &nul), 0);
  cr_expect_eq(seq.len, 0);
  sslb__buf_free(&b);
}

/* ------------------------------------ encrypted PKCS#8 parameters */

/* EncryptedPrivateKeyInfo with PBES2: PBKDF2(salt, iter, prf) and a cipher
 * with an IV; the ciphertext is 32 zero bytes. */
static void pbes2_epki(sslb__buf *b, uint32_t iter, const uint8_t *cipher_oid,
                       size_t cipher_oid_len, size_t iv_len) {
  static const uint8_t pbes2[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                  0x0d, 0x01, 0x05, 0x0d};
  static const uint8_t pbkdf2[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                   0x0d, 0x01, 0x05, 0x0c};
  uint8_t salt[8] = {1, 2, 3, 4, 5, 6, 7, 8}, iv[16] = {0}, ct[32] = {0};
  size_t seq = sslb__der_begin(b, SSLB__DER_SEQUENCE);
  size_t alg = sslb__der_begin(b, SSLB__DER_SEQUENCE);
  sslb__der_put(b, SSLB__DER_OID, pbes2, sizeof pbes2);
  size_t params = sslb__der_begin(b, SSLB__DER_SEQUENCE);
  size_t kdf = sslb__der_begin(b, SSLB__DER_SEQUENCE);
  sslb__der_put(b, SSLB__DER_OID, pbkdf2, sizeof pbkdf2);
  size_t kp = sslb__der_begin(b, SSLB__DER_SEQUENCE);
  sslb__der_put(b, SSLB__DER_OCTETSTRING, salt, sizeof salt);
  sslb__der_put_uint(b, iter);
  sslb__der_end(b, kp);
  sslb__der_end(b, kdf);
  size_t enc = sslb__der_begin(b, SSLB__DER_SEQUENCE);
  sslb__der_put(b, SSLB__DER_OID, cipher_oid, cipher_oid_len);
  sslb__der_put(b, SSLB__DER_OCTETSTRING, iv, iv_len);
  sslb__der_end(b, enc);
  sslb__der_end(b, params);
  sslb__der_end(b, alg);
  sslb__der_put(b, SSLB__DER_OCTETSTRING, ct, sizeof ct);
  sslb__der_end(b, seq);
  cr_assert_eq(sslb__buf_ok(b), 0);
}

Test(pkcs8, encryption_parameters_are_checked) {
  static const uint8_t aes256[] = {0x60, 0x86, 0x48, 0x01, 0x65,
                                   0x03, 0x04, 0x01, 0x2a};
  static const uint8_t unknown[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x01};
  const struct {
    uint32_t iter;
    const uint8_t *oid;
    size_t oid_len, iv;
    int want;
  } cases[] = {
      {SSLB__MAX_ITERATIONS + 1, aes256, sizeof aes256, 16, SSLB_ERR_LIMIT},
      {0xffffffffu, aes256, sizeof aes256, 16, SSLB_ERR_LIMIT},
      {0, aes256, sizeof aes256, 16, SSLB_ERR_KEYSTORE_CORRUPT},
      {1, aes256, sizeof aes256, 8, SSLB_ERR_KEYSTORE_CORRUPT}, /* short IV */
      {1, unknown, sizeof unknown, 16, SSLB_ERR_UNSUPPORTED},
      /* well-formed, but the zero ciphertext does not decrypt to a key */
      {1, aes256, sizeof aes256, 16, SSLB_ERR_BAD_KEY_PASSWORD},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    sslb__buf b;
    sslb__buf_init(&b);
    pbes2_epki(&b, cases[c].iter, cases[c].oid, cases[c].oid_len, cases[c].iv);
    sslb__err err = {{0}};
    sslb__key *k = (sslb__key *)&err;
    cr_expect_eq(sslb__key_decrypt_pkcs8(&k, b.p, b.len, "pw", NULL, &err),
                 cases[c].want, "case %zu", c);
    cr_expect_null(k);
    cr_expect_neq(err.msg[0], 0, "case %zu", c);
    sslb__buf_free(&b);
  }
  /* not an EncryptedPrivateKeyInfo at all */
  static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
  sslb__err err = {{0}};
  sslb__key *k = NULL;
  cr_expect_eq(sslb__key_decrypt_pkcs8(&k, junk, sizeof junk, "pw", NULL, &err),
               SSLB_ERR_KEYSTORE_CORRUPT);
}
