#include <stdio.h>
#include <string.h>

#include "internal.h"

const char *sslb_error_name(int code) {
  switch ((sslb_error)code) {
  case SSLB_OK:
    return "OK";
#define XX(name, value, msg)                                                   \
  case SSLB_ERR_##name:                                                        \
    return #name;
    SSLB_ERROR_MAP(XX)
#undef XX
  }
  return "UNKNOWN";
}

const char *sslb_strerror(int code) {
  switch ((sslb_error)code) {
  case SSLB_OK:
    return "success";
#define XX(name, value, msg)                                                   \
  case SSLB_ERR_##name:                                                        \
    return msg;
    SSLB_ERROR_MAP(XX)
#undef XX
  }
  return "unknown error code";
}

int sslb__fail(sslb__err *err, int code, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}

void sslb__err_prefix(sslb__err *err, const char *fmt, ...) {
  if (!err)
    return;
  char prefix[SSLB__ERRLEN], old[SSLB__ERRLEN];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  memcpy(old, err->msg, sizeof old);
  size_t n = strlen(prefix);
  if (n > sizeof err->msg - 3)
    n = sizeof err->msg - 3;
  memcpy(err->msg, prefix, n);
  memcpy(err->msg + n, ": ", 2);
  size_t rest = sizeof err->msg - n - 3, m = strlen(old);
  if (m > rest)
    m = rest;
  memcpy(err->msg + n + 2, old, m);
  err->msg[n + 2 + m] = '\0';
}

void sslb__err_clear(sslb__err *err) {
  if (err)
    err->msg[0] = '\0';
}
