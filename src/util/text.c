#include <stdlib.h>
#include <string.h>

#include "util/text.h"

/* Decodes one UTF-8 sequence; returns the code point or -1. */
static long utf8_decode(const uint8_t **pp, const uint8_t *end) {
  const uint8_t *p = *pp;
  if (p >= end)
    return -1;
  uint32_t c = *p++;
  unsigned n;
  uint32_t min;
  if (c < 0x80) {
    *pp = p;
    return c;
  } else if ((c & 0xe0) == 0xc0) {
    n = 1, c &= 0x1f, min = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    n = 2, c &= 0x0f, min = 0x800;
  } else if ((c & 0xf8) == 0xf0) {
    n = 3, c &= 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if ((size_t)(end - p) < n)
    return -1;
  for (unsigned i = 0; i < n; i++) {
    if ((p[i] & 0xc0) != 0x80)
      return -1;
    c = (c << 6) | (p[i] & 0x3f);
  }
  if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
    return -1;
  *pp = p + n;
  return (long)c;
}

static void utf8_encode(sslb__buf *b, uint32_t c) {
  uint8_t x[4];
  size_t n;
  if (c < 0x80) {
    x[0] = (uint8_t)c, n = 1;
  } else if (c < 0x800) {
    x[0] = (uint8_t)(0xc0 | (c >> 6)), x[1] = (uint8_t)(0x80 | (c & 0x3f)),
    n = 2;
  } else if (c < 0x10000) {
    x[0] = (uint8_t)(0xe0 | (c >> 12));
    x[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
    x[2] = (uint8_t)(0x80 | (c & 0x3f));
    n = 3;
  } else {
    x[0] = (uint8_t)(0xf0 | (c >> 18));
    x[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3f));
    x[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
    x[3] = (uint8_t)(0x80 | (c & 0x3f));
    n = 4;
  }
  sslb__buf_put(b, x, n);
}

int sslb__utf8_valid(const char *s) {
  const uint8_t *p = (const uint8_t *)s, *end = p + strlen(s);
  while (p < end)
    if (utf8_decode(&p, end) < 0)
      return 0;
  return 1;
}

/* Modified UTF-8 decodes 16-bit code units: 1-3 byte forms only, NUL as
 * C0 80, supplementary characters as two 3-byte surrogates. */
static long mutf8_unit(const uint8_t **pp, const uint8_t *end) {
  const uint8_t *p = *pp;
  uint32_t c = *p;
  if (c < 0x80 && c != 0) {
    *pp = p + 1;
    return c;
  }
  if ((c & 0xe0) == 0xc0 && end - p >= 2 && (p[1] & 0xc0) == 0x80) {
    uint32_t v = ((c & 0x1f) << 6) | (p[1] & 0x3f);
    if (v >= 0x80 || v == 0) {
      *pp = p + 2;
      return v;
    }
    return -1;
  }
  if ((c & 0xf0) == 0xe0 && end - p >= 3 && (p[1] & 0xc0) == 0x80 &&
      (p[2] & 0xc0) == 0x80) {
    uint32_t v = ((c & 0x0f) << 12) | ((p[1] & 0x3f) << 6) | (p[2] & 0x3f);
    if (v < 0x800)
      return -1;
    *pp = p + 3;
    return v;
  }
  return -1;
}

char *sslb__mutf8_to_utf8(const uint8_t *p, size_t n, int *rc) {
  sslb__buf b;
  sslb__buf_init(&b);
  const uint8_t *end = p + n;
  while (p < end) {
    long u = mutf8_unit(&p, end);
    /* U+0000 (C0 80) would end the C string early: "a\0b" would silently
     * become the alias "a" */
    if (u <= 0)
      goto bad;
    if (u >= 0xd800 && u <= 0xdbff) {
      if (p >= end)
        goto bad;
      long lo = mutf8_unit(&p, end);
      if (lo < 0xdc00 || lo > 0xdfff)
        goto bad;
      u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
    } else if (u >= 0xdc00 && u <= 0xdfff) {
      goto bad;
    }
    utf8_encode(&b, (uint32_t)u);
  }
  if (sslb__buf_ok(&b) < 0) {
    sslb__buf_free(&b);
    *rc = SSLB_ERR_NO_MEMORY;
    return NULL;
  }
  *rc = 0;
  return (char *)sslb__buf_take(&b, NULL);
bad:
  sslb__buf_free(&b);
  *rc = SSLB_ERR_KEYSTORE_CORRUPT;
  return NULL;
}

static void put_unit_mutf8(sslb__buf *b, uint32_t u) {
  if (u == 0) {
    sslb__buf_u8(b, 0xc0);
    sslb__buf_u8(b, 0x80);
  } else {
    utf8_encode(b, u); /* units are < 0x10000: 1-3 bytes */
  }
}

int sslb__utf8_to_mutf8(sslb__buf *b, const char *s) {
  const uint8_t *p = (const uint8_t *)s, *end = p + strlen(s);
  while (p < end) {
    long c = utf8_decode(&p, end);
    if (c < 0)
      return SSLB_ERR_INVALID_ARGUMENT;
    if (c >= 0x10000) {
      c -= 0x10000;
      put_unit_mutf8(b, 0xd800 + ((uint32_t)c >> 10));
      put_unit_mutf8(b, 0xdc00 + ((uint32_t)c & 0x3ff));
    } else {
      put_unit_mutf8(b, (uint32_t)c);
    }
  }
  return sslb__buf_ok(b);
}

int sslb__utf8_to_utf16be(sslb__buf *b, const char *s) {
  const uint8_t *p = (const uint8_t *)s, *end = p + strlen(s);
  while (p < end) {
    long c = utf8_decode(&p, end);
    if (c < 0)
      return SSLB_ERR_INVALID_ARGUMENT;
    if (c >= 0x10000) {
      c -= 0x10000;
      sslb__buf_u16be(b, (uint16_t)(0xd800 + ((uint32_t)c >> 10)));
      sslb__buf_u16be(b, (uint16_t)(0xdc00 + ((uint32_t)c & 0x3ff)));
    } else {
      sslb__buf_u16be(b, (uint16_t)c);
    }
  }
  return sslb__buf_ok(b);
}

void sslb__ascii_lower(char *s) {
  for (; *s; s++)
    if (*s >= 'A' && *s <= 'Z')
      *s = (char)(*s + 32);
}

int sslb__ascii_casecmp(const char *a, const char *b) {
  for (;; a++, b++) {
    int x = (unsigned char)*a, y = (unsigned char)*b;
    if (x >= 'A' && x <= 'Z')
      x += 32;
    if (y >= 'A' && y <= 'Z')
      y += 32;
    if (x != y || !x)
      return x - y;
  }
}

void sslb__hex(sslb__buf *b, const uint8_t *p, size_t n, int upper, char sep) {
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    if (i && sep)
      sslb__buf_u8(b, (uint8_t)sep);
    sslb__buf_u8(b, (uint8_t)digits[p[i] >> 4]);
    sslb__buf_u8(b, (uint8_t)digits[p[i] & 15]);
  }
}

void sslb__base64(sslb__buf *b, const uint8_t *p, size_t n) {
  static const char t[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16;
    if (i + 1 < n)
      v |= (uint32_t)p[i + 1] << 8;
    if (i + 2 < n)
      v |= p[i + 2];
    sslb__buf_u8(b, (uint8_t)t[(v >> 18) & 63]);
    sslb__buf_u8(b, (uint8_t)t[(v >> 12) & 63]);
    sslb__buf_u8(b, (uint8_t)(i + 1 < n ? t[(v >> 6) & 63] : '='));
    sslb__buf_u8(b, (uint8_t)(i + 2 < n ? t[v & 63] : '='));
  }
}
