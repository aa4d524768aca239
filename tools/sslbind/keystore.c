/* Keystore commands, shared by `sslbind keystore ...` and the sslb-keystore
 * program. sslb-keystore (CLI_KS_LEGACY) keeps its interface exactly: a
 * tab-separated listing for scripts,
 *   store  <format> <entries>
 *   entry  <alias> <kind> <chain-length> <locked> <created-ms> <algorithm>
 *   cert   <alias> <pos> <sha256> <pin> <serial> <subject> <issuer> <sans>
 * and errors as "error <CODE_NAME> <message>" on stderr with exit status 2.
 * sslbind (CLI_KS_SSLBIND) lists for people by default (--tsv gives the
 * records above), reports errors as "sslbind: CODE_NAME: message" with the
 * exit status of their class, and adds `pin`. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static int fail(int style, int rc, const char *msg) {
  if (style == CLI_KS_LEGACY) {
    fprintf(stderr, "error\t%s\t%s\n", sslb_error_name(rc), msg ? msg : "");
    return 2;
  }
  return cli_fail(cli_exit_for(rc), rc, msg);
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

static void print_sans(FILE *f, const sslb_certificate *c) {
  for (size_t k = 0; k < sslb_certificate_san_count(c); k++)
    fprintf(f, "%s%s:%s", k ? "," : "",
            sslb_certificate_san_type(c, k) == SSLB_SAN_IP ? "IP" : "DNS",
            sslb_certificate_san_value(c, k));
}

static void list_tsv(sslb_keystore *ks) {
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
      print_sans(stdout, c);
      printf("\n");
      sslb_certificate_free(c);
    }
  }
}

static void list_human(sslb_keystore *ks, const char *path, int verbose) {
  size_t n = sslb_keystore_size(ks);
  int64_t now = (int64_t)time(NULL);
  printf("Keystore: %s\nFormat:   %s\nEntries:  %zu\n", path,
         sslb_keystore_format_name(sslb_keystore_format(ks)), n);
  for (size_t i = 0; i < n; i++) {
    const char *alias = sslb_keystore_entry_alias(ks, i);
    int kind = sslb_keystore_entry_kind(ks, i);
    size_t len = sslb_keystore_entry_chain_length(ks, i);
    int64_t created = sslb_keystore_entry_created(ks, i);
    char when[40] = "unknown";
    if (created > 0)
      cli_format_time(created / 1000, when, sizeof when);
    printf("\nAlias:    %s\n", alias);
    printf("Kind:     %s%s\n", kind_name(kind),
           kind == SSLB_ENTRY_PRIVATE_KEY && sslb_keystore_entry_locked(ks, i)
               ? " (key locked: its password differs from the store's)"
               : "");
    printf("Created:  %s\n", when);
    printf("Key:      %s\n", sslb_keystore_entry_algorithm(ks, i));
    if (kind == SSLB_ENTRY_PRIVATE_KEY)
      printf("Chain:    %zu certificate%s\n", len, len == 1 ? "" : "s");
    for (size_t j = 0; j < len; j++) {
      sslb_certificate *c;
      if (sslb_keystore_entry_certificate(ks, i, j, &c) < 0)
        continue;
      if (verbose || n == 1) {
        printf("  Certificate [%zu]\n", j);
        cli_print_certificate(stdout, "    ", c, now);
        printf("    SHA-1:       %s\n", sslb_certificate_sha1_fingerprint(c));
      } else {
        char until[40];
        cli_format_time(sslb_certificate_not_after(c), until, sizeof until);
        printf("  [%zu] %s (issuer %s), valid until %s%s\n      SHA-256 %s\n"
               "      %s\n",
               j, sslb_certificate_subject(c), sslb_certificate_issuer(c), until,
               now > sslb_certificate_not_after(c) ? " (expired)" : "",
               sslb_certificate_sha256_fingerprint(c), sslb_certificate_spki_pin(c));
      }
      sslb_certificate_free(c);
    }
  }
}

static int open_store(int style, const char *path, const char *password,
                      sslb_keystore **out) {
  sslb_keystore *ks;
  int rc = sslb_keystore_new(&ks);
  *out = NULL;
  if (rc < 0)
    return fail(style, rc, "");
  if ((rc = sslb_keystore_load_file(ks, path, password)) < 0) {
    const char *detail = sslb_keystore_last_error(ks);
    char msg[1200];
    if (style != CLI_KS_LEGACY && !strstr(detail, path))
      snprintf(msg, sizeof msg, "%s: %.1000s", path, detail);
    else
      snprintf(msg, sizeof msg, "%s", detail);
    sslb_keystore_free(ks);
    return fail(style, rc, msg);
  }
  *out = ks;
  return 0;
}

static int cmd_list(int argc, char **argv, int style) {
  const char *path = NULL, *password = NULL;
  const char *unlock[32];
  int nunlock = 0, tsv = style == CLI_KS_LEGACY, verbose = 0;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--password") && i + 1 < argc)
      password = argv[++i];
    else if (!strcmp(argv[i], "--unlock") && i + 1 < argc && nunlock < 32)
      unlock[nunlock++] = argv[++i]; /* ALIAS=KEYPASSWORD */
    else if (style != CLI_KS_LEGACY && !strcmp(argv[i], "--tsv"))
      tsv = 1;
    else if (style != CLI_KS_LEGACY && !strcmp(argv[i], "-v"))
      verbose = 1;
    else if (style != CLI_KS_LEGACY && argv[i][0] == '-')
      return cli_usage_error("keystore", "list: unknown option %s", argv[i]);
    else
      path = argv[i];
  }
  if (!path)
    return fail(style, SSLB_ERR_INVALID_ARGUMENT, "usage: list FILE [--password P]");
  sslb_keystore *ks;
  int rc, r = open_store(style, path, password, &ks);
  if (r)
    return r;
  for (int u = 0; u < nunlock; u++) {
    char alias[256];
    const char *eq = strchr(unlock[u], '=');
    if (!eq || (size_t)(eq - unlock[u]) >= sizeof alias)
      continue;
    memcpy(alias, unlock[u], (size_t)(eq - unlock[u]));
    alias[eq - unlock[u]] = 0;
    if ((rc = sslb_keystore_unlock_key(ks, alias, eq + 1)) < 0) {
      r = fail(style, rc, sslb_keystore_last_error(ks));
      sslb_keystore_free(ks);
      return r;
    }
  }
  if (tsv)
    list_tsv(ks);
  else
    list_human(ks, path, verbose);
  sslb_keystore_free(ks);
  return 0;
}

/* --key NAME of sslbind: algorithm and size */
static int parse_key(sslb_cert_spec *spec, const char *v) {
  if (!strncmp(v, "rsa", 3)) {
    unsigned long bits = 2048;
    if (v[3] && cli_parse_uint(v + 3, 16384, &bits) < 0)
      return SSLB_ERR_INVALID_ARGUMENT;
    int rc = sslb_cert_spec_set_key_algorithm(spec, SSLB_KEY_ALG_RSA);
    return rc ? rc : sslb_cert_spec_set_key_size(spec, (unsigned)bits);
  }
  if (!strcmp(v, "ec256") || !strcmp(v, "ec") || !strcmp(v, "p256"))
    return sslb_cert_spec_set_key_algorithm(spec, SSLB_KEY_ALG_EC_P256);
  if (!strcmp(v, "ec384") || !strcmp(v, "p384"))
    return sslb_cert_spec_set_key_algorithm(spec, SSLB_KEY_ALG_EC_P384);
  if (!strcmp(v, "ed25519"))
    return sslb_cert_spec_set_key_algorithm(spec, SSLB_KEY_ALG_ED25519);
  return SSLB_ERR_INVALID_ARGUMENT;
}

static int cmd_generate(int argc, char **argv, int style) {
  const char *out = NULL, *password = NULL, *alias = "mykey", *keypw = NULL;
  const char *sign = NULL, *sign_password = NULL, *bad = NULL;
  int format = SSLB_FORMAT_PKCS12, rc;
  sslb_cert_spec *spec;
  if ((rc = sslb_cert_spec_new(&spec)) < 0)
    return fail(style, rc, "");
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
    else if (!strcmp(a, "--key") && v) {
      if ((rc = parse_key(spec, v)) < 0)
        bad = "--key: expected rsa2048, rsa3072, rsa4096, ec256, ec384 or ed25519";
      i++;
    } else if (!strcmp(a, "--ca"))
      rc = sslb_cert_spec_set_key_type(spec, SSLB_KEY_TYPE_CA);
    else if (!strcmp(a, "--client"))
      rc = sslb_cert_spec_set_key_type(spec, SSLB_KEY_TYPE_CLIENT);
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
    else if (!strcmp(a, "--sign-password") && v)
      sign_password = v, i++;
    else if (style != CLI_KS_LEGACY && a[0] == '-') {
      sslb_cert_spec_free(spec);
      return cli_usage_error("keystore", "generate: unknown option or missing value %s", a);
    } else
      out = a;
  }
  if (rc < 0) {
    int r = fail(style, rc, bad ? bad : sslb_cert_spec_last_error(spec));
    sslb_cert_spec_free(spec);
    return r;
  }
  if (!out || format < 0) {
    sslb_cert_spec_free(spec);
    return fail(style, SSLB_ERR_INVALID_ARGUMENT,
                "usage: generate OUT [--format jks|pkcs12|pem] [--password P] ...");
  }
  sslb_keystore *issuer = NULL, *ks = NULL;
  int r = 0;
  if (sign) {
    char file[1024];
    const char *colon = strrchr(sign, ':');
    if (!colon || (size_t)(colon - sign) >= sizeof file) {
      r = fail(style, SSLB_ERR_INVALID_ARGUMENT, "--sign-with FILE:ALIAS");
      goto out;
    }
    memcpy(file, sign, (size_t)(colon - sign));
    file[colon - sign] = 0;
    if ((r = open_store(style, file, sign_password ? sign_password : password, &issuer)))
      goto out;
    if ((rc = sslb_cert_spec_sign_with(spec, issuer, colon + 1, NULL)) < 0) {
      r = fail(style, rc, sslb_cert_spec_last_error(spec));
      goto out;
    }
  }
  if (keypw)
    sslb_cert_spec_set_password(spec, keypw);
  if ((rc = sslb_keystore_new(&ks)) < 0) {
    r = fail(style, rc, "");
    goto out;
  }
  rc = sslb_keystore_generate(ks, alias, spec);
  if (rc == 0)
    rc = sslb_keystore_save_file(ks, out, format, password);
  if (rc < 0)
    r = fail(style, rc, sslb_keystore_last_error(ks));
out:
  sslb_keystore_free(ks);
  sslb_keystore_free(issuer);
  sslb_cert_spec_free(spec);
  return r;
}

static int cmd_convert(int argc, char **argv, int style) {
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
    else if (style != CLI_KS_LEGACY && a[0] == '-')
      return cli_usage_error("keystore", "convert: unknown option or missing value %s", a);
    else if (!in)
      in = a;
    else
      out = a;
  }
  if (!in || !out || format < 0)
    return fail(style, SSLB_ERR_INVALID_ARGUMENT,
                "usage: convert IN OUT [--format F] [--password P] [--out-password P2]");
  sslb_keystore *ks;
  int r = open_store(style, in, password, &ks), rc = 0;
  if (r)
    return r;
  if (add_cert) {
    const char *eq = strchr(add_cert, '=');
    char alias[256];
    size_t n = 0;
    uint8_t *buf = NULL;
    if (eq && (size_t)(eq - add_cert) < sizeof alias)
      buf = cli_read_file(eq + 1, &n);
    if (!buf) {
      sslb_keystore_free(ks);
      return fail(style, SSLB_ERR_IO, "--add-cert ALIAS=FILE");
    }
    memcpy(alias, add_cert, (size_t)(eq - add_cert));
    alias[eq - add_cert] = 0;
    rc = sslb_keystore_add_certificate(ks, alias, buf, n);
    free(buf);
  }
  if (rc == 0)
    rc = sslb_keystore_save_file(ks, out, format, outpw_set ? outpw : password);
  r = rc < 0 ? fail(style, rc, sslb_keystore_last_error(ks)) : 0;
  sslb_keystore_free(ks);
  return r;
}

/* export FILE ALIAS OUT [--password P]: the entry's leaf certificate as PEM */
static int cmd_export(int argc, char **argv, int style) {
  const char *args[3] = {NULL, NULL, NULL}, *password = NULL;
  int n = 0;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--password") && i + 1 < argc)
      password = argv[++i];
    else if (n < 3)
      args[n++] = argv[i];
  }
  if (n != 3)
    return fail(style, SSLB_ERR_INVALID_ARGUMENT, "usage: export FILE ALIAS OUT.pem");
  sslb_keystore *ks;
  sslb_certificate *c = NULL;
  char *pem = NULL;
  size_t idx;
  int r = open_store(style, args[0], password, &ks), rc = 0;
  if (r)
    return r;
  rc = sslb_keystore_find(ks, args[1], &idx);
  if (rc == 0)
    rc = sslb_keystore_entry_certificate(ks, idx, 0, &c);
  if (rc == 0)
    rc = sslb_certificate_pem(c, &pem);
  r = rc < 0 ? fail(style, rc, sslb_keystore_last_error(ks)) : 0;
  if (rc == 0) {
    FILE *f = fopen(args[2], "w");
    if (!f || fputs(pem, f) < 0 || fclose(f) != 0)
      r = style == CLI_KS_LEGACY ? fail(style, SSLB_ERR_IO, args[2])
                                 : cli_fail(CLI_EXIT_FILE, SSLB_ERR_IO, args[2]);
  }
  sslb_free(pem);
  sslb_certificate_free(c);
  sslb_keystore_free(ks);
  return r;
}

/* pin FILE [--password P]: the SPKI pin of every certificate */
static int cmd_pin(int argc, char **argv, int style) {
  const char *path = NULL, *password = NULL;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--password") && i + 1 < argc)
      password = argv[++i];
    else if (argv[i][0] == '-')
      return cli_usage_error("keystore", "pin: unknown option or missing value %s",
                             argv[i]);
    else
      path = argv[i];
  }
  if (!path)
    return cli_usage_error("keystore", "pin: no keystore or certificate file given");
  sslb_keystore *ks;
  int r = open_store(style, path, password, &ks);
  if (r)
    return r;
  for (size_t i = 0; i < sslb_keystore_size(ks); i++)
    for (size_t j = 0; j < sslb_keystore_entry_chain_length(ks, i); j++) {
      sslb_certificate *c;
      if (sslb_keystore_entry_certificate(ks, i, j, &c) < 0)
        continue;
      printf("%s  %s[%zu]  %s\n", sslb_certificate_spki_pin(c),
             sslb_keystore_entry_alias(ks, i), j, sslb_certificate_subject(c));
      sslb_certificate_free(c);
    }
  sslb_keystore_free(ks);
  return 0;
}

int cli_keystore(int argc, char **argv, int style) {
  const char *cmd = argc >= 1 ? argv[0] : "";
  if (style != CLI_KS_LEGACY) {
    if (argc < 1)
      return cli_usage_error("keystore", "no keystore command given");
    for (int i = 0; i < argc; i++)
      if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
        return cli_help(stdout, "keystore");
  }
  if (!strcmp(cmd, "export"))
    return cmd_export(argc - 1, argv + 1, style);
  if (!strcmp(cmd, "list"))
    return cmd_list(argc - 1, argv + 1, style);
  if (!strcmp(cmd, "generate"))
    return cmd_generate(argc - 1, argv + 1, style);
  if (!strcmp(cmd, "convert"))
    return cmd_convert(argc - 1, argv + 1, style);
  if (style != CLI_KS_LEGACY && !strcmp(cmd, "pin"))
    return cmd_pin(argc - 1, argv + 1, style);
  if (style == CLI_KS_LEGACY && !strcmp(cmd, "version")) {
    printf("%s\n", sslb_version());
    return 0;
  }
  if (style == CLI_KS_LEGACY) {
    fprintf(stderr, "usage: sslb-keystore list|generate|convert|export|version ...\n");
    return 2;
  }
  return cli_usage_error("keystore", "unknown keystore command \"%s\"", cmd);
}
