/* URLs as requests need them, parsed with uriparser. */
#ifndef SSLB_URL_H
#define SSLB_URL_H

#include "internal.h"

typedef struct {
  int https;
  char host[256];   /* without brackets; lower-case */
  unsigned port;
  char *target;     /* path and query, at least "/" (malloc'd) */
  char authority[300]; /* host[:port] as sent in Host / :authority */
} sslb__url;

int sslb__url_parse(sslb__url *u, const char *url, sslb__err *err)
    SSLB__MUST_USE;
void sslb__url_free(sslb__url *u);

#endif
