/* Text encodings used by keystore formats. */
#ifndef SSLB_TEXT_H
#define SSLB_TEXT_H

#include "internal.h"

/* Java's modified UTF-8 (writeUTF) to standard UTF-8. Rejects malformed
 * input, unpaired surrogates and U+0000 (which a C string cannot carry).
 * Returns a malloc'd string or NULL. */
char *sslb__mutf8_to_utf8(const uint8_t *p, size_t n, int *rc);
/* Standard UTF-8 to Java modified UTF-8, appended to b. Returns 0 or
 * SSLB_ERR_INVALID_ARGUMENT for malformed UTF-8. */
int sslb__utf8_to_mutf8(sslb__buf *b, const char *s) SSLB__MUST_USE;
/* UTF-8 to UTF-16 big-endian code units (Java's char[] password bytes). */
int sslb__utf8_to_utf16be(sslb__buf *b, const char *s) SSLB__MUST_USE;
/* Validates UTF-8 (no overlongs, no surrogates). */
int sslb__utf8_valid(const char *s);
/* Lower-cases ASCII letters in place (JKS alias normalisation). */
void sslb__ascii_lower(char *s);
int sslb__ascii_casecmp(const char *a, const char *b);
/* Appends hex: upper-case pairs joined by sep (0 for none). */
void sslb__hex(sslb__buf *b, const uint8_t *p, size_t n, int upper, char sep);
void sslb__base64(sslb__buf *b, const uint8_t *p, size_t n);

#endif
