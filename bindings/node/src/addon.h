/*
 * The sslbind Node addon: N-API in C over libsslbind.
 *
 * Every C object reaches JavaScript as an external wrapping a `hnd` (kind,
 * pointer, closed flag). The JavaScript classes in ../lib hold those
 * externals; finalizers free the C objects, and since shared C objects are
 * reference-counted they may run in any order.
 *
 * Threads: only the JS thread touches napi_env. The client's I/O thread
 * reaches JavaScript through thread-safe functions: completions, response
 * heads and body chunks through one per client (client.c), callbacks that
 * C calls synchronously (verify, hostname verifier, connection callback)
 * through one per callback (callbacks.c), with the I/O thread waiting on a
 * condition variable for the answer.
 */
#ifndef SSLB_NODE_ADDON_H
#define SSLB_NODE_ADDON_H

#define NAPI_VERSION 8
#include <node_api.h>

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <sslbind/sslbind.h>

/* Checks the status of an napi_* call. On failure it throws an Error that
 * names the call (unless a JavaScript exception is already pending) and
 * leaves the function. */
#define NAPI_CALL_RET(env, call, ret)                                          \
  do {                                                                         \
    napi_status st_ = (call);                                                  \
    if (st_ != napi_ok) {                                                      \
      ab_napi_fail((env), st_, #call);                                         \
      return ret;                                                              \
    }                                                                          \
  } while (0)
#define NAPI_CALL(env, call) NAPI_CALL_RET(env, call, NULL)
#define NAPI_CALL_VOID(env, call) NAPI_CALL_RET(env, call, )
#define NAPI_CALL_GOTO(env, call, label)                                       \
  do {                                                                         \
    napi_status st_ = (call);                                                  \
    if (st_ != napi_ok) {                                                      \
      ab_napi_fail((env), st_, #call);                                         \
      goto label;                                                              \
    }                                                                          \
  } while (0)

void ab_napi_fail(napi_env env, napi_status st, const char *call);

/* ------------------------------------------------------------- handles */

enum ab_kind {
  K_CERT = 1,
  K_KEYSTORE,
  K_TRUST_BUILDER,
  K_TRUST_MANAGER,
  K_KEY_MANAGER,
  K_SSL_CONTEXT,
  K_CONTEXT_BUILDER,
  K_SOCKET_FACTORY,
  K_SSL_SETTINGS,
  K_ENGINE,
  K_CONTEXT_FACTORY,
  K_CERT_SPEC,
  K_CLIENT,
  K_REQUEST,
  K_RESPONSE,
  K_CONNECTION,
  K_CALLBACK,
  K_COUNT
};

typedef struct cbt cbt;

/* What an external holds. */
typedef struct hnd {
  uint32_t magic;
  int kind;
  void *p;          /* the C object; NULL once freed */
  int closed;       /* close() was called (p may live on for children) */
  int pins;         /* borrowing children still alive */
  int borrowed;     /* p belongs to the parent: never freed here */
  struct hnd *parent;
  napi_ref parent_ref; /* keeps the parent's external alive */
  cbt **keep;       /* callbacks the C object may call */
  size_t nkeep;
} hnd;

#define AB_MAGIC 0x73736c62u /* "sslb" */

const char *ab_kind_name(int kind);
/* Wraps p in a new external; kind decides how it is freed. */
napi_value ab_wrap(napi_env env, int kind, void *p, hnd **out);
/* The hnd of an external of that kind (any kind when kind is 0), or NULL
 * with a TypeError (not a handle) or Error (closed) thrown. */
hnd *ab_hnd(napi_env env, napi_value v, int kind, const char *name);
/* Frees the C object of h (if no child borrows it) and drops its keeps. */
void ab_hnd_release(napi_env env, hnd *h);
/* Adds a reference to every callback of src (a callback or a handle) to
 * dst's keep list. */
void ab_keep_add(hnd *dst, const hnd *src);
void ab_keep_add_cbt(hnd *dst, cbt *t);
void ab_keep_release(cbt **keep, size_t n);

/* -------------------------------------------------------------- errors */

/* Throws the error object the JavaScript error factory makes for a
 * negative sslbind code. Returns NULL. */
napi_value ab_throw_code(napi_env env, int rc, const char *message);
/* Message of the last failed call on a handle of that kind. */
const char *ab_last_error(int kind, const void *p);
/* rc < 0: throws with the handle's message and returns 1. */
int ab_failed(napi_env env, int rc, int kind, const void *p);

/* --------------------------------------------------- argument helpers */

#define AB_MAX_ARGS 10
#define AB_MAX_STRS 10

typedef struct {
  napi_env env;
  size_t argc;
  napi_value argv[AB_MAX_ARGS];
  char *strs[AB_MAX_STRS];
  size_t nstrs;
} ab_args;

int ab_args_get(napi_env env, napi_callback_info info, ab_args *a);
void ab_args_free(ab_args *a);
int ab_is_nullish(ab_args *a, size_t i);
/* Each returns 0 on success, -1 with an exception thrown. Strings are
 * UTF-8 copies freed by ab_args_free; `optional` lets null/undefined give
 * NULL. Bytes are borrowed from a Buffer, TypedArray or ArrayBuffer for the
 * call (or a string's UTF-8 copy). */
int ab_arg_str(ab_args *a, size_t i, const char *name, int optional,
               char **out);
int ab_arg_bytes(ab_args *a, size_t i, const char *name, const uint8_t **p,
                 size_t *len);
int ab_arg_u32(ab_args *a, size_t i, const char *name, uint32_t max,
               uint32_t *out);
int ab_arg_i64(ab_args *a, size_t i, const char *name, int64_t *out);
int ab_arg_bool(ab_args *a, size_t i, const char *name, int *out);
/* The C object of handle argument i; optional: NULL for null/undefined. */
int ab_arg_h(ab_args *a, size_t i, int kind, const char *name, int optional,
             void **out, hnd **h);

napi_value ab_str(napi_env env, const char *s); /* null for NULL */
napi_value ab_int(napi_env env, int64_t v);
napi_value ab_bool(napi_env env, int v);
napi_value ab_undefined(napi_env env);
napi_value ab_null(napi_env env);
int ab_set(napi_env env, napi_value obj, const char *key, napi_value v);

/* A certificate external with a new reference of cert. */
napi_value ab_cert_value(napi_env env, sslb_certificate *cert);
napi_value ab_chain_value(napi_env env, sslb_certificate *const *chain,
                          size_t n);

/* ------------------------------------------------------------ module */

typedef struct {
  napi_ref error_factory;
  pthread_t js_thread;
} ab_state;

ab_state *ab_get_state(napi_env env);

typedef struct {
  const char *name;
  napi_callback fn;
} ab_export;

void ab_objects_exports(const ab_export **list, size_t *n);
void ab_callbacks_exports(const ab_export **list, size_t *n);
void ab_client_exports(const ab_export **list, size_t *n);

/* callbacks.c */
void cbt_ref(cbt *t);
void cbt_unref(cbt *t);
/* client.c: frees a client off the JS thread */
void ab_client_finalize(napi_env env, hnd *h);
/* connection view (the Android callback's argument) */
typedef struct {
  sslb_connection *conn;
  cbt *owner;
} ab_conn_view;
void ab_cbt_hold(cbt *owner, const hnd *src);

#endif
