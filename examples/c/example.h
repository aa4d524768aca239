/* Shared by the engine examples: the Ktor page's SslSettings (keystore.jks,
 * password foobar) and one GET whose outcome is printed as a line:
 *   engine NAME status S version V tls T alpn A verified yes
 * followed by the response body,
 * or "error CODE message" on stderr, exit status 2. */
#ifndef SSLB_EXAMPLE_H
#define SSLB_EXAMPLE_H

#include <stdio.h>
#include <stdlib.h>

#include <sslbind/sslbind.h>

/* object SslSettings { getKeyStore(); getTrustManagerFactory(); ... } */
static sslb_ssl_settings *ssl_settings(const char *path, const char *password) {
  sslb_ssl_settings *s = NULL;
  int rc = sslb_ssl_settings_new(&s);
  if (rc == 0 && (rc = sslb_ssl_settings_load(s, path, password)) < 0)
    fprintf(stderr, "error\t%s\t%s\n", sslb_error_name(rc), sslb_ssl_settings_last_error(s));
  else if (rc < 0)
    fprintf(stderr, "error\t%s\tsettings\n", sslb_error_name(rc));
  if (rc < 0) {
    sslb_ssl_settings_free(s);
    return NULL;
  }
  return s;
}

/* client.get(url): prints the outcome; 0 on success, 2 on failure. */
static int get_and_print(sslb_client *c, const char *engine, const char *url) {
  sslb_request *r = NULL;
  sslb_response *resp = NULL;
  int rc = sslb_request_new(&r, "GET", url);
  if (rc == 0)
    rc = sslb_client_execute(c, r, &resp);
  if (rc < 0) {
    fprintf(stderr, "error\t%s\t%s\n", sslb_error_name(rc),
            r ? sslb_request_last_error(r) : "bad URL");
  } else {
    const uint8_t *body;
    size_t len;
    sslb_response_body(resp, &body, &len);
    printf("engine\t%s\tstatus\t%d\tversion\t%s\ttls\t%s\talpn\t%s\tverified\tyes\n", engine,
           sslb_response_status(resp), sslb_response_http_version(resp),
           sslb_response_tls_version(resp), sslb_response_alpn(resp));
    fwrite(body, 1, len, stdout); /* then the body, as it came */
  }
  sslb_response_free(resp);
  sslb_request_free(r);
  return rc < 0 ? 2 : 0;
}

static int usage(const char *prog) {
  fprintf(stderr, "usage: %s URL [KEYSTORE [PASSWORD]]\n", prog);
  return 2;
}

#endif
