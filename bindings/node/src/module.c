/* Module registration: the export table, the error factory and the
 * library version check. */
#include "addon.h"

#include <stdio.h>
#include <stdlib.h>

static void state_free(napi_env env, void *data, void *hint) {
  (void)hint;
  ab_state *s = data;
  if (s->error_factory)
    napi_delete_reference(env, s->error_factory);
  free(s);
}

/* setErrorFactory(fn): fn(errno, name, message) returns the Error object
 * every sslbind failure throws (the JavaScript error classes). */
static napi_value js_set_error_factory(napi_env env, napi_callback_info info) {
  ab_args a;
  if (!ab_args_get(env, info, &a))
    return NULL;
  napi_valuetype t = napi_undefined;
  if (a.argc > 0)
    NAPI_CALL(env, napi_typeof(env, a.argv[0], &t));
  if (t != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "factory must be a function");
    return NULL;
  }
  ab_state *s = ab_get_state(env);
  if (!s) {
    napi_throw_error(env, NULL, "the addon is not initialised");
    return NULL;
  }
  if (s->error_factory)
    NAPI_CALL(env, napi_delete_reference(env, s->error_factory));
  s->error_factory = NULL;
  NAPI_CALL(env, napi_create_reference(env, a.argv[0], 1, &s->error_factory));
  return ab_undefined(env);
}

static int add(napi_env env, napi_value exports, const ab_export *list,
               size_t n) {
  for (size_t i = 0; i < n; i++) {
    napi_value fn;
    NAPI_CALL_RET(env,
                  napi_create_function(env, list[i].name, NAPI_AUTO_LENGTH,
                                       list[i].fn, NULL, &fn),
                  -1);
    NAPI_CALL_RET(env, napi_set_named_property(env, exports, list[i].name, fn),
                  -1);
  }
  return 0;
}

static napi_value init(napi_env env, napi_value exports) {
  unsigned have = sslb_version_number();
  if ((have >> 16) != (SSLB_VERSION_NUMBER >> 16)) {
    char msg[200];
    snprintf(msg, sizeof msg,
             "libsslbind %s has major version %u; this addon was built for "
             "%u.x",
             sslb_version(), have >> 16, (unsigned)(SSLB_VERSION_NUMBER >> 16));
    napi_throw_error(env, "ERR_SSLBIND_VERSION", msg);
    return NULL;
  }
  ab_state *s = calloc(1, sizeof *s);
  if (!s) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  s->js_thread = pthread_self();
  napi_status st = napi_set_instance_data(env, s, state_free, NULL);
  if (st != napi_ok) {
    free(s);
    ab_napi_fail(env, st, "napi_set_instance_data");
    return NULL;
  }
  const ab_export *list;
  size_t n;
  ab_objects_exports(&list, &n);
  if (add(env, exports, list, n) < 0)
    return NULL;
  ab_callbacks_exports(&list, &n);
  if (add(env, exports, list, n) < 0)
    return NULL;
  ab_client_exports(&list, &n);
  if (add(env, exports, list, n) < 0)
    return NULL;
  static const ab_export more[] = {{"setErrorFactory", js_set_error_factory}};
  if (add(env, exports, more, 1) < 0)
    return NULL;
  napi_value napi_version;
  NAPI_CALL(env, napi_create_uint32(env, NAPI_VERSION, &napi_version));
  NAPI_CALL(env, napi_set_named_property(env, exports, "napiVersion",
                                         napi_version));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
