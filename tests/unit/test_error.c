/* The error table, its name/message functions, the version functions, and
 * the internal error-detail helpers every handle relies on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "internal.h"
#include "support.h"

typedef struct {
  const char *name;
  int value;
  const char *msg;
} code_row;

/* Generated from the same X-macro as the enum, so a code added to the map
 * is covered here without editing the test. */
static const code_row codes[] = {
#define ROW(name, value, msg) {#name, value, msg},
    SSLB_ERROR_MAP(ROW)
#undef ROW
};
#define NCODES (sizeof codes / sizeof codes[0])

Test(error, every_code_has_its_name_and_message) {
  cr_assert_geq(NCODES, 20);
  for (size_t i = 0; i < NCODES; i++) {
    cr_expect_lt(codes[i].value, 0, "%s must be negative", codes[i].name);
    cr_expect_str_eq(sslb_error_name(codes[i].value), codes[i].name);
    cr_expect_str_eq(sslb_strerror(codes[i].value), codes[i].msg);
    cr_expect_gt(strlen(sslb_strerror(codes[i].value)), 5);
  }
}

Test(error, names_values_and_messages_are_distinct) {
  for (size_t i = 0; i < NCODES; i++)
    for (size_t j = i + 1; j < NCODES; j++) {
      cr_expect_neq(codes[i].value, codes[j].value, "%s and %s share a value",
                    codes[i].name, codes[j].name);
      cr_expect_str_neq(sslb_error_name(codes[i].value),
                        sslb_error_name(codes[j].value));
      cr_expect_str_neq(sslb_strerror(codes[i].value),
                        sslb_strerror(codes[j].value));
    }
}

Test(error, enum_matches_the_table) {
  /* Bindings hard-code some values: they are part of the ABI. */
  cr_expect_eq(SSLB_OK, 0);
  cr_expect_eq(SSLB_ERR_INVALID_ARGUMENT, -1);
  cr_expect_eq(SSLB_ERR_IO, -3);
  cr_expect_eq(SSLB_ERR_KEYSTORE_FORMAT, -10);
  cr_expect_eq(SSLB_ERR_BAD_PASSWORD, -13);
  cr_expect_eq(SSLB_ERR_KEYSTORE_INTEGRITY, -14);
  cr_expect_eq(SSLB_ERR_PASSWORD_REQUIRED, -23);
}

Test(error, ok_and_unknown_codes) {
  cr_expect_str_eq(sslb_error_name(0), "OK");
  cr_expect_str_eq(sslb_strerror(0), "success");
  const int unknown[] = {1,   42,    -7,         -9,
                         -24, -1000, 0x7fffffff, -0x7fffffff - 1};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    cr_expect_str_eq(sslb_error_name(unknown[i]), "UNKNOWN", "code %d",
                     unknown[i]);
    cr_expect_str_eq(sslb_strerror(unknown[i]), "unknown error code",
                     "code %d", unknown[i]);
  }
}

Test(error, version_agrees_with_header) {
  cr_expect_str_eq(sslb_version(), SSLB_VERSION_STRING);
  cr_expect_eq(sslb_version_number(), (unsigned)SSLB_VERSION_NUMBER);
  char text[32];
  unsigned v = sslb_version_number();
  snprintf(text, sizeof text, "%u.%u.%u", v >> 16, (v >> 8) & 0xff, v & 0xff);
  cr_expect_str_eq(sslb_version(), text);
  cr_expect_eq(SSLB_VERSION_MAJOR, (int)(v >> 16));
}

Test(error, sslb_free_accepts_null_and_library_memory) {
  sslb_free(NULL);
  sslb_certificate *c = NULL;
  blob der = read_fixture("ca.der");
  cr_assert_eq(sslb_certificate_new(&c, der.p, der.len), 0);
  char *pem = NULL;
  cr_assert_eq(sslb_certificate_pem(c, &pem), 0);
  cr_expect_not_null(strstr(pem, "-----BEGIN CERTIFICATE-----"));
  sslb_free(pem);
  sslb_certificate_free(c);
  blob_free(&der);
}

Test(error, fail_records_message_and_returns_code) {
  sslb__err err = {{0}};
  cr_expect_eq(sslb__fail(&err, SSLB_ERR_LIMIT, "count %d", 7), SSLB_ERR_LIMIT);
  cr_expect_str_eq(err.msg, "count 7");
  cr_expect_eq(sslb__fail(NULL, SSLB_ERR_IO, "ignored"), SSLB_ERR_IO);
  sslb__err_prefix(&err, "entry '%s'", "x");
  cr_expect_str_eq(err.msg, "entry 'x': count 7");
  sslb__err_clear(&err);
  cr_expect_str_eq(err.msg, "");
  sslb__err_clear(NULL);
  sslb__err_prefix(NULL, "nothing");
}

Test(error, messages_are_truncated_not_overflowed) {
  sslb__err err = {{0}};
  char big[2 * SSLB__ERRLEN];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = 0;
  (void)sslb__fail(&err, SSLB_ERR_INTERNAL, "%s", big);
  cr_expect_eq(strlen(err.msg), SSLB__ERRLEN - 1);
  /* a prefix longer than the buffer still leaves a terminated message */
  sslb__err_prefix(&err, "%s", big);
  cr_expect_lt(strlen(err.msg), (size_t)SSLB__ERRLEN);
  cr_expect_eq(err.msg[0], 'a');
}

Test(error, guard_macros_propagate_negative_codes) {
  /* GUARD returns the first negative code; GUARD_GOTO jumps with it. */
  int calls = 0;
  int rc = 0;
  SSLB__GUARD_GOTO(rc, (calls++, 0), out);
  SSLB__GUARD_GOTO(rc, (calls++, SSLB_ERR_CERTIFICATE), out);
  calls += 100; /* not reached */
out:
  cr_expect_eq(rc, SSLB_ERR_CERTIFICATE);
  cr_expect_eq(calls, 2);
}

Test(error, handles_report_last_error_and_null_handles) {
  cr_expect_str_eq(sslb_keystore_last_error(NULL), "keystore handle is NULL");
  cr_expect_str_eq(sslb_cert_spec_last_error(NULL), "spec handle is NULL");
  sslb_keystore *ks = NULL;
  cr_assert_eq(sslb_keystore_new(&ks), 0);
  cr_expect_str_eq(sslb_keystore_last_error(ks), "");
  size_t i;
  cr_expect_eq(sslb_keystore_find(ks, "nope", &i), SSLB_ERR_NOT_FOUND);
  cr_expect_not_null(strstr(sslb_keystore_last_error(ks), "nope"));
  /* a successful call clears the message */
  cr_expect_eq(sslb_keystore_remove(ks, "nope"), SSLB_ERR_NOT_FOUND);
  blob der = read_fixture("ca.der");
  cr_expect_eq(sslb_keystore_add_certificate(ks, "ca", der.p, der.len), 0);
  cr_expect_str_eq(sslb_keystore_last_error(ks), "");
  blob_free(&der);
  sslb_keystore_free(ks);
}
