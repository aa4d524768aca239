#include <string.h>

#include "util/der.h"

int sslb__der_next(sslb__der *in, unsigned *tag, sslb__der *content) {
  if (in->len < 2)
    return in->len ? SSLB_ERR_KEYSTORE_TRUNCATED : SSLB_ERR_KEYSTORE_CORRUPT;
  unsigned t = in->p[0];
  if ((t & 0x1f) == 0x1f)
    return SSLB_ERR_KEYSTORE_CORRUPT; /* high tag numbers are not used here */
  size_t pos = 1, len;
  uint8_t l0 = in->p[pos++];
  if (l0 < 0x80) {
    len = l0;
  } else {
    unsigned n = l0 & 0x7f;
    if (n == 0 || n > 4)
      return SSLB_ERR_KEYSTORE_CORRUPT; /* indefinite or absurd */
    if (in->len - pos < n)
      return SSLB_ERR_KEYSTORE_TRUNCATED;
    len = 0;
    for (unsigned i = 0; i < n; i++)
      len = (len << 8) | in->p[pos++];
  }
  if (len > in->len - pos)
    return SSLB_ERR_KEYSTORE_TRUNCATED;
  *tag = t;
  content->p = in->p + pos;
  content->len = len;
  in->p += pos + len;
  in->len -= pos + len;
  return 0;
}

int sslb__der_expect(sslb__der *in, unsigned tag, sslb__der *content) {
  unsigned t;
  SSLB__GUARD(sslb__der_next(in, &t, content));
  return t == tag ? 0 : SSLB_ERR_KEYSTORE_CORRUPT;
}

int sslb__der_oid_eq(const sslb__der *oid, const uint8_t *der, size_t len) {
  return oid->len == len && memcmp(oid->p, der, len) == 0;
}

int sslb__der_uint(const sslb__der *c, uint32_t *out) {
  if (c->len == 0 || c->len > 5 || (c->p[0] & 0x80))
    return SSLB_ERR_KEYSTORE_CORRUPT;
  uint64_t v = 0;
  for (size_t i = 0; i < c->len; i++)
    v = (v << 8) | c->p[i];
  if (v > UINT32_MAX)
    return SSLB_ERR_LIMIT;
  *out = (uint32_t)v;
  return 0;
}

size_t sslb__der_begin(sslb__buf *b, uint8_t tag) {
  sslb__buf_u8(b, tag);
  size_t mark = b->len;
  sslb__buf_u8(b, 0); /* one length byte, widened in sslb__der_end */
  return mark;
}

void sslb__der_end(sslb__buf *b, size_t mark) {
  if (b->oom)
    return;
  size_t len = b->len - mark - 1;
  if (len < 0x80) {
    b->p[mark] = (uint8_t)len;
    return;
  }
  uint8_t hdr[5];
  unsigned n = 0;
  for (size_t v = len; v; v >>= 8)
    n++;
  hdr[0] = (uint8_t)(0x80 | n);
  for (unsigned i = 0; i < n; i++)
    hdr[1 + i] = (uint8_t)(len >> (8 * (n - 1 - i)));
  if (sslb__buf_reserve(b, n) < 0)
    return;
  memmove(b->p + mark + 1 + n, b->p + mark + 1, len);
  memcpy(b->p + mark, hdr, n + 1);
  b->len += n;
  b->p[b->len] = 0;
}

void sslb__der_put(sslb__buf *b, uint8_t tag, const void *p, size_t n) {
  size_t m = sslb__der_begin(b, tag);
  sslb__buf_put(b, p, n);
  sslb__der_end(b, m);
}

void sslb__der_put_uint(sslb__buf *b, uint32_t v) {
  uint8_t x[5];
  size_t n = 0;
  x[n++] = 0;
  for (int s = 24; s >= 0; s -= 8)
    x[n++] = (uint8_t)(v >> s);
  /* strip leading zeros, keep one when the next byte has its top bit set */
  size_t i = 0;
  while (i < n - 1 && x[i] == 0 && !(x[i + 1] & 0x80))
    i++;
  sslb__der_put(b, SSLB__DER_INTEGER, x + i, n - i);
}

void sslb__der_raw(sslb__buf *b, const void *p, size_t n) {
  sslb__buf_put(b, p, n);
}
