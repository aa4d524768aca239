/* Sun JKS and JCEKS: keytool's fixtures, key passwords, the store digest,
 * truncation at every length, and hand-built streams that lie about their
 * sizes; also the text encodings (Java's modified UTF-8, UTF-16) and the
 * byte buffers and readers the formats are written and read with. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "keystore/ks.h"
#include "support.h"
#include "util/der.h"
#include "util/text.h"

#define JKS_MAGIC 0xfeedfeedu
#define JCEKS_MAGIC 0xcecececeu

/* Loads bytes into a fresh store and returns the code; *msg_ok tells whether
 * a failure left a message. */
static int try_load(const uint8_t *p, size_t n, const char *pw, int *msg_ok) {
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  int rc = sslb_keystore_load(ks, p, n, pw);
  if (msg_ok)
    *msg_ok = rc == 0 || sslb_keystore_last_error(ks)[0] != 0;
  if (rc < 0)
    cr_expect_eq(sslb_keystore_size(ks), 0);
  sslb_keystore_free(ks);
  return rc;
}

static int load_buf(sslb__buf *b, const char *pw) {
  cr_assert_eq(sslb__buf_ok(b), 0);
  int msg_ok;
  int rc = try_load(b->p, b->len, pw, &msg_ok);
  cr_expect(msg_ok, "a failure (%s) without a message", sslb_error_name(rc));
  return rc;
}

/* ------------------------------------------------------ keytool's stores */

Test(jks, small_jks_matches_keytool) {
  sslb_keystore *ks = load_fixture("small.jks", STORE_PW);
  check_against_fixture(ks, "small.jks");
  /* the key password is the store password: usable at once */
  size_t s = find_alias(ks, "server");
  cr_expect_eq(sslb_keystore_entry_locked(ks, s), 0);
  check_key_usable(ks, s);
  sslb_keystore_free(ks);
}

Test(jks, keypw_jks_loads_with_the_key_locked) {
  sslb_keystore *ks = load_fixture("keypw.jks", STORE_PW);
  check_against_fixture(ks, "keypw.jks");
  size_t i = find_alias(ks, "rsakey");
  cr_expect_eq(sslb_keystore_entry_locked(ks, i), 1);
  /* the algorithm of a locked key comes from its certificate */
  cr_expect_str_eq(sslb_keystore_entry_algorithm(ks, i), "RSA");
  cr_expect_eq(sslb_keystore_unlock_key(ks, "rsakey", STORE_PW),
               SSLB_ERR_BAD_KEY_PASSWORD);
  cr_expect_eq(sslb_keystore_unlock_key(ks, "rsakey", "Not-It-42"),
               SSLB_ERR_BAD_KEY_PASSWORD);
  cr_expect_not_null(strstr(sslb_keystore_last_error(ks), "rsakey"));
  cr_expect_null(strstr(sslb_keystore_last_error(ks), "Not-It-42"));
  cr_expect_eq(sslb_keystore_unlock_key(ks, "rsakey", NULL),
               SSLB_ERR_BAD_KEY_PASSWORD);
  cr_expect_eq(sslb_keystore_entry_locked(ks, i), 1);
  cr_expect_eq(sslb_keystore_unlock_key(ks, "RSAKEY", KEY_PW), 0);
  cr_expect_eq(sslb_keystore_entry_locked(ks, i), 0);
  cr_expect_str_eq(sslb_keystore_entry_algorithm(ks, i), "RSA");
  check_key_usable(ks, i);
  /* unlocked, it keeps its own password when saved */
  blob b = save_store(ks, SSLB_FORMAT_JKS, STORE_PW);
  sslb_keystore *back = load_bytes(b.p, b.len, STORE_PW);
  cr_expect_eq(sslb_keystore_entry_locked(back, 0), 1);
  cr_expect_eq(sslb_keystore_unlock_key(back, "rsakey", KEY_PW), 0);
  check_key_usable(back, 0);
  blob_free(&b);
  sslb_keystore_free(back);
  sslb_keystore_free(ks);
}

Test(jks, wrong_store_password) {
  const char *files[] = {"small.jks", "keypw.jks", "small.jceks"};
  for (size_t f = 0; f < 3; f++) {
    blob b = read_fixture(files[f]);
    sslb_keystore *ks = NULL;
    cr_assert_eq(sslb_keystore_new(&ks), 0);
    cr_expect_eq(sslb_keystore_load(ks, b.p, b.len, "Not-It-42"),
                 SSLB_ERR_BAD_PASSWORD, "%s", files[f]);
    cr_expect_neq(sslb_keystore_last_error(ks)[0], 0);
    cr_expect_eq(sslb_keystore_load(ks, b.p, b.len, ""),
                 SSLB_ERR_BAD_PASSWORD, "%s", files[f]);
    cr_expect_eq(sslb_keystore_size(ks), 0);
    sslb_keystore_free(ks);
    blob_free(&b);
  }
}

Test(jks, no_password_skips_the_check_and_keeps_keys_locked) {
  sslb_keystore *ks = load_fixture("small.jks", NULL);
  check_against_fixture(ks, "small.jks");
  size_t s = find_alias(ks, "server"), c = find_alias(ks, "ca");
  cr_expect_eq(sslb_keystore_entry_locked(ks, s), 1);
  cr_expect_eq(sslb_keystore_entry_locked(ks, c), 0);
  cr_expect_eq(sslb_keystore_unlock_key(ks, "server", STORE_PW), 0);
  check_key_usable(ks, s);
  sslb_keystore_free(ks);

  /* a modified digest goes unnoticed without a password, as in Java */
  blob b = read_fixture("small.jks");
  b.p[b.len - 1] ^= 0x01;
  cr_expect_eq(try_load(b.p, b.len, NULL, NULL), 0);
  blob_free(&b);
}

Test(jks, every_flipped_digest_byte_is_an_integrity_failure) {
  blob b = read_fixture("small.jks");
  for (size_t i = b.len - 20; i < b.len; i++)
    for (int bit = 0; bit < 8; bit += 7) {
      b.p[i] ^= (uint8_t)(1u << bit);
      int msg_ok;
      cr_expect_eq(try_load(b.p, b.len, STORE_PW, &msg_ok),
                   SSLB_ERR_KEYSTORE_INTEGRITY, "byte %zu bit %d", i, bit);
      cr_expect(msg_ok);
      b.p[i] ^= (uint8_t)(1u << bit);
    }
  cr_expect_eq(try_load(b.p, b.len, STORE_PW, NULL), 0);
  blob_free(&b);
}

Test(jks, flipped_digest_without_a_provable_password_is_bad_password) {
  /* keypw.jks's key has another password, so nothing proves the store
   * password right: a bad digest cannot be told from a wrong password */
  blob b = read_fixture("keypw.jks");
  b.p[b.len - 5] ^= 0x40;
  cr_expect_eq(try_load(b.p, b.len, STORE_PW, NULL), SSLB_ERR_BAD_PASSWORD);
  blob_free(&b);
}

Test(jks, every_flipped_body_byte_is_detected) {
  blob b = read_fixture("small.jks");
  for (size_t i = 0; i < b.len - 20; i++) {
    b.p[i] ^= 0x01;
    int msg_ok;
    int rc = try_load(b.p, b.len, STORE_PW, &msg_ok);
    cr_expect_lt(rc, 0, "flipping byte %zu went unnoticed", i);
    cr_expect(msg_ok, "byte %zu: %s without a message", i, sslb_error_name(rc));
    b.p[i] ^= 0x01;
  }
  blob_free(&b);
}

/* Every cut of a store: a negative code with a message, never success; a
 * cut after the magic is always reported as truncation. */
static void truncate_everywhere(const char *file) {
  blob b = read_fixture(file);
  for (size_t n = 0; n < b.len; n++) {
    blob cut = blob_copy(b.p, n); /* exact size: ASan sees any overread */
    int msg_ok;
    int rc = try_load(cut.p, cut.len, STORE_PW, &msg_ok);
    cr_expect_eq(rc, SSLB_ERR_KEYSTORE_TRUNCATED, "%s cut at %zu: %s", file, n,
                 sslb_error_name(rc));
    cr_expect(msg_ok, "%s cut at %zu: no message", file, n);
    blob_free(&cut);
  }
  blob_free(&b);
}

Test(jks, truncated_jks_at_every_length) { truncate_everywhere("small.jks"); }

Test(jks, truncated_keypw_jks_at_every_length) {
  truncate_everywhere("keypw.jks");
}

Test(jks, truncated_jceks_at_every_length) {
  truncate_everywhere("small.jceks");
}

Test(jks, wrong_magic_and_version) {
  blob b = read_fixture("small.jks");
  b.p[3] = 0xee;
  cr_expect_eq(try_load(b.p, b.len, STORE_PW, NULL), SSLB_ERR_KEYSTORE_FORMAT);
  b.p[3] = 0xed;
  const uint8_t versions[] = {0, 3, 0xff};
  for (size_t v = 0; v < sizeof versions; v++) {
    b.p[7] = versions[v];
    int msg_ok;
    cr_expect_eq(try_load(b.p, b.len, STORE_PW, &msg_ok),
                 SSLB_ERR_KEYSTORE_CORRUPT, "version %u", versions[v]);
    cr_expect(msg_ok);
  }
  blob_free(&b);
}

/* ------------------------------------------------- hand-built streams */

Test(jks, hand_built_store_loads) {
  blob der = read_fixture("ca.der");
  sslb__buf b;
  sslb__buf_init(&b);
  jks_header(&b, JKS_MAGIC, 2, 2);
  jks_cert_entry(&b, "First", der.p, der.len);
  jks_cert_entry(&b, "second", der.p, der.len);
  jks_finish(&b, "pw");
  sslb_keystore *ks = load_bytes(b.p, b.len, "pw");
  cr_assert_eq(sslb_keystore_size(ks), 2);
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 0), "First");
  cr_expect_eq(sslb_keystore_entry_created(ks, 0), 1700000000000ll);
  cr_expect_eq(sslb_keystore_entry_kind(ks, 1), SSLB_ENTRY_TRUSTED_CERT);
  /* nothing proves the password of a store without keys */
  cr_expect_eq(load_buf(&b, "other"), SSLB_ERR_BAD_PASSWORD);
  /* bytes after the digest */
  sslb__buf_u8(&b, 0);
  cr_expect_eq(load_buf(&b, "pw"), SSLB_ERR_KEYSTORE_CORRUPT);
  sslb_keystore_free(ks);
  sslb__buf_free(&b);
  blob_free(&der);
}

Test(jks, version_1_has_no_certificate_type) {
  blob der = read_fixture("ca.der");
  sslb__buf b;
  sslb__buf_init(&b);
  jks_header(&b, JKS_MAGIC, 1, 1);
  sslb__buf_u32be(&b, 2);
  jks_utf(&b, "v1");
  sslb__buf_u64be(&b, 0);
  sslb__buf_u32be(&b, (uint32_t)der.len);
  sslb__buf_put(&b, der.p, der.len);
  jks_finish(&b, "pw");
  sslb_keystore *ks = load_bytes(b.p, b.len, "pw");
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 0), "v1");
  cr_expect_eq(sslb_keystore_entry_created(ks, 0), 0);
  sslb_keystore_free(ks);
  sslb__buf_free(&b);
  blob_free(&der);
}

Test(jks, absurd_entry_counts) {
  const struct {
    uint32_t count;
    int want;
  } cases[] = {{0xffffffffu, SSLB_ERR_LIMIT},
               {SSLB__MAX_ENTRIES + 1, SSLB_ERR_LIMIT},
               /* more entries than the bytes could hold: ends early */
               {1000, SSLB_ERR_KEYSTORE_TRUNCATED},
               {100, SSLB_ERR_KEYSTORE_TRUNCATED}};
  blob der = read_fixture("ca.der");
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    sslb__buf b;
    sslb__buf_init(&b);
    jks_header(&b, JKS_MAGIC, 2, cases[c].count);
    jks_cert_entry(&b, "only", der.p, der.len);
    jks_finish(&b, "pw");
    cr_expect_eq(load_buf(&b, "pw"), cases[c].want, "count %u",
                 cases[c].count);
    sslb__buf_free(&b);
  }
  /* one entry more than there is: the digest is read as an entry, which
   * is then malformed or cut short */
  {
    sslb__buf b;
    sslb__buf_init(&b);
    jks_header(&b, JKS_MAGIC, 2, 2);
    jks_cert_entry(&b, "only", der.p, der.len);
    jks_finish(&b, "pw");
    int rc = load_buf(&b, "pw");
    cr_expect(rc == SSLB_ERR_KEYSTORE_TRUNCATED ||
                  rc == SSLB_ERR_KEYSTORE_CORRUPT,
              "%s", sslb_error_name(rc));
    sslb__buf_free(&b);
  }
  /* zero entries: an empty store */
  sslb__buf b;
  sslb__buf_init(&b);
  jks_header(&b, JKS_MAGIC, 2, 0);
  jks_finish(&b, "pw");
  cr_expect_eq(load_buf(&b, "pw"), 0);
  sslb__buf_free(&b);
  blob_free(&der);
}

Test(jks, absurd_certificate_lengths) {
  blob der = read_fixture("ca.der");
  /* the last runs 1 byte past the digest that follows the certificate */
  const uint32_t lens[] = {0xffffffffu, 0x7fffffffu, (uint32_t)der.len + 21};
  for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
    sslb__buf b;
    sslb__buf_init(&b);
    jks_header(&b, JKS_MAGIC, 2, 1);
    sslb__buf_u32be(&b, 2);
    jks_utf(&b, "c");
    sslb__buf_u64be(&b, 0);
    jks_utf(&b, "X.509");
    sslb__buf_u32be(&b, lens[i]);
    sslb__buf_put(&b, der.p, der.len);
    jks_finish(&b, "pw");
    cr_expect_eq(load_buf(&b, "pw"), SSLB_ERR_KEYSTORE_TRUNCATED, "length %u",
                 lens[i]);
    sslb__buf_free(&b);
  }
  /* an empty or garbled certificate is a certificate error */
  static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
  const struct {
    const uint8_t *p;
    size_t n;
  } bad[] = {{junk, 0}, {junk, sizeof junk}, {der.p, der.len - 10}};
  for (size_t i = 0; i < 3; i++) {
    sslb__buf b;
    sslb__buf_init(&b);
    jks_header(&b, JKS_MAGIC, 2, 1);
    jks_cert_entry(&b, "c", bad[i].p, bad[i].n);
    jks_finish(&b, "pw");
    cr_expect_eq(load_buf(&b, "pw"), SSLB_ERR_CERTIFICATE, "case %zu", i);
    sslb__buf_free(&b);
  }
  blob_free(&der);
}

Test(jks, certificate_type_other_than_x509) {
  blob der = read_fixture("ca.der");
  sslb__buf b;
  sslb__buf_init(&b);
  jks_header(&b, JKS_MAGIC, 2, 1);
  sslb__buf_u32be(&b, 2);
  jks_utf(&b, "c");
  sslb__buf_u64be(&b, 0);
  jks_utf(&b, "PGP");
  sslb__buf_u32be(&b, (uint32_t)der.len);
  sslb__buf_put(&b, der.p, der.len);
  jks_finish(&b, "pw");
  cr_expect_eq(load_buf(&b, "pw"), SSLB_ERR_UNSUPPORTED);
  sslb__buf_free(&b);
  blob_free(&der);
}

Test(jks, absurd_chain_counts) {
  blob der = read_fixture("ca.der");
  const struct {
    uint32_t n;
    int with_certs;
    int want;
  } cases[] = {{0xffffffffu, 0, SSLB_ERR_LIMIT},
               {SSLB__MAX_CHAIN + 1, 0, SSLB_ERR_LIMIT},
               {0, 0, SSLB_ERR_KEYSTORE_CORRUPT},
               /* more certificates announced than the data holds */
               {40, 0, SSLB_ERR_KEYSTORE_TRUNCATED},
               {3, 1, SSLB_ERR_KEYSTORE_TRUNCATED}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    sslb__buf b;
    sslb__buf_init(&b);
    jks_header(&b, JKS_MAGIC, 2, 1);
    /* two certificates follow when with_certs: fewer than announced */
    jks_key_entry(&b, "k", cases[c].with_certs ? 2 : 0, NULL, 0);
    if (cases[c].with_certs) {
      b.len -= 4;
      sslb__buf_u32be(&b, cases[c].n);
      for (int i = 0; i < 2; i++) {
        jks_utf(&b, "X.509");
        sslb__buf_u32be(&b, (uint32_t)der.len);
        sslb__buf_put(&b, der.p, der.len);
      }
    } else {
      b.len -= 4;
      sslb__buf_u32be(&b, cases[c].n);
    }
    jks_finish(&b, "pw");
    cr_expect_eq(load_buf(&b, "pw"), cases[c].want, "chain count %u",
                 cases[c].n);
    sslb__buf_free(&b);
  }
  blob_free(&der);
}

Test(jks, absurd_alias_lengths_and_bad_aliases) {
  blob der = read_fixture("ca.der");
  /* an alias length past the end */
  sslb__buf b;
  sslb__buf_init(&b);
  jks_header(&b, JKS_MAGIC, 2, 1);
  sslb__buf_u32be(&b, 2);
  sslb__buf_u16be(&b, 0xffff);
  sslb__buf_str(&b, "short");
  sslb__buf_u64be(&b, 0);
  jks_finish(&b, "pw");
  cr_expect_eq(load_buf(&b, "pw"), SSLB_ERR_KEYSTORE_TRUNCATED);
  sslb__buf_free(&b);

  /* aliases that are not modified UTF-8 */
  const char *bad[] = {"\xff\xfe",         "a\xc1\x81",
                       "\xed\xa0\xbd",     "\xed\xb4\x91x",
                       "\xf0\x9f\x94\x91", "a\xc0\x80" "b" /* U+0000 */};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    sslb__buf_init(&b);
    jks_header(&b, JKS_MAGIC, 2, 1);
    jks_cert_entry(&b, bad[i], der.p, der.len);
    jks_finish(&b, "pw");
    cr_expect_eq(load_buf(&b, "pw"), SSLB_ERR_KEYSTORE_CORRUPT, "alias %zu",
                 i);
    sslb__buf_free(&b);
  }
  blob_free(&der);
}

Test(jks, unknown_tags) {
  blob der = read_fixture("ca.der");
  const uint32_t tags[] = {0, 4, 0xffffffffu, 3 /* secret keys: JCEKS only */};
  for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
    sslb__buf b;
    sslb__buf_init(&b);
    jks_header(&b, JKS_MAGIC, 2, 1);
    jks_cert_entry(&b, "c", der.p, der.len);
    b.p[12] = (uint8_t)(tags[i] >> 24);
    b.p[13] = (uint8_t)(tags[i] >> 16);
    b.p[14] = (uint8_t)(tags[i] >> 8);
    b.p[15] = (uint8_t)tags[i];
    jks_finish(&b, "pw");
    cr_expect_eq(load_buf(&b, "pw"), SSLB_ERR_KEYSTORE_CORRUPT, "tag %u",
                 tags[i]);
    sslb__buf_free(&b);
  }
  blob_free(&der);
}

Test(jks, duplicate_aliases) {
  blob der = read_fixture("ca.der");
  sslb__buf b;
  sslb__buf_init(&b);
  jks_header(&b, JKS_MAGIC, 2, 2);
  jks_cert_entry(&b, "twice", der.p, der.len);
  jks_cert_entry(&b, "TWICE", der.p, der.len);
  /* the duplicate is found while parsing: no digest needed to get there */
  sslb__buf_put(&b, "01234567890123456789", 20);
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  cr_expect_eq(sslb_keystore_load(ks, b.p, b.len, "pw"),
               SSLB_ERR_DUPLICATE_ALIAS);
  cr_expect_not_null(strstr(sslb_keystore_last_error(ks), "TWICE"), "%s",
                     sslb_keystore_last_error(ks));
  sslb_keystore_free(ks);
  sslb__buf_free(&b);
  blob_free(&der);
}

Test(jks, key_entry_with_an_undecryptable_key) {
  blob der = read_fixture("ca.der");
  sslb__buf b;
  sslb__buf_init(&b);
  jks_header(&b, JKS_MAGIC, 2, 1);
  jks_key_entry(&b, "k", 1, der.p, der.len);
  jks_finish(&b, "pw");
  /* the digest is right, the key does not decrypt: it stays locked */
  sslb_keystore *ks = load_bytes(b.p, b.len, "pw");
  cr_expect_eq(sslb_keystore_entry_kind(ks, 0), SSLB_ENTRY_PRIVATE_KEY);
  cr_expect_eq(sslb_keystore_entry_locked(ks, 0), 1);
  cr_expect_eq(sslb_keystore_unlock_key(ks, "k", "pw"),
               SSLB_ERR_BAD_KEY_PASSWORD);
  uint8_t *out = NULL;
  size_t n = 0;
  cr_expect_eq(sslb_keystore_save(ks, SSLB_FORMAT_JKS, "pw", &out, &n),
               SSLB_ERR_KEY_LOCKED);
  sslb_keystore_free(ks);
  sslb__buf_free(&b);

  /* a protected key that is no EncryptedPrivateKeyInfo */
  sslb__buf_init(&b);
  jks_header(&b, JKS_MAGIC, 2, 1);
  sslb__buf_u32be(&b, 1);
  jks_utf(&b, "k");
  sslb__buf_u64be(&b, 0);
  sslb__buf_u32be(&b, 5);
  sslb__buf_put(&b, "\x04\x03" "abc", 5);
  sslb__buf_u32be(&b, 1);
  jks_utf(&b, "X.509");
  sslb__buf_u32be(&b, (uint32_t)der.len);
  sslb__buf_put(&b, der.p, der.len);
  jks_finish(&b, "pw");
  cr_expect_eq(load_buf(&b, "pw"), SSLB_ERR_KEYSTORE_CORRUPT);
  sslb__buf_free(&b);
  blob_free(&der);
}

Test(jks, unprotect_rejects_malformed_blobs) {
  sslb__err err = {{0}};
  sslb__key *k = (sslb__key *)&err;
  static const uint8_t junk[] = {0x30, 0x02, 0x05, 0x00};
  cr_expect_eq(sslb__jks_unprotect(junk, sizeof junk, "pw", NULL, &k, &err),
               SSLB_ERR_KEYSTORE_CORRUPT);
  cr_expect_null(k);
  cr_expect_eq(sslb__jceks_unprotect(junk, sizeof junk, "pw", NULL, &k, &err),
               SSLB_ERR_KEYSTORE_CORRUPT);

  /* JCEKS parameters: salt must be 8 bytes, iterations 1..5000000 */
  static const uint8_t oid[] = {0x2b, 0x06, 0x01, 0x04, 0x01,
                                0x2a, 0x02, 0x13, 0x01};
  const struct {
    size_t salt;
    uint32_t iter;
    int want;
  } cases[] = {{8, 0, SSLB_ERR_KEYSTORE_CORRUPT},
               {7, 1000, SSLB_ERR_KEYSTORE_CORRUPT},
               {8, SSLB__MAX_ITERATIONS + 1, SSLB_ERR_LIMIT},
               {8, 10, SSLB_ERR_BAD_KEY_PASSWORD}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    uint8_t salt[8] = {1, 2, 3, 4, 5, 6, 7, 8}, data[32] = {0};
    sslb__buf b;
    sslb__buf_init(&b);
    size_t seq = sslb__der_begin(&b, SSLB__DER_SEQUENCE);
    size_t alg = sslb__der_begin(&b, SSLB__DER_SEQUENCE);
    sslb__der_put(&b, SSLB__DER_OID, oid, sizeof oid);
    size_t params = sslb__der_begin(&b, SSLB__DER_SEQUENCE);
    sslb__der_put(&b, SSLB__DER_OCTETSTRING, salt, cases[c].salt);
    sslb__der_put_uint(&b, cases[c].iter);
    sslb__der_end(&b, params);
    sslb__der_end(&b, alg);
    sslb__der_put(&b, SSLB__DER_OCTETSTRING, data, sizeof data);
    sslb__der_end(&b, seq);
    cr_assert_eq(sslb__buf_ok(&b), 0);
    err.msg[0] = 0;
    cr_expect_eq(sslb__jceks_unprotect(b.p, b.len, "pw", NULL, &k, &err),
                 cases[c].want, "case %zu", c);
    cr_expect_neq(err.msg[0], 0);
    cr_expect_null(k);
    sslb__buf_free(&b);
  }
}

/* ---------------------------------------------------------- aliases */

Test(jks, non_ascii_alias_round_trip) {
  /* "Grüße-Ключ": JKS lower-cases the ASCII letters only */
  const char *alias = "Gr\xc3\xbc\xc3\x9f"
                      "e-\xd0\x9a\xd0\xbb\xd1\x8e\xd1\x87";
  const char *stored = "gr\xc3\xbc\xc3\x9f"
                       "e-\xd0\x9a\xd0\xbb\xd1\x8e\xd1\x87";
  sslb_keystore *ks = generated_store(alias, SSLB_KEY_TYPE_SERVER,
                                      SSLB_KEY_ALG_EC_P256);
  blob b = save_store(ks, SSLB_FORMAT_JKS, "pw");
  /* modified UTF-8 equals UTF-8 for these characters */
  cr_expect_not_null(memmem(b.p, b.len, stored, strlen(stored)));
  sslb_keystore *back = load_bytes(b.p, b.len, "pw");
  cr_expect_str_eq(sslb_keystore_entry_alias(back, 0), stored);
  size_t i;
  cr_expect_eq(sslb_keystore_find(back, alias, &i), 0);
  check_same_entries(ks, back, 1);
  blob_free(&b);
  sslb_keystore_free(back);
  sslb_keystore_free(ks);
}

Test(jks, supplementary_plane_alias_round_trip) {
  /* U+1F511 is a surrogate pair in Java: two 3-byte units in the file */
  const char *alias = "key-\xf0\x9f\x94\x91";
  static const uint8_t mutf8[] = {'k',  'e',  'y',  '-',  0xed,
                                  0xa0, 0xbd, 0xed, 0xb4, 0x91};
  sslb_keystore *ks = generated_store(alias, SSLB_KEY_TYPE_SERVER,
                                      SSLB_KEY_ALG_EC_P256);
  blob b = save_store(ks, SSLB_FORMAT_JKS, "pw");
  cr_expect_not_null(memmem(b.p, b.len, mutf8, sizeof mutf8));
  cr_expect_null(memmem(b.p, b.len, alias, strlen(alias)));
  sslb_keystore *back = load_bytes(b.p, b.len, "pw");
  cr_expect_str_eq(sslb_keystore_entry_alias(back, 0), alias);
  check_same_entries(ks, back, 0);
  blob_free(&b);
  sslb_keystore_free(back);
  sslb_keystore_free(ks);
}

/* --------------------------------------------------------------- JCEKS */

Test(jks, small_jceks_matches_keytool) {
  sslb_keystore *ks = load_fixture("small.jceks", STORE_PW);
  cr_expect_eq(sslb_keystore_format(ks), SSLB_FORMAT_JCEKS);
  check_against_fixture(ks, "small.jceks");
  size_t k = find_alias(ks, "eckey"), s = find_alias(ks, "aes"),
         c = find_alias(ks, "ca");
  cr_expect_eq(sslb_keystore_entry_locked(ks, k), 0);
  check_key_usable(ks, k);
  cr_expect_str_eq(sslb_keystore_entry_algorithm(ks, k), "EC");
  cr_expect_eq(sslb_keystore_entry_kind(ks, s), SSLB_ENTRY_SECRET_KEY);
  cr_expect_eq(sslb_keystore_entry_chain_length(ks, s), 0);
  cr_expect_eq(sslb_keystore_entry_locked(ks, s), 0);
  cr_expect_str_eq(sslb_keystore_entry_algorithm(ks, s), "");
  sslb_certificate *cert = (sslb_certificate *)&k;
  cr_expect_eq(sslb_keystore_entry_certificate(ks, s, 0, &cert),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_expect_null(cert);
  cr_expect_eq(sslb_keystore_unlock_key(ks, "aes", STORE_PW),
               SSLB_ERR_WRONG_ENTRY_KIND);
  cr_expect_eq(sslb_keystore_entry_kind(ks, c), SSLB_ENTRY_TRUSTED_CERT);
  cr_expect_gt(sslb_keystore_entry_created(ks, s), 1577836800000ll);
  sslb_keystore_free(ks);
}

Test(jks, jceks_key_without_store_password) {
  sslb_keystore *ks = load_fixture("small.jceks", NULL);
  size_t k = find_alias(ks, "eckey");
  cr_expect_eq(sslb_keystore_entry_locked(ks, k), 1);
  cr_expect_eq(sslb_keystore_unlock_key(ks, "eckey", "Not-It-42"),
               SSLB_ERR_BAD_KEY_PASSWORD);
  cr_expect_eq(sslb_keystore_entry_locked(ks, k), 1);
  cr_expect_eq(sslb_keystore_unlock_key(ks, "eckey", STORE_PW), 0);
  check_key_usable(ks, k);
  sslb_keystore_free(ks);
}

Test(jks, jceks_flipped_digest_is_an_integrity_failure) {
  blob b = read_fixture("small.jceks");
  b.p[b.len - 7] ^= 0x10;
  cr_expect_eq(try_load(b.p, b.len, STORE_PW, NULL),
               SSLB_ERR_KEYSTORE_INTEGRITY);
  blob_free(&b);
}

/* The secret key object of small.jceks: from the end of its entry header
 * (the aes entry is the last one) to the digest. */
static void jceks_secret(const blob *b, size_t *start, size_t *len) {
  static const uint8_t hdr[] = {0, 0, 0, 3, 0, 3, 'a', 'e', 's'};
  const uint8_t *at = memmem(b->p, b->len, hdr, sizeof hdr);
  cr_assert_not_null(at);
  *start = (size_t)(at - b->p) + sizeof hdr + 8;
  *len = b->len - 20 - *start;
}

Test(jks, jceks_secret_key_followed_by_another_entry) {
  /* JCEKS stores the secret key with no length: what follows it must still
   * be read. Hand-build a store with the secret key first. */
  blob f = read_fixture("small.jceks"), der = read_fixture("ca.der");
  size_t start, len;
  jceks_secret(&f, &start, &len);
  sslb__buf b;
  sslb__buf_init(&b);
  jks_header(&b, JCEKS_MAGIC, 2, 2);
  sslb__buf_u32be(&b, 3);
  jks_utf(&b, "secret");
  sslb__buf_u64be(&b, 1);
  sslb__buf_put(&b, f.p + start, len);
  jks_cert_entry(&b, "after", der.p, der.len);
  jks_finish(&b, "pw");
  sslb_keystore *ks = load_bytes(b.p, b.len, "pw");
  cr_assert_eq(sslb_keystore_size(ks), 2);
  cr_expect_eq(sslb_keystore_entry_kind(ks, 0), SSLB_ENTRY_SECRET_KEY);
  cr_expect_str_eq(sslb_keystore_entry_alias(ks, 1), "after");
  char fp[128];
  snprintf(fp, sizeof fp, "%s", entry_fingerprint(ks, 1, 0));
  cr_expect_str_eq(fp, fixture_fingerprint("small.jceks", "ca", 0));
  sslb_keystore_free(ks);
  /* a broken object is reported in the entry */
  b.p[12 + 4 + 2 + 6 + 8] = 0x00; /* its stream magic */
  cr_expect_eq(load_buf(&b, "pw"), SSLB_ERR_KEYSTORE_CORRUPT);
  sslb__buf_free(&b);
  blob_free(&f);
  blob_free(&der);
}

/* ------------------------------------------------- text encodings */

/* Decodes modified UTF-8 and compares with the expected UTF-8 bytes. */
static void mutf8_ok(const char *in, size_t n, const char *want, size_t wn) {
  int rc = 1;
  char *s = sslb__mutf8_to_utf8((const uint8_t *)in, n, &rc);
  cr_assert_not_null(s, "decoding failed");
  cr_expect_eq(rc, 0);
  cr_expect_eq(memcmp(s, want, wn), 0);
  cr_expect_eq(s[wn], 0);
  free(s);
}

static void mutf8_bad(const char *in, size_t n) {
  int rc = 0;
  char *s = sslb__mutf8_to_utf8((const uint8_t *)in, n, &rc);
  cr_expect_null(s, "accepted malformed input of %zu bytes", n);
  cr_expect_eq(rc, SSLB_ERR_KEYSTORE_CORRUPT);
  free(s);
}

Test(text, modified_utf8_decoding) {
  mutf8_ok("", 0, "", 0);
  mutf8_ok("abc", 3, "abc", 3);
  mutf8_ok("\xc3\xa9\xe2\x82\xac", 5, "\xc3\xa9\xe2\x82\xac", 5);
  /* a surrogate pair becomes one 4-byte character */
  mutf8_ok("\xed\xa0\xbd\xed\xb4\x91", 6, "\xf0\x9f\x94\x91", 4);

  /* Java writes U+0000 as C0 80; a C string cannot hold it, and cutting the
   * alias there would silently rename the entry */
  mutf8_bad("a\xc0\x80z", 4);
  mutf8_bad("\x00", 1);                     /* a raw NUL */
  mutf8_bad("\xc1\x81", 2);                 /* overlong 'A' */
  mutf8_bad("\xe0\x81\x81", 3);             /* overlong 3-byte */
  mutf8_bad("\xf0\x9f\x94\x91", 4);         /* 4-byte forms do not exist */
  mutf8_bad("\xed\xa0\xbd", 3);             /* high surrogate at the end */
  mutf8_bad("\xed\xa0\xbd" "a", 4);         /* high surrogate, then 'a' */
  mutf8_bad("\xed\xa0\xbd\xed\xa0\xbd", 6); /* two high surrogates */
  mutf8_bad("\xed\xb4\x91", 3);             /* a lone low surrogate */
  mutf8_bad("\xc3", 1);                     /* cut sequence */
  mutf8_bad("\xe2\x82", 2);
  mutf8_bad("\x80", 1); /* stray continuation */
  mutf8_bad("\xc3\x28", 2);
  mutf8_bad("\xff", 1);
}

Test(text, utf8_to_modified_utf8_and_utf16) {
  sslb__buf b;
  sslb__buf_init(&b);
  cr_assert_eq(sslb__utf8_to_mutf8(&b, "a\xc3\xa9\xf0\x9f\x94\x91"), 0);
  static const uint8_t want[] = {'a',  0xc3, 0xa9, 0xed, 0xa0,
                                 0xbd, 0xed, 0xb4, 0x91};
  cr_assert_eq(b.len, sizeof want);
  cr_expect_eq(memcmp(b.p, want, sizeof want), 0);
  sslb__buf_free(&b);
  sslb__buf_init(&b);
  cr_expect_eq(sslb__utf8_to_mutf8(&b, "bad\xc0\xaf"),
               SSLB_ERR_INVALID_ARGUMENT);
  sslb__buf_free(&b);

  sslb__buf_init(&b);
  cr_assert_eq(sslb__utf8_to_utf16be(&b, "A\xe2\x82\xac\xf0\x9f\x98\x80"), 0);
  static const uint8_t u16[] = {0x00, 0x41, 0x20, 0xac,
                                0xd8, 0x3d, 0xde, 0x00};
  cr_assert_eq(b.len, sizeof u16);
  cr_expect_eq(memcmp(b.p, u16, sizeof u16), 0);
  sslb__buf_free(&b);
  sslb__buf_init(&b);
  cr_expect_eq(sslb__utf8_to_utf16be(&b, "\xed\xa0\x80"),
               SSLB_ERR_INVALID_ARGUMENT);
  sslb__buf_free(&b);
}

Test(text, utf8_validation) {
  const char *good[] = {"", "plain", "\xc3\xa9", "\xe2\x82\xac",
                        "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "\x7f"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    cr_expect(sslb__utf8_valid(good[i]), "good %zu", i);
  const char *bad[] = {
      "\xc0\xaf",         /* overlong '/' */
      "\xe0\x80\xaf",     /* overlong, 3 bytes */
      "\xf0\x80\x80\xaf", /* overlong, 4 bytes */
      "\xed\xa0\x80",     /* surrogate */
      "\xed\xbf\xbf",     /* surrogate */
      "\xf4\x90\x80\x80", /* above U+10FFFF */
      "\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80",
      "\xe2\x82",         /* cut */
      "a\x80",            /* stray continuation */
      "\xff", "\xc3\x28"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    cr_expect_not(sslb__utf8_valid(bad[i]), "bad %zu", i);
}

Test(text, ascii_case_hex_and_base64) {
  char s[] = "MiXeD-\xc3\x89-Case";
  sslb__ascii_lower(s);
  cr_expect_str_eq(s, "mixed-\xc3\x89-case");
  cr_expect_eq(sslb__ascii_casecmp("Alias", "aLIAS"), 0);
  cr_expect_lt(sslb__ascii_casecmp("abc", "abd"), 0);
  cr_expect_gt(sslb__ascii_casecmp("abcd", "ABC"), 0);
  cr_expect_neq(sslb__ascii_casecmp("\xc3\x89", "\xc3\xa9"), 0);

  static const uint8_t bytes[] = {0x00, 0x0f, 0xa5, 0xff};
  sslb__buf b;
  sslb__buf_init(&b);
  sslb__hex(&b, bytes, sizeof bytes, 1, ':');
  sslb__buf_u8(&b, '|');
  sslb__hex(&b, bytes, sizeof bytes, 0, 0);
  cr_assert_eq(sslb__buf_ok(&b), 0);
  cr_expect_str_eq((char *)b.p, "00:0F:A5:FF|000fa5ff");
  sslb__buf_free(&b);

  /* RFC 4648 section 10 */
  const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char *out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
                       "Zm9vYmFy"};
  for (size_t i = 0; i < 7; i++) {
    sslb__buf_init(&b);
    sslb__base64(&b, (const uint8_t *)in[i], strlen(in[i]));
    sslb__buf_u8(&b, 0);
    cr_assert_eq(sslb__buf_ok(&b), 0);
    cr_expect_str_eq((char *)b.p, out[i]);
    sslb__buf_free(&b);
  }
}

Test(text, buffers_and_readers) {
  sslb__buf b;
  sslb__buf_init(&b);
  /* growth across many sizes keeps the data NUL-terminated */
  for (int i = 0; i < 1000; i++) {
    sslb__buf_u8(&b, (uint8_t)('a' + i % 26));
    cr_assert_eq(b.p[b.len], 0);
  }
  sslb__buf_u16be(&b, 0x0102);
  sslb__buf_u32be(&b, 0x03040506);
  sslb__buf_u64be(&b, 0x0708090a0b0c0d0eull);
  sslb__buf_printf(&b, "%s-%d", "x", 42);
  cr_assert_eq(sslb__buf_ok(&b), 0);
  cr_expect_eq(b.len, 1000 + 2 + 4 + 8 + 4);
  sslb__rd r;
  sslb__rd_init(&r, b.p + 1000, b.len - 1000);
  cr_expect_eq(sslb__rd_u16(&r), 0x0102);
  cr_expect_eq(sslb__rd_u32(&r), 0x03040506u);
  cr_expect_eq(sslb__rd_u64(&r), 0x0708090a0b0c0d0eull);
  cr_expect_eq(sslb__rd_left(&r), 4);
  cr_expect_eq(memcmp(sslb__rd_bytes(&r, 4), "x-42", 4), 0);
  cr_expect_eq(r.short_read, 0);
  /* reading past the end: zeros, and it sticks */
  cr_expect_eq(sslb__rd_u8(&r), 0);
  cr_expect_eq(r.short_read, 1);
  cr_expect_null(sslb__rd_bytes(&r, 0));
  size_t n = 0;
  uint8_t *p = sslb__buf_take(&b, &n);
  cr_expect_eq(n, 1018);
  cr_expect_eq(p[n], 0);
  cr_expect_null(b.p, "take leaves the buffer empty");
  free(p);
  /* an empty buffer hands out an empty string */
  p = sslb__buf_take(&b, &n);
  cr_assert_not_null(p);
  cr_expect_eq(n, 0);
  cr_expect_eq(p[0], 0);
  free(p);
  /* a reservation that cannot be made is sticky */
  cr_expect_eq(sslb__buf_reserve(&b, SIZE_MAX - 8), SSLB_ERR_NO_MEMORY);
  sslb__buf_u8(&b, 1);
  cr_expect_eq(sslb__buf_ok(&b), SSLB_ERR_NO_MEMORY);
  sslb__buf_free(&b);
}
