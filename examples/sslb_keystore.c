/* sslb-keystore: list, generate and convert keystores through the public
 * API. Output of `list` is tab-separated, one record a line, for scripts:
 *   store  <format> <entries>
 *   entry  <alias> <kind> <chain-length> <locked> <created-ms> <algorithm>
 *   cert   <alias> <pos> <sha256> <pin> <serial> <subject> <issuer> <sans>
 * Errors print "error <CODE_NAME> <message>" on stderr and exit with 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sslbind/sslbind.h>

static int fail(int rc, const char *msg) {
  fprintf(stderr, "error\t%s\t%s\n", sslb_error_name(rc), msg ? msg : "");
  return 2;
}

static int parse_format(const char *s) {
  if (!strcmp(s, "jks"))
    return SSLB_FORMAT_JKS;
  if (!strcmp(s, "pkcs12") || !strcmp(s, "p12"))
    return SSLB_FORMAT_PKCS12;
  if (!strcmp(s, "pem"))
    return SSLB_FORMAT_PEM;
  return -1;
}

static const char *kind_name(int k) {
  return k == SSLB_ENTRY_PRIVATE_KEY    ? "PrivateKeyEntry"
         : k == SSLB_ENTRY_TRUSTED_CERT ? "trustedCertEntry"
                                        : "SecretKeyEntry";
}

static int cmd_list(int argc, char **argv) {
  const char *path = NULL, *password = NULL;
  const char *unlock[32];
  int nunlock = 0;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--password") && i + 1 < argc)
      password = argv[++i];
    else if (!strcmp(argv[i], "--unlock") && i + 1 < argc && nunlock < 32)
      unlock[nunlock++] = argv[++i]; /* ALIAS=KEYPASSWORD */
    else
      path = argv[i];
  }
  if (!path)
    return fail(SSLB_ERR_INVALID_ARGUMENT, "usage: list FILE [--password P]");
  sslb_keystore *ks;
  int rc = sslb_keystore_new(&ks);
  if (rc < 0)
    return fail(rc, "");
  if ((rc = sslb_keystore_load_file(ks, path, password)) < 0) {
    int r = fail(rc, sslb_keystore_last_error(ks));
    sslb_keystore_free(ks);
    return r;
  }
  for (int u = 0; u < nunlock; u++) {
    char alias[256];
    const char *eq = strchr(unlock[u], '=');
    if (!eq || (size_t)(eq - unlock[u]) >= sizeof alias)
      continue;
    memcpy(alias, unlock[u], (size_t)(eq - unlock[u]));
    alias[eq - unlock[u]] = 0;
    if ((rc = sslb_keystore_unlock_key(ks, alias, eq + 1)) < 0) {
      int r = fail(rc, sslb_keystore_last_error(ks));
      sslb_keystore_free(ks);
      return r;
    }
  }
  printf("store\t%s\t%zu\n", sslb_keystore_format_name(sslb_keystore_format(ks)),
         sslb_keystore_size(ks));
  for (size_t i = 0; i < sslb_keystore_size(ks); i++) {
    const char *alias = sslb_keystore_entry_alias(ks, i);
    size_t n = sslb_keystore_entry_chain_length(ks, i);
    printf("entry\t%s\t%s\t%zu\t%d\t%lld\t%s\n", alias,
           kind_name(sslb_keystore_entry_kind(ks, i)), n,
           sslb_keystore_entry_locked(ks, i),
           (long long)sslb_keystore_entry_created(ks, i),
           sslb_keystore_entry_algorithm(ks, i));
    for (size_t j = 0; j < n; j++) {
      sslb_certificate *c;
      if (sslb_keystore_entry_certificate(ks, i, j, &c) < 0)
        continue;
      printf("cert\t%s\t%zu\t%s\t%s\t%s\t%s\t%s\t", alias, j,
             sslb_certificate_sha256_fingerprint(c),
             sslb_certificate_spki_pin(c), sslb_certificate_serial(c),
             sslb_certificate_subject(c), sslb_certificate_issuer(c));
      for (size_t k = 0; k < sslb_certificate_san_count(c); k++)
        printf("%s%s:%s", k ? "," : "",
               sslb_certificate_san_type(c, k) == SSLB_SAN_IP ? "IP" : "DNS",
               sslb_certificate_san_value(c, k));
      printf("\n");
      sslb_certificate_free(c);
    }
  }
  sslb_keystore_free(ks);
  return 0;
}

static int cmd_generate(int argc, char **argv) {
  const char *out = NULL, *password = NULL, *alias = "mykey", *keypw = NULL;
  const char *sign = NULL;
  int format = SSLB_FORMAT_PKCS12, rc;
  sslb_cert_spec *spec;
  if ((rc = sslb_cert_spec_new(&spec)) < 0)
    return fail(rc, "");
  for (int i = 0; i < argc && rc == 0; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--password") && v)
      password = v, i++;
    else if (!strcmp(a, "--alias") && v)
      alias = v, i++;
    else if (!strcmp(a, "--key-password") && v)
      keypw = v, i++;
    else if (!strcmp(a, "--format") && v)
      format = parse_format(v), i++;
    else if (!strcmp(a, "--type") && v)
      rc = sslb_cert_spec_set_key_type(spec, !strcmp(v, "ca")       ? SSLB_KEY_TYPE_CA
                                             : !strcmp(v, "client") ? SSLB_KEY_TYPE_CLIENT
                                                                    : SSLB_KEY_TYPE_SERVER),
      i++;
    else if (!strcmp(a, "--alg") && v)
      rc = sslb_cert_spec_set_key_algorithm(spec, !strcmp(v, "rsa")       ? SSLB_KEY_ALG_RSA
                                                  : !strcmp(v, "p384")    ? SSLB_KEY_ALG_EC_P384
                                                  : !strcmp(v, "ed25519") ? SSLB_KEY_ALG_ED25519
                                                                          : SSLB_KEY_ALG_EC_P256),
      i++;
    else if (!strcmp(a, "--key-size") && v)
      rc = sslb_cert_spec_set_key_size(spec, (unsigned)atoi(v)), i++;
    else if (!strcmp(a, "--subject") && v)
      rc = sslb_cert_spec_set_subject(spec, v), i++;
    else if (!strcmp(a, "--domain") && v)
      rc = sslb_cert_spec_add_domain(spec, v), i++;
    else if (!strcmp(a, "--ip") && v)
      rc = sslb_cert_spec_add_ip_address(spec, v), i++;
    else if (!strcmp(a, "--days") && v)
      rc = sslb_cert_spec_set_days_valid(spec, (unsigned)atoi(v)), i++;
    else if (!strcmp(a, "--sign-with") && v)
      sign = v, i++; /* FILE:ALIAS (store password = --password) */
    else
      out = a;
  }
  if (rc < 0) {
    int r = fail(rc, sslb_cert_spec_last_error(spec));
    sslb_cert_spec_free(spec);
    return r;
  }
  if (!out || format < 0) {
    sslb_cert_spec_free(spec);
    return fail(SSLB_ERR_INVALID_ARGUMENT,
                "usage: generate OUT [--format jks|pkcs12|pem] [--password P] ...");
  }
  sslb_keystore *issuer = NULL;
  if (sign) {
    char file[1024];
    const char *colon = strrchr(sign, ':');
    if (!colon || (size_t)(colon - sign) >= sizeof file)
      return fail(SSLB_ERR_INVALID_ARGUMENT, "--sign-with FILE:ALIAS");
    memcpy(file, sign, (size_t)(colon - sign));
    file[colon - sign] = 0;
    if ((rc = sslb_keystore_new(&issuer)) < 0 ||
        (rc = sslb_keystore_load_file(issuer, file, password)) < 0)
      return fail(rc, sslb_keystore_last_error(issuer));
    if ((rc = sslb_cert_spec_sign_with(spec, issuer, colon + 1, NULL)) < 0)
      return fail(rc, sslb_cert_spec_last_error(spec));
  }
  if (keypw)
    sslb_cert_spec_set_password(spec, keypw);
  sslb_keystore *ks;
  if ((rc = sslb_keystore_new(&ks)) < 0)
    return fail(rc, "");
  rc = sslb_keystore_generate(ks, alias, spec);
  if (rc == 0 && issuer) {
    /* keep the CA as a trusted entry too, like a real deployment store */
  }
  if (rc == 0)
    rc = sslb_keystore_save_file(ks, out, format, password);
  int r = rc < 0 ? fail(rc, sslb_keystore_last_error(ks)) : 0;
  sslb_keystore_free(ks);
  sslb_keystore_free(issuer);
  sslb_cert_spec_free(spec);
  return r;
}

static int cmd_convert(int argc, char **argv) {
  const char *in = NULL, *out = NULL, *password = NULL, *outpw = NULL;
  const char *add_cert = NULL;
  int format = SSLB_FORMAT_PKCS12, outpw_set = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--password") && v)
      password = v, i++;
    else if (!strcmp(a, "--out-password") && v)
      outpw = v, outpw_set = 1, i++;
    else if (!strcmp(a, "--no-out-password"))
      outpw = NULL, outpw_set = 1;
    else if (!strcmp(a, "--format") && v)
      format = parse_format(v), i++;
    else if (!strcmp(a, "--add-cert") && v)
      add_cert = v, i++; /* ALIAS=FILE: add a trusted certificate */
    else if (!in)
      in = a;
    else
      out = a;
  }
  if (!in || !out || format < 0)
    return fail(SSLB_ERR_INVALID_ARGUMENT,
                "usage: convert IN OUT [--format F] [--password P] [--out-password P2]");
  sslb_keystore *ks;
  int rc = sslb_keystore_new(&ks);
  if (rc == 0)
    rc = sslb_keystore_load_file(ks, in, password);
  if (rc == 0 && add_cert) {
    const char *eq = strchr(add_cert, '=');
    char alias[256];
    FILE *f = eq ? fopen(eq + 1, "rb") : NULL;
    if (!f || (size_t)(eq - add_cert) >= sizeof alias)
      return fail(SSLB_ERR_IO, "--add-cert ALIAS=FILE");
    memcpy(alias, add_cert, (size_t)(eq - add_cert));
    alias[eq - add_cert] = 0;
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    rc = sslb_keystore_add_certificate(ks, alias, buf, n);
  }
  if (rc == 0)
    rc = sslb_keystore_save_file(ks, out, format, outpw_set ? outpw : password);
  int r = rc < 0 ? fail(rc, sslb_keystore_last_error(ks)) : 0;
  sslb_keystore_free(ks);
  return r;
}

/* export FILE ALIAS OUT [--password P]: the entry's leaf certificate as PEM */
static int cmd_export(int argc, char **argv) {
  const char *args[3] = {NULL, NULL, NULL}, *password = NULL;
  int n = 0;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--password") && i + 1 < argc)
      password = argv[++i];
    else if (n < 3)
      args[n++] = argv[i];
  }
  if (n != 3)
    return fail(SSLB_ERR_INVALID_ARGUMENT, "usage: export FILE ALIAS OUT.pem");
  sslb_keystore *ks;
  sslb_certificate *c = NULL;
  char *pem = NULL;
  size_t idx;
  int rc = sslb_keystore_new(&ks);
  if (rc == 0)
    rc = sslb_keystore_load_file(ks, args[0], password);
  if (rc == 0)
    rc = sslb_keystore_find(ks, args[1], &idx);
  if (rc == 0)
    rc = sslb_keystore_entry_certificate(ks, idx, 0, &c);
  if (rc == 0)
    rc = sslb_certificate_pem(c, &pem);
  int r = rc < 0 ? fail(rc, sslb_keystore_last_error(ks)) : 0;
  if (rc == 0) {
    FILE *f = fopen(args[2], "w");
    if (!f || fputs(pem, f) < 0 || fclose(f) != 0)
      r = fail(SSLB_ERR_IO, args[2]);
  }
  sslb_free(pem);
  sslb_certificate_free(c);
  sslb_keystore_free(ks);
  return r;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "export"))
    return cmd_export(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "list"))
    return cmd_list(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "generate"))
    return cmd_generate(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "convert"))
    return cmd_convert(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "version")) {
    printf("%s\n", sslb_version());
    return 0;
  }
  fprintf(stderr, "usage: sslb-keystore list|generate|convert|export|version ...\n");
  return 2;
}
