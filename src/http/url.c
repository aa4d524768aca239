#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <uriparser/Uri.h>

#include "http/url.h"

static size_t range_len(const UriTextRangeA *r) {
  return r->first && r->afterLast ? (size_t)(r->afterLast - r->first) : 0;
}

int sslb__url_parse(sslb__url *u, const char *url, sslb__err *err) {
  u->https = 0;
  u->host[0] = u->authority[0] = 0;
  u->port = 0;
  u->target = NULL;
  UriUriA uri;
  const char *errpos = NULL;
  if (uriParseSingleUriA(&uri, url, &errpos) != URI_SUCCESS)
    return sslb__fail(err, SSLB_ERR_URL, "malformed URL '%.200s' near offset %ld",
                      url, errpos ? (long)(errpos - url) : 0L);
  int rc = 0;
  size_t sl = range_len(&uri.scheme);
  if (sl == 5 && !strncasecmp(uri.scheme.first, "https", 5))
    u->https = 1;
  else if (!(sl == 4 && !strncasecmp(uri.scheme.first, "http", 4))) {
    rc = sslb__fail(err, SSLB_ERR_URL, "URL '%.200s' is not http or https", url);
    goto out;
  }
  size_t hl = range_len(&uri.hostText);
  if (hl == 0 || hl >= sizeof u->host) {
    rc = sslb__fail(err, SSLB_ERR_URL, "URL '%.200s' has no usable host", url);
    goto out;
  }
  if (range_len(&uri.userInfo)) {
    rc = sslb__fail(err, SSLB_ERR_URL,
                    "URL '%.200s' carries user information, which sslbind "
                    "does not send",
                    url);
    goto out;
  }
  for (size_t i = 0; i < hl; i++) {
    char ch = uri.hostText.first[i];
    u->host[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
  }
  u->host[hl] = 0;
  int v6 = uri.hostData.ip6 != NULL || uri.hostData.ipFuture.first != NULL;
  if (v6) {
    uint8_t a[16];
    if (inet_pton(AF_INET6, u->host, a) != 1) {
      rc = sslb__fail(err, SSLB_ERR_URL, "'%s' is not an IPv6 address", u->host);
      goto out;
    }
    inet_ntop(AF_INET6, a, u->host, sizeof u->host); /* canonical form */
  }
  u->port = u->https ? 443 : 80;
  size_t pl = range_len(&uri.portText);
  if (pl) {
    char port[8];
    if (pl > 5) {
      rc = sslb__fail(err, SSLB_ERR_URL, "port of '%.200s' is out of range", url);
      goto out;
    }
    memcpy(port, uri.portText.first, pl);
    port[pl] = 0;
    long p = strtol(port, NULL, 10);
    if (p <= 0 || p > 65535) {
      rc = sslb__fail(err, SSLB_ERR_URL, "port %s is out of range", port);
      goto out;
    }
    u->port = (unsigned)p;
  }
  /* host[:port], bracketed for IPv6; written by hand: two snprintf calls
   * were a third of parsing a URL. authority has room for the 255-byte
   * host, the brackets and ":65535". */
  char *a = u->authority;
  size_t hlen = strlen(u->host);
  if (v6)
    *a++ = '[';
  memcpy(a, u->host, hlen);
  a += hlen;
  if (v6)
    *a++ = ']';
  if (u->port != (u->https ? 443u : 80u)) {
    char digits[6];
    int nd = 0;
    for (unsigned p = u->port; p; p /= 10)
      digits[nd++] = (char)('0' + p % 10);
    *a++ = ':';
    while (nd)
      *a++ = digits[--nd];
  }
  *a = 0;
  /* target: everything from the path on, minus the fragment. uriparser
   * has validated the whole URL, so the authority ends at the first '/',
   * '?' or '#' after "scheme://" (brackets hold none of them). */
  const char *start = url + sl + 3;
  start += strcspn(start, "/?#");
  size_t tl = strcspn(start, "#");
  int need_slash = *start != '/';
  u->target = malloc(tl + 2);
  if (!u->target) {
    rc = sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
    goto out;
  }
  size_t o = 0;
  if (need_slash)
    u->target[o++] = '/';
  memcpy(u->target + o, start, tl);
  u->target[o + tl] = 0;
  for (char *c = u->target; *c; c++)
    if ((unsigned char)*c <= 0x20 || *c == 0x7f) {
      rc = sslb__fail(err, SSLB_ERR_URL,
                      "URL path contains a space or control character: "
                      "percent-encode it");
      goto out;
    }
out:
  uriFreeUriMembersA(&uri);
  if (rc < 0)
    sslb__url_free(u);
  return rc;
}

void sslb__url_free(sslb__url *u) {
  free(u->target);
  u->target = NULL;
}
