#include <string.h>
#include <strings.h>

#include <brotli/decode.h>
#include <zlib.h>

#include "http/decode.h"

static int inflate_all(const uint8_t *in, size_t n, int window, size_t max,
                       sslb__buf *out, sslb__err *err, const char *name) {
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, window) != Z_OK)
    return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
  z.next_in = (Bytef *)in;
  z.avail_in = (uInt)n;
  int rc = 0, zr = Z_OK;
  uint8_t chunk[16384];
  while (zr != Z_STREAM_END) {
    z.next_out = chunk;
    z.avail_out = sizeof chunk;
    zr = inflate(&z, Z_NO_FLUSH);
    if (zr != Z_OK && zr != Z_STREAM_END) {
      rc = sslb__fail(err, SSLB_ERR_PROTOCOL, "the %s body is corrupt: %s", name,
                      z.msg ? z.msg : "truncated");
      break;
    }
    size_t got = sizeof chunk - z.avail_out;
    if (out->len + got > max) {
      rc = sslb__fail(err, SSLB_ERR_TOO_LARGE,
                      "the %s body expands past the %zu-byte limit", name, max);
      break;
    }
    sslb__buf_put(out, chunk, got);
    if (zr == Z_OK && z.avail_in == 0 && got == 0) {
      rc = sslb__fail(err, SSLB_ERR_PROTOCOL, "the %s body is truncated", name);
      break;
    }
  }
  inflateEnd(&z);
  if (rc == 0 && sslb__buf_ok(out) < 0)
    rc = sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
  return rc;
}

static int brotli_all(const uint8_t *in, size_t n, size_t max, sslb__buf *out,
                      sslb__err *err) {
  BrotliDecoderState *st = BrotliDecoderCreateInstance(NULL, NULL, NULL);
  if (!st)
    return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
  size_t avail_in = n;
  const uint8_t *next_in = in;
  uint8_t chunk[16384];
  int rc = 0;
  for (;;) {
    size_t avail_out = sizeof chunk;
    uint8_t *next_out = chunk;
    BrotliDecoderResult r = BrotliDecoderDecompressStream(
        st, &avail_in, &next_in, &avail_out, &next_out, NULL);
    size_t got = sizeof chunk - avail_out;
    if (out->len + got > max) {
      rc = sslb__fail(err, SSLB_ERR_TOO_LARGE,
                      "the br body expands past the %zu-byte limit", max);
      break;
    }
    sslb__buf_put(out, chunk, got);
    if (r == BROTLI_DECODER_RESULT_SUCCESS)
      break;
    if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
      continue;
    rc = sslb__fail(err, SSLB_ERR_PROTOCOL, "the br body is %s",
                    r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT
                        ? "truncated"
                        : BrotliDecoderErrorString(BrotliDecoderGetErrorCode(st)));
    break;
  }
  BrotliDecoderDestroyInstance(st);
  if (rc == 0 && sslb__buf_ok(out) < 0)
    rc = sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
  return rc;
}

static int decode_one(const char *coding, size_t len, const uint8_t *in,
                      size_t n, size_t max, sslb__buf *out, sslb__err *err) {
#define IS(s) (len == strlen(s) && !strncasecmp(coding, s, len))
  if (IS("gzip") || IS("x-gzip"))
    return inflate_all(in, n, 16 + MAX_WBITS, max, out, err, "gzip");
  if (IS("deflate")) {
    /* "deflate" is the zlib format, but some servers send raw deflate */
    int zlib_header = n >= 2 && (in[0] & 0x0f) == 8 && ((in[0] << 8) | in[1]) % 31 == 0;
    return inflate_all(in, n, zlib_header ? MAX_WBITS : -MAX_WBITS, max, out, err,
                       "deflate");
  }
  if (IS("br"))
    return brotli_all(in, n, max, out, err);
  if (IS("identity"))
    return 1;
#undef IS
  return sslb__fail(err, SSLB_ERR_UNSUPPORTED,
                    "the response uses the content coding '%.*s', which sslbind "
                    "does not decode",
                    (int)(len < 40 ? len : 40), coding);
}

int sslb__decode(const char *encoding, const uint8_t *in, size_t n,
                 size_t max_out, sslb__buf *out, sslb__err *err) {
  if (!encoding)
    return 1;
  /* split the list; undo the last coding first */
  const char *parts[8];
  size_t lens[8], np = 0;
  for (const char *p = encoding; *p;) {
    while (*p == ' ' || *p == '\t' || *p == ',')
      p++;
    if (!*p)
      break;
    const char *e = p;
    while (*e && *e != ',' && *e != ' ' && *e != '\t')
      e++;
    if (np == 8)
      return sslb__fail(err, SSLB_ERR_PROTOCOL, "too many content codings");
    parts[np] = p;
    lens[np++] = (size_t)(e - p);
    p = e;
  }
  sslb__buf cur, next;
  sslb__buf_init(&cur);
  sslb__buf_init(&next);
  const uint8_t *src = in;
  size_t srcn = n;
  int decoded = 0;
  for (size_t i = np; i-- > 0;) {
    next.len = 0;
    int rc = decode_one(parts[i], lens[i], src, srcn, max_out, &next, err);
    if (rc == 1)
      continue;
    if (rc < 0) {
      sslb__buf_drop(&cur);
      sslb__buf_drop(&next);
      return rc;
    }
    sslb__buf t = cur;
    cur = next;
    next = t;
    src = cur.p ? cur.p : (const uint8_t *)"";
    srcn = cur.len;
    decoded = 1;
  }
  sslb__buf_drop(&next);
  if (!decoded) {
    sslb__buf_drop(&cur);
    return 1;
  }
  sslb__buf_drop(out);
  *out = cur;
  return 0;
}
