/* Helpers shared by the unit tests: fixtures, expected entries from
 * fixtures.tsv, stores built with the certificate builder, and hand-made
 * JKS streams. Every helper asserts (Criterion) instead of returning an
 * error, so that a broken precondition fails the test where it happens. */
#ifndef SSLB_TEST_SUPPORT_H
#define SSLB_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include <sslbind/sslbind.h>

#include "internal.h"

/* Passwords the fixtures were made with (tests/data/make-fixtures.sh). */
#define STORE_PW "foobar"
#define KEY_PW "otherpw"

typedef struct {
  uint8_t *p;
  size_t len;
} blob;

/* Reads SSLB_TEST_DATA/name whole; asserts it exists. */
blob read_fixture(const char *name);
/* A heap copy of bytes (so that tests may modify it). */
blob blob_copy(const uint8_t *p, size_t len);
void blob_free(blob *b);
/* Absolute path of a fixture, in a static buffer. */
const char *fixture_path(const char *name);

/* A new store loaded from a fixture; asserts success. */
sslb_keystore *load_fixture(const char *name, const char *password);
/* A new store loaded from memory; asserts success. */
sslb_keystore *load_bytes(const uint8_t *p, size_t len, const char *password);
/* Index of an alias; asserts that it is there. */
size_t find_alias(sslb_keystore *ks, const char *alias);
/* SHA-256 fingerprint of certificate `pos` of entry i, in keytool form;
 * static buffer. */
const char *entry_fingerprint(const sslb_keystore *ks, size_t i, size_t pos);

/* One line of fixtures.tsv: what keytool -list -v printed. */
#define MAX_FPS 8
typedef struct {
  char file[64];
  char alias[128];
  int kind; /* sslb_entry_kind */
  size_t nfp;
  char fp[MAX_FPS][100];
} expected_entry;

/* All lines of fixtures.tsv (malloc'd array, free() it). */
expected_entry *expected_entries(size_t *count);
/* The fingerprint keytool printed for certificate pos of alias in file
 * (fixtures.tsv); static buffer. */
const char *fixture_fingerprint(const char *file, const char *alias,
                                size_t pos);
/* Asserts that ks holds exactly the entries fixtures.tsv lists for `file`:
 * same aliases (case-insensitively), kinds and chain fingerprints. */
void check_against_fixture(sslb_keystore *ks, const char *file);
/* Asserts that two stores hold the same aliases (compared after `lower`
 * ASCII lower-casing of the expected alias when set), kinds and chain
 * fingerprints, and that every private key of `got` is usable and matches
 * its leaf certificate. */
void check_same_entries(sslb_keystore *want, sslb_keystore *got, int lower);

/* Asserts that private-key entry i is unlocked and that its key signs data
 * that its leaf certificate's public key verifies. */
void check_key_usable(sslb_keystore *ks, size_t i);

/* A new store with one generated private-key entry. */
sslb_keystore *generated_store(const char *alias, int key_type, int alg);
/* Generates another entry into ks; asserts success. */
void generate_into(sslb_keystore *ks, const char *alias, int key_type, int alg);
/* The private key of entry i as PEM: PKCS#8 (encrypted with password when
 * given) or, with `traditional`, GnuTLS's "RSA/EC PRIVATE KEY" form. */
blob entry_key_pem(sslb_keystore *ks, size_t i, const char *password,
                   int traditional);
/* The chain of entry i as a PEM bundle. */
blob entry_chain_pem(sslb_keystore *ks, size_t i);

/* Saves ks in a format; asserts success. */
blob save_store(sslb_keystore *ks, int format, const char *password);

/* Hand-made JKS streams: header, entries, then the store digest (SHA-1 of
 * password UTF-16BE || "Mighty Aphrodite" || body) so that parsing gets past
 * the integrity check whenever a test needs it to. */
void jks_header(sslb__buf *b, uint32_t magic, uint32_t version, uint32_t count);
void jks_utf(sslb__buf *b, const char *s); /* u16 length + bytes */
void jks_cert_entry(sslb__buf *b, const char *alias, const uint8_t *der,
                    size_t der_len);
/* A private-key entry whose protected key is well-formed for Sun's key
 * protector but decrypts to nothing useful; chain of nchain copies of der
 * (or only the count when der is NULL). */
void jks_key_entry(sslb__buf *b, const char *alias, uint32_t nchain,
                   const uint8_t *der, size_t der_len);
void jks_finish(sslb__buf *b, const char *password);

/* A fresh temporary directory (mkdtemp); remove_dir() deletes it and its
 * files. */
char *make_temp_dir(void);
void remove_dir(char *dir);

#endif
