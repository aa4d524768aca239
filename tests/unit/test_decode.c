/* Content decoding: gzip, zlib and raw deflate, brotli, lists of codings,
 * corrupt and truncated bodies, and bombs that expand past the limit. */
#include <brotli/encode.h>
#include <criterion/criterion.h>
#include <string.h>
#include <zlib.h>

#include "http/decode.h"
#include "support.h"

static sslb__buf gz(const uint8_t *p, size_t n, int window) {
  sslb__buf b;
  sslb__buf_init(&b);
  z_stream z;
  memset(&z, 0, sizeof z);
  cr_assert_eq(deflateInit2(&z, 9, Z_DEFLATED, window, 8, Z_DEFAULT_STRATEGY), Z_OK);
  cr_assert_eq(sslb__buf_reserve(&b, deflateBound(&z, n)), 0);
  z.next_in = (Bytef *)p;
  z.avail_in = (uInt)n;
  z.next_out = b.p;
  z.avail_out = (uInt)b.cap - 1;
  cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
  b.len = z.total_out;
  deflateEnd(&z);
  return b;
}

static sslb__buf br(const uint8_t *p, size_t n) {
  sslb__buf b;
  sslb__buf_init(&b);
  size_t cap = BrotliEncoderMaxCompressedSize(n) + 16;
  cr_assert_eq(sslb__buf_reserve(&b, cap), 0);
  size_t out = cap;
  cr_assert(BrotliEncoderCompress(5, 22, BROTLI_MODE_GENERIC, n, p, &out, b.p));
  b.len = out;
  return b;
}

static const char TEXT[] = "The quick brown fox jumps over the lazy dog. "
                           "The quick brown fox jumps over the lazy dog.";

static void round_trip(const char *enc, sslb__buf packed) {
  sslb__buf out;
  sslb__buf_init(&out);
  sslb__err err = {{0}};
  cr_assert_eq(sslb__decode(enc, packed.p, packed.len, 1 << 20, &out, &err), 0, "%s: %s",
               enc, err.msg);
  cr_assert_eq(out.len, strlen(TEXT));
  cr_assert_arr_eq(out.p, TEXT, out.len);
  sslb__buf_free(&out);
  sslb__buf_free(&packed);
}

Test(decode, each_coding) {
  const uint8_t *t = (const uint8_t *)TEXT;
  round_trip("gzip", gz(t, strlen(TEXT), 16 + MAX_WBITS));
  round_trip("x-gzip", gz(t, strlen(TEXT), 16 + MAX_WBITS));
  round_trip("deflate", gz(t, strlen(TEXT), MAX_WBITS));
  round_trip("deflate", gz(t, strlen(TEXT), -MAX_WBITS)); /* raw, as some send */
  round_trip("br", br(t, strlen(TEXT)));
  round_trip("BR", br(t, strlen(TEXT)));
}

Test(decode, lists_are_undone_right_to_left) {
  sslb__buf inner = gz((const uint8_t *)TEXT, strlen(TEXT), 16 + MAX_WBITS);
  sslb__buf outer = br(inner.p, inner.len);
  sslb__buf_free(&inner);
  round_trip("gzip, br", outer);
}

Test(decode, identity_and_absent_leave_the_body) {
  sslb__buf out;
  sslb__buf_init(&out);
  sslb__err err = {{0}};
  cr_assert_eq(sslb__decode(NULL, (const uint8_t *)"x", 1, 10, &out, &err), 1);
  cr_assert_eq(sslb__decode("identity", (const uint8_t *)"x", 1, 10, &out, &err), 1);
  cr_assert_eq(out.len, 0);
}

Test(decode, unknown_coding) {
  sslb__buf out;
  sslb__buf_init(&out);
  sslb__err err = {{0}};
  cr_assert_eq(sslb__decode("zstd", (const uint8_t *)"x", 1, 10, &out, &err),
               SSLB_ERR_UNSUPPORTED);
  cr_assert(strstr(err.msg, "zstd"), "%s", err.msg);
}

Test(decode, corrupt_and_truncated) {
  sslb__buf g = gz((const uint8_t *)TEXT, strlen(TEXT), 16 + MAX_WBITS);
  sslb__buf b = br((const uint8_t *)TEXT, strlen(TEXT));
  sslb__err err = {{0}};
  for (size_t cut = 0; cut < g.len; cut++) {
    sslb__buf out;
    sslb__buf_init(&out);
    int rc = sslb__decode("gzip", g.p, cut, 1 << 20, &out, &err);
    cr_assert_eq(rc, SSLB_ERR_PROTOCOL, "gzip cut at %zu gave %d", cut, rc);
    sslb__buf_free(&out);
  }
  for (size_t cut = 0; cut < b.len; cut++) {
    sslb__buf out;
    sslb__buf_init(&out);
    int rc = sslb__decode("br", b.p, cut, 1 << 20, &out, &err);
    cr_assert_eq(rc, SSLB_ERR_PROTOCOL, "br cut at %zu gave %d", cut, rc);
    sslb__buf_free(&out);
  }
  g.p[g.len / 2] ^= 0x55;
  sslb__buf out;
  sslb__buf_init(&out);
  cr_assert_lt(sslb__decode("gzip", g.p, g.len, 1 << 20, &out, &err), 0);
  sslb__buf_free(&out);
  sslb__buf_free(&g);
  sslb__buf_free(&b);
}

Test(decode, bombs_stop_at_the_limit) {
  size_t big = 8u << 20; /* 8 MiB of zeros compress to ~8 KiB */
  uint8_t *zeros = calloc(1, big);
  cr_assert_not_null(zeros);
  sslb__buf g = gz(zeros, big, 16 + MAX_WBITS);
  sslb__buf b = br(zeros, big);
  free(zeros);
  cr_assert_lt(g.len, 64u << 10);
  sslb__err err = {{0}};
  sslb__buf out;
  sslb__buf_init(&out);
  cr_assert_eq(sslb__decode("gzip", g.p, g.len, 1 << 20, &out, &err), SSLB_ERR_TOO_LARGE);
  cr_assert(strstr(err.msg, "limit"), "%s", err.msg);
  cr_assert_eq(sslb__decode("br", b.p, b.len, 1 << 20, &out, &err), SSLB_ERR_TOO_LARGE);
  cr_assert_eq(out.len, 0, "nothing is handed back on failure");
  sslb__buf_free(&g);
  sslb__buf_free(&b);
}
