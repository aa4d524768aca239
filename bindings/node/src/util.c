/* N-API helpers: checked calls, handles (externals), errors, arguments. */
#include "addon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ab_napi_fail(napi_env env, napi_status st, const char *call) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending)
    return;
  const napi_extended_error_info *info = NULL;
  const char *why = NULL;
  if (napi_get_last_error_info(env, &info) == napi_ok && info &&
      info->error_message)
    why = info->error_message;
  char msg[512];
  snprintf(msg, sizeof msg, "%s failed: %s (napi_status %d)", call,
           why ? why : "unknown error", (int)st);
  napi_throw_error(env, "ERR_SSLBIND_NAPI", msg);
}

/* ------------------------------------------------------------- handles */

static const char *const kind_names[K_COUNT] = {
    [K_CERT] = "Certificate",
    [K_KEYSTORE] = "KeyStore",
    [K_TRUST_BUILDER] = "TrustBuilder",
    [K_TRUST_MANAGER] = "TrustManager",
    [K_KEY_MANAGER] = "KeyManager",
    [K_SSL_CONTEXT] = "SSLContext",
    [K_CONTEXT_BUILDER] = "SSLContext builder",
    [K_SOCKET_FACTORY] = "SocketFactory",
    [K_SSL_SETTINGS] = "SslSettings",
    [K_ENGINE] = "engine",
    [K_CONTEXT_FACTORY] = "SslContextFactory",
    [K_CERT_SPEC] = "certificate spec",
    [K_CLIENT] = "HttpClient",
    [K_REQUEST] = "request",
    [K_RESPONSE] = "Response",
    [K_CONNECTION] = "Connection",
    [K_CALLBACK] = "callback",
};

const char *ab_kind_name(int kind) {
  return kind > 0 && kind < K_COUNT ? kind_names[kind] : "handle";
}

void ab_keep_release(cbt **keep, size_t n) {
  for (size_t i = 0; i < n; i++)
    cbt_unref(keep[i]);
  free(keep);
}

void ab_keep_add_cbt(hnd *dst, cbt *t) {
  for (size_t i = 0; i < dst->nkeep; i++)
    if (dst->keep[i] == t)
      return;
  cbt **k = realloc(dst->keep, (dst->nkeep + 1) * sizeof *k);
  if (!k)
    return; /* the callback then lives only as long as its JS owner */
  dst->keep = k;
  cbt_ref(t);
  dst->keep[dst->nkeep++] = t;
}

void ab_keep_add(hnd *dst, const hnd *src) {
  if (!src || src == dst)
    return;
  if (src->kind == K_CALLBACK && src->p)
    ab_keep_add_cbt(dst, src->p);
  for (size_t i = 0; i < src->nkeep; i++)
    ab_keep_add_cbt(dst, src->keep[i]);
}

static void free_object(int kind, void *p) {
  switch (kind) {
  case K_CERT: sslb_certificate_free(p); break;
  case K_KEYSTORE: sslb_keystore_free(p); break;
  case K_TRUST_BUILDER: sslb_trust_builder_free(p); break;
  case K_TRUST_MANAGER: sslb_trust_manager_free(p); break;
  case K_KEY_MANAGER: sslb_key_manager_free(p); break;
  case K_SSL_CONTEXT: sslb_ssl_context_free(p); break;
  case K_CONTEXT_BUILDER: sslb_ssl_context_builder_free(p); break;
  case K_SOCKET_FACTORY: sslb_socket_factory_free(p); break;
  case K_SSL_SETTINGS: sslb_ssl_settings_free(p); break;
  case K_ENGINE: sslb_engine_free(p); break;
  case K_CONTEXT_FACTORY: sslb_ssl_context_factory_free(p); break;
  case K_CERT_SPEC: sslb_cert_spec_free(p); break;
  case K_CONNECTION: free(p); break;
  default: break; /* clients, requests, responses, callbacks: their modules */
  }
}

void ab_hnd_release(napi_env env, hnd *h) {
  if (!h->p || h->pins > 0)
    return; /* a borrowing child still uses it: freed with the last one */
  if (!h->borrowed)
    free_object(h->kind, h->p);
  h->p = NULL;
  ab_keep_release(h->keep, h->nkeep);
  h->keep = NULL;
  h->nkeep = 0;
  hnd *parent = h->parent;
  if (parent) {
    h->parent = NULL;
    parent->pins--;
    if (parent->closed)
      ab_hnd_release(env, parent);
    if (h->parent_ref) {
      napi_delete_reference(env, h->parent_ref);
      h->parent_ref = NULL;
    }
  }
}

static void hnd_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  hnd *h = data;
  h->closed = 1;
  if (h->kind == K_CLIENT) {
    ab_client_finalize(env, h);
  } else if (h->kind == K_CALLBACK || h->kind == K_RESPONSE ||
             h->kind == K_REQUEST) {
    extern void ab_special_finalize(napi_env env, hnd * h);
    ab_special_finalize(env, h);
  } else {
    h->pins = 0; /* a finalized external has no living children */
    ab_hnd_release(env, h);
  }
  h->magic = 0;
  free(h);
}

napi_value ab_wrap(napi_env env, int kind, void *p, hnd **out) {
  hnd *h = calloc(1, sizeof *h);
  if (!h) {
    napi_throw_error(env, "ERR_SSLBIND_NO_MEMORY", "out of memory");
    return NULL;
  }
  h->magic = AB_MAGIC;
  h->kind = kind;
  h->p = p;
  napi_value v;
  napi_status st = napi_create_external(env, h, hnd_finalize, NULL, &v);
  if (st != napi_ok) {
    free(h);
    ab_napi_fail(env, st, "napi_create_external");
    return NULL;
  }
  if (out)
    *out = h;
  return v;
}

hnd *ab_hnd(napi_env env, napi_value v, int kind, const char *name) {
  napi_valuetype t;
  NAPI_CALL(env, napi_typeof(env, v, &t));
  char msg[200];
  if (t != napi_external) {
    snprintf(msg, sizeof msg, "%s must be a %s", name, ab_kind_name(kind));
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return NULL;
  }
  hnd *h;
  NAPI_CALL(env, napi_get_value_external(env, v, (void **)&h));
  if (!h || h->magic != AB_MAGIC || (kind && h->kind != kind)) {
    snprintf(msg, sizeof msg, "%s must be a %s%s%s", name, ab_kind_name(kind),
             h && h->magic == AB_MAGIC ? ", not a " : "",
             h && h->magic == AB_MAGIC ? ab_kind_name(h->kind) : "");
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return NULL;
  }
  if (h->closed || !h->p) {
    snprintf(msg, sizeof msg, "this %s is closed", ab_kind_name(h->kind));
    napi_throw_error(env, "ERR_SSLBIND_CLOSED", msg);
    return NULL;
  }
  return h;
}

/* -------------------------------------------------------------- errors */

ab_state *ab_get_state(napi_env env) {
  ab_state *s = NULL;
  napi_get_instance_data(env, (void **)&s);
  return s;
}

napi_value ab_throw_code(napi_env env, int rc, const char *message) {
  if (!message || !*message)
    message = sslb_strerror(rc);
  ab_state *s = ab_get_state(env);
  napi_value factory = NULL, args[3], err = NULL;
  if (s && s->error_factory &&
      napi_get_reference_value(env, s->error_factory, &factory) == napi_ok &&
      factory && napi_create_int32(env, rc, &args[0]) == napi_ok &&
      napi_create_string_utf8(env, sslb_error_name(rc), NAPI_AUTO_LENGTH,
                              &args[1]) == napi_ok &&
      napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &args[2]) ==
          napi_ok) {
    napi_value undef;
    napi_get_undefined(env, &undef);
    if (napi_call_function(env, undef, factory, 3, args, &err) != napi_ok)
      return NULL; /* the factory threw: that exception is pending */
  }
  if (err) {
    napi_throw(env, err);
  } else {
    char msg[1024];
    snprintf(msg, sizeof msg, "%s: %s", sslb_error_name(rc), message);
    napi_throw_error(env, sslb_error_name(rc), msg);
  }
  return NULL;
}

const char *ab_last_error(int kind, const void *p) {
  if (!p)
    return "";
  switch (kind) {
  case K_KEYSTORE: return sslb_keystore_last_error(p);
  case K_TRUST_BUILDER: return sslb_trust_builder_last_error(p);
  case K_CONTEXT_BUILDER: return sslb_ssl_context_builder_last_error(p);
  case K_SSL_SETTINGS: return sslb_ssl_settings_last_error(p);
  case K_ENGINE: return sslb_engine_last_error(p);
  case K_CONTEXT_FACTORY: return sslb_ssl_context_factory_last_error(p);
  case K_CERT_SPEC: return sslb_cert_spec_last_error(p);
  case K_REQUEST: return sslb_request_last_error(p);
  default: return "";
  }
}

int ab_failed(napi_env env, int rc, int kind, const void *p) {
  if (rc >= 0)
    return 0;
  ab_throw_code(env, rc, ab_last_error(kind, p));
  return 1;
}

/* --------------------------------------------------- argument helpers */

int ab_args_get(napi_env env, napi_callback_info info, ab_args *a) {
  memset(a, 0, sizeof *a);
  a->env = env;
  a->argc = AB_MAX_ARGS;
  NAPI_CALL_RET(env,
                napi_get_cb_info(env, info, &a->argc, a->argv, NULL, NULL), 0);
  if (a->argc > AB_MAX_ARGS)
    a->argc = AB_MAX_ARGS;
  return 1;
}

void ab_args_free(ab_args *a) {
  for (size_t i = 0; i < a->nstrs; i++) {
    if (a->strs[i]) {
      /* may hold a password: wipe before release */
      volatile char *s = a->strs[i];
      while (*s)
        *s++ = 0;
      free(a->strs[i]);
    }
  }
  a->nstrs = 0;
}

static napi_valuetype arg_type(ab_args *a, size_t i) {
  napi_valuetype t = napi_undefined;
  if (i < a->argc)
    napi_typeof(a->env, a->argv[i], &t);
  return t;
}

int ab_is_nullish(ab_args *a, size_t i) {
  napi_valuetype t = arg_type(a, i);
  return t == napi_undefined || t == napi_null;
}

static int type_error(ab_args *a, const char *name, const char *what) {
  char msg[200];
  snprintf(msg, sizeof msg, "%s must be %s", name, what);
  napi_throw_type_error(a->env, "ERR_INVALID_ARG_TYPE", msg);
  return -1;
}

int ab_arg_str(ab_args *a, size_t i, const char *name, int optional,
               char **out) {
  *out = NULL;
  napi_valuetype t = arg_type(a, i);
  if (optional && (t == napi_undefined || t == napi_null))
    return 0;
  if (t != napi_string)
    return type_error(a, name, optional ? "a string or null" : "a string");
  if (a->nstrs >= AB_MAX_STRS) {
    napi_throw_error(a->env, NULL, "too many string arguments");
    return -1;
  }
  size_t len;
  NAPI_CALL_RET(a->env,
                napi_get_value_string_utf8(a->env, a->argv[i], NULL, 0, &len),
                -1);
  char *s = malloc(len + 1);
  if (!s) {
    napi_throw_error(a->env, NULL, "out of memory");
    return -1;
  }
  a->strs[a->nstrs++] = s;
  NAPI_CALL_RET(a->env,
                napi_get_value_string_utf8(a->env, a->argv[i], s, len + 1,
                                           &len),
                -1);
  if (strlen(s) != len)
    return type_error(a, name, "a string without NUL characters");
  *out = s;
  return 0;
}

int ab_arg_bytes(ab_args *a, size_t i, const char *name, const uint8_t **p,
                 size_t *len) {
  *p = NULL;
  *len = 0;
  if (i >= a->argc)
    return type_error(a, name, "a Buffer, Uint8Array or string");
  napi_value v = a->argv[i];
  bool is;
  void *data = NULL;
  NAPI_CALL_RET(a->env, napi_is_buffer(a->env, v, &is), -1);
  if (is) {
    NAPI_CALL_RET(a->env, napi_get_buffer_info(a->env, v, &data, len), -1);
    *p = data ? data : (const uint8_t *)"";
    return 0;
  }
  NAPI_CALL_RET(a->env, napi_is_typedarray(a->env, v, &is), -1);
  if (is) {
    napi_typedarray_type tt;
    size_t n, off;
    napi_value ab;
    NAPI_CALL_RET(a->env,
                  napi_get_typedarray_info(a->env, v, &tt, &n, &data, &ab,
                                           &off),
                  -1);
    size_t unit = tt == napi_uint16_array || tt == napi_int16_array ? 2
                  : tt == napi_uint32_array || tt == napi_int32_array ||
                          tt == napi_float32_array
                      ? 4
                  : tt == napi_float64_array || tt == napi_bigint64_array ||
                          tt == napi_biguint64_array
                      ? 8
                      : 1;
    *len = n * unit;
    *p = data ? data : (const uint8_t *)"";
    return 0;
  }
  NAPI_CALL_RET(a->env, napi_is_arraybuffer(a->env, v, &is), -1);
  if (is) {
    NAPI_CALL_RET(a->env, napi_get_arraybuffer_info(a->env, v, &data, len),
                  -1);
    *p = data ? data : (const uint8_t *)"";
    return 0;
  }
  if (arg_type(a, i) == napi_string) {
    char *s;
    if (ab_arg_str(a, i, name, 0, &s) < 0)
      return -1;
    *p = (const uint8_t *)s;
    *len = strlen(s);
    return 0;
  }
  return type_error(a, name, "a Buffer, Uint8Array or string");
}

int ab_arg_u32(ab_args *a, size_t i, const char *name, uint32_t max,
               uint32_t *out) {
  if (arg_type(a, i) != napi_number)
    return type_error(a, name, "a number");
  double d;
  NAPI_CALL_RET(a->env, napi_get_value_double(a->env, a->argv[i], &d), -1);
  if (!(d >= 0 && d <= (double)max) || d != (double)(uint64_t)d) {
    char msg[200];
    snprintf(msg, sizeof msg, "%s must be an integer from 0 to %u", name, max);
    napi_throw_range_error(a->env, "ERR_OUT_OF_RANGE", msg);
    return -1;
  }
  *out = (uint32_t)d;
  return 0;
}

int ab_arg_i64(ab_args *a, size_t i, const char *name, int64_t *out) {
  if (arg_type(a, i) != napi_number)
    return type_error(a, name, "a number");
  double d;
  NAPI_CALL_RET(a->env, napi_get_value_double(a->env, a->argv[i], &d), -1);
  if (!(d >= -9007199254740991.0 && d <= 9007199254740991.0)) {
    char msg[200];
    snprintf(msg, sizeof msg, "%s must be a safe integer", name);
    napi_throw_range_error(a->env, "ERR_OUT_OF_RANGE", msg);
    return -1;
  }
  *out = (int64_t)d;
  return 0;
}

int ab_arg_bool(ab_args *a, size_t i, const char *name, int *out) {
  if (arg_type(a, i) != napi_boolean)
    return type_error(a, name, "a boolean");
  bool b;
  NAPI_CALL_RET(a->env, napi_get_value_bool(a->env, a->argv[i], &b), -1);
  *out = b;
  return 0;
}

int ab_arg_h(ab_args *a, size_t i, int kind, const char *name, int optional,
             void **out, hnd **hout) {
  *out = NULL;
  if (hout)
    *hout = NULL;
  if (optional && ab_is_nullish(a, i))
    return 0;
  if (i >= a->argc)
    return type_error(a, name, ab_kind_name(kind));
  hnd *h = ab_hnd(a->env, a->argv[i], kind, name);
  if (!h)
    return -1;
  *out = h->p;
  if (hout)
    *hout = h;
  return 0;
}

napi_value ab_str(napi_env env, const char *s) {
  napi_value v;
  if (!s)
    NAPI_CALL(env, napi_get_null(env, &v));
  else
    NAPI_CALL(env, napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v));
  return v;
}

napi_value ab_int(napi_env env, int64_t n) {
  napi_value v;
  NAPI_CALL(env, napi_create_int64(env, n, &v));
  return v;
}

napi_value ab_bool(napi_env env, int b) {
  napi_value v;
  NAPI_CALL(env, napi_get_boolean(env, b != 0, &v));
  return v;
}

napi_value ab_undefined(napi_env env) {
  napi_value v;
  NAPI_CALL(env, napi_get_undefined(env, &v));
  return v;
}

napi_value ab_null(napi_env env) {
  napi_value v;
  NAPI_CALL(env, napi_get_null(env, &v));
  return v;
}

int ab_set(napi_env env, napi_value obj, const char *key, napi_value v) {
  if (!v)
    return -1;
  NAPI_CALL_RET(env, napi_set_named_property(env, obj, key, v), -1);
  return 0;
}

napi_value ab_cert_value(napi_env env, sslb_certificate *cert) {
  sslb_certificate *ref = sslb_certificate_ref(cert);
  napi_value v = ab_wrap(env, K_CERT, ref, NULL);
  if (!v)
    sslb_certificate_free(ref);
  return v;
}

napi_value ab_chain_value(napi_env env, sslb_certificate *const *chain,
                          size_t n) {
  napi_value arr;
  NAPI_CALL(env, napi_create_array_with_length(env, n, &arr));
  for (size_t i = 0; i < n; i++) {
    if (!chain[i])
      continue;
    napi_value c = ab_cert_value(env, chain[i]);
    if (!c)
      return NULL;
    NAPI_CALL(env, napi_set_element(env, arr, (uint32_t)i, c));
  }
  return arr;
}
