/* sslbind get|post|head URL: a curl-like client on the public API. The body
 * streams to stdout or -o FILE through a body sink, so memory stays
 * constant whatever the size. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define MAX_LIST 64

typedef struct {
  const char *method, *url, *out_path, *data, *engine;
  const char *id_keystore, *id_password, *alias, *key_password;
  const char *cert, *key, *proxy, *noproxy;
  const char *headers[MAX_LIST], *resolve[MAX_LIST], *connect_to[MAX_LIST];
  int nheaders, nresolve, nconnect_to;
  int http_policy, include, location, fail, silent, verbose;
  unsigned long max_redirs;
  unsigned timeout_ms, connect_ms;
  cli_trust_opts trust;
} get_opts;

/* State the head callback and the body sink share (both run on the
 * client's I/O thread while the main thread waits in execute). */
typedef struct {
  const get_opts *o;
  FILE *out;
  int status, write_error, http_error, progress;
  int64_t length, received;
  int64_t start_ns, last_ns;
} transfer;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void human_size(double v, char *buf, size_t n) {
  const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int i = 0;
  while (v >= 1024 && i < 4)
    v /= 1024, i++;
  snprintf(buf, n, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

static void draw_progress(transfer *t, int final) {
  int64_t ns = now_ns();
  if (!final && ns - t->last_ns < 100000000)
    return;
  t->last_ns = ns;
  double secs = (double)(ns - t->start_ns) / 1e9;
  char got[32], total[32], rate[32];
  human_size((double)t->received, got, sizeof got);
  human_size(secs > 0 ? (double)t->received / secs : 0, rate, sizeof rate);
  if (t->length > 0) {
    int pct = (int)(t->received * 100 / t->length), w = 30;
    int fill = pct * w / 100;
    char bar[40];
    for (int i = 0; i < w; i++)
      bar[i] = i < fill ? '#' : ' ';
    bar[w] = 0;
    human_size((double)t->length, total, sizeof total);
    fprintf(stderr, "\r[%s] %3d%%  %s / %s  %s/s   ", bar, pct > 100 ? 100 : pct,
            got, total, rate);
  } else {
    fprintf(stderr, "\r%s  %s/s   ", got, rate);
  }
  if (final)
    fputc('\n', stderr);
  fflush(stderr);
}

static void print_chain(const sslb_response *r) {
  size_t n = sslb_response_peer_chain_length(r);
  int64_t now = (int64_t)time(NULL);
  fprintf(stderr, "* server certificate chain (%zu):\n", n);
  for (size_t i = 0; i < n; i++) {
    sslb_certificate *c;
    if (sslb_response_peer_certificate(r, i, &c) < 0)
      continue;
    fprintf(stderr, "*  [%zu]%s\n", i, i == 0 ? " leaf" : "");
    cli_print_certificate(stderr, "*      ", c, now);
    sslb_certificate_free(c);
  }
}

static int on_head(void *ud, const sslb_response *head) {
  transfer *t = ud;
  const get_opts *o = t->o;
  t->status = sslb_response_status(head);
  const char *cl = sslb_response_header(head, "content-length");
  t->length = cl ? strtoll(cl, NULL, 10) : -1;
  if (o->verbose) {
    fprintf(stderr, "* connected: HTTP/%s, %s, %s, ALPN %s%s\n",
            sslb_response_http_version(head), sslb_response_tls_version(head),
            sslb_response_tls_cipher(head),
            *sslb_response_alpn(head) ? sslb_response_alpn(head) : "(none)",
            sslb_response_tls_resumed(head) ? ", session resumed" : "");
    print_chain(head);
    fprintf(stderr, "< HTTP/%s %d\n", sslb_response_http_version(head), t->status);
    for (size_t i = 0; i < sslb_response_header_count(head); i++)
      fprintf(stderr, "< %s: %s\n", sslb_response_header_name(head, i),
              sslb_response_header_value(head, i));
    fputs("<\n", stderr);
  }
  if (o->fail && t->status >= 400) {
    t->http_error = 1;
    return 1;
  }
  if (o->include) {
    fprintf(t->out, "HTTP/%s %d\r\n", sslb_response_http_version(head), t->status);
    for (size_t i = 0; i < sslb_response_header_count(head); i++)
      fprintf(t->out, "%s: %s\r\n", sslb_response_header_name(head, i),
              sslb_response_header_value(head, i));
    fputs("\r\n", t->out);
  }
  t->start_ns = t->last_ns = now_ns();
  return 0;
}

static int on_body(void *ud, const uint8_t *data, size_t len) {
  transfer *t = ud;
  if (fwrite(data, 1, len, t->out) != len) {
    t->write_error = 1;
    return 1;
  }
  t->received += (int64_t)len;
  if (t->progress)
    draw_progress(t, 0);
  return 0;
}

/* The host of an https URL, without brackets or port. */
static void url_host(const char *url, char *host, size_t n) {
  const char *p = strstr(url, "://");
  p = p ? p + 3 : url;
  const char *at = strpbrk(p, "@/?#");
  if (at && *at == '@')
    p = at + 1;
  size_t len;
  if (*p == '[') {
    p++;
    len = strcspn(p, "]");
  } else {
    len = strcspn(p, ":/?#");
  }
  if (len >= n)
    len = n - 1;
  memcpy(host, p, len);
  host[len] = 0;
}

static int engine_kind(const char *name) {
  static const char *names[] = {"native", "apache", "java", "jetty",
                                "cio", "android", "okhttp"};
  for (int i = 0; i < 7; i++)
    if (!strcmp(name, names[i]))
      return i;
  return -1;
}

static int android_ssl_manager(void *ud, sslb_connection *conn) {
  return sslb_connection_set_socket_factory(conn, ud);
}

/* HOST:PORT:REST -> host, port, rest (IPv6 hosts in brackets). */
static int split_host_port(const char *s, char *host, size_t hn,
                           unsigned long *port, const char **rest) {
  const char *colon;
  if (*s == '[') {
    const char *end = strchr(s, ']');
    if (!end || end[1] != ':')
      return -1;
    if ((size_t)(end - s - 1) >= hn)
      return -1;
    memcpy(host, s + 1, (size_t)(end - s - 1));
    host[end - s - 1] = 0;
    colon = end + 1;
  } else {
    colon = strchr(s, ':');
    if (!colon || (size_t)(colon - s) >= hn)
      return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = 0;
  }
  const char *p = colon + 1, *next = strchr(p, ':');
  char num[16];
  size_t len = next ? (size_t)(next - p) : strlen(p);
  if (len >= sizeof num)
    return -1;
  memcpy(num, p, len);
  num[len] = 0;
  if (len == 0)
    *port = 0;
  else if (cli_parse_uint(num, 65535, port) < 0)
    return -1;
  *rest = next ? next + 1 : NULL;
  return 0;
}

static int parse_args(get_opts *o, int argc, char **argv, const char *cmd) {
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    int t = cli_trust_option(&o->trust, argc, argv, &i);
    if (t < 0)
      return cli_usage_error(cmd, "%s needs a value", a);
    if (t > 0)
      continue;
    if (!strcmp(a, "--http1.1"))
      o->http_policy = SSLB_HTTP_1_1;
    else if (!strcmp(a, "--http2"))
      o->http_policy = SSLB_HTTP_2;
    else if (!strcmp(a, "-i") || !strcmp(a, "--include"))
      o->include = 1;
    else if (!strcmp(a, "-L") || !strcmp(a, "--location"))
      o->location = 1;
    else if (!strcmp(a, "-f") || !strcmp(a, "--fail"))
      o->fail = 1;
    else if (!strcmp(a, "-s") || !strcmp(a, "--silent"))
      o->silent = 1;
    else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
      o->verbose = 1;
    else if (a[0] == '-' && a[1]) {
      if (i + 1 >= argc)
        return cli_usage_error(cmd, "%s: unknown option or missing value", a);
      const char *v = argv[++i];
      unsigned long n;
      if (!strcmp(a, "-o") || !strcmp(a, "--output"))
        o->out_path = v;
      else if (!strcmp(a, "-d") || !strcmp(a, "--data"))
        o->data = v;
      else if (!strcmp(a, "-X") || !strcmp(a, "--request"))
        o->method = v;
      else if (!strcmp(a, "-H") || !strcmp(a, "--header")) {
        if (o->nheaders == MAX_LIST)
          return cli_usage_error(cmd, "too many -H options");
        o->headers[o->nheaders++] = v;
      } else if (!strcmp(a, "--engine"))
        o->engine = v;
      else if (!strcmp(a, "--identity-keystore"))
        o->id_keystore = v;
      else if (!strcmp(a, "--identity-password"))
        o->id_password = v;
      else if (!strcmp(a, "--alias"))
        o->alias = v;
      else if (!strcmp(a, "--key-password"))
        o->key_password = v;
      else if (!strcmp(a, "--cert"))
        o->cert = v;
      else if (!strcmp(a, "--key"))
        o->key = v;
      else if (!strcmp(a, "--proxy"))
        o->proxy = v;
      else if (!strcmp(a, "--noproxy"))
        o->noproxy = v;
      else if (!strcmp(a, "--max-redirs")) {
        if (cli_parse_uint(v, 1000, &n) < 0)
          return cli_usage_error(cmd, "--max-redirs: expected 0..1000, got \"%s\"", v);
        o->max_redirs = n;
      } else if (!strcmp(a, "--timeout") || !strcmp(a, "-m") ||
                 !strcmp(a, "--max-time")) {
        if (cli_parse_seconds(v, &o->timeout_ms) < 0)
          return cli_usage_error(cmd, "%s: expected seconds, got \"%s\"", a, v);
      } else if (!strcmp(a, "--connect-timeout")) {
        if (cli_parse_seconds(v, &o->connect_ms) < 0)
          return cli_usage_error(cmd, "%s: expected seconds, got \"%s\"", a, v);
      } else if (!strcmp(a, "--resolve")) {
        if (o->nresolve == MAX_LIST)
          return cli_usage_error(cmd, "too many --resolve options");
        o->resolve[o->nresolve++] = v;
      } else if (!strcmp(a, "--connect-to")) {
        if (o->nconnect_to == MAX_LIST)
          return cli_usage_error(cmd, "too many --connect-to options");
        o->connect_to[o->nconnect_to++] = v;
      } else
        return cli_usage_error(cmd, "unknown option %s", a);
    } else if (!o->url)
      o->url = a;
    else
      return cli_usage_error(cmd, "unexpected argument \"%s\"", a);
  }
  if (!o->url)
    return cli_usage_error(cmd, "no URL given");
  if (o->trust.insecure && (o->trust.keystore || o->trust.cacert))
    return cli_usage_error(cmd, "--insecure cannot be combined with --keystore or --cacert");
  if (o->trust.password && !o->trust.keystore)
    return cli_usage_error(cmd, "--password applies to --keystore");
  if ((o->cert || o->key) && (!o->cert || !o->key))
    return cli_usage_error(cmd, "--cert and --key go together");
  if (o->cert && o->id_keystore)
    return cli_usage_error(cmd, "give either --identity-keystore or --cert/--key");
  if (o->engine && engine_kind(o->engine) < 0)
    return cli_usage_error(cmd, "--engine: unknown engine \"%s\" (apache, java, "
                           "jetty, cio, android, okhttp, native)", o->engine);
  return 0;
}

/* The client identity as a keystore: --identity-keystore, or --cert/--key
 * read as one PEM bundle. */
static int load_identity(const get_opts *o, sslb_keystore **out) {
  sslb_keystore *ks = NULL;
  int rc = sslb_keystore_new(&ks);
  *out = NULL;
  if (rc < 0)
    return cli_fail(CLI_EXIT_OTHER, rc, NULL);
  char msg[1024];
  if (o->id_keystore) {
    if ((rc = sslb_keystore_load_file(ks, o->id_keystore, o->id_password)) < 0) {
      const char *detail = sslb_keystore_last_error(ks);
      if (strstr(detail, o->id_keystore))
        snprintf(msg, sizeof msg, "--identity-keystore %s", detail);
      else
        snprintf(msg, sizeof msg, "--identity-keystore %s: %s", o->id_keystore, detail);
      sslb_keystore_free(ks);
      return cli_fail(CLI_EXIT_KEYSTORE, rc, msg);
    }
  } else {
    size_t clen, klen;
    uint8_t *c = cli_read_file(o->cert, &clen), *k = cli_read_file(o->key, &klen);
    uint8_t *both = c && k ? malloc(clen + klen + 2) : NULL;
    if (!both) {
      snprintf(msg, sizeof msg, "cannot read %s", !c ? o->cert : o->key);
      free(c), free(k), sslb_keystore_free(ks);
      return cli_fail(CLI_EXIT_FILE, SSLB_ERR_IO, msg);
    }
    memcpy(both, c, clen);
    both[clen] = '\n';
    memcpy(both + clen + 1, k, klen);
    rc = sslb_keystore_load(ks, both, clen + klen + 1, o->key_password);
    free(c), free(k), free(both);
    if (rc < 0) {
      snprintf(msg, sizeof msg, "--cert %s --key %s: %s", o->cert, o->key,
               sslb_keystore_last_error(ks));
      sslb_keystore_free(ks);
      return cli_fail(CLI_EXIT_KEYSTORE, rc, msg);
    }
  }
  *out = ks;
  return 0;
}

/* Objects kept alive as long as the client. */
typedef struct {
  sslb_trust_manager *tm;
  sslb_keystore *identity;
  sslb_key_manager *km;
  sslb_ssl_context *ctx;
  sslb_socket_factory *sf;
  sslb_ssl_context_factory *scf;
  sslb_engine *engine;
} client_parts;

static void parts_free(client_parts *p) {
  sslb_engine_free(p->engine);
  sslb_ssl_context_factory_free(p->scf);
  sslb_socket_factory_free(p->sf);
  sslb_ssl_context_free(p->ctx);
  sslb_key_manager_free(p->km);
  sslb_keystore_free(p->identity);
  sslb_trust_manager_free(p->tm);
}

/* Builds the engine of the chosen style from the trust and identity
 * options, each the way that Ktor engine takes its SSL configuration. */
static int build_client(const get_opts *o, const char *host, client_parts *p,
                        sslb_client **out) {
  int kind = o->engine ? engine_kind(o->engine) : SSLB_ENGINE_NATIVE;
  int status, rc;
  char msg[1024];
  /* OkHttp pins through its certificatePinner, the others in the trust
   * manager */
  if ((status = cli_build_trust(&o->trust, host, kind != SSLB_ENGINE_OKHTTP, &p->tm)))
    return status;
  if ((o->id_keystore || o->cert) && (status = load_identity(o, &p->identity)))
    return status;
  if (p->identity && kind != SSLB_ENGINE_CIO &&
      (rc = sslb_key_manager_new(&p->km, p->identity, o->alias, o->key_password)) < 0) {
    snprintf(msg, sizeof msg, "client identity: %s", sslb_keystore_last_error(p->identity));
    return cli_fail(CLI_EXIT_KEYSTORE, rc, msg);
  }
  if ((rc = sslb_engine_new(&p->engine, kind)) < 0)
    return cli_fail(CLI_EXIT_OTHER, rc, NULL);
  if (kind != SSLB_ENGINE_CIO && (rc = sslb_ssl_context_new(&p->ctx, p->km, p->tm)) < 0)
    return cli_fail(cli_exit_for(rc) == CLI_EXIT_USAGE ? CLI_EXIT_OTHER : cli_exit_for(rc),
                    rc, "SSL context");
  switch (kind) {
  case SSLB_ENGINE_NATIVE:
  case SSLB_ENGINE_APACHE: /* sslContext = ... */
  case SSLB_ENGINE_JAVA:   /* config { sslContext(...) } */
    rc = sslb_engine_set_ssl_context(p->engine, p->ctx);
    break;
  case SSLB_ENGINE_JETTY: /* sslContextFactory = SslContextFactory.Client() */
    rc = sslb_ssl_context_factory_new(&p->scf);
    if (rc == 0)
      rc = sslb_ssl_context_factory_set_ssl_context(p->scf, p->ctx);
    if (rc == 0)
      rc = sslb_engine_set_ssl_context_factory(p->engine, p->scf);
    break;
  case SSLB_ENGINE_CIO: /* https { trustManager = ...; addKeyStore(...) } */
    rc = sslb_engine_set_trust_manager(p->engine, p->tm);
    if (rc == 0 && p->identity)
      rc = sslb_engine_add_key_store(p->engine, p->identity, o->key_password, o->alias);
    break;
  case SSLB_ENGINE_ANDROID: /* sslManager = { conn -> conn.sslSocketFactory = ... } */
    rc = sslb_ssl_context_socket_factory(p->ctx, &p->sf);
    if (rc == 0)
      rc = sslb_engine_set_ssl_manager(p->engine, android_ssl_manager, p->sf);
    break;
  case SSLB_ENGINE_OKHTTP: /* sslSocketFactory(factory, trustManager) */
    rc = sslb_ssl_context_socket_factory(p->ctx, &p->sf);
    if (rc == 0)
      rc = sslb_engine_set_ssl_socket_factory(p->engine, p->sf, p->tm);
    for (int i = 0; rc == 0 && i < o->trust.npins; i++) {
      char pattern[256];
      const char *pin = cli_split_pin(o->trust.pins[i], host, pattern, sizeof pattern);
      rc = sslb_engine_add_certificate_pin(p->engine, pattern, pin);
    }
    break;
  }
  if (rc < 0)
    return cli_fail(rc == SSLB_ERR_INVALID_ARGUMENT ? CLI_EXIT_USAGE : cli_exit_for(rc),
                    rc, sslb_engine_last_error(p->engine));
  if ((rc = sslb_client_new_from_engine(out, p->engine)) < 0)
    return cli_fail(cli_exit_for(rc) == CLI_EXIT_USAGE ? CLI_EXIT_OTHER : cli_exit_for(rc),
                    rc, sslb_engine_last_error(p->engine));
  return 0;
}

static int configure_client(const get_opts *o, sslb_client *c, const char *cmd) {
  int rc = 0;
  char host[256];
  unsigned long port, port2;
  const char *rest;
  if (o->http_policy)
    rc = sslb_client_set_http_policy(c, o->http_policy);
  /* curl's defaults: no overall deadline unless --timeout */
  if (rc == 0)
    rc = sslb_client_set_timeouts(c, o->connect_ms ? o->connect_ms : 10000, o->timeout_ms);
  if (rc == 0 && o->location)
    rc = sslb_client_set_redirects(c, o->max_redirs ? (unsigned)o->max_redirs : 50);
  if (rc < 0)
    return cli_fail(CLI_EXIT_USAGE, rc, NULL);
  for (int i = 0; i < o->nresolve; i++) {
    if (split_host_port(o->resolve[i], host, sizeof host, &port, &rest) < 0 || !rest ||
        !port)
      return cli_usage_error(cmd, "--resolve %s: expected HOST:PORT:ADDRESS", o->resolve[i]);
    char addr[64];
    snprintf(addr, sizeof addr, "%s", rest);
    size_t l = strlen(addr);
    if (addr[0] == '[' && l > 2 && addr[l - 1] == ']') {
      memmove(addr, addr + 1, l - 2);
      addr[l - 2] = 0;
    }
    if ((rc = sslb_client_add_resolve(c, host, (unsigned)port, addr)) < 0)
      return cli_usage_error(cmd, "--resolve %s: not an IP address", o->resolve[i]);
  }
  for (int i = 0; i < o->nconnect_to; i++) {
    char host2[256];
    const char *rest2;
    if (split_host_port(o->connect_to[i], host, sizeof host, &port, &rest) < 0 || !rest)
      return cli_usage_error(cmd, "--connect-to %s: expected HOST1:PORT1:HOST2:PORT2",
                             o->connect_to[i]);
    char tail[300];
    snprintf(tail, sizeof tail, "%s", rest);
    if (split_host_port(tail, host2, sizeof host2, &port2, &rest2) < 0 || rest2)
      return cli_usage_error(cmd, "--connect-to %s: expected HOST1:PORT1:HOST2:PORT2",
                             o->connect_to[i]);
    if ((rc = sslb_client_add_connect_to(c, host, (unsigned)port, host2, (unsigned)port2)) < 0)
      return cli_usage_error(cmd, "--connect-to %s: invalid", o->connect_to[i]);
  }
  if (o->proxy || o->noproxy) {
    if ((rc = sslb_client_set_proxy(c, o->proxy, o->noproxy)) < 0)
      return cli_fail(CLI_EXIT_USAGE, rc, "--proxy: expected http://HOST:PORT");
  } else if ((rc = sslb_client_use_environment_proxy(c)) < 0) {
    return cli_fail(CLI_EXIT_USAGE, rc, "proxy from the environment is malformed");
  }
  return 0;
}

static int add_request_parts(const get_opts *o, sslb_request *r, const char *cmd,
                             uint8_t **data_buf) {
  int rc;
  for (int i = 0; i < o->nheaders; i++) {
    const char *h = o->headers[i], *colon = strchr(h, ':');
    char name[256];
    if (!colon || colon == h || (size_t)(colon - h) >= sizeof name)
      return cli_usage_error(cmd, "-H \"%s\": expected 'Name: value'", h);
    memcpy(name, h, (size_t)(colon - h));
    name[colon - h] = 0;
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
      v++;
    if ((rc = sslb_request_add_header(r, name, v)) < 0)
      return cli_usage_error(cmd, "-H \"%s\": invalid header", h);
  }
  if (o->data) {
    const uint8_t *p = (const uint8_t *)o->data;
    size_t len = strlen(o->data);
    if (o->data[0] == '@') {
      if (!(*data_buf = cli_read_file(o->data + 1, &len))) {
        char msg[1024];
        snprintf(msg, sizeof msg, "-d @%s: cannot read the file", o->data + 1);
        return cli_fail(CLI_EXIT_FILE, SSLB_ERR_IO, msg);
      }
      p = *data_buf;
    }
    if ((rc = sslb_request_set_body(r, p, len)) < 0)
      return cli_fail(CLI_EXIT_OTHER, rc, NULL);
  }
  return 0;
}

/* A verification failure's message is the verifier's multi-line report:
 * keep its first line and the reason of its "result:" line. */
static void one_line_error(const char *m, char *buf, size_t n) {
  size_t first = strcspn(m, "\n");
  if (!m[first]) {
    snprintf(buf, n, "%s", m);
    return;
  }
  while (first && (m[first - 1] == ':' || m[first - 1] == ' '))
    first--;
  const char *res = strstr(m, "\nresult: ");
  if (!res) {
    snprintf(buf, n, "%.*s", (int)first, m);
    return;
  }
  res += 9;
  const char *colon = strstr(res, ": ");
  size_t rl = strcspn(res, "\n");
  if (colon && (size_t)(colon - res) < rl) {
    rl -= (size_t)(colon + 2 - res);
    res = colon + 2;
  }
  snprintf(buf, n, "%.*s: %.*s (sslbind verify explains)", (int)first, m, (int)rl, res);
}

int cli_get(int argc, char **argv, const char *method) {
  const char *cmd = !strcmp(method, "GET") ? "get" : !strcmp(method, "POST") ? "post" : "head";
  for (int i = 0; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
      return cli_help(stdout, cmd);
  get_opts o = {0};
  int status = parse_args(&o, argc, argv, cmd);
  if (status)
    return status;
  if (!o.method)
    o.method = !strcmp(method, "GET") && o.data ? "POST" : method;
  /* --insecure: the library warns on stderr, naming what the check would
   * have refused, once per client (that is, once per run) */

  char host[256];
  url_host(o.url, host, sizeof host);
  client_parts parts = {0};
  sslb_client *client = NULL;
  sslb_request *req = NULL;
  sslb_response *resp = NULL;
  uint8_t *data_buf = NULL;
  FILE *out = stdout;
  transfer t = {.o = &o, .length = -1};

  int rc = sslb_request_new(&req, o.method, o.url);
  if (rc < 0) {
    char msg[1024];
    snprintf(msg, sizeof msg, "%s: %s", o.url, sslb_strerror(rc));
    status = cli_fail(CLI_EXIT_USAGE, rc, msg);
    goto out;
  }
  if ((status = add_request_parts(&o, req, cmd, &data_buf)))
    goto out;
  if ((status = build_client(&o, host, &parts, &client)))
    goto out;
  if ((status = configure_client(&o, client, cmd)))
    goto out;
  if (o.out_path && !(out = fopen(o.out_path, "wb"))) {
    char msg[1024];
    snprintf(msg, sizeof msg, "-o %s: cannot open for writing", o.out_path);
    out = stdout;
    status = cli_fail(CLI_EXIT_FILE, SSLB_ERR_IO, msg);
    goto out;
  }
  t.out = out;
  t.progress = o.out_path && !o.silent && !o.verbose && isatty(2);
  sslb_request_set_head_callback(req, on_head, &t);
  sslb_request_set_body_sink(req, on_body, &t);
  if (o.verbose) {
    fprintf(stderr, "> %s %s\n", o.method, o.url);
    for (int i = 0; i < o.nheaders; i++)
      fprintf(stderr, "> %s\n", o.headers[i]);
    fputs(">\n", stderr);
  }
  rc = sslb_client_execute(client, req, &resp);
  if (t.progress && rc == 0)
    draw_progress(&t, 1);
  else if (t.progress && t.received)
    fputc('\n', stderr);
  if (fflush(out) != 0)
    t.write_error = 1;
  if (rc < 0 && t.http_error) {
    fprintf(stderr, "sslbind: HTTP_ERROR: the server answered %d (--fail)\n", t.status);
    status = CLI_EXIT_HTTP;
  } else if (rc < 0 && t.write_error) {
    status = cli_fail(CLI_EXIT_FILE, SSLB_ERR_IO, "cannot write the response body");
  } else if (rc < 0) {
    char msg[1024];
    one_line_error(sslb_request_last_error(req), msg, sizeof msg);
    status = cli_fail(rc == SSLB_ERR_CANCELLED ? CLI_EXIT_OTHER : cli_exit_for(rc), rc, msg);
    if (o.verbose && strchr(sslb_request_last_error(req), '\n'))
      fprintf(stderr, "* %s\n", sslb_request_last_error(req));
  } else if (t.write_error) {
    status = cli_fail(CLI_EXIT_FILE, SSLB_ERR_IO, "cannot write the response body");
  }
out:
  if (out != stdout && fclose(out) != 0 && !status)
    status = cli_fail(CLI_EXIT_FILE, SSLB_ERR_IO, "cannot write the output file");
  sslb_response_free(resp);
  sslb_request_free(req);
  sslb_client_free(client);
  parts_free(&parts);
  free(data_buf);
  return status;
}
