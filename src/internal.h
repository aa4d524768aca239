/* Shared internals: error detail, guard macros, growable buffers. */
#ifndef SSLB_INTERNAL_H
#define SSLB_INTERNAL_H

#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include <sslbind/sslbind.h>

#define SSLB__MUST_USE __attribute__((warn_unused_result))
#define SSLB__PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Detailed message of the last failure, kept per handle. */
#define SSLB__ERRLEN 4096
typedef struct {
  char msg[SSLB__ERRLEN];
} sslb__err;

/* Records a message and returns code, so `return sslb__fail(...)` reads as
 * one step. A NULL err only returns the code. */
int sslb__fail(sslb__err *err, int code, const char *fmt, ...)
    SSLB__PRINTF(3, 4);
/* Prefixes the existing message with context ("entry 'x': ..."). */
void sslb__err_prefix(sslb__err *err, const char *fmt, ...) SSLB__PRINTF(2, 3);
void sslb__err_clear(sslb__err *err);

/* Runs expr; returns its code from the enclosing function when negative. */
#define SSLB__GUARD(expr)                                                      \
  do {                                                                         \
    int sslb__rc_ = (expr);                                                    \
    if (sslb__rc_ < 0)                                                         \
      return sslb__rc_;                                                        \
  } while (0)

/* Runs expr; on a negative code stores it in rc and jumps to label. */
#define SSLB__GUARD_GOTO(rc, expr, label)                                      \
  do {                                                                         \
    (rc) = (expr);                                                             \
    if ((rc) < 0)                                                              \
      goto label;                                                              \
  } while (0)

/* Growable byte buffer. Allocation failure is sticky: appends become no-ops
 * and sslb__buf_ok() reports it once, at the end. */
typedef struct {
  uint8_t *p;
  size_t len, cap;
  int oom;
} sslb__buf;

void sslb__buf_init(sslb__buf *b);
void sslb__buf_free(sslb__buf *b);       /* wipes before freeing */
/* Frees without wiping: for bytes that were never secret to this library
 * (a response body the caller receives anyway). */
void sslb__buf_drop(sslb__buf *b);
int sslb__buf_reserve(sslb__buf *b, size_t extra) SSLB__MUST_USE;
void sslb__buf_put(sslb__buf *b, const void *p, size_t n);
void sslb__buf_u8(sslb__buf *b, uint8_t v);
void sslb__buf_u16be(sslb__buf *b, uint16_t v);
void sslb__buf_u32be(sslb__buf *b, uint32_t v);
void sslb__buf_u64be(sslb__buf *b, uint64_t v);
void sslb__buf_str(sslb__buf *b, const char *s);
void sslb__buf_printf(sslb__buf *b, const char *fmt, ...) SSLB__PRINTF(2, 3);
/* 0 when every append succeeded, SSLB_ERR_NO_MEMORY otherwise. */
int sslb__buf_ok(const sslb__buf *b) SSLB__MUST_USE;
/* Hands the bytes to the caller (NUL-terminated for convenience). */
uint8_t *sslb__buf_take(sslb__buf *b, size_t *len);

/* Bounded big-endian reader over untrusted bytes. A read past the end sets
 * `short_read` and yields zeros; callers check once per record. */
typedef struct {
  const uint8_t *p;
  size_t len, pos;
  int short_read;
} sslb__rd;

void sslb__rd_init(sslb__rd *r, const uint8_t *p, size_t len);
uint8_t sslb__rd_u8(sslb__rd *r);
uint16_t sslb__rd_u16(sslb__rd *r);
uint32_t sslb__rd_u32(sslb__rd *r);
uint64_t sslb__rd_u64(sslb__rd *r);
/* Returns a pointer to n bytes in place, or NULL (and short_read) when fewer
 * remain: lengths are checked against what is there before anything is
 * allocated. */
const uint8_t *sslb__rd_bytes(sslb__rd *r, size_t n);
size_t sslb__rd_left(const sslb__rd *r);

/* Secure helpers */
void sslb__wipe(void *p, size_t n);
char *sslb__strdup(const char *s);
void sslb__free_secret(char *s); /* wipes a NUL-terminated secret, frees it */
int sslb__read_file(const char *path, uint8_t **data, size_t *len,
                    sslb__err *err) SSLB__MUST_USE;
int sslb__write_file_atomic(const char *path, const uint8_t *data, size_t len,
                            sslb__err *err) SSLB__MUST_USE;

/* A function run on a thread taken from a pool of parked threads (see
 * util/worker.c). Each started task is either joined or detached once. */
typedef struct sslb__task sslb__task;
int sslb__task_start(sslb__task **out, void *(*fn)(void *), void *arg)
    SSLB__MUST_USE;
void sslb__task_join(sslb__task *t); /* waits for fn to return, frees t */
/* The thread running fn frees t when fn returns: for a task that ends
 * itself, such as a client freed from its own callback. */
void sslb__task_detach(sslb__task *t);
int sslb__task_is_current(const sslb__task *t); /* called from inside fn */

/* Limits that keep a lying length field from driving allocations. */
#define SSLB__MAX_ENTRIES 100000u
#define SSLB__MAX_CHAIN 64u
#define SSLB__MAX_KEYSTORE_BYTES (256u * 1024u * 1024u)
/* Times one request is sent again after an HTTP/2 server refused it
 * unprocessed: a server that refuses everything ends in an error, not in a
 * loop that lasts until the request's deadline. */
#define SSLB__MAX_REFUSALS 5u
/* Password-based key derivation iterations accepted from a file (the JDK
 * refuses more than 5,000,000 too); fuzzing builds use a small cap so that
 * the fuzzer explores parsing rather than hashing. */
#ifdef SSLB_FUZZING
#define SSLB__MAX_ITERATIONS 4096u
#else
#define SSLB__MAX_ITERATIONS 5000000u
#endif

#endif
