/* Clients, requests and responses.
 *
 * Requests go through sslb_client_submit: nothing blocks the event loop.
 * What the client's I/O thread has for JavaScript - completions, response
 * heads, body chunks, requests for more of a streamed request body - is
 * appended to the client's event list under its mutex; only the append
 * that finds the list empty calls the client's one thread-safe function,
 * and the JS side of that call takes the whole list at once and hands it
 * to the client's dispatcher as one array (vectored delivery: 10,000
 * completions arriving together cost one trip through the event loop, not
 * 10,000). The thread-safe function is referenced only while requests are
 * in flight, so an idle client does not keep the process alive.
 *
 * Freeing a client joins its I/O thread, which may be waiting for
 * JavaScript (a verify callback, a body reader): it is never done on the
 * JS thread. close() and the finalizer hand sslb_client_free to a detached
 * helper thread; when it has returned, the thread-safe function is
 * released, its queue drains (every request's completion included) and
 * its finalizer, on the JS thread, resolves close()'s Promise. */
#include "addon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STREAM_HIGH (4u << 20) /* pause the transfer above this many bytes */
#define STREAM_LOW (1u << 20)  /* and resume it below this many */

enum { EV_DONE = 0, EV_HEAD = 1, EV_CHUNK = 2, EV_READ = 3 };

typedef struct rq rq;
typedef struct ev ev;

typedef struct {
  int status;
  char *version;
  size_t nh;
  char **names;
  char **values;
  char *tls_version, *cipher, *alpn;
  int resumed;
  size_t nchain;
  sslb_certificate **chain;
} head_info;

struct ev {
  ev *next;
  int type;
  rq *r;
  int rc;
  sslb_response *resp;
  char *msg;
  uint8_t *data;
  size_t len;
  head_info *head;
};

typedef struct cl {
  sslb_client *c;
  napi_threadsafe_function tsfn;
  pthread_mutex_t mu;
  ev *head, *tail; /* events for JavaScript (mu) */
  rq *active;      /* submitted, not completed (mu) */
  /* JS thread only: */
  unsigned inflight;
  int refd;
  /* owners: the client's handle (or its free job) and the thread-safe
   * function; the last one frees the struct (mu guards tsfn_gone) */
  int owners;
  int tsfn_gone;
  /* calls of the thread-safe function queued and not yet run (mu): at
   * environment teardown Node runs call_js (env == NULL) for each of them
   * after the finalizer, so the finalizer leaves the thread-safe function's
   * ownership to the last of those calls (orphan) */
  unsigned calls;
  int orphan;
  int closing;
  napi_deferred close_deferred;
  hnd *h;
} cl;

struct rq {
  cl *client; /* NULL once the completion reached JavaScript */
  sslb_request *req;
  uint32_t id;
  int refs; /* JS thread: its external + one while in flight */
  int done; /* mu */
  rq *prev, *next;
  /* streamed response body (mu) */
  uint64_t queued;
  int paused;
  int stop; /* atomic: the sink and reader give up */
  /* streamed request body: the I/O thread waits for JavaScript (rmu) */
  pthread_mutex_t rmu;
  pthread_cond_t rcv;
  int rstate; /* 0 idle, 1 waiting for JavaScript, 2 answered */
  uint8_t *rbuf;
  size_t rlen;
  long rresult;
};

typedef struct {
  sslb_response *r;
  int refs; /* JS thread: the Response handle and its body Buffer */
  size_t mem;
} resp_hold;

/* --------------------------------------------------------- helpers */

static void head_free(head_info *h) {
  if (!h)
    return;
  free(h->version);
  for (size_t i = 0; i < h->nh; i++) {
    free(h->names[i]);
    free(h->values[i]);
  }
  free(h->names);
  free(h->values);
  free(h->tls_version);
  free(h->cipher);
  free(h->alpn);
  for (size_t i = 0; i < h->nchain; i++)
    sslb_certificate_free(h->chain[i]);
  free(h->chain);
  free(h);
}

static char *dup_or_empty(const char *s) { return strdup(s ? s : ""); }

/* A copy of what a response (or the head a head callback sees) says. */
static head_info *head_read(const sslb_response *resp, int with_chain) {
  head_info *h = calloc(1, sizeof *h);
  if (!h)
    return NULL;
  h->status = sslb_response_status(resp);
  h->version = dup_or_empty(sslb_response_http_version(resp));
  size_t n = sslb_response_header_count(resp);
  h->names = calloc(n ? n : 1, sizeof *h->names);
  h->values = calloc(n ? n : 1, sizeof *h->values);
  if (!h->names || !h->values) {
    head_free(h);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    h->names[i] = dup_or_empty(sslb_response_header_name(resp, i));
    h->values[i] = dup_or_empty(sslb_response_header_value(resp, i));
    h->nh = i + 1;
  }
  h->tls_version = dup_or_empty(sslb_response_tls_version(resp));
  h->cipher = dup_or_empty(sslb_response_tls_cipher(resp));
  h->alpn = dup_or_empty(sslb_response_alpn(resp));
  h->resumed = sslb_response_tls_resumed(resp) == 1;
  if (with_chain) {
    size_t m = sslb_response_peer_chain_length(resp);
    h->chain = calloc(m ? m : 1, sizeof *h->chain);
    if (h->chain) {
      for (size_t i = 0; i < m; i++)
        if (sslb_response_peer_certificate(resp, i, &h->chain[h->nchain]) == 0)
          h->nchain++;
    }
  }
  return h;
}

static napi_value head_value(napi_env env, const head_info *h, int chain) {
  napi_value o, headers;
  NAPI_CALL(env, napi_create_object(env, &o));
  NAPI_CALL(env, napi_create_array_with_length(env, h->nh * 2, &headers));
  for (size_t i = 0; i < h->nh; i++) {
    napi_value n = ab_str(env, h->names[i]), v = ab_str(env, h->values[i]);
    if (!n || !v)
      return NULL;
    NAPI_CALL(env, napi_set_element(env, headers, (uint32_t)(2 * i), n));
    NAPI_CALL(env, napi_set_element(env, headers, (uint32_t)(2 * i + 1), v));
  }
  if (ab_set(env, o, "status", ab_int(env, h->status)) ||
      ab_set(env, o, "httpVersion", ab_str(env, h->version)) ||
      ab_set(env, o, "headers", headers) ||
      ab_set(env, o, "tlsVersion", ab_str(env, h->tls_version)) ||
      ab_set(env, o, "cipher", ab_str(env, h->cipher)) ||
      ab_set(env, o, "alpn", ab_str(env, h->alpn)) ||
      ab_set(env, o, "resumed", ab_bool(env, h->resumed)))
    return NULL;
  if (chain &&
      ab_set(env, o, "chain", ab_chain_value(env, h->chain, h->nchain)))
    return NULL;
  return o;
}

static void hold_unref(napi_env env, resp_hold *hd) {
  if (--hd->refs > 0)
    return;
  sslb_response_free(hd->r);
  if (env && hd->mem) {
    int64_t ignored;
    napi_adjust_external_memory(env, -(int64_t)hd->mem, &ignored);
  }
  free(hd);
}

static void body_finalize(napi_env env, void *data, void *hint) {
  (void)data;
  hold_unref(env, hint);
}

/* { handle, status, httpVersion, headers, body, tls facts } of a complete
 * response, whose C object the returned handle (and the body Buffer, which
 * points into it) keeps alive. */
static napi_value response_value(napi_env env, sslb_response *resp) {
  resp_hold *hd = calloc(1, sizeof *hd);
  if (!hd) {
    sslb_response_free(resp);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  hd->r = resp;
  hd->refs = 1;
  napi_value handle = ab_wrap(env, K_RESPONSE, hd, NULL);
  if (!handle) {
    sslb_response_free(resp);
    free(hd);
    return NULL;
  }
  head_info *h = head_read(resp, 0);
  if (!h) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  napi_value o = head_value(env, h, 0);
  head_free(h);
  if (!o || ab_set(env, o, "handle", handle))
    return NULL;
  const uint8_t *body = NULL;
  size_t len = 0;
  sslb_response_body(resp, &body, &len);
  napi_value buf;
  if (len == 0) {
    NAPI_CALL(env, napi_create_buffer(env, 0, NULL, &buf));
  } else {
    /* the Buffer points into the C response: no copy, and V8 learns how
     * much memory it keeps alive */
    hd->refs++;
    napi_status st = napi_create_external_buffer(
        env, len, (void *)body, body_finalize, hd, &buf);
    if (st != napi_ok) {
      hd->refs--;
      /* runtimes without external buffers: copy */
      NAPI_CALL(env, napi_create_buffer_copy(env, len, body, NULL, &buf));
    } else {
      int64_t ignored;
      hd->mem = len;
      NAPI_CALL(env, napi_adjust_external_memory(env, (int64_t)len, &ignored));
    }
  }
  if (ab_set(env, o, "body", buf))
    return NULL;
  return o;
}

/* ---------------------------------------------------- requests, events */

static void rq_unref(rq *r) {
  if (--r->refs > 0)
    return;
  if (r->req)
    sslb_request_free(r->req);
  pthread_mutex_destroy(&r->rmu);
  pthread_cond_destroy(&r->rcv);
  free(r);
}

static void read_answer(rq *r, const uint8_t *data, long n) {
  pthread_mutex_lock(&r->rmu);
  if (r->rstate == 1) {
    if (n > 0) {
      if ((size_t)n > r->rlen)
        n = (long)r->rlen;
      memcpy(r->rbuf, data, (size_t)n);
    }
    r->rresult = n;
    r->rstate = 2;
    pthread_cond_signal(&r->rcv);
  }
  pthread_mutex_unlock(&r->rmu);
}

static void ev_free(ev *e) {
  if (e->type == EV_READ && e->r)
    read_answer(e->r, NULL, -1); /* nobody will supply it */
  sslb_response_free(e->resp);
  free(e->msg);
  free(e->data);
  head_free(e->head);
  free(e);
}

static void drain_list(ev *list) {
  while (list) {
    ev *next = list->next;
    ev_free(list);
    list = next;
  }
}

static void post(cl *c, ev *e) {
  pthread_mutex_lock(&c->mu);
  int was_empty = c->head == NULL;
  if (c->tail)
    c->tail->next = e;
  else
    c->head = e;
  c->tail = e;
  napi_status st = napi_ok;
  if (was_empty) {
    st = c->tsfn_gone ? napi_closing
                      : napi_call_threadsafe_function(c->tsfn, NULL,
                                                      napi_tsfn_nonblocking);
    if (st == napi_ok)
      c->calls++;
  }
  pthread_mutex_unlock(&c->mu);
  if (st != napi_ok) {
    /* closing (environment teardown): JavaScript will not see them */
    pthread_mutex_lock(&c->mu);
    ev *list = c->head;
    c->head = c->tail = NULL;
    pthread_mutex_unlock(&c->mu);
    drain_list(list);
  }
}

static ev *ev_new(int type, rq *r) {
  ev *e = calloc(1, sizeof *e);
  if (e) {
    e->type = type;
    e->r = r;
  }
  return e;
}

/* I/O thread: the request is over. */
static void on_done(void *ud, int rc, sslb_response *resp) {
  rq *r = ud;
  cl *c = r->client;
  char *msg = rc < 0 ? strdup(sslb_request_last_error(r->req)) : NULL;
  pthread_mutex_lock(&c->mu);
  r->done = 1;
  if (r->prev)
    r->prev->next = r->next;
  else if (c->active == r)
    c->active = r->next;
  if (r->next)
    r->next->prev = r->prev;
  r->prev = r->next = NULL;
  sslb_request_free(r->req); /* C is done with it; cancel checks `done` */
  r->req = NULL;
  pthread_mutex_unlock(&c->mu);
  ev *e = ev_new(EV_DONE, r);
  if (!e) {
    /* cannot tell JavaScript: the Promise would hang, so keep trying */
    while (!(e = ev_new(EV_DONE, r)))
      ;
  }
  e->rc = rc;
  e->resp = resp;
  e->msg = msg;
  post(c, e);
}

static int on_head(void *ud, const sslb_response *head) {
  rq *r = ud;
  if (__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
    return 1;
  ev *e = ev_new(EV_HEAD, r);
  if (!e || !(e->head = head_read(head, 1))) {
    free(e);
    return 1;
  }
  post(r->client, e);
  return 0;
}

static int on_body(void *ud, const uint8_t *data, size_t len) {
  rq *r = ud;
  cl *c = r->client;
  if (__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
    return 1;
  ev *e = ev_new(EV_CHUNK, r);
  if (!e || !(e->data = malloc(len ? len : 1))) {
    free(e);
    return 1;
  }
  memcpy(e->data, data, len);
  e->len = len;
  pthread_mutex_lock(&c->mu);
  r->queued += len;
  if (r->queued > STREAM_HIGH && !r->paused) {
    /* inside this request's own sink: the request is alive */
    r->paused = 1;
    sslb_client_pause(c->c, r->req);
  }
  pthread_mutex_unlock(&c->mu);
  post(c, e);
  return 0;
}

/* I/O thread: the next piece of a streamed request body, from JavaScript. */
static long on_read(void *ud, uint8_t *buf, size_t len) {
  rq *r = ud;
  if (__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
    return -1;
  ev *e = ev_new(EV_READ, r);
  if (!e)
    return -1;
  e->len = len;
  pthread_mutex_lock(&r->rmu);
  /* checked again under rmu: a cancel or close() sets `stop` and then
   * answers a waiting read under rmu, so a read that starts after that
   * answer must not wait (nobody would answer it) */
  if (__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
    pthread_mutex_unlock(&r->rmu);
    free(e);
    return -1;
  }
  r->rbuf = buf;
  r->rlen = len;
  r->rstate = 1;
  pthread_mutex_unlock(&r->rmu);
  post(r->client, e);
  pthread_mutex_lock(&r->rmu);
  while (r->rstate == 1)
    pthread_cond_wait(&r->rcv, &r->rmu);
  long n = r->rresult;
  r->rstate = 0;
  r->rbuf = NULL;
  pthread_mutex_unlock(&r->rmu);
  return n;
}

static void cl_unref(cl *c);

static void set_ref(napi_env env, cl *c, int want) {
  if (want && !c->refd) {
    if (napi_ref_threadsafe_function(env, c->tsfn) == napi_ok)
      c->refd = 1;
  } else if (!want && c->refd) {
    if (napi_unref_threadsafe_function(env, c->tsfn) == napi_ok)
      c->refd = 0;
  }
}

/* JS thread: hands every event waiting to the dispatcher, as one array of
 * [type, id, a, b] quadruples. */
static void client_call_js(napi_env env, napi_value fn, void *context,
                           void *data) {
  (void)data;
  cl *c = context;
  pthread_mutex_lock(&c->mu);
  ev *list = c->head;
  c->head = c->tail = NULL;
  if (c->calls)
    c->calls--;
  int last = c->orphan && c->calls == 0;
  pthread_mutex_unlock(&c->mu);
  if (!env || !fn) {
    drain_list(list); /* teardown */
    if (last)
      cl_unref(c); /* the finalizer left the ownership to this call */
    return;
  }
  size_t n = 0;
  for (ev *e = list; e; e = e->next)
    n++;
  if (!n)
    return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) {
    drain_list(list);
    return;
  }
  napi_value arr, undef, ignored;
  napi_status st = napi_create_array_with_length(env, n * 4, &arr);
  napi_get_undefined(env, &undef);
  uint32_t i = 0;
  unsigned ndone = 0;
  for (ev *e = list; e && st == napi_ok; e = e->next, i += 4) {
    napi_value a = undef, b = undef;
    switch (e->type) {
    case EV_DONE:
      ndone++;
      a = ab_int(env, e->rc);
      if (e->rc == 0 && e->resp) {
        b = response_value(env, e->resp); /* takes the response */
        e->resp = NULL;
      } else {
        b = ab_str(env, e->msg ? e->msg : "");
      }
      break;
    case EV_HEAD:
      a = head_value(env, e->head, 1);
      break;
    case EV_CHUNK: {
      napi_value buf;
      if (napi_create_buffer_copy(env, e->len, e->data, NULL, &buf) == napi_ok)
        a = buf;
      else
        a = NULL;
      break;
    }
    case EV_READ:
      a = ab_int(env, (int64_t)e->len);
      break;
    }
    if (!a || !b) {
      /* an exception is pending: give the dispatcher what we can */
      napi_value exc;
      napi_get_and_clear_last_exception(env, &exc);
      a = a ? a : undef;
      b = exc ? exc : undef;
    }
    napi_value type = ab_int(env, e->type), id = ab_int(env, e->r->id);
    if (!type || !id) {
      st = napi_generic_failure;
      break;
    }
    if ((st = napi_set_element(env, arr, i, type)) != napi_ok ||
        (st = napi_set_element(env, arr, i + 1, id)) != napi_ok ||
        (st = napi_set_element(env, arr, i + 2, a)) != napi_ok ||
        (st = napi_set_element(env, arr, i + 3, b)) != napi_ok)
      break;
  }
  if (st == napi_ok)
    napi_call_function(env, undef, fn, 1, &arr, &ignored);
  /* an exception thrown by the dispatcher stays pending: N-API reports it
   * as uncaught */
  for (ev *e = list; e;) {
    ev *next = e->next;
    if (e->type == EV_DONE) {
      e->r->client = NULL;
      rq_unref(e->r); /* the in-flight reference */
    } else if (e->type == EV_READ && st != napi_ok) {
      read_answer(e->r, NULL, -1);
    }
    if (e->type == EV_READ)
      e->r = NULL; /* answered by JavaScript, not by ev_free */
    ev_free(e);
    e = next;
  }
  if (ndone) {
    c->inflight -= ndone < c->inflight ? ndone : c->inflight;
    if (c->inflight == 0 && !c->closing)
      set_ref(env, c, 0);
  }
  napi_close_handle_scope(env, scope);
}

/* ------------------------------------------------------------- closing */

typedef struct {
  cl *client;
  cbt **keep;
  size_t nkeep;
} free_job;

static void cl_unref(cl *c) {
  if (__atomic_sub_fetch(&c->owners, 1, __ATOMIC_ACQ_REL) != 0)
    return;
  pthread_mutex_destroy(&c->mu);
  free(c);
}

static void *free_thread(void *arg) {
  free_job *j = arg;
  cl *c = j->client;
  /* cancels what runs (each completion reaches the event list), joins
   * the I/O thread, which may first finish a call into JavaScript */
  sslb_client_free(c->c);
  ab_keep_release(j->keep, j->nkeep);
  pthread_mutex_lock(&c->mu);
  if (!c->tsfn_gone)
    napi_release_threadsafe_function(c->tsfn, napi_tsfn_release);
  pthread_mutex_unlock(&c->mu);
  free(j);
  cl_unref(c);
  return NULL;
}

static void client_tsfn_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  cl *c = data;
  pthread_mutex_lock(&c->mu);
  c->tsfn_gone = 1;
  ev *list = c->head;
  c->head = c->tail = NULL;
  /* calls still queued (teardown) run after this, with env == NULL */
  int defer = c->calls > 0;
  if (defer)
    c->orphan = 1;
  pthread_mutex_unlock(&c->mu);
  drain_list(list);
  if (c->close_deferred && env) {
    napi_value undef;
    napi_get_undefined(env, &undef);
    napi_resolve_deferred(env, c->close_deferred, undef);
  }
  c->close_deferred = NULL;
  if (!defer)
    cl_unref(c);
}

/* Starts freeing the client off the JS thread. */
static int client_begin_close(napi_env env, hnd *h) {
  cl *c = h->p;
  if (!c || c->closing)
    return 0;
  c->closing = 1;
  pthread_mutex_lock(&c->mu);
  for (rq *r = c->active; r; r = r->next) {
    __atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
    read_answer(r, NULL, -1);
  }
  int gone = c->tsfn_gone;
  pthread_mutex_unlock(&c->mu);
  if (gone) {
    /* environment teardown (or a worker's end): every thread-safe
     * function of this environment has been finalized before the
     * externals are, so the I/O thread cannot be waiting for JavaScript
     * any more (callbacks get their safe failure at once, reads were
     * answered above or are answered as their events are dropped). The
     * client is freed here: leaving it would let its I/O thread post
     * completions into the freed struct. */
    sslb_client_free(c->c);
    c->c = NULL;
    ab_keep_release(h->keep, h->nkeep);
    h->keep = NULL;
    h->nkeep = 0;
    h->p = NULL;
    c->h = NULL;
    cl_unref(c);
    return 0;
  }
  set_ref(env, c, 1); /* until the last completion has been delivered */
  free_job *j = calloc(1, sizeof *j);
  if (!j)
    return -1;
  j->client = c; /* the handle's ownership passes to the job */
  j->keep = h->keep;
  j->nkeep = h->nkeep;
  h->keep = NULL;
  h->nkeep = 0;
  h->p = NULL;
  c->h = NULL; /* c->c stays valid for the I/O thread until it is freed */
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  int err = pthread_create(&t, &attr, free_thread, j);
  pthread_attr_destroy(&attr);
  if (err) {
    /* no thread to be had: a request may be waiting for JavaScript, so
     * this thread cannot join the I/O thread; the client is leaked */
    free(j->keep);
    free(j);
    return -1;
  }
  return 0;
}

void ab_client_finalize(napi_env env, hnd *h) {
  if (h->p)
    client_begin_close(env, h);
}

void ab_special_finalize(napi_env env, hnd *h) {
  switch (h->kind) {
  case K_CALLBACK:
    if (h->p)
      cbt_unref(h->p);
    break;
  case K_RESPONSE:
    if (h->p)
      hold_unref(env, h->p);
    break;
  case K_REQUEST:
    if (h->p)
      rq_unref(h->p);
    break;
  }
  h->p = NULL;
}

/* ------------------------------------------------------------ exports */

#define FN(name) static napi_value name(napi_env env, napi_callback_info info)

static cl *arg_client(ab_args *a, hnd **h) {
  void *p;
  if (ab_arg_h(a, 0, K_CLIENT, "client", 0, &p, h) < 0)
    return NULL;
  return p;
}

/* clientNew(engine, dispatch) */
FN(js_client_new) {
  ab_args a;
  if (!ab_args_get(env, info, &a))
    return NULL;
  void *e;
  hnd *he, *h;
  if (ab_arg_h(&a, 0, K_ENGINE, "engine", 0, &e, &he) < 0)
    return NULL;
  napi_valuetype t = napi_undefined;
  if (a.argc > 1)
    NAPI_CALL(env, napi_typeof(env, a.argv[1], &t));
  if (t != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "dispatch must be a function");
    return NULL;
  }
  sslb_client *client = NULL;
  int rc = sslb_client_new_from_engine(&client, e);
  if (ab_failed(env, rc, K_ENGINE, e))
    return NULL;
  cl *c = calloc(1, sizeof *c);
  if (!c) {
    sslb_client_free(client);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  c->c = client;
  c->owners = 2;
  pthread_mutex_init(&c->mu, NULL);
  napi_value name;
  napi_status st =
      napi_create_string_utf8(env, "sslbind client", NAPI_AUTO_LENGTH, &name);
  if (st == napi_ok)
    st = napi_create_threadsafe_function(env, a.argv[1], NULL, name, 0, 1, c,
                                         client_tsfn_finalize, c,
                                         client_call_js, &c->tsfn);
  if (st == napi_ok)
    st = napi_unref_threadsafe_function(env, c->tsfn);
  if (st != napi_ok) {
    /* no request ran: nothing can be waiting for JavaScript */
    sslb_client_free(client);
    c->owners = 1; /* the thread-safe function's finalizer frees it */
    if (c->tsfn)
      napi_release_threadsafe_function(c->tsfn, napi_tsfn_release);
    else {
      pthread_mutex_destroy(&c->mu);
      free(c);
    }
    ab_napi_fail(env, st, "napi_create_threadsafe_function");
    return NULL;
  }
  napi_value v = ab_wrap(env, K_CLIENT, c, &h);
  if (!v) {
    sslb_client_free(client);
    c->c = NULL;
    c->owners = 1;
    napi_release_threadsafe_function(c->tsfn, napi_tsfn_release);
    return NULL;
  }
  c->h = h;
  ab_keep_add(h, he);
  return v;
}

/* clientClose(client) -> Promise (resolved once every request has
 * completed and the C client is freed) */
FN(js_client_close) {
  ab_args a;
  if (!ab_args_get(env, info, &a))
    return NULL;
  hnd *h;
  cl *c = arg_client(&a, &h);
  if (!c)
    return NULL;
  napi_value promise;
  NAPI_CALL(env, napi_create_promise(env, &c->close_deferred, &promise));
  if (client_begin_close(env, h) < 0) {
    napi_throw_error(env, NULL, "could not start a thread to free the client");
    return NULL;
  }
  h->closed = 1;
  return promise;
}

#define CLIENT_SETTER(fname, ...)                                              \
  FN(fname) {                                                                  \
    ab_args a;                                                                 \
    napi_value ret_ = NULL;                                                    \
    if (!ab_args_get(env, info, &a))                                           \
      return NULL;                                                             \
    hnd *h;                                                                    \
    cl *c = arg_client(&a, &h);                                                \
    if (!c)                                                                    \
      goto done;                                                               \
    {__VA_ARGS__} ret_ = ab_undefined(env);                                        \
  done:                                                                        \
    ab_args_free(&a);                                                          \
    return ret_;                                                               \
  }
#define CCHECK(rc)                                                             \
  do {                                                                         \
    if (ab_failed(env, (rc), K_CLIENT, NULL))                                  \
      goto done;                                                               \
  } while (0)
#define ATRY(x)                                                                \
  do {                                                                         \
    if ((x) < 0)                                                               \
      goto done;                                                               \
  } while (0)

CLIENT_SETTER(js_client_set_timeouts, {
  uint32_t cms, rms;
  ATRY(ab_arg_u32(&a, 1, "connectTimeout", UINT32_MAX, &cms));
  ATRY(ab_arg_u32(&a, 2, "requestTimeout", UINT32_MAX, &rms));
  CCHECK(sslb_client_set_timeouts(c->c, cms, rms));
})
CLIENT_SETTER(js_client_set_idle_timeout, {
  uint32_t ms;
  ATRY(ab_arg_u32(&a, 1, "idleTimeout", UINT32_MAX, &ms));
  CCHECK(sslb_client_set_idle_timeout(c->c, ms));
})
CLIENT_SETTER(js_client_set_max_body, {
  int64_t n;
  ATRY(ab_arg_i64(&a, 1, "maxBody", &n));
  if (n < 0) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "maxBody must be >= 0");
    goto done;
  }
  CCHECK(sslb_client_set_max_body(c->c, (size_t)n));
})
CLIENT_SETTER(js_client_set_redirects, {
  uint32_t n;
  ATRY(ab_arg_u32(&a, 1, "redirects", 1000000, &n));
  CCHECK(sslb_client_set_redirects(c->c, n));
})
CLIENT_SETTER(js_client_set_http_policy, {
  uint32_t n;
  ATRY(ab_arg_u32(&a, 1, "http", 2, &n));
  CCHECK(sslb_client_set_http_policy(c->c, (int)n));
})
CLIENT_SETTER(js_client_set_hostname_policy, {
  uint32_t n;
  ATRY(ab_arg_u32(&a, 1, "hostnamePolicy", 3, &n));
  CCHECK(sslb_client_set_hostname_policy(c->c, (int)n));
})
CLIENT_SETTER(js_client_set_decoding, {
  int b;
  ATRY(ab_arg_bool(&a, 1, "decoding", &b));
  CCHECK(sslb_client_set_decoding(c->c, b));
})
CLIENT_SETTER(js_client_set_server_name, {
  char *s;
  ATRY(ab_arg_str(&a, 1, "serverName", 1, &s));
  CCHECK(sslb_client_set_server_name(c->c, s));
})
CLIENT_SETTER(js_client_use_environment_proxy,
              { CCHECK(sslb_client_use_environment_proxy(c->c)); })
CLIENT_SETTER(js_client_set_proxy, {
  char *url, *no;
  ATRY(ab_arg_str(&a, 1, "proxy", 1, &url));
  ATRY(ab_arg_str(&a, 2, "noProxy", 1, &no));
  int rc = sslb_client_set_proxy(c->c, url, no);
  if (rc < 0) {
    ab_throw_code(env, rc,
                  rc == SSLB_ERR_URL
                      ? "the proxy URL must be http://host:port, without "
                        "credentials"
                      : NULL);
    goto done;
  }
})
CLIENT_SETTER(js_client_add_resolve, {
  char *host, *addr;
  uint32_t port;
  ATRY(ab_arg_str(&a, 1, "host", 0, &host));
  ATRY(ab_arg_u32(&a, 2, "port", 65535, &port));
  ATRY(ab_arg_str(&a, 3, "address", 0, &addr));
  CCHECK(sslb_client_add_resolve(c->c, host, port, addr));
})
CLIENT_SETTER(js_client_add_connect_to, {
  char *host, *to;
  uint32_t port, to_port;
  ATRY(ab_arg_str(&a, 1, "host", 1, &host));
  ATRY(ab_arg_u32(&a, 2, "port", 65535, &port));
  ATRY(ab_arg_str(&a, 3, "toHost", 1, &to));
  ATRY(ab_arg_u32(&a, 4, "toPort", 65535, &to_port));
  CCHECK(sslb_client_add_connect_to(c->c, host, port, to, to_port));
})
CLIENT_SETTER(js_client_set_identity, {
  void *ks;
  char *alias, *pw;
  ATRY(ab_arg_h(&a, 1, K_KEYSTORE, "keyStore", 0, &ks, NULL));
  ATRY(ab_arg_str(&a, 2, "alias", 1, &alias));
  ATRY(ab_arg_str(&a, 3, "keyPassword", 1, &pw));
  int rc = sslb_client_set_identity(c->c, ks, alias, pw);
  if (ab_failed(env, rc, K_KEYSTORE, ks))
    goto done;
})
CLIENT_SETTER(js_client_set_hostname_verifier, {
  extern sslb_hostname_verifier_fn ab_hostname_tramp(void);
  void *t;
  hnd *hc;
  ATRY(ab_arg_h(&a, 1, K_CALLBACK, "hostnameVerifier", 1, &t, &hc));
  CCHECK(sslb_client_set_hostname_verifier(c->c, t ? ab_hostname_tramp() : NULL,
                                           t));
  if (hc)
    ab_keep_add(h, hc);
})

FN(js_client_connections_opened) {
  ab_args a;
  if (!ab_args_get(env, info, &a))
    return NULL;
  hnd *h;
  cl *c = arg_client(&a, &h);
  if (!c)
    return NULL;
  return ab_int(env, (int64_t)sslb_client_connections_opened(c->c));
}

/* clientSubmit(client, id, method, url, headers (flat [n, v, ...]),
 *              body (bytes|null), http (-1: the client's), stream (bool),
 *              readerLength (-2: no reader, -1: unknown length, else n))
 * -> request handle. Errors before submission throw. */
FN(js_client_submit) {
  ab_args a;
  napi_value ret_ = NULL;
  rq *r = NULL;
  if (!ab_args_get(env, info, &a))
    return NULL;
  hnd *h;
  cl *c = arg_client(&a, &h);
  if (!c)
    goto done;
  uint32_t id, http_plus1;
  char *method, *url;
  int stream;
  int64_t reader_len;
  ATRY(ab_arg_u32(&a, 1, "id", UINT32_MAX, &id));
  ATRY(ab_arg_str(&a, 2, "method", 0, &method));
  ATRY(ab_arg_str(&a, 3, "url", 0, &url));
  ATRY(ab_arg_u32(&a, 6, "http", 3, &http_plus1));
  ATRY(ab_arg_bool(&a, 7, "stream", &stream));
  ATRY(ab_arg_i64(&a, 8, "readerLength", &reader_len));
  r = calloc(1, sizeof *r);
  if (!r) {
    napi_throw_error(env, NULL, "out of memory");
    goto done;
  }
  pthread_mutex_init(&r->rmu, NULL);
  pthread_cond_init(&r->rcv, NULL);
  r->refs = 1;
  r->id = id;
  int rc = sslb_request_new(&r->req, method, url);
  if (rc < 0) {
    char msg[600];
    snprintf(msg, sizeof msg, "%s: %.500s", sslb_strerror(rc), url);
    ab_throw_code(env, rc, msg);
    goto done;
  }
  bool is_array = false;
  if (a.argc > 4)
    NAPI_CALL_GOTO(env, napi_is_array(env, a.argv[4], &is_array), done);
  if (!is_array) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "headers must be an array");
    goto done;
  }
  uint32_t nh;
  NAPI_CALL_GOTO(env, napi_get_array_length(env, a.argv[4], &nh), done);
  for (uint32_t i = 0; i + 1 < nh; i += 2) {
    ab_args sub = {.env = env, .argc = 2};
    NAPI_CALL_GOTO(env, napi_get_element(env, a.argv[4], i, &sub.argv[0]),
                   done);
    NAPI_CALL_GOTO(env, napi_get_element(env, a.argv[4], i + 1, &sub.argv[1]),
                   done);
    char *n, *v;
    if (ab_arg_str(&sub, 0, "header name", 0, &n) < 0 ||
        ab_arg_str(&sub, 1, "header value", 0, &v) < 0) {
      ab_args_free(&sub);
      goto done;
    }
    rc = sslb_request_add_header(r->req, n, v);
    ab_args_free(&sub);
    if (rc < 0) {
      ab_throw_code(env, rc,
                    rc == SSLB_ERR_INVALID_ARGUMENT
                        ? "a header name is empty, or a name or value "
                          "contains CR, LF or NUL"
                        : NULL);
      goto done;
    }
  }
  if (!ab_is_nullish(&a, 5)) {
    const uint8_t *body;
    size_t len;
    ATRY(ab_arg_bytes(&a, 5, "body", &body, &len));
    if (ab_failed(env, sslb_request_set_body(r->req, body, len), K_REQUEST,
                  r->req))
      goto done;
  }
  if (reader_len >= -1 &&
      ab_failed(env, sslb_request_set_body_reader(r->req, on_read, r,
                                                  reader_len),
                K_REQUEST, r->req))
    goto done;
  if (http_plus1 > 0 &&
      ab_failed(env, sslb_request_set_http_policy(r->req, (int)http_plus1 - 1),
                K_REQUEST, r->req))
    goto done;
  if (stream &&
      (ab_failed(env, sslb_request_set_body_sink(r->req, on_body, r), K_REQUEST,
                 r->req) ||
       ab_failed(env, sslb_request_set_head_callback(r->req, on_head, r),
                 K_REQUEST, r->req)))
    goto done;
  hnd *rh;
  napi_value v = ab_wrap(env, K_REQUEST, r, &rh);
  if (!v)
    goto done;
  /* from here the external owns r (refs 1) */
  r->client = c;
  r->refs++; /* in flight */
  pthread_mutex_lock(&c->mu);
  r->next = c->active;
  if (c->active)
    c->active->prev = r;
  c->active = r;
  pthread_mutex_unlock(&c->mu);
  c->inflight++;
  set_ref(env, c, 1);
  rc = sslb_client_submit(c->c, r->req, on_done, r);
  if (rc < 0) {
    pthread_mutex_lock(&c->mu);
    if (r->prev)
      r->prev->next = r->next;
    else
      c->active = r->next;
    if (r->next)
      r->next->prev = r->prev;
    pthread_mutex_unlock(&c->mu);
    r->client = NULL;
    r->refs--;
    c->inflight--;
    if (!c->inflight)
      set_ref(env, c, 0);
    ab_throw_code(env, rc, sslb_request_last_error(r->req));
    r = NULL; /* the external frees it */
    goto done;
  }
  r = NULL;
  ret_ = v;
done:
  if (r)
    rq_unref(r);
  ab_args_free(&a);
  return ret_;
}

static rq *arg_rq(ab_args *a) {
  void *p;
  if (ab_arg_h(a, 0, K_REQUEST, "request", 0, &p, NULL) < 0)
    return NULL;
  return p;
}

/* requestCancel(request): ends it with CANCELLED unless it completed. */
FN(js_request_cancel) {
  ab_args a;
  if (!ab_args_get(env, info, &a))
    return NULL;
  rq *r = arg_rq(&a);
  if (!r)
    return NULL;
  cl *c = r->client;
  if (c) {
    __atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
    pthread_mutex_lock(&c->mu);
    if (!r->done && !c->closing)
      sslb_client_cancel(c->c, r->req);
    pthread_mutex_unlock(&c->mu);
    read_answer(r, NULL, -1);
  }
  return ab_undefined(env);
}

/* requestAck(request, n): JavaScript took n bytes of the streamed body. */
FN(js_request_ack) {
  ab_args a;
  if (!ab_args_get(env, info, &a))
    return NULL;
  rq *r = arg_rq(&a);
  if (!r)
    return NULL;
  int64_t n;
  if (ab_arg_i64(&a, 1, "bytes", &n) < 0)
    return NULL;
  cl *c = r->client;
  int resumed = 0;
  if (c && n > 0) {
    pthread_mutex_lock(&c->mu);
    r->queued = (uint64_t)n > r->queued ? 0 : r->queued - (uint64_t)n;
    if (r->paused && r->queued < STREAM_LOW && !r->done && !c->closing) {
      r->paused = 0;
      sslb_client_resume(c->c, r->req);
      resumed = 1;
    }
    pthread_mutex_unlock(&c->mu);
  }
  return ab_bool(env, resumed);
}

/* requestStreamState(request) -> { queued, paused } (for tests) */
FN(js_request_stream_state) {
  ab_args a;
  if (!ab_args_get(env, info, &a))
    return NULL;
  rq *r = arg_rq(&a);
  if (!r)
    return NULL;
  uint64_t q = 0;
  int p = 0;
  if (r->client) {
    pthread_mutex_lock(&r->client->mu);
    q = r->queued;
    p = r->paused;
    pthread_mutex_unlock(&r->client->mu);
  }
  napi_value o;
  NAPI_CALL(env, napi_create_object(env, &o));
  if (ab_set(env, o, "queued", ab_int(env, (int64_t)q)) ||
      ab_set(env, o, "paused", ab_bool(env, p)))
    return NULL;
  return o;
}

/* requestReadReply(request, data|null|false): the answer to a read event:
 * bytes (at most the size asked for), null for the end, false to abandon
 * the request. */
FN(js_request_read_reply) {
  ab_args a;
  napi_value ret_ = NULL;
  if (!ab_args_get(env, info, &a))
    return NULL;
  rq *r = arg_rq(&a);
  if (!r)
    goto done;
  napi_valuetype t = napi_undefined;
  if (a.argc > 1)
    NAPI_CALL_GOTO(env, napi_typeof(env, a.argv[1], &t), done);
  if (t == napi_null || t == napi_undefined) {
    read_answer(r, NULL, 0);
  } else if (t == napi_boolean) {
    read_answer(r, NULL, -1);
  } else {
    const uint8_t *d;
    size_t len;
    ATRY(ab_arg_bytes(&a, 1, "data", &d, &len));
    read_answer(r, d, (long)len);
  }
  ret_ = ab_undefined(env);
done:
  ab_args_free(&a);
  return ret_;
}

/* responseChain(response) -> [Certificate handle] */
FN(js_response_chain) {
  ab_args a;
  if (!ab_args_get(env, info, &a))
    return NULL;
  void *p;
  if (ab_arg_h(&a, 0, K_RESPONSE, "response", 0, &p, NULL) < 0)
    return NULL;
  resp_hold *hd = p;
  size_t n = sslb_response_peer_chain_length(hd->r);
  napi_value arr;
  NAPI_CALL(env, napi_create_array_with_length(env, n, &arr));
  for (size_t i = 0; i < n; i++) {
    sslb_certificate *cert = NULL;
    if (sslb_response_peer_certificate(hd->r, i, &cert) < 0)
      continue;
    napi_value v = ab_wrap(env, K_CERT, cert, NULL);
    if (!v) {
      sslb_certificate_free(cert);
      return NULL;
    }
    NAPI_CALL(env, napi_set_element(env, arr, (uint32_t)i, v));
  }
  return arr;
}

/* responseClose(response): drops the C response (the body Buffer, which
 * points into it, keeps it until it is collected). */
FN(js_response_close) {
  ab_args a;
  if (!ab_args_get(env, info, &a))
    return NULL;
  napi_valuetype t;
  if (a.argc < 1)
    return ab_undefined(env);
  NAPI_CALL(env, napi_typeof(env, a.argv[0], &t));
  if (t == napi_external) {
    hnd *h;
    NAPI_CALL(env, napi_get_value_external(env, a.argv[0], (void **)&h));
    if (h && h->magic == AB_MAGIC && h->kind == K_RESPONSE && !h->closed &&
        h->p) {
      h->closed = 1;
      hold_unref(env, h->p);
      h->p = NULL;
    }
  }
  return ab_undefined(env);
}

static const ab_export exports[] = {
    {"clientNew", js_client_new},
    {"clientClose", js_client_close},
    {"clientSetTimeouts", js_client_set_timeouts},
    {"clientSetIdleTimeout", js_client_set_idle_timeout},
    {"clientSetMaxBody", js_client_set_max_body},
    {"clientSetRedirects", js_client_set_redirects},
    {"clientSetHttpPolicy", js_client_set_http_policy},
    {"clientSetHostnamePolicy", js_client_set_hostname_policy},
    {"clientSetDecoding", js_client_set_decoding},
    {"clientSetServerName", js_client_set_server_name},
    {"clientUseEnvironmentProxy", js_client_use_environment_proxy},
    {"clientSetProxy", js_client_set_proxy},
    {"clientAddResolve", js_client_add_resolve},
    {"clientAddConnectTo", js_client_add_connect_to},
    {"clientSetIdentity", js_client_set_identity},
    {"clientSetHostnameVerifier", js_client_set_hostname_verifier},
    {"clientConnectionsOpened", js_client_connections_opened},
    {"clientSubmit", js_client_submit},
    {"requestCancel", js_request_cancel},
    {"requestAck", js_request_ack},
    {"requestStreamState", js_request_stream_state},
    {"requestReadReply", js_request_read_reply},
    {"responseChain", js_response_chain},
    {"responseClose", js_response_close},
};

void ab_client_exports(const ab_export **list, size_t *n) {
  *list = exports;
  *n = sizeof exports / sizeof exports[0];
}
