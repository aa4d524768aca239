#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

void sslb__buf_init(sslb__buf *b) { memset(b, 0, sizeof *b); }

void sslb__buf_free(sslb__buf *b) {
  if (b->p) {
    sslb__wipe(b->p, b->cap);
    free(b->p);
  }
  sslb__buf_init(b);
}

void sslb__buf_drop(sslb__buf *b) {
  free(b->p);
  sslb__buf_init(b);
}

int sslb__buf_reserve(sslb__buf *b, size_t extra) {
  if (b->oom)
    return SSLB_ERR_NO_MEMORY;
  /* one byte more than asked: appends keep the data NUL-terminated */
  if (extra < b->cap - b->len)
    return 0;
  if (extra > SIZE_MAX / 2 - b->len - 1) {
    b->oom = 1;
    return SSLB_ERR_NO_MEMORY;
  }
  size_t cap = b->cap ? b->cap : 64;
  while (cap - b->len < extra + 1)
    cap *= 2;
  /* Not realloc: the old block may hold secrets and must be wiped. */
  uint8_t *p = malloc(cap);
  if (!p) {
    b->oom = 1;
    return SSLB_ERR_NO_MEMORY;
  }
  if (b->p) {
    memcpy(p, b->p, b->len);
    sslb__wipe(b->p, b->cap);
    free(b->p);
  }
  b->p = p;
  b->cap = cap;
  return 0;
}

void sslb__buf_put(sslb__buf *b, const void *p, size_t n) {
  if (sslb__buf_reserve(b, n) < 0)
    return;
  if (n)
    memcpy(b->p + b->len, p, n);
  b->len += n;
  b->p[b->len] = 0;
}

void sslb__buf_u8(sslb__buf *b, uint8_t v) { sslb__buf_put(b, &v, 1); }

void sslb__buf_u16be(sslb__buf *b, uint16_t v) {
  uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
  sslb__buf_put(b, x, 2);
}

void sslb__buf_u32be(sslb__buf *b, uint32_t v) {
  uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
                  (uint8_t)v};
  sslb__buf_put(b, x, 4);
}

void sslb__buf_u64be(sslb__buf *b, uint64_t v) {
  sslb__buf_u32be(b, (uint32_t)(v >> 32));
  sslb__buf_u32be(b, (uint32_t)v);
}

void sslb__buf_str(sslb__buf *b, const char *s) {
  sslb__buf_put(b, s, strlen(s));
}

void sslb__buf_printf(sslb__buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || sslb__buf_reserve(b, (size_t)n + 1) < 0)
    return;
  va_start(ap, fmt);
  vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

int sslb__buf_ok(const sslb__buf *b) {
  return b->oom ? SSLB_ERR_NO_MEMORY : 0;
}

uint8_t *sslb__buf_take(sslb__buf *b, size_t *len) {
  if (sslb__buf_reserve(b, 0) < 0 || (!b->p && sslb__buf_reserve(b, 1) < 0))
    return NULL;
  uint8_t *p = b->p;
  if (len)
    *len = b->len;
  p[b->len] = 0;
  sslb__buf_init(b);
  return p;
}

void sslb__rd_init(sslb__rd *r, const uint8_t *p, size_t len) {
  r->p = p;
  r->len = len;
  r->pos = 0;
  r->short_read = 0;
}

size_t sslb__rd_left(const sslb__rd *r) { return r->len - r->pos; }

const uint8_t *sslb__rd_bytes(sslb__rd *r, size_t n) {
  if (r->short_read || n > r->len - r->pos) {
    r->short_read = 1;
    r->pos = r->len;
    return NULL;
  }
  const uint8_t *p = r->p + r->pos;
  r->pos += n;
  return p;
}

uint8_t sslb__rd_u8(sslb__rd *r) {
  const uint8_t *p = sslb__rd_bytes(r, 1);
  return p ? p[0] : 0;
}

uint16_t sslb__rd_u16(sslb__rd *r) {
  const uint8_t *p = sslb__rd_bytes(r, 2);
  return p ? (uint16_t)((p[0] << 8) | p[1]) : 0;
}

uint32_t sslb__rd_u32(sslb__rd *r) {
  const uint8_t *p = sslb__rd_bytes(r, 4);
  return p ? ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
                 ((uint32_t)p[2] << 8) | p[3]
           : 0;
}

uint64_t sslb__rd_u64(sslb__rd *r) {
  uint64_t hi = sslb__rd_u32(r);
  return (hi << 32) | sslb__rd_u32(r);
}

void sslb__wipe(void *p, size_t n) {
  if (!p || !n)
    return;
  volatile uint8_t *v = p;
  while (n--)
    *v++ = 0;
}

char *sslb__strdup(const char *s) {
  if (!s)
    return NULL;
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d)
    memcpy(d, s, n);
  return d;
}

void sslb__free_secret(char *s) {
  if (!s)
    return;
  sslb__wipe(s, strlen(s));
  free(s);
}

int sslb__read_file(const char *path, uint8_t **data, size_t *len,
                    sslb__err *err) {
  *data = NULL;
  *len = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return sslb__fail(err, SSLB_ERR_IO, "cannot open '%s': %s", path,
                      strerror(errno));
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return sslb__fail(err, SSLB_ERR_IO, "'%s' is not a regular file", path);
  }
  if ((uint64_t)st.st_size > SSLB__MAX_KEYSTORE_BYTES) {
    close(fd);
    return sslb__fail(err, SSLB_ERR_LIMIT,
                      "'%s' is %lld bytes, more than the %u-byte limit", path,
                      (long long)st.st_size, SSLB__MAX_KEYSTORE_BYTES);
  }
  size_t cap = (size_t)st.st_size + 1, n = 0;
  uint8_t *p = malloc(cap);
  if (!p) {
    close(fd);
    return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory reading '%s'",
                      path);
  }
  for (;;) {
    if (n == cap - 1)
      break; /* file grew while reading: keep what stat promised */
    ssize_t r = read(fd, p + n, cap - 1 - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      int e = errno;
      close(fd);
      sslb__wipe(p, n);
      free(p);
      return sslb__fail(err, SSLB_ERR_IO, "cannot read '%s': %s", path,
                        strerror(e));
    }
    if (r == 0)
      break;
    n += (size_t)r;
  }
  close(fd);
  p[n] = 0;
  *data = p;
  *len = n;
  return 0;
}

int sslb__write_file_atomic(const char *path, const uint8_t *data, size_t len,
                            sslb__err *err) {
  size_t plen = strlen(path);
  char *tmp = malloc(plen + 16);
  if (!tmp)
    return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
  memcpy(tmp, path, plen);
  memcpy(tmp + plen, ".tmp-XXXXXX", 12);
  int fd = mkostemp(tmp, O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    free(tmp);
    return sslb__fail(err, SSLB_ERR_IO, "cannot create a file beside '%s': %s",
                      path, strerror(e));
  }
  (void)fchmod(fd, 0600);
  size_t off = 0;
  while (off < len) {
    ssize_t w = write(fd, data + off, len - off);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      goto fail;
    off += (size_t)w;
  }
  if (fsync(fd) < 0)
    goto fail;
  if (close(fd) < 0) {
    fd = -1;
    goto fail;
  }
  fd = -1;
  if (rename(tmp, path) < 0)
    goto fail;
  free(tmp);
  return 0;
fail:;
  int e = errno;
  if (fd >= 0)
    close(fd);
  unlink(tmp);
  free(tmp);
  return sslb__fail(err, SSLB_ERR_IO, "cannot write '%s': %s", path,
                    strerror(e));
}
