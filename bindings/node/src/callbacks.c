/* JavaScript functions that C calls synchronously on a client's I/O thread:
 * a trust manager's verify callback, hostname verifiers and Android's
 * connection callback.
 *
 * Each is a `cbt`: a thread-safe function around the JS function. The I/O
 * thread queues a blocking call and waits on a condition variable until
 * the JS thread has run the function and stored its answer. On the JS
 * thread itself (TrustManager.verify called from JavaScript) the function
 * is called directly. When JavaScript cannot run it any more (the
 * thread-safe function is closing, or the environment is being torn down
 * and call_js gets env == NULL), the waiter gets the kind's safe failure:
 * reject the chain, reject the name, refuse the connection.
 *
 * A cbt is reference-counted: its external holds one reference and every
 * handle whose C object may call it (trust managers, contexts, engines,
 * clients) holds one in its keep list, so it lives as long as C may call
 * it. The last reference releases the thread-safe function; its finalizer
 * (JS thread) frees the cbt. */
#include "addon.h"

#include <stdlib.h>
#include <string.h>

enum { CB_VERIFY = 1, CB_HOSTNAME = 2, CB_CONNECTION = 3 };

struct cbt {
  int kind;
  int refs; /* atomic */
  napi_threadsafe_function tsfn;
  napi_env env;
  pthread_t js_thread;
  napi_ref fn_ref;
  pthread_mutex_t mu; /* guards held and gone */
  cbt **held;         /* callbacks set on connections by this one */
  size_t nheld;
  /* The thread-safe function was finalized while references remained
   * (environment teardown): the last reference frees the cbt instead. */
  int gone;
  /* The last reference has released the thread-safe function (mu): its
   * finalizer frees the cbt. Decided under mu, so that a finalizer racing
   * with the last cbt_unref (teardown, or a client's free thread) never
   * frees the cbt while cbt_unref still uses it, and never both free it. */
  int released;
};

typedef struct {
  int kind;
  const char *host;
  sslb_certificate *const *chain;
  size_t n;
  int verdict;
  const char *report;
  sslb_connection *conn;
  cbt *owner;
  int result;
  int done;
  pthread_mutex_t mu;
  pthread_cond_t cv;
} cb_call;

static int safe_failure(int kind) {
  switch (kind) {
  case CB_VERIFY: return 1;     /* rejects with CERT_REJECTED */
  case CB_HOSTNAME: return 0;   /* rejects the name */
  case CB_CONNECTION: return 1; /* refuses the connection: CANCELLED */
  default: return 1;
  }
}

void cbt_ref(cbt *t) { __atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED); }

void cbt_unref(cbt *t) {
  if (!t || __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) != 0)
    return;
  pthread_mutex_lock(&t->mu);
  cbt **held = t->held;
  size_t n = t->nheld;
  t->held = NULL;
  t->nheld = 0;
  pthread_mutex_unlock(&t->mu);
  ab_keep_release(held, n);
  pthread_mutex_lock(&t->mu);
  int gone = t->gone;
  if (!gone) { /* any thread may release; the finalizer runs on the JS thread */
    t->released = 1;
    napi_release_threadsafe_function(t->tsfn, napi_tsfn_release);
  }
  pthread_mutex_unlock(&t->mu);
  if (gone) {
    pthread_mutex_destroy(&t->mu);
    free(t);
  }
}

static void hold_one(cbt *owner, cbt *t) {
  pthread_mutex_lock(&owner->mu);
  for (size_t i = 0; i < owner->nheld; i++) {
    if (owner->held[i] == t) {
      pthread_mutex_unlock(&owner->mu);
      return;
    }
  }
  cbt **k = realloc(owner->held, (owner->nheld + 1) * sizeof *k);
  if (k) {
    owner->held = k;
    cbt_ref(t);
    owner->held[owner->nheld++] = t;
  }
  pthread_mutex_unlock(&owner->mu);
}

void ab_cbt_hold(cbt *owner, const hnd *src) {
  if (!owner || !src)
    return;
  if (src->kind == K_CALLBACK && src->p && src->p != owner)
    hold_one(owner, src->p);
  for (size_t i = 0; i < src->nkeep; i++)
    if (src->keep[i] != owner)
      hold_one(owner, src->keep[i]);
}

static void cbt_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  cbt *t = data;
  if (t->fn_ref && env)
    napi_delete_reference(env, t->fn_ref);
  t->fn_ref = NULL;
  pthread_mutex_lock(&t->mu);
  /* not refs == 0: a cbt_unref that has just dropped the last reference but
   * not yet taken mu would then free t as well */
  int last = t->released;
  t->gone = 1;
  pthread_mutex_unlock(&t->mu);
  if (last) {
    pthread_mutex_destroy(&t->mu);
    free(t);
  }
}

/* Runs the JS function for one call; on the JS thread. */
static void run_call(napi_env env, napi_value fn, cb_call *c) {
  napi_value argv[4], undef, result, conn_ext = NULL;
  hnd *conn_h = NULL;
  size_t argc = 0;
  int ok = 0;
  c->result = safe_failure(c->kind);
  if (napi_get_undefined(env, &undef) != napi_ok)
    return;
  switch (c->kind) {
  case CB_VERIFY:
    argv[0] = ab_str(env, c->host);
    argv[1] = ab_chain_value(env, c->chain, c->n);
    argv[2] = ab_int(env, c->verdict);
    argv[3] = ab_str(env, c->report ? c->report : "");
    argc = 4;
    break;
  case CB_HOSTNAME:
    argv[0] = ab_str(env, c->host);
    argv[1] = ab_chain_value(env, c->chain, c->n);
    argc = 2;
    break;
  case CB_CONNECTION: {
    ab_conn_view *v = malloc(sizeof *v);
    if (!v)
      break;
    v->conn = c->conn;
    v->owner = c->owner;
    conn_ext = ab_wrap(env, K_CONNECTION, v, &conn_h);
    if (!conn_ext) {
      free(v);
      break;
    }
    argv[0] = conn_ext;
    argv[1] = ab_str(env, sslb_connection_host(c->conn));
    argv[2] = ab_int(env, sslb_connection_port(c->conn));
    argc = 3;
    break;
  }
  }
  for (size_t i = 0; i < argc; i++)
    if (!argv[i])
      argc = 0;
  if (argc && napi_call_function(env, undef, fn, argc, argv, &result) ==
                  napi_ok) {
    napi_valuetype t;
    int32_t v = 0;
    if (napi_typeof(env, result, &t) == napi_ok) {
      if (t == napi_number && napi_get_value_int32(env, result, &v) == napi_ok)
        ok = 1;
      else if (t == napi_boolean) {
        bool b;
        if (napi_get_value_bool(env, result, &b) == napi_ok) {
          v = c->kind == CB_HOSTNAME ? b : !b;
          ok = 1;
        }
      }
    }
    if (ok)
      c->result = v;
  }
  if (conn_h)
    conn_h->closed = 1; /* the view is valid only during the call */
  /* An exception still pending (the JS wrappers catch the user's own) is
   * left to N-API: from call_js it becomes an uncaught exception, from a
   * direct call it propagates to the JavaScript caller. */
}

static void call_js(napi_env env, napi_value fn, void *context, void *data) {
  (void)context;
  cb_call *c = data;
  if (!c)
    return;
  if (env == NULL || fn == NULL)
    c->result = safe_failure(c->kind); /* teardown: nobody can answer */
  else
    run_call(env, fn, c);
  pthread_mutex_lock(&c->mu);
  c->done = 1;
  pthread_cond_signal(&c->cv);
  pthread_mutex_unlock(&c->mu);
}

static int invoke(cbt *t, cb_call *c) {
  if (!t)
    return safe_failure(c->kind);
  c->kind = t->kind;
  c->owner = t;
  if (pthread_equal(pthread_self(), t->js_thread)) {
    /* called from JavaScript (TrustManager.verify): run it here */
    napi_handle_scope scope;
    napi_value fn;
    if (napi_open_handle_scope(t->env, &scope) != napi_ok)
      return safe_failure(c->kind);
    if (t->fn_ref &&
        napi_get_reference_value(t->env, t->fn_ref, &fn) == napi_ok && fn)
      run_call(t->env, fn, c);
    else
      c->result = safe_failure(c->kind);
    napi_close_handle_scope(t->env, scope);
    return c->result;
  }
  pthread_mutex_init(&c->mu, NULL);
  pthread_cond_init(&c->cv, NULL);
  c->done = 0;
  pthread_mutex_lock(&t->mu);
  napi_status st = t->gone ? napi_closing
                           : napi_call_threadsafe_function(t->tsfn, c,
                                                           napi_tsfn_blocking);
  pthread_mutex_unlock(&t->mu);
  if (st != napi_ok) {
    c->result = safe_failure(c->kind); /* closing: JS will not run it */
  } else {
    pthread_mutex_lock(&c->mu);
    while (!c->done)
      pthread_cond_wait(&c->cv, &c->mu);
    pthread_mutex_unlock(&c->mu);
  }
  pthread_mutex_destroy(&c->mu);
  pthread_cond_destroy(&c->cv);
  return c->result;
}

/* ------------------------------------------------------ trampolines */

static int verify_tramp(void *ud, const char *host,
                        sslb_certificate *const *chain, size_t n, int verdict,
                        const char *report) {
  cb_call c = {0};
  c.host = host;
  c.chain = chain;
  c.n = n;
  c.verdict = verdict;
  c.report = report;
  return invoke(ud, &c);
}

static int hostname_tramp(void *ud, const char *host,
                          sslb_certificate *const *chain, size_t n) {
  cb_call c = {0};
  c.host = host;
  c.chain = chain;
  c.n = n;
  return invoke(ud, &c);
}

static int connection_tramp(void *ud, sslb_connection *conn) {
  cb_call c = {0};
  c.conn = conn;
  return invoke(ud, &c);
}

sslb_hostname_verifier_fn ab_hostname_tramp(void) { return hostname_tramp; }

/* ------------------------------------------------------------ exports */

#define FN(name) static napi_value name(napi_env env, napi_callback_info info)

/* callbackNew(kind, fn): kind 1 verify, 2 hostname verifier, 3 connection */
FN(js_callback_new) {
  ab_args a;
  if (!ab_args_get(env, info, &a))
    return NULL;
  uint32_t kind;
  if (ab_arg_u32(&a, 0, "kind", 3, &kind) < 0)
    return NULL;
  if (kind < 1) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "kind must be 1, 2 or 3");
    return NULL;
  }
  napi_valuetype t = napi_undefined;
  if (a.argc > 1)
    NAPI_CALL(env, napi_typeof(env, a.argv[1], &t));
  if (t != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "callback must be a function");
    return NULL;
  }
  cbt *c = calloc(1, sizeof *c);
  if (!c) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  c->kind = (int)kind;
  c->refs = 1;
  c->env = env;
  c->js_thread = pthread_self();
  pthread_mutex_init(&c->mu, NULL);
  napi_value name;
  napi_status st = napi_create_reference(env, a.argv[1], 1, &c->fn_ref);
  if (st == napi_ok)
    st = napi_create_string_utf8(env, "sslbind callback", NAPI_AUTO_LENGTH,
                                 &name);
  if (st == napi_ok)
    st = napi_create_threadsafe_function(env, a.argv[1], NULL, name, 0, 1, c,
                                         cbt_finalize, c, call_js, &c->tsfn);
  if (st != napi_ok) {
    if (c->fn_ref)
      napi_delete_reference(env, c->fn_ref);
    pthread_mutex_destroy(&c->mu);
    free(c);
    ab_napi_fail(env, st, "napi_create_threadsafe_function");
    return NULL;
  }
  /* a callback never keeps the process alive by itself */
  NAPI_CALL(env, napi_unref_threadsafe_function(env, c->tsfn));
  napi_value v = ab_wrap(env, K_CALLBACK, c, NULL);
  if (!v)
    cbt_unref(c);
  return v;
}

static cbt *arg_cbt(ab_args *a, size_t i, const char *name, hnd **h) {
  void *p;
  if (ab_arg_h(a, i, K_CALLBACK, name, 1, &p, h) < 0)
    return (cbt *)-1;
  return p;
}

FN(js_trust_builder_set_verify_callback) {
  ab_args a;
  if (!ab_args_get(env, info, &a))
    return NULL;
  void *b;
  hnd *hb, *hc;
  if (ab_arg_h(&a, 0, K_TRUST_BUILDER, "this", 0, &b, &hb) < 0)
    return NULL;
  cbt *t = arg_cbt(&a, 1, "callback", &hc);
  if (t == (cbt *)-1)
    return NULL;
  if (t && t->kind != CB_VERIFY) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "callback must be a verify callback");
    return NULL;
  }
  int rc = sslb_trust_builder_set_verify_callback(b, t ? verify_tramp : NULL, t);
  if (ab_failed(env, rc, K_TRUST_BUILDER, b))
    return NULL;
  if (hc)
    ab_keep_add(hb, hc);
  return ab_undefined(env);
}

FN(js_engine_set_ssl_manager) {
  ab_args a;
  if (!ab_args_get(env, info, &a))
    return NULL;
  void *e;
  hnd *he, *hc;
  if (ab_arg_h(&a, 0, K_ENGINE, "this", 0, &e, &he) < 0)
    return NULL;
  cbt *t = arg_cbt(&a, 1, "sslManager", &hc);
  if (t == (cbt *)-1)
    return NULL;
  if (!t || t->kind != CB_CONNECTION) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "sslManager must be a connection callback");
    return NULL;
  }
  if (ab_failed(env, sslb_engine_set_ssl_manager(e, connection_tramp, t),
                K_ENGINE, e))
    return NULL;
  ab_keep_add(he, hc);
  return ab_undefined(env);
}

FN(js_engine_set_hostname_verifier) {
  ab_args a;
  if (!ab_args_get(env, info, &a))
    return NULL;
  void *e;
  hnd *he, *hc;
  if (ab_arg_h(&a, 0, K_ENGINE, "this", 0, &e, &he) < 0)
    return NULL;
  cbt *t = arg_cbt(&a, 1, "hostnameVerifier", &hc);
  if (t == (cbt *)-1)
    return NULL;
  if (t && t->kind != CB_HOSTNAME) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "hostnameVerifier must be a hostname verifier");
    return NULL;
  }
  if (ab_failed(env,
                sslb_engine_set_hostname_verifier(e, t ? hostname_tramp : NULL,
                                                  t),
                K_ENGINE, e))
    return NULL;
  if (hc)
    ab_keep_add(he, hc);
  return ab_undefined(env);
}

static ab_conn_view *arg_conn(ab_args *a) {
  void *p;
  hnd *h;
  if (a->argc > 0) {
    napi_valuetype t;
    hnd *raw = NULL;
    if (napi_typeof(a->env, a->argv[0], &t) == napi_ok && t == napi_external &&
        napi_get_value_external(a->env, a->argv[0], (void **)&raw) == napi_ok &&
        raw && raw->magic == AB_MAGIC && raw->kind == K_CONNECTION &&
        raw->closed) {
      napi_throw_error(a->env, "ERR_SSLBIND_CLOSED",
                       "a Connection may only be configured during the "
                       "sslManager callback");
      return NULL;
    }
  }
  if (ab_arg_h(a, 0, K_CONNECTION, "connection", 0, &p, &h) < 0)
    return NULL;
  return p;
}

FN(js_conn_set_socket_factory) {
  ab_args a;
  if (!ab_args_get(env, info, &a))
    return NULL;
  ab_conn_view *v = arg_conn(&a);
  if (!v)
    return NULL;
  void *f;
  hnd *hf;
  if (ab_arg_h(&a, 1, K_SOCKET_FACTORY, "sslSocketFactory", 0, &f, &hf) < 0)
    return NULL;
  if (ab_failed(env, sslb_connection_set_socket_factory(v->conn, f), 0, NULL))
    return NULL;
  ab_cbt_hold(v->owner, hf);
  return ab_undefined(env);
}

FN(js_conn_set_hostname_verifier) {
  ab_args a;
  if (!ab_args_get(env, info, &a))
    return NULL;
  ab_conn_view *v = arg_conn(&a);
  if (!v)
    return NULL;
  hnd *hc;
  cbt *t = arg_cbt(&a, 1, "hostnameVerifier", &hc);
  if (t == (cbt *)-1)
    return NULL;
  if (t && t->kind != CB_HOSTNAME) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "hostnameVerifier must be a hostname verifier");
    return NULL;
  }
  if (ab_failed(env,
                sslb_connection_set_hostname_verifier(
                    v->conn, t ? hostname_tramp : NULL, t),
                0, NULL))
    return NULL;
  if (hc)
    ab_cbt_hold(v->owner, hc);
  return ab_undefined(env);
}

static const ab_export exports[] = {
    {"callbackNew", js_callback_new},
    {"trustBuilderSetVerifyCallback", js_trust_builder_set_verify_callback},
    {"engineSetSslManager", js_engine_set_ssl_manager},
    {"engineSetHostnameVerifier", js_engine_set_hostname_verifier},
    {"connSetSocketFactory", js_conn_set_socket_factory},
    {"connSetHostnameVerifier", js_conn_set_hostname_verifier},
};

void ab_callbacks_exports(const ab_export **list, size_t *n) {
  *list = exports;
  *n = sizeof exports / sizeof exports[0];
}
