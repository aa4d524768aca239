/* Delimits one Java-serialised object (java.io.ObjectOutputStream grammar)
 * without building it: JCEKS stores secret keys as a serialised
 * SealedObject with no length prefix, so the only way past one is to walk
 * its grammar. Nothing here is interpreted beyond what skipping needs. */
#include <stdlib.h>
#include <string.h>

#include "keystore/ks.h"

enum {
  TC_NULL = 0x70,
  TC_REFERENCE = 0x71,
  TC_CLASSDESC = 0x72,
  TC_OBJECT = 0x73,
  TC_STRING = 0x74,
  TC_ARRAY = 0x75,
  TC_CLASS = 0x76,
  TC_BLOCKDATA = 0x77,
  TC_ENDBLOCKDATA = 0x78,
  TC_BLOCKDATALONG = 0x7a,
  TC_LONGSTRING = 0x7c,
  TC_PROXYCLASSDESC = 0x7d,
  TC_ENUM = 0x7e
};
enum { SC_WRITE_METHOD = 1, SC_SERIALIZABLE = 2, SC_EXTERNALIZABLE = 4,
       SC_BLOCK_DATA = 8 };

#define BASE_HANDLE 0x7e0000u
#define MAX_HANDLES 4096u
#define MAX_FIELDS 512u
#define MAX_DEPTH 24

typedef struct desc {
  uint8_t flags;
  uint16_t nfields;
  char *types;        /* one type code per field */
  char elem;          /* array element type code, for array classes */
  struct desc *super; /* NULL at the top */
} desc;

typedef struct {
  sslb__rd r;
  desc *handles[MAX_HANDLES]; /* NULL for non-descriptor handles */
  uint32_t nhandles;
  int depth;
  char *first_class;
  size_t first_class_len;
  int rc;
} st;

static int fail(st *s, int rc) {
  if (!s->rc)
    s->rc = rc;
  return rc;
}

static int new_handle(st *s, desc *d) {
  if (s->nhandles >= MAX_HANDLES)
    return fail(s, SSLB_ERR_LIMIT);
  s->handles[s->nhandles++] = d;
  return 0;
}

static int skip_utf(st *s, const uint8_t **p, size_t *n) {
  uint16_t len = sslb__rd_u16(&s->r);
  const uint8_t *b = sslb__rd_bytes(&s->r, len);
  if (!b)
    return fail(s, SSLB_ERR_KEYSTORE_TRUNCATED);
  if (p)
    *p = b, *n = len;
  return 0;
}

static int content(st *s, desc **as_desc);

static int class_desc(st *s, desc **out);

static int annotation(st *s) {
  for (;;) {
    if (sslb__rd_left(&s->r) == 0)
      return fail(s, SSLB_ERR_KEYSTORE_TRUNCATED);
    uint8_t tc = s->r.p[s->r.pos];
    if (tc == TC_ENDBLOCKDATA) {
      s->r.pos++;
      return 0;
    }
    if (content(s, NULL) < 0)
      return -1;
  }
}

static int new_class_desc(st *s, uint8_t tc, desc **out) {
  desc *d = calloc(1, sizeof *d);
  if (!d)
    return fail(s, SSLB_ERR_NO_MEMORY);
  if (tc == TC_PROXYCLASSDESC) {
    if (new_handle(s, d) < 0) {
      free(d);
      return -1;
    }
    uint32_t n = sslb__rd_u32(&s->r);
    if (n > 256)
      return fail(s, SSLB_ERR_KEYSTORE_CORRUPT);
    for (uint32_t i = 0; i < n; i++)
      if (skip_utf(s, NULL, NULL) < 0)
        return -1;
    d->flags = SC_SERIALIZABLE;
  } else {
    const uint8_t *name;
    size_t nlen;
    if (skip_utf(s, &name, &nlen) < 0) {
      free(d);
      return -1;
    }
    if (!s->first_class_len && s->first_class) {
      size_t c = nlen < 127 ? nlen : 127;
      memcpy(s->first_class, name, c);
      s->first_class[c] = 0;
      s->first_class_len = c + 1;
    }
    if (nlen >= 2 && name[0] == '[')
      d->elem = (char)name[1];
    (void)sslb__rd_bytes(&s->r, 8); /* serialVersionUID */
    if (new_handle(s, d) < 0) {
      free(d);
      return -1;
    }
    d->flags = sslb__rd_u8(&s->r);
    d->nfields = sslb__rd_u16(&s->r);
    if (s->r.short_read)
      return fail(s, SSLB_ERR_KEYSTORE_TRUNCATED);
    if (d->nfields > MAX_FIELDS)
      return fail(s, SSLB_ERR_LIMIT);
    d->types = calloc(d->nfields + 1u, 1);
    if (!d->types)
      return fail(s, SSLB_ERR_NO_MEMORY);
    for (uint16_t i = 0; i < d->nfields; i++) {
      char t = (char)sslb__rd_u8(&s->r);
      if (s->r.short_read) /* not a bad type code: the data ended */
        return fail(s, SSLB_ERR_KEYSTORE_TRUNCATED);
      if (!strchr("BCDFIJSZ[L", t) || t == 0)
        return fail(s, SSLB_ERR_KEYSTORE_CORRUPT);
      d->types[i] = t;
      if (skip_utf(s, NULL, NULL) < 0)
        return -1;
      if ((t == '[' || t == 'L') && content(s, NULL) < 0)
        return -1; /* className1: a String or a reference */
    }
  }
  if (annotation(s) < 0)
    return -1;
  if (class_desc(s, &d->super) < 0)
    return -1;
  *out = d;
  return 0;
}

static int class_desc(st *s, desc **out) {
  *out = NULL;
  uint8_t tc = sslb__rd_u8(&s->r);
  if (s->r.short_read)
    return fail(s, SSLB_ERR_KEYSTORE_TRUNCATED);
  if (tc == TC_NULL)
    return 0;
  if (tc == TC_REFERENCE) {
    uint32_t h = sslb__rd_u32(&s->r) - BASE_HANDLE;
    if (s->r.short_read)
      return fail(s, SSLB_ERR_KEYSTORE_TRUNCATED);
    if (h >= s->nhandles || !s->handles[h])
      return fail(s, SSLB_ERR_KEYSTORE_CORRUPT);
    *out = s->handles[h];
    return 0;
  }
  if (tc == TC_CLASSDESC || tc == TC_PROXYCLASSDESC)
    return new_class_desc(s, tc, out);
  return fail(s, SSLB_ERR_KEYSTORE_CORRUPT);
}

static int value(st *s, char t) {
  static const char prim[] = "BCDFIJSZ";
  static const uint8_t size[] = {1, 2, 8, 4, 4, 8, 2, 1};
  const char *at = strchr(prim, t);
  if (t && at) {
    if (!sslb__rd_bytes(&s->r, size[at - prim]))
      return fail(s, SSLB_ERR_KEYSTORE_TRUNCATED);
    return 0;
  }
  return content(s, NULL);
}

static int class_data(st *s, desc *d, int depth) {
  if (!d)
    return 0;
  if (depth > 64)
    return fail(s, SSLB_ERR_LIMIT);
  if (class_data(s, d->super, depth + 1) < 0)
    return -1;
  if (d->flags & SC_EXTERNALIZABLE) {
    if (!(d->flags & SC_BLOCK_DATA))
      return fail(s, SSLB_ERR_UNSUPPORTED);
    return annotation(s);
  }
  for (uint16_t i = 0; i < d->nfields; i++)
    if (value(s, d->types[i]) < 0)
      return -1;
  if (d->flags & SC_WRITE_METHOD)
    return annotation(s);
  return 0;
}

static int content(st *s, desc **as_desc) {
  if (++s->depth > MAX_DEPTH)
    return fail(s, SSLB_ERR_LIMIT);
  int rc = 0;
  uint8_t tc = sslb__rd_u8(&s->r);
  if (s->r.short_read)
    return fail(s, SSLB_ERR_KEYSTORE_TRUNCATED);
  desc *d = NULL;
  switch (tc) {
  case TC_NULL:
    break;
  case TC_REFERENCE: {
    uint32_t h = sslb__rd_u32(&s->r) - BASE_HANDLE;
    if (s->r.short_read)
      rc = fail(s, SSLB_ERR_KEYSTORE_TRUNCATED);
    else if (h >= s->nhandles)
      rc = fail(s, SSLB_ERR_KEYSTORE_CORRUPT);
    break;
  }
  case TC_STRING:
    rc = new_handle(s, NULL);
    if (rc == 0)
      rc = skip_utf(s, NULL, NULL);
    break;
  case TC_LONGSTRING: {
    rc = new_handle(s, NULL);
    uint64_t n = sslb__rd_u64(&s->r);
    if (rc == 0 && (n > sslb__rd_left(&s->r) || !sslb__rd_bytes(&s->r, n)))
      rc = fail(s, SSLB_ERR_KEYSTORE_TRUNCATED);
    break;
  }
  case TC_BLOCKDATA:
  case TC_BLOCKDATALONG: {
    uint32_t n = tc == TC_BLOCKDATA ? sslb__rd_u8(&s->r) : sslb__rd_u32(&s->r);
    if (!sslb__rd_bytes(&s->r, n))
      rc = fail(s, SSLB_ERR_KEYSTORE_TRUNCATED);
    break;
  }
  case TC_CLASSDESC:
  case TC_PROXYCLASSDESC:
    rc = new_class_desc(s, tc, &d);
    if (rc == 0 && as_desc)
      *as_desc = d;
    break;
  case TC_CLASS:
    rc = class_desc(s, &d);
    if (rc == 0)
      rc = new_handle(s, NULL);
    break;
  case TC_ENUM:
    rc = class_desc(s, &d);
    if (rc == 0)
      rc = new_handle(s, NULL);
    if (rc == 0)
      rc = content(s, NULL);
    break;
  case TC_OBJECT:
    rc = class_desc(s, &d);
    if (rc == 0 && !d)
      rc = fail(s, SSLB_ERR_KEYSTORE_CORRUPT);
    if (rc == 0)
      rc = new_handle(s, NULL);
    if (rc == 0)
      rc = class_data(s, d, 0);
    break;
  case TC_ARRAY: {
    rc = class_desc(s, &d);
    if (rc == 0 && !d)
      rc = fail(s, SSLB_ERR_KEYSTORE_CORRUPT);
    if (rc == 0)
      rc = new_handle(s, NULL);
    if (rc < 0)
      break;
    uint32_t n = sslb__rd_u32(&s->r);
    if (s->r.short_read) {
      rc = fail(s, SSLB_ERR_KEYSTORE_TRUNCATED);
      break;
    }
    if (n > sslb__rd_left(&s->r)) { /* every element takes at least a byte */
      rc = fail(s, SSLB_ERR_KEYSTORE_TRUNCATED);
      break;
    }
    char t = d->elem;
    if (t == 'B' || t == 'Z') {
      (void)sslb__rd_bytes(&s->r, n);
    } else {
      for (uint32_t i = 0; rc == 0 && i < n; i++)
        rc = value(s, (t == '[' || t == 'L') ? 'L' : t);
    }
    break;
  }
  default:
    rc = fail(s, SSLB_ERR_KEYSTORE_CORRUPT);
  }
  s->depth--;
  if (rc == 0 && s->r.short_read)
    rc = fail(s, SSLB_ERR_KEYSTORE_TRUNCATED);
  return rc < 0 ? -1 : 0;
}

long sslb__javaser_skip(const uint8_t *p, size_t n, char *class_name,
                        size_t class_name_len) {
  st *s = calloc(1, sizeof *s);
  if (!s)
    return SSLB_ERR_NO_MEMORY;
  sslb__rd_init(&s->r, p, n);
  if (class_name && class_name_len >= 128) {
    s->first_class = class_name;
    class_name[0] = 0;
  }
  long result;
  if (sslb__rd_u16(&s->r) != 0xaced || sslb__rd_u16(&s->r) != 5) {
    result = s->r.short_read ? SSLB_ERR_KEYSTORE_TRUNCATED
                             : SSLB_ERR_KEYSTORE_CORRUPT;
  } else if (content(s, NULL) < 0) {
    result = s->rc ? s->rc : SSLB_ERR_KEYSTORE_CORRUPT;
  } else {
    result = (long)s->r.pos;
  }
  /* Each descriptor is registered under exactly one handle; free them. */
  for (uint32_t i = 0; i < s->nhandles; i++)
    if (s->handles[i]) {
      free(s->handles[i]->types);
      free(s->handles[i]);
    }
  free(s);
  return result;
}
