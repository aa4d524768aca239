/* Keystore entries shared by the format readers and writers. */
#ifndef SSLB_KS_H
#define SSLB_KS_H

#include "internal.h"
#include "tls/x509.h"

/* How a private key's stored bytes are protected. */
enum {
  SSLB__PROT_NONE = 0,  /* key decrypted, blob unused */
  SSLB__PROT_JKS = 1,   /* Sun KeyProtector (SHA-1 keystream) */
  SSLB__PROT_JCEKS = 2, /* PBEWithMD5AndTripleDES */
  SSLB__PROT_PKCS8 = 3  /* standard EncryptedPrivateKeyInfo */
};

typedef struct {
  char *alias;
  int kind;
  int64_t created_ms;
  sslb_certificate **chain;
  size_t chain_len;
  sslb__key *key;   /* NULL while locked */
  int prot;         /* protection of blob while locked */
  uint8_t *blob;    /* encrypted key as stored, kept while locked */
  size_t blob_len;
  char *key_password; /* for saving; set explicitly only */
  char *algorithm;    /* secret keys: stored algorithm name, if known */
} sslb__entry;

typedef struct {
  sslb__entry *v;
  size_t n, cap;
} sslb__entries;

struct sslb_keystore {
  sslb__entries e;
  int format;
  sslb__err err;
};

void sslb__entry_clear(sslb__entry *e);
/* Moves *e into the list (and zeroes *e). SSLB_ERR_DUPLICATE_ALIAS when the
 * alias is taken. */
int sslb__entries_add(sslb__entries *l, sslb__entry *e, sslb__err *err)
    SSLB__MUST_USE;
void sslb__entries_free(sslb__entries *l);
long sslb__entries_find(const sslb__entries *l, const char *alias);
/* Decrypts a locked key; BAD_KEY_PASSWORD when the password is wrong. */
int sslb__entry_unlock(sslb__entry *e, const char *password, sslb__err *err)
    SSLB__MUST_USE;

/* Adds a private-key entry, taking references to key and chain. */
int sslb__keystore_add_key(sslb_keystore *ks, const char *alias,
                           sslb__key *key, sslb_certificate **chain,
                           size_t chain_len, const char *key_password)
    SSLB__MUST_USE;

/* Formats. Readers fill `out` (empty on entry); writers append to `out`. */
int sslb__jks_read(const uint8_t *p, size_t n, const char *password,
                   sslb__entries *out, sslb__err *err) SSLB__MUST_USE;
int sslb__jks_write(const sslb__entries *l, const char *password,
                    sslb__buf *out, sslb__err *err) SSLB__MUST_USE;
int sslb__jks_unprotect(const uint8_t *blob, size_t n, const char *password,
                        const sslb_certificate *leaf, sslb__key **key,
                        sslb__err *err) SSLB__MUST_USE;
int sslb__jceks_unprotect(const uint8_t *blob, size_t n, const char *password,
                          const sslb_certificate *leaf, sslb__key **key,
                          sslb__err *err) SSLB__MUST_USE;
/* Skips one Java-serialised object; returns bytes consumed or a code. */
long sslb__javaser_skip(const uint8_t *p, size_t n, char *class_name,
                        size_t class_name_len);

int sslb__pkcs12_read(const uint8_t *p, size_t n, const char *password,
                      sslb__entries *out, sslb__err *err) SSLB__MUST_USE;
int sslb__pkcs12_write(const sslb__entries *l, const char *password,
                       sslb__buf *out, sslb__err *err) SSLB__MUST_USE;
int sslb__pem_read(const uint8_t *p, size_t n, const char *password,
                   sslb__entries *out, sslb__err *err) SSLB__MUST_USE;
int sslb__pem_write(const sslb__entries *l, const char *password,
                    sslb__buf *out, sslb__err *err) SSLB__MUST_USE;
/* Splits PEM text into DER certificates (in order). */
int sslb__pem_certs(const uint8_t *p, size_t n, sslb_certificate ***certs,
                    size_t *count, sslb__err *err) SSLB__MUST_USE;

#endif
