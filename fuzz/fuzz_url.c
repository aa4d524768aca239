/* libFuzzer target: URL parsing (uriparser beneath) as a request takes a
 * URL, and what a parsed URL promises: a host, a port, a target that
 * starts with '/' and holds no space or control byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  if (!s)
    return 0;
  memcpy(s, data, size);
  s[size] = 0; /* a C string: what follows a NUL is not part of it */
  sslb__url u;
  sslb__err err;
  err.msg[0] = 0;
  if (sslb__url_parse(&u, s, &err) == 0) {
    if (!u.host[0] || u.port == 0 || u.port > 65535 || !u.target || u.target[0] != '/' ||
        !u.authority[0])
      abort();
    for (const char *c = u.target; *c; c++)
      if ((unsigned char)*c <= 0x20 || *c == 0x7f)
        abort();
    sslb__url_free(&u);
  } else if (!err.msg[0]) {
    abort(); /* every refusal says why */
  }
  free(s);
  return 0;
}
