/* Content decoding of complete bodies: gzip, deflate (zlib or raw) and
 * brotli, with the output bounded so that a compression bomb is refused. */
#ifndef SSLB_DECODE_H
#define SSLB_DECODE_H

#include "internal.h"

/* Decodes `in` according to a Content-Encoding value (a list applied left
 * to right is undone right to left). Returns 0 with out filled, 1 when the
 * encoding is identity/absent (out untouched), SSLB_ERR_TOO_LARGE past
 * max_out, SSLB_ERR_PROTOCOL for corrupt data, SSLB_ERR_UNSUPPORTED for an
 * unknown coding. */
int sslb__decode(const char *encoding, const uint8_t *in, size_t n,
                 size_t max_out, sslb__buf *out, sslb__err *err)
    SSLB__MUST_USE;

#endif
