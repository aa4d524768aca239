/* sslbind's own certification-path rules (see pkix.h). Extensions are read
 * from their DER with util/der.h, so that a malformed one is seen as such
 * rather than as absent. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tls/pkix.h"
#include "tls/trust.h"
#include "util/der.h"

/* GeneralName choices (RFC 5280 4.2.1.6), by context tag number */
enum {
  GN_OTHER = 0,
  GN_EMAIL = 1,
  GN_DNS = 2,
  GN_X400 = 3,
  GN_DIRNAME = 4,
  GN_EDI = 5,
  GN_URI = 6,
  GN_IP = 7,
  GN_RID = 8
};

static int say(char *msg, size_t n, int code, const char *fmt, ...)
    SSLB__PRINTF(4, 5);
static int say(char *msg, size_t n, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, n, fmt, ap);
  va_end(ap);
  return code;
}

/* ------------------------------------------------------------- view */

/* The extensions the checks read, by index in view.ext */
enum { X_SAN, X_NC, X_AKI, X_SKI, X_EKU, X_BC, X_PC, X_AIA, X_TLSFEAT, X_N };

/* their OIDs, DER-encoded */
static const struct {
  uint8_t len;
  uint8_t der[9];
} ext_oids[X_N] = {
    [X_SAN] = {3, {0x55, 0x1d, 0x11}},
    [X_NC] = {3, {0x55, 0x1d, 0x1e}},
    [X_AKI] = {3, {0x55, 0x1d, 0x23}},
    [X_SKI] = {3, {0x55, 0x1d, 0x0e}},
    [X_EKU] = {3, {0x55, 0x1d, 0x25}},
    [X_BC] = {3, {0x55, 0x1d, 0x13}},
    [X_PC] = {3, {0x55, 0x1d, 0x24}},
    [X_AIA] = {8, {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01}},
    [X_TLSFEAT] = {8, {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x18}},
};

typedef struct {
  int present, crit;
  sslb__der v; /* the value: the inside of the OCTET STRING */
} ext;

/* What the checks read of a certificate, as pointers into its DER: read
 * once per check with util/der.h, which costs far less than asking GnuTLS
 * (each of its getters walks the extensions through libtasn1) and sees a
 * malformed extension as such rather than as absent. */
/* The extensions GnuTLS 3.7 processes (its lib/x509/supported_exts), so
 * the ones it lets be critical; any other critical one fails its
 * verification (GNUTLS_CERT_UNKNOWN_CRIT_EXTENSIONS). */
static const struct {
  uint8_t len;
  uint8_t der[8];
} gnutls_knows[] = {
    {3, {0x55, 0x1d, 0x0e}}, /* subjectKeyIdentifier */
    {3, {0x55, 0x1d, 0x0f}}, /* keyUsage */
    {3, {0x55, 0x1d, 0x11}}, /* subjectAltName */
    {3, {0x55, 0x1d, 0x12}}, /* issuerAltName */
    {3, {0x55, 0x1d, 0x13}}, /* basicConstraints */
    {3, {0x55, 0x1d, 0x1e}}, /* nameConstraints */
    {3, {0x55, 0x1d, 0x1f}}, /* cRLDistributionPoints */
    {3, {0x55, 0x1d, 0x20}}, /* certificatePolicies */
    {3, {0x55, 0x1d, 0x23}}, /* authorityKeyIdentifier */
    {3, {0x55, 0x1d, 0x25}}, /* extKeyUsage */
    {8, {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01}}, /* AIA */
    {8, {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x0e}}, /* proxy */
    {8, {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x18}}, /* TLS feature */
};

typedef struct {
  sslb__der serial;           /* INTEGER content */
  sslb__der issuer, subject;  /* the Names, whole TLVs */
  ext ext[X_N];
  int unknown_crit; /* a critical extension GnuTLS does not know */
} view;

/* The element's whole TLV, from where `in` stood before reading it. */
static sslb__der tlv_of(const uint8_t *start, const sslb__der *content) {
  sslb__der t = {start, (size_t)(content->p + content->len - start)};
  return t;
}

static int view_of(const sslb_certificate *c, view *v) {
  const uint8_t *der;
  size_t len;
  memset(v, 0, sizeof *v);
  sslb__cert_der(c, &der, &len);
  sslb__der in = {der, len}, cert, tbs, e, skip;
  unsigned t;
  if (sslb__der_expect(&in, SSLB__DER_SEQUENCE, &cert) ||
      sslb__der_expect(&cert, SSLB__DER_SEQUENCE, &tbs))
    return -1;
  if (tbs.len && tbs.p[0] == 0xa0 && sslb__der_next(&tbs, &t, &skip))
    return -1;
  if (sslb__der_expect(&tbs, SSLB__DER_INTEGER, &v->serial) ||
      sslb__der_expect(&tbs, SSLB__DER_SEQUENCE, &skip)) /* signature */
    return -1;
  const uint8_t *at = tbs.p;
  if (sslb__der_expect(&tbs, SSLB__DER_SEQUENCE, &skip))
    return -1;
  v->issuer = tlv_of(at, &skip);
  if (sslb__der_expect(&tbs, SSLB__DER_SEQUENCE, &skip)) /* validity */
    return -1;
  at = tbs.p;
  if (sslb__der_expect(&tbs, SSLB__DER_SEQUENCE, &skip))
    return -1;
  v->subject = tlv_of(at, &skip);
  if (sslb__der_expect(&tbs, SSLB__DER_SEQUENCE, &skip)) /* key */
    return -1;
  while (tbs.len) {
    if (sslb__der_next(&tbs, &t, &e))
      return -1;
    if (t != 0xa3)
      continue; /* unique identifiers */
    sslb__der exts;
    if (sslb__der_expect(&e, SSLB__DER_SEQUENCE, &exts))
      return -1;
    while (exts.len) {
      sslb__der one, oid, val;
      if (sslb__der_expect(&exts, SSLB__DER_SEQUENCE, &one) ||
          sslb__der_expect(&one, SSLB__DER_OID, &oid) ||
          sslb__der_next(&one, &t, &val))
        return -1;
      int crit = 0;
      if (t == 0x01) { /* BOOLEAN critical */
        crit = val.len == 1 && val.p[0] != 0;
        if (sslb__der_next(&one, &t, &val))
          return -1;
      }
      if (t != SSLB__DER_OCTETSTRING)
        return -1;
      for (int k = 0; k < X_N; k++)
        if (sslb__der_oid_eq(&oid, ext_oids[k].der, ext_oids[k].len) &&
            !v->ext[k].present) {
          v->ext[k].present = 1;
          v->ext[k].crit = crit;
          v->ext[k].v = val;
        }
      int known = 0;
      for (size_t k = 0; k < sizeof gnutls_knows / sizeof *gnutls_knows; k++)
        known |= sslb__der_oid_eq(&oid, gnutls_knows[k].der,
                                  gnutls_knows[k].len);
      v->unknown_crit |= crit && !known;
    }
  }
  return 0;
}

int sslb__pkix_has_ext(const sslb_certificate *c, int which) {
  view v;
  /* an unreadable certificate has whatever it might have */
  if (view_of(c, &v) < 0)
    return 1;
  switch (which) {
  case SSLB__EXT_NAME_CONSTRAINTS:
    return v.ext[X_NC].present;
  case SSLB__EXT_TLS_FEATURE:
    return v.ext[X_TLSFEAT].present;
  default:
    return v.unknown_crit;
  }
}

/* The single SEQUENCE an extension value must be; its content in out. */
static int one_sequence(const sslb__der *d, sslb__der *out) {
  sslb__der in = *d;
  return sslb__der_expect(&in, SSLB__DER_SEQUENCE, out) == 0 && in.len == 0;
}

/* basicConstraints: cA, and the pathLenConstraint (-1: none). */
static int is_ca(const view *v, int *pathlen) {
  sslb__der seq, c;
  unsigned t;
  int ca = 0;
  if (pathlen)
    *pathlen = -1;
  if (!v->ext[X_BC].present || !one_sequence(&v->ext[X_BC].v, &seq))
    return 0;
  if (seq.len && seq.p[0] == 0x01) {
    if (sslb__der_next(&seq, &t, &c))
      return 0;
    ca = c.len == 1 && c.p[0] != 0;
  }
  uint32_t pl;
  if (ca && pathlen && seq.len &&
      sslb__der_expect(&seq, SSLB__DER_INTEGER, &c) == 0 &&
      sslb__der_uint(&c, &pl) == 0)
    *pathlen = pl > 64 ? 64 : (int)pl;
  return ca;
}

/* Self-issued as RFC 5280 means it: subject and issuer names equal (a CA
 * certificate for a new key of the same CA, say), whichever key signed. */
static int self_issued(const view *v) {
  return v->subject.len == v->issuer.len &&
         memcmp(v->subject.p, v->issuer.p, v->subject.len) == 0;
}

/* Whether the subject is an empty SEQUENCE. */
static int empty_subject(const view *v) { return v->subject.len <= 2; }

/* A name from a certificate, fit for a message: printable ASCII only. */
static void printable(char *dst, size_t n, const uint8_t *p, size_t len) {
  size_t o = 0;
  for (size_t i = 0; i < len && o + 1 < n; i++)
    dst[o++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
  dst[o] = 0;
}

static void describe_name(char *dst, size_t n, int type, const uint8_t *p,
                          size_t len) {
  char text[INET6_ADDRSTRLEN];
  if (type == GN_IP && (len == 4 || len == 16) &&
      inet_ntop(len == 4 ? AF_INET : AF_INET6, p, text, sizeof text)) {
    snprintf(dst, n, "IP:%s", text);
    return;
  }
  const char *label = type == GN_DNS     ? "DNS"
                      : type == GN_IP    ? "IP"
                      : type == GN_EMAIL ? "email"
                      : type == GN_URI   ? "URI"
                      : type == GN_DIRNAME ? "DirName"
                                           : "name";
  char v[200];
  if (type == GN_IP)
    snprintf(v, sizeof v, "(%zu bytes)", len);
  else if (type == GN_DIRNAME || type == GN_OTHER || type == GN_X400 ||
           type == GN_EDI || type == GN_RID)
    snprintf(v, sizeof v, "(of type %d)", type);
  else
    printable(v, sizeof v, p, len);
  snprintf(dst, n, "%s:%s", label, v);
}

/* ------------------------------------------------------------ names */

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int ieq(const uint8_t *a, const uint8_t *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (lower(a[i]) != lower(b[i]))
      return 0;
  return 1;
}

/* A DNS name as RFC 5280 4.2.1.6 allows it (letters, digits, hyphens,
 * and the underscores internal names carry), optionally with "*." first
 * (wild) and one trailing dot. */
static int dns_syntax(const uint8_t *p, size_t len, int wild) {
  if (len && p[len - 1] == '.')
    len--;
  if (len == 0 || len > 253)
    return 0;
  size_t i = 0, label = 0;
  if (wild && len > 2 && p[0] == '*' && p[1] == '.')
    i = 2;
  for (; i < len; i++) {
    uint8_t c = p[i];
    if (c == '.') {
      if (label == 0)
        return 0;
      label = 0;
      continue;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return 0;
    if (++label > 63)
      return 0;
  }
  return label > 0;
}

/* name within the subtree of constraint (RFC 5280: the name itself or any
 * name with labels added to the left); "" covers every name. */
static int dns_within(const uint8_t *name, size_t nl, const uint8_t *c,
                      size_t cl) {
  if (nl && name[nl - 1] == '.')
    nl--;
  if (cl && c[cl - 1] == '.')
    cl--;
  if (cl == 0)
    return 1;
  /* ".example.com": names below example.com only, as OpenSSL and GnuTLS
   * read it (RFC 5280 has no such form for DNS names, but CAs write it) */
  if (c[0] == '.')
    return nl > cl && ieq(name + nl - cl, c, cl);
  if (nl == cl)
    return ieq(name, c, cl);
  return nl > cl && name[nl - cl - 1] == '.' && ieq(name + nl - cl, c, cl);
}

/* A constraint of the form ".example.com" covers names below the domain
 * only; "example.com" that host (or, for mail, that domain) exactly. */
static int host_within(const uint8_t *host, size_t hl, const uint8_t *c,
                       size_t cl) {
  if (hl && host[hl - 1] == '.')
    hl--;
  if (cl && c[0] == '.')
    return hl > cl && ieq(host + hl - cl, c, cl);
  return hl == cl && ieq(host, c, cl);
}

/* The host of an absolute URI with an authority ("scheme://[user@]host
 * [:port]/..."), or 0 when it has none. */
static int uri_host(const uint8_t *p, size_t len, const uint8_t **host,
                    size_t *hl) {
  size_t i = 0;
  while (i < len && p[i] != ':')
    i++;
  if (i == 0 || i + 3 > len || p[i + 1] != '/' || p[i + 2] != '/')
    return 0;
  size_t start = i + 3, end = start;
  /* '\\' ends the authority too, for WHATWG parsers */
  while (end < len && p[end] != '/' && p[end] != '?' && p[end] != '#' &&
         p[end] != '\\')
    end++;
  for (size_t k = start; k < end; k++)
    if (p[k] == '@')
      start = k + 1;
  if (start < end && p[start] == '[')
    return 0; /* an IP literal: no host name to constrain */
  size_t stop = start;
  while (stop < end && p[stop] != ':')
    stop++;
  for (size_t k = start; k < stop; k++)
    if (p[k] == '%')
      return 0; /* percent-encoded: not compared as written */
  if (!dns_syntax(p + start, stop - start, 0))
    return 0; /* compared only as a valid host name */
  if (p[stop - 1] == '.')
    stop--;
  *host = p + start;
  *hl = stop - start;
  return 1;
}

/* An attribute value compared as RFC 5280 7.1 asks (the RFC 4518 rules
 * for ASCII): the string types alike, case folded, spaces trimmed and
 * collapsed. 1 equal, 0 not, -1 when it cannot be told (other string
 * types, values that differ in non-ASCII text). */
static int is_text(unsigned t) {
  return t == 0x0c || t == 0x13 || t == 0x16 || t == 0x14; /* UTF8,
                                      Printable, IA5, Teletex */
}

/* The next character of v[*i, e) with runs of spaces as one, folded. */
static int next_folded(const sslb__der *v, size_t *i, size_t e, int *c) {
  if (*i >= e)
    return 0;
  while (v->p[*i] == ' ' && *i + 1 < e && v->p[*i + 1] == ' ')
    (*i)++;
  *c = lower(v->p[(*i)++]);
  return 1;
}

static void trim(const sslb__der *v, size_t *b, size_t *e) {
  *b = 0;
  *e = v->len;
  while (*b < *e && v->p[*b] == ' ')
    (*b)++;
  while (*e > *b && v->p[*e - 1] == ' ')
    (*e)--;
}

static int value_eq(unsigned ta, const sslb__der *a, unsigned tb,
                    const sslb__der *b) {
  if (ta == tb && a->len == b->len && memcmp(a->p, b->p, a->len) == 0)
    return 1;
  if (!is_text(ta) || !is_text(tb))
    return -1; /* BMP, Universal or other types: not compared here */
  size_t i, ie, j, je;
  trim(a, &i, &ie);
  trim(b, &j, &je);
  /* non-ASCII text is folded by nobody here: a difference there (case,
   * encoding) cannot be told from a different value */
  int ca = 0, cb = 0, high = 0;
  for (;;) {
    int ga = next_folded(a, &i, ie, &ca), gb = next_folded(b, &j, je, &cb);
    high |= (ga && ca >= 0x80) || (gb && cb >= 0x80);
    if (!ga && !gb)
      return high && ta != tb ? -1 : 1; /* same bytes, maybe other text */
    if (!ga || !gb)
      return high ? -1 : 0;
    if (ca != cb)
      return ca >= 0x80 || cb >= 0x80 ? -1 : 0;
  }
}

/* One type-and-value pair against another: 1, 0 or -1 (value_eq). */
static int pair_eq(sslb__der a, sslb__der b) {
  sslb__der pa, pb, oa, ob, va, vb;
  unsigned ta, tb;
  if (sslb__der_expect(&a, SSLB__DER_SEQUENCE, &pa) ||
      sslb__der_expect(&b, SSLB__DER_SEQUENCE, &pb) ||
      sslb__der_expect(&pa, SSLB__DER_OID, &oa) ||
      sslb__der_expect(&pb, SSLB__DER_OID, &ob) ||
      sslb__der_next(&pa, &ta, &va) || sslb__der_next(&pb, &tb, &vb))
    return -1;
  if (oa.len != ob.len || memcmp(oa.p, ob.p, oa.len) != 0)
    return 0;
  return value_eq(ta, &va, tb, &vb);
}

/* One RDN against another as sets (DER orders a SET by encoding, which
 * differs between equal values spelt differently): the same number of
 * pairs, each of a with a match in b. 1, 0, or -1 when a match can only
 * be told uncertainly. */
static int rdn_eq(sslb__der a, sslb__der b) {
  size_t na = 0, nb = 0;
  sslb__der x = a, y = b, one;
  while (x.len)
    if (sslb__der_expect(&x, SSLB__DER_SEQUENCE, &one) || ++na > 16)
      return -1;
  while (y.len)
    if (sslb__der_expect(&y, SSLB__DER_SEQUENCE, &one) || ++nb > 16)
      return -1;
  if (na != nb)
    return 0;
  int verdict = 1;
  int used[16] = {0}; /* each pair of b matches one pair of a at most */
  x = a;
  while (x.len) {
    const uint8_t *at = x.p;
    if (sslb__der_expect(&x, SSLB__DER_SEQUENCE, &one))
      return -1;
    sslb__der pair = tlv_of(at, &one);
    int best = 0;
    size_t pick = 0;
    y = b;
    for (size_t j = 0; y.len && best != 1; j++) {
      const uint8_t *bt = y.p;
      sslb__der other;
      if (sslb__der_expect(&y, SSLB__DER_SEQUENCE, &other))
        return -1;
      if (used[j])
        continue;
      int e = pair_eq(pair, tlv_of(bt, &other));
      if (e == 1 || (e < 0 && best == 0))
        best = e, pick = j;
    }
    if (best == 0)
      return 0;
    used[pick] = 1;
    if (best < 0)
      verdict = -1;
  }
  return verdict;
}

/* Each RDN of the constraint's Name matches the name's at the same place:
 * 1, 0, or -1 when that cannot be told. */
static int dn_within(const uint8_t *name, size_t nl, const uint8_t *c,
                     size_t cl) {
  sslb__der n = {name, nl}, k = {c, cl}, nseq, kseq;
  if (sslb__der_expect(&n, SSLB__DER_SEQUENCE, &nseq) ||
      sslb__der_expect(&k, SSLB__DER_SEQUENCE, &kseq))
    return -1;
  int verdict = 1;
  while (kseq.len) {
    sslb__der kr, nr;
    if (sslb__der_expect(&kseq, SSLB__DER_SET, &kr))
      return -1;
    if (sslb__der_expect(&nseq, SSLB__DER_SET, &nr))
      return 0; /* the name is shorter than the constraint */
    int e = rdn_eq(kr, nr);
    if (e == 0)
      return 0;
    if (e < 0)
      verdict = -1;
  }
  return verdict;
}

/* A prefix mask: ones, then zeros. */
static int ip_mask_ok(const uint8_t *mask, size_t n) {
  int zero = 0;
  for (size_t i = 0; i < n; i++)
    for (int b = 7; b >= 0; b--) {
      int bit = (mask[i] >> b) & 1;
      if (bit && zero)
        return 0;
      zero |= !bit;
    }
  return 1;
}

/* ------------------------------------------------- name constraints */

typedef struct {
  int type;
  const uint8_t *p; /* content (for a DirName: the Name's whole TLV) */
  size_t len;
} gname;

static int read_gname(sslb__der *in, gname *g) {
  unsigned t;
  sslb__der c;
  if (sslb__der_next(in, &t, &c) || (t & 0xc0) != 0x80 || (t & 0x1f) > 8)
    return -1;
  g->type = (int)(t & 0x1f);
  g->p = c.p;
  g->len = c.len;
  return 0;
}

/* Checks one GeneralSubtree's base for form: 0, or -1 with why. */
static int subtree_form(const gname *b, const char **why) {
  switch (b->type) {
  case GN_DNS:
    /* a leading '.' means names below the domain (dns_within) */
    if (b->len && !dns_syntax(b->p + (b->p[0] == '.'),
                              b->len - (b->p[0] == '.'), 0)) {
      *why = "a dNSName constraint is not a valid DNS name";
      return -1;
    }
    return 0;
  case GN_IP:
    if ((b->len != 8 && b->len != 32) || !ip_mask_ok(b->p + b->len / 2,
                                                     b->len / 2)) {
      *why = "an iPAddress constraint is not an address and a prefix mask";
      return -1;
    }
    return 0;
  case GN_DIRNAME: {
    sslb__der in = {b->p, b->len}, seq;
    if (sslb__der_expect(&in, SSLB__DER_SEQUENCE, &seq) || in.len) {
      *why = "a directoryName constraint is not a Name";
      return -1;
    }
    return 0;
  }
  default:
    return 0;
  }
}

/* The subtrees [0] or [1] of a NameConstraints value, checked for form. */
static int subtrees_form(sslb__der v, const char **why) {
  if (v.len == 0) {
    *why = "a list of subtrees is empty";
    return -1;
  }
  while (v.len) {
    sslb__der st;
    gname b;
    if (sslb__der_expect(&v, SSLB__DER_SEQUENCE, &st) || read_gname(&st, &b)) {
      *why = "a subtree is not a GeneralSubtree";
      return -1;
    }
    if (st.len) {
      unsigned t;
      sslb__der m;
      if (sslb__der_next(&st, &t, &m) || t != 0x80 || m.len != 1 ||
          m.p[0] != 0 || st.len) {
        *why = "a subtree has a minimum other than 0 or a maximum";
        return -1;
      }
    }
    if (subtree_form(&b, why) < 0)
      return -1;
  }
  return 0;
}

typedef struct {
  sslb__der permitted, excluded; /* .p NULL when absent */
} nc_value;

static int nc_parse(const sslb__der *d, nc_value *nc, const char **why) {
  sslb__der seq;
  memset(nc, 0, sizeof *nc);
  if (!one_sequence(d, &seq)) {
    *why = "the extension is not a SEQUENCE";
    return -1;
  }
  unsigned t;
  sslb__der part;
  while (seq.len) {
    if (sslb__der_next(&seq, &t, &part) ||
        (t != 0xa0 && t != 0xa1) || (t == 0xa0 && nc->permitted.p) ||
        nc->excluded.p) {
      *why = "the extension holds something other than permitted and "
             "excluded subtrees";
      return -1;
    }
    if (subtrees_form(part, why) < 0)
      return -1;
    if (t == 0xa0)
      nc->permitted = part;
    else
      nc->excluded = part;
  }
  if (!nc->permitted.p && !nc->excluded.p) {
    *why = "it has neither permitted nor excluded subtrees";
    return -1;
  }
  return 0;
}

/* 1 when the name is within base; -1 when it cannot be told (a name type
 * sslbind does not evaluate, or a name of the wrong form). */
static int within(const gname *name, const gname *base) {
  switch (name->type) {
  case GN_DNS:
    if (!dns_syntax(name->p, name->len, 1))
      return -1;
    return dns_within(name->p, name->len, base->p, base->len);
  case GN_IP: {
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    size_t n = base->len / 2;
    const uint8_t *a = name->p;
    size_t al = name->len;
    if (al != 4 && al != 16)
      return -1;
    const uint8_t *net = base->p, *mask = base->p + n;
    /* ::ffff:a.b.c.d reaches the IPv4 address a.b.c.d, both as a name
     * and as a constraint (::ffff:a.b.c.d/96+k) */
    if (al == 16 && n == 4 && memcmp(a, mapped, 12) == 0)
      a += 12, al = 4;
    if (al == 4 && n == 16 && memcmp(net, mapped, 12) == 0 &&
        memcmp(mask, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
               12) == 0)
      net += 12, mask += 12, n = 4;
    if (al != n)
      return 0;
    for (size_t i = 0; i < n; i++)
      if ((a[i] & mask[i]) != (net[i] & mask[i]))
        return 0;
    return 1;
  }
  case GN_EMAIL: {
    /* the domain follows the last '@' (a quoted local part may hold one) */
    const uint8_t *at = NULL;
    for (size_t k = name->len; k-- > 0 && !at;)
      if (name->p[k] == '@')
        at = name->p + k;
    if (!at || !dns_syntax(at + 1, name->len - (size_t)(at + 1 - name->p), 0))
      return -1;
    if (memchr(base->p, '@', base->len))
      return name->len == base->len && ieq(name->p, base->p, base->len);
    size_t off = (size_t)(at - name->p) + 1;
    return host_within(name->p + off, name->len - off, base->p, base->len);
  }
  case GN_URI: {
    const uint8_t *h;
    size_t hl;
    if (!uri_host(name->p, name->len, &h, &hl))
      return -1;
    return host_within(h, hl, base->p, base->len);
  }
  case GN_DIRNAME:
    return dn_within(name->p, name->len, base->p, base->len);
  default:
    return -1;
  }
}

/* Comparisons of a name with a subtree allowed per CA: a CA with 2,048
 * subtrees over a leaf with 4,096 names would take 8 million, a cheap way
 * for a hostile chain to burn CPU on every handshake. */
#define NC_BUDGET 250000L

/* 1 when the name is allowed by nc, 0 when not or when it cannot be told
 * under a constraint of its type. Names of a type nc does not constrain
 * are allowed (RFC 5280 checks only the types a CA constrains). Each
 * subtree looked at costs one from *budget; past zero, nothing is. */
/* The base of the next subtree of v into b: 1, or 0 at the end of the
 * budget or of a malformed list (nc_parse checked the form). */
static int next_base(sslb__der *v, gname *b, long *budget) {
  sslb__der st;
  return --*budget >= 0 && sslb__der_expect(v, SSLB__DER_SEQUENCE, &st) == 0 &&
         read_gname(&st, b) == 0;
}

static int allowed(const nc_value *nc, const gname *name, long *budget) {
  int typed = 0, hit = 0;
  gname b;
  sslb__der v = nc->permitted;
  while (v.p && v.len) {
    if (!next_base(&v, &b, budget))
      return 0;
    if (b.type != name->type)
      continue;
    typed = 1;
    int w = within(name, &b);
    if (w < 0)
      return 0;
    hit |= w;
  }
  if (typed && !hit)
    return 0;
  v = nc->excluded;
  while (v.p && v.len) {
    if (!next_base(&v, &b, budget))
      return 0;
    if (b.type == name->type && within(name, &b) != 0)
      return 0;
  }
  return 1;
}

/* Calls check on every name of a certificate: the subject (unless empty)
 * with any emailAddress in it, and each SAN. Returns the first nonzero
 * result; -2 when the subject or the SAN extension is malformed. */
typedef int (*name_fn)(const gname *name, void *ctx);

/* emailAddress (PKCS #9), which RFC 5280 4.2.1.10 binds by rfc822Name
 * constraints when it appears in a subject */
static const uint8_t oid_email[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                    0x0d, 0x01, 0x09, 0x01};

static int each_name(const view *v, name_fn check, void *ctx) {
  int rc = 0;
  if (!empty_subject(v)) {
    gname g = {GN_DIRNAME, v->subject.p, v->subject.len};
    if ((rc = check(&g, ctx)) != 0)
      return rc;
    sslb__der in = v->subject, seq, rdn, atv, oid, val;
    unsigned t;
    if (sslb__der_expect(&in, SSLB__DER_SEQUENCE, &seq))
      return -2;
    while (seq.len) {
      if (sslb__der_expect(&seq, SSLB__DER_SET, &rdn))
        return -2;
      while (rdn.len) {
        if (sslb__der_expect(&rdn, SSLB__DER_SEQUENCE, &atv) ||
            sslb__der_expect(&atv, SSLB__DER_OID, &oid) ||
            sslb__der_next(&atv, &t, &val))
          return -2;
        if (sslb__der_oid_eq(&oid, oid_email, sizeof oid_email)) {
          /* IA5String (or UTF8String); any other type compares as a
           * mail address of the wrong form */
          int text = t == 0x16 || t == 0x0c;
          gname e = {GN_EMAIL, val.p, text ? val.len : 0};
          if ((rc = check(&e, ctx)) != 0)
            return rc;
        }
      }
    }
  }
  if (!v->ext[X_SAN].present)
    return 0;
  sslb__der seq;
  if (!one_sequence(&v->ext[X_SAN].v, &seq))
    return -2;
  while (seq.len && !rc) {
    gname g;
    if (read_gname(&seq, &g))
      return -2;
    /* a DirName SAN holds [4] { Name } */
    rc = check(&g, ctx);
  }
  return rc;
}

typedef struct {
  const nc_value *nc;
  long budget;
  char bad[256]; /* the name refused, described */
} nc_ctx;

static int check_one(const gname *name, void *ctx) {
  nc_ctx *x = ctx;
  if (allowed(x->nc, name, &x->budget))
    return 0;
  describe_name(x->bad, sizeof x->bad, name->type, name->p, name->len);
  return 1;
}

int sslb__pkix_name_constraints(const sslb__pkix_path *p, const char *host,
                                char *msg, size_t msglen) {
  for (size_t i = 1; i < p->n; i++) {
    const sslb_certificate *ca = p->certs[i];
    view cv;
    if (view_of(ca, &cv) < 0)
      return say(msg, msglen, SSLB_ERR_CERT_INVALID,
                 "certificate [%zu] '%s' cannot be read", i,
                 sslb_certificate_subject(ca));
    if (!cv.ext[X_NC].present)
      continue;
    nc_value nc;
    const char *why = NULL;
    if (nc_parse(&cv.ext[X_NC].v, &nc, &why) < 0)
      return say(msg, msglen, SSLB_ERR_CERT_INVALID,
                 "the name constraints of '%s' are malformed: %s",
                 sslb_certificate_subject(ca), why);
    nc_ctx x = {&nc, NC_BUDGET, ""};
    if (host) {
      uint8_t ip[16];
      char h[256];
      gname g;
      size_t iplen = sslb__parse_ip(host, ip);
      if (iplen) {
        g = (gname){GN_IP, ip, iplen};
      } else {
        long hl = sslb__normalize_name(h, host);
        g = (gname){GN_DNS, (const uint8_t *)h, hl < 0 ? 0 : (size_t)hl};
      }
      if (!allowed(&nc, &g, &x.budget))
        return say(msg, msglen, SSLB_ERR_CERT_NAME_CONSTRAINTS,
                   "'%s' is outside the name constraints of '%s'", host,
                   sslb_certificate_subject(ca));
    }
    /* every certificate below the CA; a self-issued intermediate is
     * exempt (RFC 5280 6.1.3 (b)), the leaf never */
    for (size_t j = 0; j < i; j++) {
      const sslb_certificate *c = p->certs[j];
      view v;
      if (view_of(c, &v) < 0)
        return say(msg, msglen, SSLB_ERR_CERT_INVALID,
                   "certificate [%zu] '%s' cannot be read", j,
                   sslb_certificate_subject(c));
      if (j > 0 && self_issued(&v))
        continue;
      int r = each_name(&v, check_one, &x);
      if (x.budget < 0)
        return say(msg, msglen, SSLB_ERR_CERT_NAME_CONSTRAINTS,
                   "checking the names of the path against the name "
                   "constraints of '%s' takes more than %ld comparisons",
                   sslb_certificate_subject(ca), NC_BUDGET);
      if (r == -2)
        return say(msg, msglen, SSLB_ERR_CERT_INVALID,
                   "the subject or subject alternative names of '%s' are "
                   "malformed",
                   sslb_certificate_subject(c));
      if (r)
        return say(msg, msglen, SSLB_ERR_CERT_NAME_CONSTRAINTS,
                   "certificate [%zu] '%s' has the name %s, outside the name "
                   "constraints of '%s'",
                   j, sslb_certificate_subject(c), x.bad,
                   sslb_certificate_subject(ca));
    }
  }
  return 0;
}

/* -------------------------------------------------------- path length */

int sslb__pkix_path_length(const sslb__pkix_path *p, char *msg,
                           size_t msglen) {
  if (p->n < 2)
    return 0;
  int room = -1; /* -1: unbounded */
  view v;
  if (view_of(p->certs[p->n - 1], &v) == 0)
    is_ca(&v, &room);
  for (size_t i = p->n - 1; i-- > 1;) {
    const sslb_certificate *c = p->certs[i];
    if (view_of(c, &v) < 0)
      return say(msg, msglen, SSLB_ERR_CERT_INVALID,
                 "certificate [%zu] '%s' cannot be read", i,
                 sslb_certificate_subject(c));
    if (!self_issued(&v)) {
      if (room == 0)
        return say(msg, msglen, SSLB_ERR_CERT_INVALID,
                   "certificate [%zu] '%s' exceeds its issuers' path length "
                   "constraint",
                   i, sslb_certificate_subject(c));
      if (room > 0)
        room--;
    }
    int pl;
    if (is_ca(&v, &pl) && pl >= 0 && (room < 0 || pl < room))
      room = pl;
  }
  return 0;
}

/* ------------------------------------------------------------ profile */

/* A leaf's CN that names one of its IP address SANs must be written as
 * that address is (CABF BR 7.1.4.3): "192.168.001.001", "0xC0A80101" or
 * an uncompressed or upper-case IPv6 address is the spelling a lenient
 * parser takes for a different host, and a sign of a mis-issued
 * certificate. Other CNs are left alone: sslbind never reads the CN, no
 * mainstream client refuses a DNS name typed in another case there, and
 * BetterTLS's name-constraint cases expect a CN absent from the SANs to
 * be accepted. */
static int same_ip_text(const char *cn, const char *san) {
  uint8_t a[16], b[16];
  struct in_addr v4;
  if (inet_pton(AF_INET6, san, b) == 1)
    return inet_pton(AF_INET6, cn, a) == 1 && memcmp(a, b, 16) == 0;
  if (inet_pton(AF_INET, san, b) != 1)
    return 0;
  /* inet_aton reads what lenient parsers read: hex, octal, fewer parts */
  return inet_aton(cn, &v4) && memcmp(&v4, b, 4) == 0;
}

static int check_cn(const sslb_certificate *c, char *msg, size_t msglen) {
  size_t nsan = sslb_certificate_san_count(c);
  for (unsigned i = 0; nsan && i < 16; i++) {
    char cn[256];
    size_t n = sizeof cn;
    int g = gnutls_x509_crt_get_dn_by_oid(sslb__cert_crt(c),
                                          GNUTLS_OID_X520_COMMON_NAME, i, 0,
                                          cn, &n);
    if (g == GNUTLS_E_SHORT_MEMORY_BUFFER)
      continue;
    if (g < 0)
      return 0;
    if (memchr(cn, 0, n)) /* an embedded NUL */
      continue;
    const char *like = NULL;
    for (size_t k = 0; k < nsan; k++) {
      int t = sslb_certificate_san_type(c, k);
      const char *v = sslb_certificate_san_value(c, k);
      if ((t == SSLB_SAN_DNS || t == SSLB_SAN_IP) && strcmp(v, cn) == 0) {
        like = NULL;
        break;
      }
      if (t == SSLB_SAN_IP && same_ip_text(cn, v))
        like = v;
    }
    if (like) {
      char shown[200];
      printable(shown, sizeof shown, (const uint8_t *)cn, n);
      return say(msg, msglen, SSLB_ERR_CERT_INVALID,
                 "the leaf's common name '%s' names its IP address "
                 "subject alternative name %s but is written differently",
                 shown, like);
    }
  }
  return 0;
}

/* keyIdentifier of an AuthorityKeyIdentifier; -1 when malformed. Sets
 * other when authorityCertIssuer or authorityCertSerialNumber is there. */
static int aki_parse(const sslb__der *d, sslb__der *keyid, int *other) {
  sslb__der seq;
  keyid->p = NULL;
  keyid->len = 0;
  *other = 0;
  if (!one_sequence(d, &seq))
    return -1;
  while (seq.len) {
    unsigned t;
    sslb__der c;
    if (sslb__der_next(&seq, &t, &c))
      return -1;
    if (t == 0x80)
      *keyid = c;
    else
      *other = 1;
  }
  return 0;
}

static int check_extensions(const sslb__pkix_path *p, size_t i, char *msg,
                            size_t msglen) {
  const sslb_certificate *c = p->certs[i];
  const char *subj = sslb_certificate_subject(c);
  int anchor = i == p->n - 1, leaf = i == 0;
  sslb__der seq;
  view v;
  if (view_of(c, &v) < 0)
    return say(msg, msglen, SSLB_ERR_CERT_INVALID,
               "certificate [%zu] '%s' cannot be read", i, subj);

  const ext *e = &v.ext[X_AKI];
  if (e->present) {
    sslb__der keyid;
    int other;
    if (e->crit)
      return say(msg, msglen, SSLB_ERR_CERT_INVALID,
                 "certificate [%zu] '%s' marks its authority key identifier "
                 "critical, which RFC 5280 forbids",
                 i, subj);
    if (aki_parse(&e->v, &keyid, &other) < 0)
      return say(msg, msglen, SSLB_ERR_CERT_INVALID,
                 "certificate [%zu] '%s' has a malformed authority key "
                 "identifier",
                 i, subj);
    if (anchor && !leaf && self_issued(&v) && sslb__pkix_signed_by(c, c)) {
      /* a root's AKI, when it has one, names its own key */
      sslb__der in = v.ext[X_SKI].v, ski;
      if (!keyid.p && !other)
        return say(msg, msglen, SSLB_ERR_CERT_INVALID,
                   "the trust anchor '%s' has an authority key identifier "
                   "without a key identifier",
                   subj);
      if (keyid.p && v.ext[X_SKI].present &&
          sslb__der_expect(&in, SSLB__DER_OCTETSTRING, &ski) == 0 &&
          (ski.len != keyid.len || memcmp(ski.p, keyid.p, ski.len) != 0))
        return say(msg, msglen, SSLB_ERR_CERT_INVALID,
                   "the self-signed trust anchor '%s' has an authority key "
                   "identifier that is not its own subject key identifier",
                   subj);
    }
  }
  e = &v.ext[X_AIA];
  if (e->present && e->crit)
    return say(msg, msglen, SSLB_ERR_CERT_INVALID,
               "certificate [%zu] '%s' marks its authority information "
               "access critical, which RFC 5280 forbids",
               i, subj);
  if (e->present && (!one_sequence(&e->v, &seq) || seq.len == 0))
    return say(msg, msglen, SSLB_ERR_CERT_INVALID,
               "certificate [%zu] '%s' has an authority information access "
               "extension without any access description",
               i, subj);
  e = &v.ext[X_EKU];
  if (e->present && (!one_sequence(&e->v, &seq) || seq.len == 0))
    return say(msg, msglen, SSLB_ERR_CERT_INVALID,
               "certificate [%zu] '%s' has an extended key usage extension "
               "that lists no purpose",
               i, subj);
  if (v.ext[X_PC].present && !v.ext[X_PC].crit)
    return say(msg, msglen, SSLB_ERR_CERT_INVALID,
               "certificate [%zu] '%s' does not mark its policy constraints "
               "critical, as RFC 5280 requires",
               i, subj);
  if (!anchor) {
    /* RFC 5280 4.1.2.2: a positive integer of at most 20 octets. (Trust
     * anchors are exempt: some roots of the system store have serial 0.) */
    const sslb__der *sn = &v.serial;
    size_t k = 0;
    while (k < sn->len && sn->p[k] == 0)
      k++;
    if (sn->len == 0 || (sn->p[0] & 0x80) || sn->len > 21 ||
        (sn->len == 21 && sn->p[0] != 0))
      return say(msg, msglen, SSLB_ERR_CERT_INVALID,
                 "certificate [%zu] '%s' has a serial number that is not a "
                 "positive integer of at most 20 octets",
                 i, subj);
    if (k == sn->len)
      return say(msg, msglen, SSLB_ERR_CERT_INVALID,
                 "certificate [%zu] '%s' has serial number 0", i, subj);
  }
  int ca = is_ca(&v, NULL);
  if (ca && empty_subject(&v))
    return say(msg, msglen, SSLB_ERR_CERT_INVALID,
               "CA certificate [%zu] has an empty subject", i);
  if (leaf && empty_subject(&v) &&
      !(v.ext[X_SAN].present && v.ext[X_SAN].crit))
    return say(msg, msglen, SSLB_ERR_CERT_INVALID,
               "the leaf has an empty subject and a subject alternative name "
               "extension that is missing or not critical");
  if (!strcmp(sslb_certificate_key_algorithm(c), "RSA") &&
      sslb_certificate_key_bits(c) % 8 != 0)
    return say(msg, msglen, SSLB_ERR_CERT_WEAK_KEY,
               "certificate [%zu] '%s' has a %u-bit RSA key, not a whole "
               "number of bytes",
               i, subj, sslb_certificate_key_bits(c));
  if (anchor && !leaf && !ca &&
      gnutls_x509_crt_get_version(sslb__cert_crt(c)) >= 3)
    return say(msg, msglen, SSLB_ERR_CERT_INVALID,
               "the trust anchor '%s' issues certificates but its "
               "basicConstraints does not say CA",
               subj);
  if (leaf)
    return check_cn(c, msg, msglen);
  return 0;
}

int sslb__pkix_profile(const sslb__pkix_path *p, char *msg, size_t msglen) {
  for (size_t i = 0; i < p->n; i++) {
    int rc = check_extensions(p, i, msg, msglen);
    if (rc)
      return rc;
  }
  return 0;
}

/* ---------------------------------------------------------- signatures */

int sslb__pkix_signed_by(const sslb_certificate *c,
                         const sslb_certificate *issuer) {
  const uint8_t *der;
  size_t len;
  sslb__cert_der(c, &der, &len);
  sslb__der in = {der, len}, cert;
  if (sslb__der_expect(&in, SSLB__DER_SEQUENCE, &cert))
    return 0;
  const uint8_t *tbs_start = cert.p;
  unsigned t;
  sslb__der tbs;
  if (sslb__der_next(&cert, &t, &tbs) || t != SSLB__DER_SEQUENCE)
    return 0;
  gnutls_datum_t data = {(unsigned char *)tbs_start,
                         (unsigned)(tbs.p + tbs.len - tbs_start)};
  gnutls_x509_crt_t crt = sslb__cert_crt(c);
  int alg = gnutls_x509_crt_get_signature_algorithm(crt);
  size_t sl = 0;
  if (alg < 0 ||
      !gnutls_sign_is_secure2((gnutls_sign_algorithm_t)alg,
                              GNUTLS_SIGN_FLAG_SECURE_FOR_CERTS) ||
      gnutls_x509_crt_get_signature(crt, NULL, &sl) !=
          GNUTLS_E_SHORT_MEMORY_BUFFER)
    return 0;
  char *sig = gnutls_malloc(sl ? sl : 1);
  gnutls_pubkey_t key = NULL;
  int ok = 0;
  /* the issuer's key alone: gnutls_x509_crt_verify_data2 would also judge
   * the issuer's validity by the real clock, not the verification time */
  if (sig && gnutls_x509_crt_get_signature(crt, sig, &sl) >= 0 &&
      gnutls_pubkey_init(&key) >= 0 &&
      gnutls_pubkey_import_x509(key, sslb__cert_crt(issuer), 0) >= 0) {
    gnutls_datum_t s = {(unsigned char *)sig, (unsigned)sl};
    ok = gnutls_pubkey_verify_data2(key, (gnutls_sign_algorithm_t)alg, 0,
                                    &data, &s) >= 0;
  }
  if (key)
    gnutls_pubkey_deinit(key);
  gnutls_free(sig);
  return ok;
}

/* ---------------------------------------------------------------- CRLs */

const char *sslb__pkix_crl_problem(gnutls_x509_crl_t crl,
                                   const sslb_certificate *issuer) {
  uint8_t num[32];
  size_t nl = sizeof num;
  unsigned crit = 0;
  int g = gnutls_x509_crl_get_number(crl, num, &nl, &crit);
  /* a version 1 CRL has no extensions at all (`openssl ca -gencrl`
   * without a crlnumber file writes one) */
  if (g == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE &&
      gnutls_x509_crl_get_version(crl) >= 2)
    return "it is a version 2 CRL without a CRL number (RFC 5280 5.2.3)";
  if (g >= 0 && crit)
    return "its CRL number is marked critical (RFC 5280 5.2.3)";
  unsigned ku = 0;
  if (gnutls_x509_crt_get_key_usage(sslb__cert_crt(issuer), &ku, &crit) >= 0 &&
      !(ku & GNUTLS_KEY_CRL_SIGN))
    return "its issuer's key usage does not allow signing CRLs (cRLSign)";
  return NULL;
}
