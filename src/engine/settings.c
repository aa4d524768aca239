/* The Ktor page's SslSettings object: keystore.jks read once, and the trust
 * manager and SSL context that come from it. */
#include <stdlib.h>

#include "internal.h"

struct sslb_ssl_settings {
  sslb_keystore *ks;
  sslb_trust_manager *tm;
  sslb_ssl_context *ctx;
  sslb__err err;
};

int sslb_ssl_settings_new(sslb_ssl_settings **out) {
  if (!out)
    return SSLB_ERR_INVALID_ARGUMENT;
  *out = calloc(1, sizeof **out);
  return *out ? 0 : SSLB_ERR_NO_MEMORY;
}

static void clear(sslb_ssl_settings *s) {
  sslb_ssl_context_free(s->ctx);
  sslb_trust_manager_free(s->tm);
  sslb_keystore_free(s->ks);
  s->ctx = NULL;
  s->tm = NULL;
  s->ks = NULL;
}

void sslb_ssl_settings_free(sslb_ssl_settings *s) {
  if (!s)
    return;
  clear(s);
  free(s);
}

const char *sslb_ssl_settings_last_error(const sslb_ssl_settings *s) {
  return s ? s->err.msg : "settings handle is NULL";
}

int sslb_ssl_settings_load(sslb_ssl_settings *s, const char *path,
                           const char *password) {
  if (!s || !path)
    return SSLB_ERR_INVALID_ARGUMENT;
  s->err.msg[0] = 0;
  sslb_keystore *ks = NULL;
  sslb_trust_builder *b = NULL;
  sslb_trust_manager *tm = NULL;
  sslb_ssl_context *ctx = NULL;
  int rc = sslb_keystore_new(&ks);
  if (rc == 0 && (rc = sslb_keystore_load_file(ks, path, password)) < 0)
    sslb__fail(&s->err, rc, "%s", sslb_keystore_last_error(ks));
  /* TrustManagerFactory.init(keyStore): the store's certificates only */
  if (rc == 0)
    rc = sslb_trust_builder_new(&b);
  if (rc == 0)
    rc = sslb_trust_builder_replace_defaults(b);
  if (rc == 0)
    rc = sslb_trust_builder_add_keystore(b, ks);
  if (rc == 0 && (rc = sslb_trust_builder_build(b, &tm)) < 0)
    sslb__fail(&s->err, rc, "%s", sslb_trust_builder_last_error(b));
  if (rc == 0 && sslb_trust_manager_anchor_count(tm) == 0)
    rc = sslb__fail(&s->err, SSLB_ERR_NOT_FOUND,
                    "%s holds no certificate to trust", path);
  /* SSLContext.init(null, trustManagers, null) */
  if (rc == 0 && (rc = sslb_ssl_context_new(&ctx, NULL, tm)) < 0)
    sslb__fail(&s->err, rc, "the SSL context could not be made: %s",
               sslb_strerror(rc));
  sslb_trust_builder_free(b);
  if (rc < 0) {
    if (!s->err.msg[0])
      sslb__fail(&s->err, rc, "%s", sslb_strerror(rc));
    sslb_ssl_context_free(ctx);
    sslb_trust_manager_free(tm);
    sslb_keystore_free(ks);
    return rc;
  }
  clear(s);
  s->ks = ks;
  s->tm = tm;
  s->ctx = ctx;
  return 0;
}

sslb_keystore *sslb_ssl_settings_keystore(sslb_ssl_settings *s) {
  return s ? s->ks : NULL;
}

int sslb_ssl_settings_trust_manager(sslb_ssl_settings *s,
                                    sslb_trust_manager **out) {
  if (!out)
    return SSLB_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (!s || !s->tm)
    return s ? sslb__fail(&s->err, SSLB_ERR_INVALID_ARGUMENT,
                          "no keystore loaded")
             : SSLB_ERR_INVALID_ARGUMENT;
  *out = sslb_trust_manager_ref(s->tm);
  return 0;
}

int sslb_ssl_settings_ssl_context(sslb_ssl_settings *s,
                                  sslb_ssl_context **out) {
  if (!out)
    return SSLB_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (!s || !s->ctx)
    return s ? sslb__fail(&s->err, SSLB_ERR_INVALID_ARGUMENT,
                          "no keystore loaded")
             : SSLB_ERR_INVALID_ARGUMENT;
  *out = sslb_ssl_context_ref(s->ctx);
  return 0;
}
