/* Key managers, SSL contexts (with SSLParameters-like restrictions), socket
 * factories and SslSettings: everything short of a connection. Handshakes
 * with these objects are in tests/interop. */
#include <criterion/criterion.h>
#include <string.h>

#include "support.h"

Test(key_manager, from_keystore_entries) {
  sslb_keystore *ks = load_fixture("small.jks", STORE_PW);
  sslb_key_manager *km = NULL;
  cr_assert_eq(sslb_key_manager_new(&km, ks, NULL, NULL), 0);
  cr_assert_eq(sslb_key_manager_count(km), 1); /* "ca" is a trusted cert */
  cr_assert_str_eq(sslb_key_manager_alias(km, 0), "server");
  cr_assert_not_null(sslb_key_manager_certificate(km, 0));
  cr_assert_null(sslb_key_manager_alias(km, 1));
  cr_assert_null(sslb_key_manager_certificate(km, 1));
  /* the key manager outlives the store */
  sslb_keystore_free(ks);
  cr_assert_str_eq(sslb_key_manager_alias(km, 0), "server");
  cr_assert_eq(sslb_key_manager_ref(km), km);
  sslb_key_manager_free(km);
  sslb_key_manager_free(km);
}

Test(key_manager, refusals_name_the_problem) {
  sslb_keystore *ks = load_fixture("small.jks", STORE_PW);
  sslb_key_manager *km = (sslb_key_manager *)1;
  cr_assert_eq(sslb_key_manager_new(NULL, ks, NULL, NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_key_manager_new(&km, NULL, NULL, NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_null(km);
  cr_assert_eq(sslb_key_manager_new(&km, ks, "nobody", NULL), SSLB_ERR_NOT_FOUND);
  cr_assert_eq(sslb_key_manager_new(&km, ks, "ca", NULL), SSLB_ERR_WRONG_ENTRY_KIND);
  cr_assert(strstr(sslb_keystore_last_error(ks), "'ca'"));
  sslb_keystore_free(ks);
  /* a store with trusted certificates only */
  ks = load_fixture("nopass.p12", NULL);
  cr_assert_eq(sslb_key_manager_new(&km, ks, NULL, NULL), SSLB_ERR_NOT_FOUND);
  cr_assert(strstr(sslb_keystore_last_error(ks), "no private-key entry"));
  sslb_keystore_free(ks);
  cr_assert_eq(sslb_key_manager_count(NULL), 0);
  cr_assert_null(sslb_key_manager_alias(NULL, 0));
  cr_assert_null(sslb_key_manager_ref(NULL));
  sslb_key_manager_free(NULL);
}

Test(key_manager, locked_keys_need_their_password) {
  sslb_keystore *ks = load_fixture("keypw.jks", STORE_PW);
  sslb_key_manager *km = NULL;
  cr_assert_eq(sslb_key_manager_new(&km, ks, "rsakey", NULL), SSLB_ERR_KEY_LOCKED);
  cr_assert(strstr(sslb_keystore_last_error(ks), "locked"));
  cr_assert_eq(sslb_key_manager_new(&km, ks, "rsakey", "Xq7-not-it"), SSLB_ERR_BAD_KEY_PASSWORD);
  cr_assert_null(strstr(sslb_keystore_last_error(ks), "Xq7"), "no password in messages");
  cr_assert_eq(sslb_key_manager_new(&km, ks, "rsakey", KEY_PW), 0);
  cr_assert_eq(sslb_key_manager_count(km), 1);
  sslb_key_manager_free(km);
  sslb_keystore_free(ks);
}

Test(ssl_context, defaults_and_managers) {
  sslb_keystore *ks = load_fixture("small.p12", STORE_PW);
  sslb_key_manager *km;
  sslb_trust_builder *b;
  sslb_trust_manager *tm;
  cr_assert_eq(sslb_key_manager_new(&km, ks, "server", NULL), 0);
  cr_assert_eq(sslb_trust_builder_new(&b), 0);
  cr_assert_eq(sslb_trust_builder_replace_defaults(b), 0);
  cr_assert_eq(sslb_trust_builder_add_keystore(b, ks), 0);
  cr_assert_eq(sslb_trust_builder_build(b, &tm), 0);
  sslb_trust_builder_free(b);
  sslb_keystore_free(ks);

  sslb_ssl_context *ctx = (sslb_ssl_context *)1;
  cr_assert_eq(sslb_ssl_context_new(NULL, km, tm), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_ssl_context_new(&ctx, km, tm), 0);
  cr_assert_eq(sslb_ssl_context_trust_manager(ctx), tm);
  cr_assert_eq(sslb_ssl_context_key_manager(ctx), km);
  cr_assert_str_eq(sslb_ssl_context_protocols(ctx), "TLSv1.3,TLSv1.2");
  cr_assert_str_eq(sslb_ssl_context_cipher_suites(ctx), "");
  const char *prio = sslb_ssl_context_priority(ctx);
  cr_assert(strstr(prio, "+VERS-TLS1.3") && strstr(prio, "+VERS-TLS1.2"), "%s", prio);
  cr_assert(strstr(prio, "+AEAD"), "%s", prio);
  /* the context holds its own references */
  sslb_key_manager_free(km);
  sslb_trust_manager_free(tm);
  cr_assert_str_eq(sslb_key_manager_alias(sslb_ssl_context_key_manager(ctx), 0), "server");

  /* a socket factory keeps its context alive */
  sslb_socket_factory *f = NULL;
  cr_assert_eq(sslb_ssl_context_socket_factory(NULL, &f), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_ssl_context_socket_factory(ctx, &f), 0);
  cr_assert_eq(sslb_socket_factory_context(f), ctx);
  cr_assert_eq(sslb_socket_factory_ref(f), f);
  sslb_socket_factory_free(f);
  sslb_ssl_context_free(ctx);
  cr_assert_str_eq(sslb_ssl_context_protocols(sslb_socket_factory_context(f)),
                   "TLSv1.3,TLSv1.2");

  /* a client made from it */
  sslb_client *c = (sslb_client *)1;
  cr_assert_eq(sslb_client_new_with_context(&c, NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_null(c);
  cr_assert_eq(sslb_client_new_with_context(&c, sslb_socket_factory_context(f)), 0);
  sslb_socket_factory_free(f);
  sslb_client_free(c);

  cr_assert_null(sslb_ssl_context_trust_manager(NULL));
  cr_assert_null(sslb_ssl_context_key_manager(NULL));
  cr_assert_null(sslb_socket_factory_context(NULL));
  sslb_ssl_context_free(NULL);
  sslb_socket_factory_free(NULL);
}

static sslb_ssl_context *build(const char *protocols, const char *suites, int expect,
                               const char *message) {
  sslb_ssl_context_builder *b;
  cr_assert_eq(sslb_ssl_context_builder_new(&b), 0);
  int rc = sslb_ssl_context_builder_set_protocols(b, protocols);
  if (rc == 0)
    rc = sslb_ssl_context_builder_set_cipher_suites(b, suites);
  sslb_ssl_context *ctx = NULL;
  if (rc == 0)
    rc = sslb_ssl_context_builder_build(b, &ctx);
  cr_assert_eq(rc, expect, "%s / %s: %s", protocols, suites,
               sslb_ssl_context_builder_last_error(b));
  if (message)
    cr_assert(strstr(sslb_ssl_context_builder_last_error(b), message), "%s",
              sslb_ssl_context_builder_last_error(b));
  sslb_ssl_context_builder_free(b);
  return ctx;
}

Test(ssl_context, parameters_restrict_versions_and_suites) {
  sslb_ssl_context *ctx = build("TLSv1.3", NULL, 0, NULL);
  cr_assert_str_eq(sslb_ssl_context_protocols(ctx), "TLSv1.3");
  cr_assert_null(strstr(sslb_ssl_context_priority(ctx), "TLS1.2"));
  sslb_ssl_context_free(ctx);

  ctx = build(" TLSv1.2 , ", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "
              "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0, NULL);
  const char *p = sslb_ssl_context_priority(ctx);
  cr_assert_str_eq(sslb_ssl_context_protocols(ctx), "TLSv1.2");
  cr_assert(strstr(p, ":-CIPHER-ALL:+AES-128-GCM:-MAC-ALL"), "cipher named once: %s", p);
  cr_assert(strstr(p, ":-KX-ALL:+ECDHE-RSA:+ECDHE-ECDSA"), "%s", p);
  sslb_ssl_context_free(ctx);

  /* only TLS 1.3 suites: TLS 1.2 has nothing left, as in JSSE */
  ctx = build(NULL, "TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256", 0, NULL);
  cr_assert_str_eq(sslb_ssl_context_protocols(ctx), "TLSv1.3");
  cr_assert_str_eq(sslb_ssl_context_cipher_suites(ctx),
                   "TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256");
  /* a derived context keeps them */
  sslb_ssl_context_builder *b;
  sslb_ssl_context *d;
  cr_assert_eq(sslb_ssl_context_builder_new(&b), 0);
  cr_assert_eq(sslb_ssl_context_builder_init_from(b, NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_ssl_context_builder_init_from(b, ctx), 0);
  cr_assert_eq(sslb_ssl_context_builder_build(b, &d), 0);
  cr_assert_str_eq(sslb_ssl_context_priority(d), sslb_ssl_context_priority(ctx));
  cr_assert_eq(sslb_ssl_context_trust_manager(d), sslb_ssl_context_trust_manager(ctx));
  sslb_ssl_context_free(d);
  sslb_ssl_context_builder_free(b);
  sslb_ssl_context_free(ctx);

  cr_assert_null(build("TLSv1.2", "TLS_AES_128_GCM_SHA256", SSLB_ERR_UNSUPPORTED,
                       "no enabled protocol"));
  cr_assert_null(build("TLSv1.1", NULL, SSLB_ERR_UNSUPPORTED, "TLSv1.1 is not supported"));
  cr_assert_null(build("SSLv3,TLSv1.3", NULL, SSLB_ERR_UNSUPPORTED, "SSLv3"));
  cr_assert_null(build("TLS1.3", NULL, SSLB_ERR_INVALID_ARGUMENT, "unknown protocol 'TLS1.3'"));
  cr_assert_null(build(NULL, "TLS_RSA_WITH_AES_128_CBC_SHA", SSLB_ERR_UNSUPPORTED,
                       "forward-secret AEAD"));
  cr_assert_null(build(NULL, "TLS_RSA_WITH_AES_128_GCM_SHA256", SSLB_ERR_UNSUPPORTED, NULL));
  cr_assert_null(build(NULL, "SSL_RSA_WITH_RC4_128_MD5", SSLB_ERR_UNSUPPORTED, NULL));
  cr_assert_null(build(NULL, "TLS_MADE_UP", SSLB_ERR_INVALID_ARGUMENT,
                       "unknown cipher suite 'TLS_MADE_UP'"));
  /* "" restores the defaults */
  ctx = build("", "", 0, NULL);
  cr_assert_str_eq(sslb_ssl_context_protocols(ctx), "TLSv1.3,TLSv1.2");
  sslb_ssl_context_free(ctx);
}

Test(ssl_context, builder_null_handles) {
  sslb_ssl_context *ctx = (sslb_ssl_context *)1;
  cr_assert_eq(sslb_ssl_context_builder_new(NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_ssl_context_builder_set_protocols(NULL, "TLSv1.3"),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_ssl_context_builder_set_cipher_suites(NULL, ""),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_ssl_context_builder_set_key_manager(NULL, NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_ssl_context_builder_set_trust_manager(NULL, NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_ssl_context_builder_build(NULL, &ctx), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_null(ctx);
  cr_assert_str_eq(sslb_ssl_context_builder_last_error(NULL), "builder handle is NULL");
  sslb_ssl_context_builder_free(NULL);
}

Test(ssl_settings, the_ktor_pages_object) {
  sslb_ssl_settings *s = NULL;
  cr_assert_eq(sslb_ssl_settings_new(NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_ssl_settings_new(&s), 0);
  sslb_trust_manager *tm = (sslb_trust_manager *)1;
  sslb_ssl_context *ctx = (sslb_ssl_context *)1;
  /* nothing loaded yet */
  cr_assert_eq(sslb_ssl_settings_trust_manager(s, &tm), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_null(tm);
  cr_assert_eq(sslb_ssl_settings_ssl_context(s, &ctx), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_null(ctx);
  cr_assert_null(sslb_ssl_settings_keystore(s));

  cr_assert_eq(sslb_ssl_settings_load(s, fixture_path("small.jks"), "Xq7-not-it"),
               SSLB_ERR_BAD_PASSWORD);
  cr_assert(strstr(sslb_ssl_settings_last_error(s), "small.jks"));
  cr_assert_null(strstr(sslb_ssl_settings_last_error(s), "Xq7"));
  cr_assert_eq(sslb_ssl_settings_load(s, fixture_path("missing.jks"), STORE_PW), SSLB_ERR_IO);

  cr_assert_eq(sslb_ssl_settings_load(s, fixture_path("small.jks"), STORE_PW), 0);
  cr_assert_eq(sslb_keystore_size(sslb_ssl_settings_keystore(s)), 2);
  cr_assert_eq(sslb_ssl_settings_trust_manager(s, &tm), 0);
  /* TrustManagerFactory.init(keyStore): its two certificates, no system ones */
  cr_assert_eq(sslb_trust_manager_anchor_count(tm), 2);
  cr_assert_eq(sslb_ssl_settings_ssl_context(s, &ctx), 0);
  cr_assert_eq(sslb_ssl_context_trust_manager(ctx), tm);
  cr_assert_null(sslb_ssl_context_key_manager(ctx)); /* init(null, tms, null) */
  /* handed-out objects outlive the settings */
  sslb_ssl_settings_free(s);
  cr_assert_eq(sslb_trust_manager_anchor_count(sslb_ssl_context_trust_manager(ctx)), 2);
  sslb_ssl_context_free(ctx);
  sslb_trust_manager_free(tm);

  cr_assert_eq(sslb_ssl_settings_load(NULL, "x", "y"), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_null(sslb_ssl_settings_keystore(NULL));
  cr_assert_str_eq(sslb_ssl_settings_last_error(NULL), "settings handle is NULL");
  sslb_ssl_settings_free(NULL);
}

Test(engine, each_style_takes_its_own_objects) {
  sslb_engine *e = (sslb_engine *)1;
  cr_assert_eq(sslb_engine_new(&e, 7), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_null(e);
  cr_assert_str_eq(sslb_engine_kind_name(SSLB_ENGINE_OKHTTP), "OkHttp");
  cr_assert_str_eq(sslb_engine_kind_name(42), "unknown");

  cr_assert_eq(sslb_engine_new(&e, SSLB_ENGINE_JETTY), 0);
  cr_assert_eq(sslb_engine_kind(e), SSLB_ENGINE_JETTY);
  cr_assert_eq(sslb_engine_set_ssl_context(e, NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert(strstr(sslb_engine_last_error(e), "the Jetty engine has no sslContext"),
            "%s", sslb_engine_last_error(e));
  cr_assert(strstr(sslb_engine_last_error(e), "SslContextFactory"));
  sslb_engine_free(e);

  cr_assert_eq(sslb_engine_new(&e, SSLB_ENGINE_APACHE), 0);
  cr_assert_eq(sslb_engine_set_trust_manager(e, NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert(strstr(sslb_engine_last_error(e), "it takes sslContext"));
  cr_assert_eq(sslb_engine_set_ssl_hostname_verification_policy(e, SSLB_HOSTNAME_NONE),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_engine_set_ssl_hostname_verification_policy(e, SSLB_HOSTNAME_BOTH), 0);
  sslb_engine_free(e);

  cr_assert_eq(sslb_engine_new(&e, SSLB_ENGINE_CIO), 0);
  cr_assert_eq(sslb_engine_set_server_name(e, "a b"), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_engine_set_server_name(e, "localhost"), 0);
  cr_assert_eq(sslb_engine_set_cipher_suites(e, "TLS_RSA_WITH_AES_128_CBC_SHA"),
               SSLB_ERR_UNSUPPORTED);
  cr_assert_eq(sslb_engine_set_ssl_manager(e, NULL, NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert(strstr(sslb_engine_last_error(e), "the CIO engine has no sslManager"));
  sslb_engine_free(e);

  cr_assert_eq(sslb_engine_new(&e, SSLB_ENGINE_OKHTTP), 0);
  cr_assert_eq(sslb_engine_add_certificate_pin(e, "*.example.com", "sha1/abc"),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_engine_set_connection_spec(e, 9), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_engine_set_connection_spec(e, SSLB_SPEC_RESTRICTED_TLS), 0);
  cr_assert_eq(sslb_engine_add_certificate_pin(
                   e, "**.example.com", "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
               0);
  /* pins need the trust manager of sslSocketFactory(factory, tm) */
  sslb_client *c = (sslb_client *)1;
  cr_assert_eq(sslb_client_new_from_engine(&c, e), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_null(c);
  cr_assert(strstr(sslb_engine_last_error(e), "sslSocketFactory"));
  sslb_engine_free(e);

  /* the native style takes everything */
  cr_assert_eq(sslb_engine_new(&e, SSLB_ENGINE_NATIVE), 0);
  cr_assert_eq(sslb_engine_set_server_name(e, "localhost"), 0);
  cr_assert_eq(sslb_engine_set_ssl_parameters(e, "TLSv1.3", NULL), 0);
  cr_assert_eq(sslb_client_new_from_engine(&c, e), 0);
  sslb_client_free(c);
  sslb_engine_free(e);

  cr_assert_eq(sslb_engine_kind(NULL), -1);
  cr_assert_str_eq(sslb_engine_last_error(NULL), "engine handle is NULL");
  cr_assert_eq(sslb_client_new_from_engine(&c, NULL), SSLB_ERR_INVALID_ARGUMENT);
  sslb_engine_free(NULL);
}

Test(engine, jetty_lists) {
  sslb_ssl_context_factory *f;
  sslb_engine *e;
  sslb_client *c = NULL;
  cr_assert_eq(sslb_ssl_context_factory_new(&f), 0);
  cr_assert_eq(sslb_ssl_context_factory_set_list(f, SSLB_EXCLUDE_CIPHER_SUITES, "(unclosed"),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_assert(strstr(sslb_ssl_context_factory_last_error(f), "regular expression"));
  cr_assert_eq(sslb_ssl_context_factory_set_list(f, 4, ""), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_ssl_context_factory_set_endpoint_identification_algorithm(f, "LDAPS"),
               SSLB_ERR_INVALID_ARGUMENT);
  /* excluding every protocol leaves nothing to negotiate */
  cr_assert_eq(sslb_ssl_context_factory_set_list(f, SSLB_EXCLUDE_PROTOCOLS, "TLSv1\\.[23]"), 0);
  cr_assert_eq(sslb_engine_new(&e, SSLB_ENGINE_JETTY), 0);
  cr_assert_eq(sslb_engine_set_ssl_context_factory(e, f), 0);
  cr_assert_eq(sslb_client_new_from_engine(&c, e), SSLB_ERR_UNSUPPORTED);
  cr_assert(strstr(sslb_engine_last_error(e), "leave no protocol"), "%s",
            sslb_engine_last_error(e));
  /* including only TLS 1.3 suites works */
  cr_assert_eq(sslb_ssl_context_factory_set_list(f, SSLB_EXCLUDE_PROTOCOLS, ""), 0);
  cr_assert_eq(sslb_ssl_context_factory_set_list(f, SSLB_INCLUDE_CIPHER_SUITES, "TLS_AES_.*"), 0);
  cr_assert_eq(sslb_engine_set_ssl_context_factory(e, f), 0);
  cr_assert_eq(sslb_client_new_from_engine(&c, e), 0, "%s", sslb_engine_last_error(e));
  sslb_client_free(c);
  sslb_engine_free(e);
  sslb_ssl_context_factory_free(f);
}

Test(trust, builder_init_from_copies_a_manager) {
  sslb_keystore *ks = load_fixture("small.jks", STORE_PW);
  sslb_trust_builder *b;
  sslb_trust_manager *tm, *copy;
  cr_assert_eq(sslb_trust_builder_new(&b), 0);
  cr_assert_eq(sslb_trust_builder_replace_defaults(b), 0);
  cr_assert_eq(sslb_trust_builder_add_keystore(b, ks), 0);
  cr_assert_eq(sslb_trust_builder_insecure_trust_all(b), 0);
  cr_assert_eq(sslb_trust_builder_build(b, &tm), 0);
  sslb_trust_builder_free(b);
  cr_assert_eq(sslb_trust_builder_new(&b), 0);
  cr_assert_eq(sslb_trust_builder_init_from(b, NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_trust_builder_init_from(b, tm), 0);
  cr_assert_eq(sslb_trust_builder_add_pin(
                   b, "localhost", "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
               0);
  cr_assert_eq(sslb_trust_builder_build(b, &copy), 0);
  cr_assert_eq(sslb_trust_manager_anchor_count(copy), sslb_trust_manager_anchor_count(tm));
  cr_assert_eq(sslb_trust_manager_is_insecure(copy), 1);
  sslb_trust_manager_free(copy);
  sslb_trust_manager_free(tm);
  sslb_trust_builder_free(b);
  sslb_keystore_free(ks);
}
