/* libFuzzer target: content decoding of response bodies (zlib, brotli)
 * under a 1 MiB output bound. The first byte picks the Content-Encoding;
 * the rest is the body. Output never passes the bound; every failure is
 * one of the documented codes and says why. */
#include <stdint.h>
#include <stdlib.h>

#include "http/decode.h"

static const char *const CODINGS[] = {"gzip", "deflate", "br", "gzip, br",
                                      "deflate, gzip", "x-gzip", "identity",
                                      "compress"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  const char *enc = CODINGS[data[0] % (sizeof CODINGS / sizeof CODINGS[0])];
  const size_t max = 1u << 20;
  sslb__buf out;
  sslb__buf_init(&out);
  sslb__err err;
  err.msg[0] = 0;
  int rc = sslb__decode(enc, data + 1, size - 1, max, &out, &err);
  if (rc == 0 && out.len > max)
    abort();
  if (rc < 0 && rc != SSLB_ERR_TOO_LARGE && rc != SSLB_ERR_PROTOCOL &&
      rc != SSLB_ERR_UNSUPPORTED && rc != SSLB_ERR_NO_MEMORY)
    abort();
  if (rc < 0 && !err.msg[0])
    abort();
  sslb__buf_free(&out);
  return 0;
}
