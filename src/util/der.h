/* Minimal DER reader and writer for the few structures sslbind builds or
 * unwraps itself (PKCS#8 wrappers, PKCS#12 containers). Everything read is
 * bounds-checked against the enclosing element. */
#ifndef SSLB_DER_H
#define SSLB_DER_H

#include "internal.h"

enum {
  SSLB__DER_INTEGER = 0x02,
  SSLB__DER_BITSTRING = 0x03,
  SSLB__DER_OCTETSTRING = 0x04,
  SSLB__DER_NULL = 0x05,
  SSLB__DER_OID = 0x06,
  SSLB__DER_UTF8 = 0x0c,
  SSLB__DER_BMP = 0x1e,
  SSLB__DER_SEQUENCE = 0x30,
  SSLB__DER_SET = 0x31,
  SSLB__DER_CTX0 = 0xa0, /* [0] constructed */
  SSLB__DER_CTX0_PRIM = 0x80
};

typedef struct {
  const uint8_t *p;
  size_t len;
} sslb__der;

/* Reads the next element of `in` into tag/content and advances `in`.
 * Returns 0, or SSLB_ERR_KEYSTORE_CORRUPT / _TRUNCATED. */
int sslb__der_next(sslb__der *in, unsigned *tag, sslb__der *content)
    SSLB__MUST_USE;
/* Like sslb__der_next but requires a given tag. */
int sslb__der_expect(sslb__der *in, unsigned tag, sslb__der *content)
    SSLB__MUST_USE;
/* True when the OID content equals the dotted OID given as DER bytes. */
int sslb__der_oid_eq(const sslb__der *oid, const uint8_t *der, size_t len);
/* Reads a small non-negative INTEGER. */
int sslb__der_uint(const sslb__der *content, uint32_t *out) SSLB__MUST_USE;

/* Writer: begin returns a mark, end patches the length. */
size_t sslb__der_begin(sslb__buf *b, uint8_t tag);
void sslb__der_end(sslb__buf *b, size_t mark);
void sslb__der_put(sslb__buf *b, uint8_t tag, const void *p, size_t n);
void sslb__der_put_uint(sslb__buf *b, uint32_t v);
/* Appends an already encoded element verbatim. */
void sslb__der_raw(sslb__buf *b, const void *p, size_t n);

#endif
