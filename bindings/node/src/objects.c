/* Certificates, keystores, certificate specs, trust managers, key managers,
 * SSL contexts, socket factories, SslSettings, engines and Jetty's
 * SslContextFactory: thin functions over the C API, one per operation. */
#include "addon.h"

#include <stdlib.h>
#include <string.h>

#define FN(name) static napi_value name(napi_env env, napi_callback_info info)
#define BEGIN                                                                  \
  ab_args a;                                                                   \
  napi_value ret_ = NULL;                                                      \
  if (!ab_args_get(env, info, &a))                                             \
    return NULL
#define END                                                                    \
  done:                                                                        \
  ab_args_free(&a);                                                            \
  return ret_
#define TRY(x)                                                                 \
  do {                                                                         \
    if ((x) < 0)                                                               \
      goto done;                                                               \
  } while (0)
#define CHECK(rc, kind, p)                                                     \
  do {                                                                         \
    if (ab_failed(env, (rc), (kind), (p)))                                     \
      goto done;                                                               \
  } while (0)
#define RETURN(v)                                                              \
  do {                                                                         \
    ret_ = (v);                                                                \
    goto done;                                                                 \
  } while (0)

/* Setters of the shape f(h) / f(h, string) / f(h, u32) / f(h, handle):
 * errors carry the handle's own last_error. */
#define DEF_H(fname, kind, cfn)                                                \
  FN(fname) {                                                                  \
    BEGIN;                                                                     \
    void *p;                                                                   \
    TRY(ab_arg_h(&a, 0, kind, "this", 0, &p, NULL));                           \
    CHECK(cfn(p), kind, p);                                                    \
    ret_ = ab_undefined(env);                                                  \
    END;                                                                       \
  }
#define DEF_H_S(fname, kind, cfn, argname, optional)                           \
  FN(fname) {                                                                  \
    BEGIN;                                                                     \
    void *p;                                                                   \
    char *s;                                                                   \
    TRY(ab_arg_h(&a, 0, kind, "this", 0, &p, NULL));                           \
    TRY(ab_arg_str(&a, 1, argname, optional, &s));                             \
    CHECK(cfn(p, s), kind, p);                                                 \
    ret_ = ab_undefined(env);                                                  \
    END;                                                                       \
  }
#define DEF_H_SS(fname, kind, cfn, n1, o1, n2, o2)                             \
  FN(fname) {                                                                  \
    BEGIN;                                                                     \
    void *p;                                                                   \
    char *s1, *s2;                                                             \
    TRY(ab_arg_h(&a, 0, kind, "this", 0, &p, NULL));                           \
    TRY(ab_arg_str(&a, 1, n1, o1, &s1));                                       \
    TRY(ab_arg_str(&a, 2, n2, o2, &s2));                                       \
    CHECK(cfn(p, s1, s2), kind, p);                                            \
    ret_ = ab_undefined(env);                                                  \
    END;                                                                       \
  }
#define DEF_H_U(fname, kind, cfn, argname, max)                                \
  FN(fname) {                                                                  \
    BEGIN;                                                                     \
    void *p;                                                                   \
    uint32_t u;                                                                \
    TRY(ab_arg_h(&a, 0, kind, "this", 0, &p, NULL));                           \
    TRY(ab_arg_u32(&a, 1, argname, max, &u));                                  \
    CHECK(cfn(p, u), kind, p);                                                 \
    ret_ = ab_undefined(env);                                                  \
    END;                                                                       \
  }
/* f(h, other handle): `this` keeps the callbacks the other one may call */
#define DEF_H_H(fname, kind, cfn, kind2, argname, optional)                    \
  FN(fname) {                                                                  \
    BEGIN;                                                                     \
    void *p, *q;                                                               \
    hnd *h, *h2;                                                               \
    TRY(ab_arg_h(&a, 0, kind, "this", 0, &p, &h));                             \
    TRY(ab_arg_h(&a, 1, kind2, argname, optional, &q, &h2));                   \
    CHECK(cfn(p, q), kind, p);                                                 \
    ab_keep_add(h, h2);                                                        \
    ret_ = ab_undefined(env);                                                  \
    END;                                                                       \
  }

/* ---------------------------------------------------------------- library */

FN(js_version) {
  (void)info;
  return ab_str(env, sslb_version());
}

FN(js_version_number) {
  (void)info;
  return ab_int(env, sslb_version_number());
}

FN(js_error_codes) {
  (void)info;
  napi_value o;
  NAPI_CALL(env, napi_create_object(env, &o));
  for (int code = -1; code > -256; code--) {
    const char *n = sslb_error_name(code);
    if (strcmp(n, "UNKNOWN") != 0 && ab_set(env, o, n, ab_int(env, code)) < 0)
      return NULL;
  }
  return o;
}

FN(js_strerror) {
  BEGIN;
  int64_t code;
  TRY(ab_arg_i64(&a, 0, "code", &code));
  ret_ = ab_str(env, sslb_strerror((int)code));
  END;
}

FN(js_close) {
  BEGIN;
  napi_valuetype t;
  if (a.argc < 1)
    RETURN(ab_undefined(env));
  NAPI_CALL_GOTO(env, napi_typeof(env, a.argv[0], &t), done);
  if (t == napi_external) {
    hnd *h;
    NAPI_CALL_GOTO(env, napi_get_value_external(env, a.argv[0], (void **)&h),
                   done);
    if (h && h->magic == AB_MAGIC && !h->closed &&
        h->kind != K_CLIENT && h->kind != K_CALLBACK &&
        h->kind != K_REQUEST && h->kind != K_RESPONSE) {
      h->closed = 1;
      ab_hnd_release(env, h);
    }
  }
  ret_ = ab_undefined(env);
  END;
}

/* Adds the callbacks src may call to dst's keep list. */
FN(js_keep) {
  BEGIN;
  void *p, *q;
  hnd *h, *h2;
  TRY(ab_arg_h(&a, 0, 0, "target", 0, &p, &h));
  TRY(ab_arg_h(&a, 1, 0, "source", 0, &q, &h2));
  ab_keep_add(h, h2);
  ret_ = ab_undefined(env);
  END;
}

/* ----------------------------------------------------------- certificates */

FN(js_cert_new) {
  BEGIN;
  const uint8_t *d;
  size_t n;
  TRY(ab_arg_bytes(&a, 0, "data", &d, &n));
  sslb_certificate *c = NULL;
  int rc = sslb_certificate_new(&c, d, n);
  if (rc < 0) {
    ab_throw_code(env, rc,
                  rc == SSLB_ERR_CERTIFICATE
                      ? "the data is not a DER or PEM X.509 certificate"
                      : NULL);
    goto done;
  }
  ret_ = ab_wrap(env, K_CERT, c, NULL);
  if (!ret_)
    sslb_certificate_free(c);
  END;
}

FN(js_cert_info) {
  BEGIN;
  sslb_certificate *c;
  TRY(ab_arg_h(&a, 0, K_CERT, "this", 0, (void **)&c, NULL));
  napi_value o, sans;
  NAPI_CALL_GOTO(env, napi_create_object(env, &o), done);
  if (ab_set(env, o, "subject", ab_str(env, sslb_certificate_subject(c))) ||
      ab_set(env, o, "issuer", ab_str(env, sslb_certificate_issuer(c))) ||
      ab_set(env, o, "serial", ab_str(env, sslb_certificate_serial(c))) ||
      ab_set(env, o, "notBefore", ab_int(env, sslb_certificate_not_before(c))) ||
      ab_set(env, o, "notAfter", ab_int(env, sslb_certificate_not_after(c))) ||
      ab_set(env, o, "sha256Fingerprint",
             ab_str(env, sslb_certificate_sha256_fingerprint(c))) ||
      ab_set(env, o, "sha1Fingerprint",
             ab_str(env, sslb_certificate_sha1_fingerprint(c))) ||
      ab_set(env, o, "spkiPin", ab_str(env, sslb_certificate_spki_pin(c))) ||
      ab_set(env, o, "keyAlgorithm",
             ab_str(env, sslb_certificate_key_algorithm(c))) ||
      ab_set(env, o, "keyBits", ab_int(env, sslb_certificate_key_bits(c))) ||
      ab_set(env, o, "signatureAlgorithm",
             ab_str(env, sslb_certificate_signature_algorithm(c))) ||
      ab_set(env, o, "isCa", ab_bool(env, sslb_certificate_is_ca(c) == 1)))
    goto done;
  size_t n = sslb_certificate_san_count(c);
  NAPI_CALL_GOTO(env, napi_create_array_with_length(env, n, &sans), done);
  for (size_t i = 0; i < n; i++) {
    static const char *const names[] = {"other", "DNS", "IP", "email", "URI",
                                        "other"};
    int t = sslb_certificate_san_type(c, i);
    napi_value pair;
    NAPI_CALL_GOTO(env, napi_create_array_with_length(env, 2, &pair), done);
    napi_value k = ab_str(env, names[t >= 1 && t <= 5 ? t : 0]);
    napi_value v = ab_str(env, sslb_certificate_san_value(c, i));
    if (!k || !v)
      goto done;
    NAPI_CALL_GOTO(env, napi_set_element(env, pair, 0, k), done);
    NAPI_CALL_GOTO(env, napi_set_element(env, pair, 1, v), done);
    NAPI_CALL_GOTO(env, napi_set_element(env, sans, (uint32_t)i, pair), done);
  }
  if (ab_set(env, o, "sans", sans))
    goto done;
  ret_ = o;
  END;
}

FN(js_cert_der) {
  BEGIN;
  sslb_certificate *c;
  TRY(ab_arg_h(&a, 0, K_CERT, "this", 0, (void **)&c, NULL));
  const uint8_t *der;
  size_t n;
  CHECK(sslb_certificate_der(c, &der, &n), K_CERT, c);
  napi_value buf;
  NAPI_CALL_GOTO(env, napi_create_buffer_copy(env, n, der, NULL, &buf), done);
  ret_ = buf;
  END;
}

FN(js_cert_pem) {
  BEGIN;
  sslb_certificate *c;
  TRY(ab_arg_h(&a, 0, K_CERT, "this", 0, (void **)&c, NULL));
  char *pem = NULL;
  CHECK(sslb_certificate_pem(c, &pem), K_CERT, c);
  ret_ = ab_str(env, pem);
  sslb_free(pem);
  END;
}

/* -------------------------------------------------------------- keystores */

FN(js_keystore_new) {
  (void)info;
  sslb_keystore *ks = NULL;
  int rc = sslb_keystore_new(&ks);
  if (rc < 0)
    return ab_throw_code(env, rc, NULL);
  napi_value v = ab_wrap(env, K_KEYSTORE, ks, NULL);
  if (!v)
    sslb_keystore_free(ks);
  return v;
}

FN(js_keystore_load) {
  BEGIN;
  sslb_keystore *ks;
  const uint8_t *d;
  size_t n;
  char *pw;
  TRY(ab_arg_h(&a, 0, K_KEYSTORE, "this", 0, (void **)&ks, NULL));
  TRY(ab_arg_bytes(&a, 1, "data", &d, &n));
  TRY(ab_arg_str(&a, 2, "password", 1, &pw));
  CHECK(sslb_keystore_load(ks, d, n, pw), K_KEYSTORE, ks);
  ret_ = ab_undefined(env);
  END;
}

DEF_H_SS(js_keystore_load_file, K_KEYSTORE, sslb_keystore_load_file, "path",
         0, "password", 1)

FN(js_keystore_format) {
  BEGIN;
  sslb_keystore *ks;
  TRY(ab_arg_h(&a, 0, K_KEYSTORE, "this", 0, (void **)&ks, NULL));
  ret_ = ab_str(env, sslb_keystore_format_name(sslb_keystore_format(ks)));
  END;
}

FN(js_keystore_sniff) {
  BEGIN;
  const uint8_t *d;
  size_t n;
  TRY(ab_arg_bytes(&a, 0, "data", &d, &n));
  ret_ = ab_str(env, sslb_keystore_format_name(sslb_keystore_sniff(d, n)));
  END;
}

FN(js_keystore_size) {
  BEGIN;
  sslb_keystore *ks;
  TRY(ab_arg_h(&a, 0, K_KEYSTORE, "this", 0, (void **)&ks, NULL));
  ret_ = ab_int(env, (int64_t)sslb_keystore_size(ks));
  END;
}

FN(js_keystore_find) {
  BEGIN;
  sslb_keystore *ks;
  char *alias;
  TRY(ab_arg_h(&a, 0, K_KEYSTORE, "this", 0, (void **)&ks, NULL));
  TRY(ab_arg_str(&a, 1, "alias", 0, &alias));
  size_t i = 0;
  int rc = sslb_keystore_find(ks, alias, &i);
  if (rc == SSLB_ERR_NOT_FOUND)
    RETURN(ab_int(env, -1));
  CHECK(rc, K_KEYSTORE, ks);
  ret_ = ab_int(env, (int64_t)i);
  END;
}

static const char *entry_kind(int k) {
  switch (k) {
  case SSLB_ENTRY_PRIVATE_KEY: return "privateKey";
  case SSLB_ENTRY_TRUSTED_CERT: return "trustedCertificate";
  case SSLB_ENTRY_SECRET_KEY: return "secretKey";
  default: return "unknown";
  }
}

FN(js_keystore_entry) {
  BEGIN;
  sslb_keystore *ks;
  uint32_t i;
  TRY(ab_arg_h(&a, 0, K_KEYSTORE, "this", 0, (void **)&ks, NULL));
  TRY(ab_arg_u32(&a, 1, "index", UINT32_MAX, &i));
  if (i >= sslb_keystore_size(ks)) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "index is out of range");
    goto done;
  }
  napi_value o, chain;
  NAPI_CALL_GOTO(env, napi_create_object(env, &o), done);
  int64_t created = sslb_keystore_entry_created(ks, i);
  if (ab_set(env, o, "alias", ab_str(env, sslb_keystore_entry_alias(ks, i))) ||
      ab_set(env, o, "kind",
             ab_str(env, entry_kind(sslb_keystore_entry_kind(ks, i)))) ||
      ab_set(env, o, "created",
             created >= 0 ? ab_int(env, created) : ab_null(env)) ||
      ab_set(env, o, "algorithm",
             ab_str(env, sslb_keystore_entry_algorithm(ks, i))) ||
      ab_set(env, o, "locked", ab_bool(env, sslb_keystore_entry_locked(ks, i) == 1)))
    goto done;
  size_t n = sslb_keystore_entry_chain_length(ks, i);
  NAPI_CALL_GOTO(env, napi_create_array_with_length(env, n, &chain), done);
  for (size_t pos = 0; pos < n; pos++) {
    sslb_certificate *c = NULL;
    CHECK(sslb_keystore_entry_certificate(ks, i, pos, &c), K_KEYSTORE, ks);
    napi_value v = ab_wrap(env, K_CERT, c, NULL);
    if (!v) {
      sslb_certificate_free(c);
      goto done;
    }
    NAPI_CALL_GOTO(env, napi_set_element(env, chain, (uint32_t)pos, v), done);
  }
  if (ab_set(env, o, "chain", chain))
    goto done;
  ret_ = o;
  END;
}

DEF_H_SS(js_keystore_unlock_key, K_KEYSTORE, sslb_keystore_unlock_key, "alias",
         0, "keyPassword", 0)
DEF_H_SS(js_keystore_set_key_password, K_KEYSTORE,
         sslb_keystore_set_key_password, "alias", 0, "keyPassword", 1)
DEF_H_S(js_keystore_remove, K_KEYSTORE, sslb_keystore_remove, "alias", 0)

FN(js_keystore_add_certificate) {
  BEGIN;
  sslb_keystore *ks;
  char *alias;
  const uint8_t *d;
  size_t n;
  TRY(ab_arg_h(&a, 0, K_KEYSTORE, "this", 0, (void **)&ks, NULL));
  TRY(ab_arg_str(&a, 1, "alias", 0, &alias));
  TRY(ab_arg_bytes(&a, 2, "certificate", &d, &n));
  CHECK(sslb_keystore_add_certificate(ks, alias, d, n), K_KEYSTORE, ks);
  ret_ = ab_undefined(env);
  END;
}

FN(js_keystore_add_private_key) {
  BEGIN;
  sslb_keystore *ks;
  char *alias, *pw;
  const uint8_t *key, *chain;
  size_t kn, cn;
  TRY(ab_arg_h(&a, 0, K_KEYSTORE, "this", 0, (void **)&ks, NULL));
  TRY(ab_arg_str(&a, 1, "alias", 0, &alias));
  TRY(ab_arg_bytes(&a, 2, "key", &key, &kn));
  TRY(ab_arg_bytes(&a, 3, "chain", &chain, &cn));
  TRY(ab_arg_str(&a, 4, "keyPassword", 1, &pw));
  CHECK(sslb_keystore_add_private_key(ks, alias, key, kn, pw, chain, cn),
        K_KEYSTORE, ks);
  ret_ = ab_undefined(env);
  END;
}

FN(js_keystore_save) {
  BEGIN;
  sslb_keystore *ks;
  uint32_t fmt;
  char *pw;
  TRY(ab_arg_h(&a, 0, K_KEYSTORE, "this", 0, (void **)&ks, NULL));
  TRY(ab_arg_u32(&a, 1, "format", 16, &fmt));
  TRY(ab_arg_str(&a, 2, "password", 1, &pw));
  uint8_t *out = NULL;
  size_t n = 0;
  CHECK(sslb_keystore_save(ks, (int)fmt, pw, &out, &n), K_KEYSTORE, ks);
  napi_value buf;
  napi_status st = napi_create_buffer_copy(env, n, out, NULL, &buf);
  memset(out, 0, n); /* may hold keys: wipe the C copy */
  sslb_free(out);
  NAPI_CALL_GOTO(env, st, done);
  ret_ = buf;
  END;
}

FN(js_keystore_save_file) {
  BEGIN;
  sslb_keystore *ks;
  char *path, *pw;
  uint32_t fmt;
  TRY(ab_arg_h(&a, 0, K_KEYSTORE, "this", 0, (void **)&ks, NULL));
  TRY(ab_arg_str(&a, 1, "path", 0, &path));
  TRY(ab_arg_u32(&a, 2, "format", 16, &fmt));
  TRY(ab_arg_str(&a, 3, "password", 1, &pw));
  CHECK(sslb_keystore_save_file(ks, path, (int)fmt, pw), K_KEYSTORE, ks);
  ret_ = ab_undefined(env);
  END;
}

FN(js_keystore_generate) {
  BEGIN;
  sslb_keystore *ks;
  char *alias;
  sslb_cert_spec *spec;
  TRY(ab_arg_h(&a, 0, K_KEYSTORE, "this", 0, (void **)&ks, NULL));
  TRY(ab_arg_str(&a, 1, "alias", 0, &alias));
  TRY(ab_arg_h(&a, 2, K_CERT_SPEC, "spec", 0, (void **)&spec, NULL));
  CHECK(sslb_keystore_generate(ks, alias, spec), K_KEYSTORE, ks);
  ret_ = ab_undefined(env);
  END;
}

FN(js_generate_certificate) {
  BEGIN;
  char *path, *alias, *kpw, *spw;
  uint32_t fmt;
  sslb_cert_spec *spec;
  TRY(ab_arg_str(&a, 0, "path", 0, &path));
  TRY(ab_arg_u32(&a, 1, "format", 16, &fmt));
  TRY(ab_arg_str(&a, 2, "alias", 0, &alias));
  TRY(ab_arg_str(&a, 3, "keyPassword", 1, &kpw));
  TRY(ab_arg_str(&a, 4, "storePassword", 1, &spw));
  TRY(ab_arg_h(&a, 5, K_CERT_SPEC, "spec", 1, (void **)&spec, NULL));
  int rc = sslb_generate_certificate(path, (int)fmt, alias, kpw, spw, spec);
  CHECK(rc, K_CERT_SPEC, spec);
  ret_ = ab_undefined(env);
  END;
}

/* -------------------------------------------------- certificate specs */

FN(js_cert_spec_new) {
  (void)info;
  sslb_cert_spec *s = NULL;
  int rc = sslb_cert_spec_new(&s);
  if (rc < 0)
    return ab_throw_code(env, rc, NULL);
  napi_value v = ab_wrap(env, K_CERT_SPEC, s, NULL);
  if (!v)
    sslb_cert_spec_free(s);
  return v;
}

DEF_H_U(js_cert_spec_set_key_type, K_CERT_SPEC, sslb_cert_spec_set_key_type,
        "keyType", 16)
DEF_H_U(js_cert_spec_set_key_algorithm, K_CERT_SPEC,
        sslb_cert_spec_set_key_algorithm, "keyAlgorithm", 16)
DEF_H_U(js_cert_spec_set_key_size, K_CERT_SPEC, sslb_cert_spec_set_key_size,
        "keySize", 65536)
DEF_H_S(js_cert_spec_set_subject, K_CERT_SPEC, sslb_cert_spec_set_subject,
        "subject", 0)
DEF_H_S(js_cert_spec_add_domain, K_CERT_SPEC, sslb_cert_spec_add_domain,
        "domain", 0)
DEF_H_S(js_cert_spec_add_ip_address, K_CERT_SPEC,
        sslb_cert_spec_add_ip_address, "ipAddress", 0)
DEF_H_U(js_cert_spec_set_days_valid, K_CERT_SPEC,
        sslb_cert_spec_set_days_valid, "daysValid", 100000)
DEF_H_S(js_cert_spec_set_password, K_CERT_SPEC, sslb_cert_spec_set_password,
        "password", 1)

FN(js_cert_spec_sign_with) {
  BEGIN;
  sslb_cert_spec *s;
  sslb_keystore *ks;
  char *alias, *pw;
  TRY(ab_arg_h(&a, 0, K_CERT_SPEC, "this", 0, (void **)&s, NULL));
  TRY(ab_arg_h(&a, 1, K_KEYSTORE, "issuer", 0, (void **)&ks, NULL));
  TRY(ab_arg_str(&a, 2, "alias", 0, &alias));
  TRY(ab_arg_str(&a, 3, "keyPassword", 1, &pw));
  CHECK(sslb_cert_spec_sign_with(s, ks, alias, pw), K_CERT_SPEC, s);
  ret_ = ab_undefined(env);
  END;
}

/* ------------------------------------------------------- trust managers */

FN(js_trust_builder_new) {
  (void)info;
  sslb_trust_builder *b = NULL;
  int rc = sslb_trust_builder_new(&b);
  if (rc < 0)
    return ab_throw_code(env, rc, NULL);
  napi_value v = ab_wrap(env, K_TRUST_BUILDER, b, NULL);
  if (!v)
    sslb_trust_builder_free(b);
  return v;
}

static int tb_init_from(sslb_trust_builder *b, sslb_trust_manager *tm) {
  return sslb_trust_builder_init_from(b, tm);
}
static int tb_add_keystore(sslb_trust_builder *b, sslb_keystore *ks) {
  return sslb_trust_builder_add_keystore(b, ks);
}
DEF_H_H(js_trust_builder_init_from, K_TRUST_BUILDER, tb_init_from,
        K_TRUST_MANAGER, "trustManager", 0)
DEF_H(js_trust_builder_replace_defaults, K_TRUST_BUILDER,
      sslb_trust_builder_replace_defaults)
DEF_H_H(js_trust_builder_add_keystore, K_TRUST_BUILDER, tb_add_keystore,
        K_KEYSTORE, "keyStore", 0)
DEF_H_S(js_trust_builder_add_file, K_TRUST_BUILDER,
        sslb_trust_builder_add_file, "path", 0)
DEF_H_H(js_trust_builder_add_certificate, K_TRUST_BUILDER,
        sslb_trust_builder_add_certificate, K_CERT, "certificate", 0)
DEF_H_SS(js_trust_builder_add_pin, K_TRUST_BUILDER,
         sslb_trust_builder_add_pin, "hostPattern", 0, "pin", 0)
DEF_H(js_trust_builder_insecure_trust_all, K_TRUST_BUILDER,
      sslb_trust_builder_insecure_trust_all)

FN(js_trust_builder_add_data) {
  BEGIN;
  sslb_trust_builder *b;
  const uint8_t *d;
  size_t n;
  TRY(ab_arg_h(&a, 0, K_TRUST_BUILDER, "this", 0, (void **)&b, NULL));
  TRY(ab_arg_bytes(&a, 1, "data", &d, &n));
  CHECK(sslb_trust_builder_add_data(b, d, n), K_TRUST_BUILDER, b);
  ret_ = ab_undefined(env);
  END;
}

FN(js_trust_builder_add_crl) {
  BEGIN;
  sslb_trust_builder *b;
  const uint8_t *d;
  size_t n;
  TRY(ab_arg_h(&a, 0, K_TRUST_BUILDER, "this", 0, (void **)&b, NULL));
  TRY(ab_arg_bytes(&a, 1, "crl", &d, &n));
  CHECK(sslb_trust_builder_add_crl(b, d, n), K_TRUST_BUILDER, b);
  ret_ = ab_undefined(env);
  END;
}

FN(js_trust_builder_set_time) {
  BEGIN;
  sslb_trust_builder *b;
  int64_t t;
  TRY(ab_arg_h(&a, 0, K_TRUST_BUILDER, "this", 0, (void **)&b, NULL));
  TRY(ab_arg_i64(&a, 1, "unixSeconds", &t));
  CHECK(sslb_trust_builder_set_time(b, t), K_TRUST_BUILDER, b);
  ret_ = ab_undefined(env);
  END;
}

FN(js_trust_builder_build) {
  BEGIN;
  sslb_trust_builder *b;
  hnd *h, *out;
  TRY(ab_arg_h(&a, 0, K_TRUST_BUILDER, "this", 0, (void **)&b, &h));
  sslb_trust_manager *tm = NULL;
  CHECK(sslb_trust_builder_build(b, &tm), K_TRUST_BUILDER, b);
  ret_ = ab_wrap(env, K_TRUST_MANAGER, tm, &out);
  if (!ret_) {
    sslb_trust_manager_free(tm);
    goto done;
  }
  ab_keep_add(out, h); /* the verify callback it was built with */
  END;
}

FN(js_trust_manager_info) {
  BEGIN;
  sslb_trust_manager *tm;
  TRY(ab_arg_h(&a, 0, K_TRUST_MANAGER, "this", 0, (void **)&tm, NULL));
  napi_value o;
  NAPI_CALL_GOTO(env, napi_create_object(env, &o), done);
  if (ab_set(env, o, "anchorCount",
             ab_int(env, (int64_t)sslb_trust_manager_anchor_count(tm))) ||
      ab_set(env, o, "isInsecure",
             ab_bool(env, sslb_trust_manager_is_insecure(tm) == 1)))
    goto done;
  ret_ = o;
  END;
}

/* verify(tm, [cert...], host|null) -> { code, report }. A verify callback
 * of tm runs right here, on the JS thread (callbacks.c calls it directly). */
FN(js_trust_manager_verify) {
  BEGIN;
  sslb_trust_manager *tm;
  char *host;
  sslb_certificate **chain = NULL;
  TRY(ab_arg_h(&a, 0, K_TRUST_MANAGER, "this", 0, (void **)&tm, NULL));
  bool is_array = false;
  if (a.argc > 1)
    NAPI_CALL_GOTO(env, napi_is_array(env, a.argv[1], &is_array), done);
  if (!is_array) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "chain must be an array of Certificates");
    goto done;
  }
  TRY(ab_arg_str(&a, 2, "host", 1, &host));
  uint32_t n;
  NAPI_CALL_GOTO(env, napi_get_array_length(env, a.argv[1], &n), done);
  chain = calloc(n ? n : 1, sizeof *chain);
  if (!chain) {
    napi_throw_error(env, NULL, "out of memory");
    goto done;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value el;
    NAPI_CALL_GOTO(env, napi_get_element(env, a.argv[1], i, &el), done);
    hnd *h = ab_hnd(env, el, K_CERT, "chain[i]");
    if (!h)
      goto done;
    chain[i] = h->p;
  }
  char *report = NULL;
  int rc = sslb_trust_manager_verify(tm, chain, n, host, &report);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) {
    sslb_free(report);
    goto done;
  }
  napi_value o;
  napi_status st = napi_create_object(env, &o);
  if (st == napi_ok && !ab_set(env, o, "code", ab_int(env, rc)) &&
      !ab_set(env, o, "report", ab_str(env, report ? report : "")))
    ret_ = o;
  else if (st != napi_ok)
    ab_napi_fail(env, st, "napi_create_object");
  sslb_free(report);
done:
  free(chain);
  ab_args_free(&a);
  return ret_;
}

/* --------------------------------------------------------- key managers */

FN(js_key_manager_new) {
  BEGIN;
  sslb_keystore *ks;
  char *alias, *pw;
  TRY(ab_arg_h(&a, 0, K_KEYSTORE, "keyStore", 0, (void **)&ks, NULL));
  TRY(ab_arg_str(&a, 1, "alias", 1, &alias));
  TRY(ab_arg_str(&a, 2, "keyPassword", 1, &pw));
  sslb_key_manager *km = NULL;
  CHECK(sslb_key_manager_new(&km, ks, alias, pw), K_KEYSTORE, ks);
  ret_ = ab_wrap(env, K_KEY_MANAGER, km, NULL);
  if (!ret_)
    sslb_key_manager_free(km);
  END;
}

FN(js_key_manager_info) {
  BEGIN;
  sslb_key_manager *km;
  TRY(ab_arg_h(&a, 0, K_KEY_MANAGER, "this", 0, (void **)&km, NULL));
  size_t n = sslb_key_manager_count(km);
  napi_value aliases, certs, o;
  NAPI_CALL_GOTO(env, napi_create_array_with_length(env, n, &aliases), done);
  NAPI_CALL_GOTO(env, napi_create_array_with_length(env, n, &certs), done);
  for (size_t i = 0; i < n; i++) {
    napi_value s = ab_str(env, sslb_key_manager_alias(km, i));
    sslb_certificate *c = sslb_key_manager_certificate(km, i);
    napi_value cv = c ? ab_cert_value(env, c) : ab_null(env);
    if (!s || !cv)
      goto done;
    NAPI_CALL_GOTO(env, napi_set_element(env, aliases, (uint32_t)i, s), done);
    NAPI_CALL_GOTO(env, napi_set_element(env, certs, (uint32_t)i, cv), done);
  }
  NAPI_CALL_GOTO(env, napi_create_object(env, &o), done);
  if (ab_set(env, o, "aliases", aliases) || ab_set(env, o, "certificates", certs))
    goto done;
  ret_ = o;
  END;
}

/* --------------------------------------------------------- SSL contexts */

/* contextBuild(km|null, tm|null, protocols|null, suites|null, from|null) */
FN(js_context_build) {
  BEGIN;
  sslb_key_manager *km;
  sslb_trust_manager *tm;
  sslb_ssl_context *from;
  char *protocols, *suites;
  hnd *hkm, *htm, *hfrom, *out;
  int has_km = 0, has_tm = 0;
  sslb_ssl_context_builder *b = NULL;
  TRY(ab_arg_h(&a, 0, K_KEY_MANAGER, "keyManager", 1, (void **)&km, &hkm));
  TRY(ab_arg_h(&a, 1, K_TRUST_MANAGER, "trustManager", 1, (void **)&tm, &htm));
  TRY(ab_arg_str(&a, 2, "protocols", 1, &protocols));
  TRY(ab_arg_str(&a, 3, "cipherSuites", 1, &suites));
  TRY(ab_arg_h(&a, 4, K_SSL_CONTEXT, "from", 1, (void **)&from, &hfrom));
  /* a JS value `false` for a manager means "keep the one of `from`" */
  napi_valuetype t0 = napi_undefined, t1 = napi_undefined;
  napi_typeof(env, a.argv[0], &t0);
  napi_typeof(env, a.argv[1], &t1);
  has_km = !from || t0 != napi_undefined;
  has_tm = !from || t1 != napi_undefined;
  sslb_ssl_context *ctx = NULL;
  int rc = sslb_ssl_context_builder_new(&b);
  if (rc < 0) {
    ab_throw_code(env, rc, NULL);
    goto done;
  }
  if (from)
    CHECK(sslb_ssl_context_builder_init_from(b, from), K_CONTEXT_BUILDER, b);
  if (has_km)
    CHECK(sslb_ssl_context_builder_set_key_manager(b, km), K_CONTEXT_BUILDER,
          b);
  if (has_tm)
    CHECK(sslb_ssl_context_builder_set_trust_manager(b, tm), K_CONTEXT_BUILDER,
          b);
  if (protocols || !from)
    CHECK(sslb_ssl_context_builder_set_protocols(b, protocols),
          K_CONTEXT_BUILDER, b);
  if (suites || !from)
    CHECK(sslb_ssl_context_builder_set_cipher_suites(b, suites),
          K_CONTEXT_BUILDER, b);
  CHECK(sslb_ssl_context_builder_build(b, &ctx), K_CONTEXT_BUILDER, b);
  ret_ = ab_wrap(env, K_SSL_CONTEXT, ctx, &out);
  if (!ret_) {
    sslb_ssl_context_free(ctx);
    goto done;
  }
  if (hfrom)
    ab_keep_add(out, hfrom);
  if (htm)
    ab_keep_add(out, htm);
done:
  sslb_ssl_context_builder_free(b);
  ab_args_free(&a);
  return ret_;
}

FN(js_context_info) {
  BEGIN;
  sslb_ssl_context *ctx;
  TRY(ab_arg_h(&a, 0, K_SSL_CONTEXT, "this", 0, (void **)&ctx, NULL));
  napi_value o;
  NAPI_CALL_GOTO(env, napi_create_object(env, &o), done);
  if (ab_set(env, o, "protocols", ab_str(env, sslb_ssl_context_protocols(ctx))) ||
      ab_set(env, o, "cipherSuites",
             ab_str(env, sslb_ssl_context_cipher_suites(ctx))) ||
      ab_set(env, o, "priority", ab_str(env, sslb_ssl_context_priority(ctx))))
    goto done;
  ret_ = o;
  END;
}

FN(js_context_trust_manager) {
  BEGIN;
  sslb_ssl_context *ctx;
  hnd *h, *out;
  TRY(ab_arg_h(&a, 0, K_SSL_CONTEXT, "this", 0, (void **)&ctx, &h));
  sslb_trust_manager *tm = sslb_trust_manager_ref(sslb_ssl_context_trust_manager(ctx));
  if (!tm)
    RETURN(ab_null(env));
  ret_ = ab_wrap(env, K_TRUST_MANAGER, tm, &out);
  if (!ret_) {
    sslb_trust_manager_free(tm);
    goto done;
  }
  ab_keep_add(out, h);
  END;
}

FN(js_context_key_manager) {
  BEGIN;
  sslb_ssl_context *ctx;
  TRY(ab_arg_h(&a, 0, K_SSL_CONTEXT, "this", 0, (void **)&ctx, NULL));
  sslb_key_manager *km = sslb_key_manager_ref(sslb_ssl_context_key_manager(ctx));
  if (!km)
    RETURN(ab_null(env));
  ret_ = ab_wrap(env, K_KEY_MANAGER, km, NULL);
  if (!ret_)
    sslb_key_manager_free(km);
  END;
}

FN(js_context_socket_factory) {
  BEGIN;
  sslb_ssl_context *ctx;
  hnd *h, *out;
  TRY(ab_arg_h(&a, 0, K_SSL_CONTEXT, "this", 0, (void **)&ctx, &h));
  sslb_socket_factory *f = NULL;
  CHECK(sslb_ssl_context_socket_factory(ctx, &f), K_SSL_CONTEXT, ctx);
  ret_ = ab_wrap(env, K_SOCKET_FACTORY, f, &out);
  if (!ret_) {
    sslb_socket_factory_free(f);
    goto done;
  }
  ab_keep_add(out, h);
  END;
}

FN(js_socket_factory_context) {
  BEGIN;
  sslb_socket_factory *f;
  hnd *h, *out;
  TRY(ab_arg_h(&a, 0, K_SOCKET_FACTORY, "this", 0, (void **)&f, &h));
  sslb_ssl_context *ctx = sslb_ssl_context_ref(sslb_socket_factory_context(f));
  ret_ = ab_wrap(env, K_SSL_CONTEXT, ctx, &out);
  if (!ret_) {
    sslb_ssl_context_free(ctx);
    goto done;
  }
  ab_keep_add(out, h);
  END;
}

/* ---------------------------------------------------------- SslSettings */

FN(js_settings_new) {
  (void)info;
  sslb_ssl_settings *s = NULL;
  int rc = sslb_ssl_settings_new(&s);
  if (rc < 0)
    return ab_throw_code(env, rc, NULL);
  napi_value v = ab_wrap(env, K_SSL_SETTINGS, s, NULL);
  if (!v)
    sslb_ssl_settings_free(s);
  return v;
}

DEF_H_SS(js_settings_load, K_SSL_SETTINGS, sslb_ssl_settings_load, "path", 0,
         "password", 1)

/* The settings' own keystore: borrowed, so the external pins the settings
 * (which then outlive an explicit close until the keystore goes too). */
FN(js_settings_keystore) {
  BEGIN;
  sslb_ssl_settings *s;
  hnd *h, *out;
  TRY(ab_arg_h(&a, 0, K_SSL_SETTINGS, "this", 0, (void **)&s, &h));
  sslb_keystore *ks = sslb_ssl_settings_keystore(s);
  if (!ks)
    RETURN(ab_null(env));
  napi_ref ref;
  NAPI_CALL_GOTO(env, napi_create_reference(env, a.argv[0], 1, &ref), done);
  ret_ = ab_wrap(env, K_KEYSTORE, ks, &out);
  if (!ret_) {
    napi_delete_reference(env, ref);
    goto done;
  }
  out->borrowed = 1;
  out->parent = h;
  out->parent_ref = ref;
  h->pins++;
  END;
}

FN(js_settings_trust_manager) {
  BEGIN;
  sslb_ssl_settings *s;
  TRY(ab_arg_h(&a, 0, K_SSL_SETTINGS, "this", 0, (void **)&s, NULL));
  sslb_trust_manager *tm = NULL;
  CHECK(sslb_ssl_settings_trust_manager(s, &tm), K_SSL_SETTINGS, s);
  ret_ = ab_wrap(env, K_TRUST_MANAGER, tm, NULL);
  if (!ret_)
    sslb_trust_manager_free(tm);
  END;
}

FN(js_settings_ssl_context) {
  BEGIN;
  sslb_ssl_settings *s;
  TRY(ab_arg_h(&a, 0, K_SSL_SETTINGS, "this", 0, (void **)&s, NULL));
  sslb_ssl_context *ctx = NULL;
  CHECK(sslb_ssl_settings_ssl_context(s, &ctx), K_SSL_SETTINGS, s);
  ret_ = ab_wrap(env, K_SSL_CONTEXT, ctx, NULL);
  if (!ret_)
    sslb_ssl_context_free(ctx);
  END;
}

/* -------------------------------------------------------------- engines */

FN(js_engine_new) {
  BEGIN;
  uint32_t kind;
  TRY(ab_arg_u32(&a, 0, "kind", 6, &kind));
  sslb_engine *e = NULL;
  int rc = sslb_engine_new(&e, (int)kind);
  if (rc < 0) {
    ab_throw_code(env, rc, NULL);
    goto done;
  }
  ret_ = ab_wrap(env, K_ENGINE, e, NULL);
  if (!ret_)
    sslb_engine_free(e);
  END;
}

static int e_set_ctx(sslb_engine *e, sslb_ssl_context *c) {
  return sslb_engine_set_ssl_context(e, c);
}
static int e_set_factory(sslb_engine *e, sslb_ssl_context_factory *f) {
  return sslb_engine_set_ssl_context_factory(e, f);
}
static int e_set_tm(sslb_engine *e, sslb_trust_manager *tm) {
  return sslb_engine_set_trust_manager(e, tm);
}
DEF_H_H(js_engine_set_ssl_context, K_ENGINE, e_set_ctx, K_SSL_CONTEXT,
        "sslContext", 0)
DEF_H_U(js_engine_set_hostname_policy, K_ENGINE,
        sslb_engine_set_ssl_hostname_verification_policy,
        "sslHostnameVerificationPolicy", 16)
DEF_H_SS(js_engine_set_ssl_parameters, K_ENGINE,
         sslb_engine_set_ssl_parameters, "protocols", 1, "cipherSuites", 1)
DEF_H_H(js_engine_set_ssl_context_factory, K_ENGINE, e_set_factory,
        K_CONTEXT_FACTORY, "sslContextFactory", 0)
DEF_H_H(js_engine_set_trust_manager, K_ENGINE, e_set_tm, K_TRUST_MANAGER,
        "trustManager", 0)
DEF_H_S(js_engine_set_cipher_suites, K_ENGINE, sslb_engine_set_cipher_suites,
        "cipherSuites", 0)
DEF_H_S(js_engine_set_server_name, K_ENGINE, sslb_engine_set_server_name,
        "serverName", 0)
DEF_H_SS(js_engine_add_certificate_pin, K_ENGINE,
         sslb_engine_add_certificate_pin, "hostPattern", 0, "pin", 0)
DEF_H_U(js_engine_set_connection_spec, K_ENGINE,
        sslb_engine_set_connection_spec, "connectionSpec", 16)
DEF_H_U(js_engine_set_protocols, K_ENGINE, sslb_engine_set_protocols,
        "protocols", 16)

FN(js_engine_add_key_store) {
  BEGIN;
  sslb_engine *e;
  sslb_keystore *ks;
  char *pw, *alias;
  TRY(ab_arg_h(&a, 0, K_ENGINE, "this", 0, (void **)&e, NULL));
  TRY(ab_arg_h(&a, 1, K_KEYSTORE, "keyStore", 0, (void **)&ks, NULL));
  TRY(ab_arg_str(&a, 2, "password", 1, &pw));
  TRY(ab_arg_str(&a, 3, "alias", 1, &alias));
  CHECK(sslb_engine_add_key_store(e, ks, pw, alias), K_ENGINE, e);
  ret_ = ab_undefined(env);
  END;
}

FN(js_engine_set_ssl_socket_factory) {
  BEGIN;
  sslb_engine *e;
  sslb_socket_factory *f;
  sslb_trust_manager *tm;
  hnd *h, *hf, *htm;
  TRY(ab_arg_h(&a, 0, K_ENGINE, "this", 0, (void **)&e, &h));
  TRY(ab_arg_h(&a, 1, K_SOCKET_FACTORY, "sslSocketFactory", 0, (void **)&f, &hf));
  TRY(ab_arg_h(&a, 2, K_TRUST_MANAGER, "trustManager", 1, (void **)&tm, &htm));
  CHECK(sslb_engine_set_ssl_socket_factory(e, f, tm), K_ENGINE, e);
  ab_keep_add(h, hf);
  if (htm)
    ab_keep_add(h, htm);
  ret_ = ab_undefined(env);
  END;
}

/* ---------------------------------------------- Jetty SslContextFactory */

FN(js_context_factory_new) {
  (void)info;
  sslb_ssl_context_factory *f = NULL;
  int rc = sslb_ssl_context_factory_new(&f);
  if (rc < 0)
    return ab_throw_code(env, rc, NULL);
  napi_value v = ab_wrap(env, K_CONTEXT_FACTORY, f, NULL);
  if (!v)
    sslb_ssl_context_factory_free(f);
  return v;
}

static int f_set_ctx(sslb_ssl_context_factory *f, sslb_ssl_context *c) {
  return sslb_ssl_context_factory_set_ssl_context(f, c);
}
DEF_H_H(js_context_factory_set_ssl_context, K_CONTEXT_FACTORY, f_set_ctx,
        K_SSL_CONTEXT, "sslContext", 1)
DEF_H_S(js_context_factory_set_eia, K_CONTEXT_FACTORY,
        sslb_ssl_context_factory_set_endpoint_identification_algorithm,
        "endpointIdentificationAlgorithm", 1)

FN(js_context_factory_set_list) {
  BEGIN;
  sslb_ssl_context_factory *f;
  uint32_t which;
  char *patterns;
  TRY(ab_arg_h(&a, 0, K_CONTEXT_FACTORY, "this", 0, (void **)&f, NULL));
  TRY(ab_arg_u32(&a, 1, "list", 3, &which));
  TRY(ab_arg_str(&a, 2, "patterns", 0, &patterns));
  CHECK(sslb_ssl_context_factory_set_list(f, (int)which, patterns),
        K_CONTEXT_FACTORY, f);
  ret_ = ab_undefined(env);
  END;
}

/* --------------------------------------------------------------- table */

static const ab_export exports[] = {
    {"version", js_version},
    {"versionNumber", js_version_number},
    {"errorCodes", js_error_codes},
    {"strerror", js_strerror},
    {"close", js_close},
    {"keep", js_keep},
    {"certNew", js_cert_new},
    {"certInfo", js_cert_info},
    {"certDer", js_cert_der},
    {"certPem", js_cert_pem},
    {"keystoreNew", js_keystore_new},
    {"keystoreLoad", js_keystore_load},
    {"keystoreLoadFile", js_keystore_load_file},
    {"keystoreFormat", js_keystore_format},
    {"keystoreSniff", js_keystore_sniff},
    {"keystoreSize", js_keystore_size},
    {"keystoreFind", js_keystore_find},
    {"keystoreEntry", js_keystore_entry},
    {"keystoreUnlockKey", js_keystore_unlock_key},
    {"keystoreSetKeyPassword", js_keystore_set_key_password},
    {"keystoreRemove", js_keystore_remove},
    {"keystoreAddCertificate", js_keystore_add_certificate},
    {"keystoreAddPrivateKey", js_keystore_add_private_key},
    {"keystoreSave", js_keystore_save},
    {"keystoreSaveFile", js_keystore_save_file},
    {"keystoreGenerate", js_keystore_generate},
    {"generateCertificate", js_generate_certificate},
    {"certSpecNew", js_cert_spec_new},
    {"certSpecSetKeyType", js_cert_spec_set_key_type},
    {"certSpecSetKeyAlgorithm", js_cert_spec_set_key_algorithm},
    {"certSpecSetKeySize", js_cert_spec_set_key_size},
    {"certSpecSetSubject", js_cert_spec_set_subject},
    {"certSpecAddDomain", js_cert_spec_add_domain},
    {"certSpecAddIpAddress", js_cert_spec_add_ip_address},
    {"certSpecSetDaysValid", js_cert_spec_set_days_valid},
    {"certSpecSetPassword", js_cert_spec_set_password},
    {"certSpecSignWith", js_cert_spec_sign_with},
    {"trustBuilderNew", js_trust_builder_new},
    {"trustBuilderInitFrom", js_trust_builder_init_from},
    {"trustBuilderReplaceDefaults", js_trust_builder_replace_defaults},
    {"trustBuilderAddKeystore", js_trust_builder_add_keystore},
    {"trustBuilderAddFile", js_trust_builder_add_file},
    {"trustBuilderAddData", js_trust_builder_add_data},
    {"trustBuilderAddCertificate", js_trust_builder_add_certificate},
    {"trustBuilderAddCrl", js_trust_builder_add_crl},
    {"trustBuilderSetTime", js_trust_builder_set_time},
    {"trustBuilderAddPin", js_trust_builder_add_pin},
    {"trustBuilderInsecureTrustAll", js_trust_builder_insecure_trust_all},
    {"trustBuilderBuild", js_trust_builder_build},
    {"trustManagerInfo", js_trust_manager_info},
    {"trustManagerVerify", js_trust_manager_verify},
    {"keyManagerNew", js_key_manager_new},
    {"keyManagerInfo", js_key_manager_info},
    {"contextBuild", js_context_build},
    {"contextInfo", js_context_info},
    {"contextTrustManager", js_context_trust_manager},
    {"contextKeyManager", js_context_key_manager},
    {"contextSocketFactory", js_context_socket_factory},
    {"socketFactoryContext", js_socket_factory_context},
    {"settingsNew", js_settings_new},
    {"settingsLoad", js_settings_load},
    {"settingsKeystore", js_settings_keystore},
    {"settingsTrustManager", js_settings_trust_manager},
    {"settingsSslContext", js_settings_ssl_context},
    {"engineNew", js_engine_new},
    {"engineSetSslContext", js_engine_set_ssl_context},
    {"engineSetHostnamePolicy", js_engine_set_hostname_policy},
    {"engineSetSslParameters", js_engine_set_ssl_parameters},
    {"engineSetSslContextFactory", js_engine_set_ssl_context_factory},
    {"engineSetTrustManager", js_engine_set_trust_manager},
    {"engineAddKeyStore", js_engine_add_key_store},
    {"engineSetCipherSuites", js_engine_set_cipher_suites},
    {"engineSetServerName", js_engine_set_server_name},
    {"engineSetSslSocketFactory", js_engine_set_ssl_socket_factory},
    {"engineAddCertificatePin", js_engine_add_certificate_pin},
    {"engineSetConnectionSpec", js_engine_set_connection_spec},
    {"engineSetProtocols", js_engine_set_protocols},
    {"contextFactoryNew", js_context_factory_new},
    {"contextFactorySetSslContext", js_context_factory_set_ssl_context},
    {"contextFactorySetEndpointIdentificationAlgorithm",
     js_context_factory_set_eia},
    {"contextFactorySetList", js_context_factory_set_list},
};

void ab_objects_exports(const ab_export **list, size_t *n) {
  *list = exports;
  *n = sizeof exports / sizeof exports[0];
}
