/* Delimiting Java-serialised objects (JCEKS secret keys) without building
 * them: hand-made streams for each grammar rule, every truncation, limits,
 * and the real SealedObject from small.jceks. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "keystore/ks.h"
#include "support.h"

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
#define HANDLE(n) (0x7e0000u + (n))

/* ---- stream builders ---- */

static void magic(sslb__buf *b) {
  sslb__buf_u16be(b, 0xaced);
  sslb__buf_u16be(b, 5);
}

static void utf(sslb__buf *b, const char *s) {
  sslb__buf_u16be(b, (uint16_t)strlen(s));
  sslb__buf_str(b, s);
}

static void string(sslb__buf *b, const char *s) {
  sslb__buf_u8(b, TC_STRING);
  utf(b, s);
}

/* TC_CLASSDESC name suid flags nfields, without the fields and the end. */
static void classdesc_head(sslb__buf *b, const char *name, uint8_t flags,
                           uint16_t nfields) {
  sslb__buf_u8(b, TC_CLASSDESC);
  utf(b, name);
  sslb__buf_u64be(b, 0x1122334455667788ull);
  sslb__buf_u8(b, flags);
  sslb__buf_u16be(b, nfields);
}

/* End of annotations and no superclass. */
static void classdesc_tail(sslb__buf *b) {
  sslb__buf_u8(b, TC_ENDBLOCKDATA);
  sslb__buf_u8(b, TC_NULL);
}

/* A class with no fields and no superclass. */
static void simple_classdesc(sslb__buf *b, const char *name, uint8_t flags) {
  classdesc_head(b, name, flags, 0);
  classdesc_tail(b);
}

static long skip(const sslb__buf *b, char *cls) {
  cr_assert_eq(sslb__buf_ok(b), 0);
  /* an exact-size copy, so that ASan sees any read past the end */
  blob c = blob_copy(b->p, b->len);
  long r = sslb__javaser_skip(c.p, c.len, cls, cls ? 128 : 0);
  blob_free(&c);
  return r;
}

/* Asserts the stream is delimited at its full length, that every shorter
 * prefix is reported as truncated, and that bytes after it are not read. */
static void check_stream(sslb__buf *b, const char *want_class) {
  char cls[128];
  cr_assert_eq(skip(b, cls), (long)b->len, "whole stream");
  if (want_class)
    cr_expect_str_eq(cls, want_class);
  for (size_t n = 0; n < b->len; n++) {
    blob c = blob_copy(b->p, n);
    long r = sslb__javaser_skip(c.p, c.len, NULL, 0);
    cr_expect_eq(r, SSLB_ERR_KEYSTORE_TRUNCATED, "cut at %zu of %zu: %ld", n,
                 b->len, r);
    blob_free(&c);
  }
  size_t len = b->len;
  sslb__buf_str(b, "trailing bytes of the next entry");
  cr_expect_eq(skip(b, NULL), (long)len);
  b->len = len;
}

/* ---------------------------------------------------------- the basics */

Test(javaser, magic_and_version) {
  sslb__buf b;
  sslb__buf_init(&b);
  sslb__buf_u16be(&b, 0xaced);
  sslb__buf_u16be(&b, 6);
  sslb__buf_u8(&b, TC_NULL);
  cr_expect_eq(skip(&b, NULL), SSLB_ERR_KEYSTORE_CORRUPT);
  b.len = 0;
  sslb__buf_u16be(&b, 0xcafe);
  sslb__buf_u16be(&b, 5);
  sslb__buf_u8(&b, TC_NULL);
  cr_expect_eq(skip(&b, NULL), SSLB_ERR_KEYSTORE_CORRUPT);
  b.len = 0;
  magic(&b);
  /* the magic and nothing after it */
  cr_expect_eq(skip(&b, NULL), SSLB_ERR_KEYSTORE_TRUNCATED);
  for (size_t n = 0; n < 4; n++) {
    blob c = blob_copy(b.p, n);
    cr_expect_eq(sslb__javaser_skip(c.p, c.len, NULL, 0),
                 SSLB_ERR_KEYSTORE_TRUNCATED, "%zu bytes", n);
    blob_free(&c);
  }
  cr_expect_eq(sslb__javaser_skip(NULL, 0, NULL, 0),
               SSLB_ERR_KEYSTORE_TRUNCATED);
  sslb__buf_free(&b);
}

Test(javaser, null_and_strings) {
  sslb__buf b;
  sslb__buf_init(&b);
  magic(&b);
  sslb__buf_u8(&b, TC_NULL);
  check_stream(&b, NULL);

  b.len = 0;
  magic(&b);
  string(&b, "abc");
  check_stream(&b, NULL);
  cr_expect_eq(b.len, 10);

  b.len = 0;
  magic(&b);
  string(&b, "");
  check_stream(&b, NULL);

  b.len = 0;
  magic(&b);
  sslb__buf_u8(&b, TC_LONGSTRING);
  sslb__buf_u64be(&b, 300);
  for (int i = 0; i < 300; i++)
    sslb__buf_u8(&b, 'x');
  check_stream(&b, NULL);

  /* a long string longer than the data */
  b.len = 0;
  magic(&b);
  sslb__buf_u8(&b, TC_LONGSTRING);
  sslb__buf_u64be(&b, 0xffffffffffffffffull);
  sslb__buf_str(&b, "short");
  cr_expect_eq(skip(&b, NULL), SSLB_ERR_KEYSTORE_TRUNCATED);
  sslb__buf_free(&b);
}

Test(javaser, unknown_type_codes) {
  const uint8_t codes[] = {0x00, 0x6f, 0x79, 0x7b, 0x7f, 0xff, TC_ENDBLOCKDATA};
  for (size_t i = 0; i < sizeof codes; i++) {
    sslb__buf b;
    sslb__buf_init(&b);
    magic(&b);
    sslb__buf_u8(&b, codes[i]);
    sslb__buf_u32be(&b, 0);
    cr_expect_eq(skip(&b, NULL), SSLB_ERR_KEYSTORE_CORRUPT, "code %02x",
                 codes[i]);
    sslb__buf_free(&b);
  }
}

/* ------------------------------------------------------------ objects */

/* class Foo { int x; String s; byte[] b; } with s = "hi", b = {1,2,3} */
static void foo_object(sslb__buf *b) {
  sslb__buf_u8(b, TC_OBJECT);
  classdesc_head(b, "Foo", 0x02, 3);
  sslb__buf_u8(b, 'I');
  utf(b, "x");
  sslb__buf_u8(b, 'L');
  utf(b, "s");
  string(b, "Ljava/lang/String;"); /* handle 1 */
  sslb__buf_u8(b, '[');
  utf(b, "b");
  string(b, "[B"); /* handle 2 */
  classdesc_tail(b);
  /* object: handle 3; its values */
  sslb__buf_u32be(b, 42);
  string(b, "hi"); /* handle 4 */
  sslb__buf_u8(b, TC_ARRAY);
  simple_classdesc(b, "[B", 0x02); /* handle 5 */
  sslb__buf_u32be(b, 3);           /* array: handle 6 */
  sslb__buf_put(b, "\x01\x02\x03", 3);
}

Test(javaser, object_with_primitive_and_object_fields) {
  sslb__buf b;
  sslb__buf_init(&b);
  magic(&b);
  foo_object(&b);
  check_stream(&b, "Foo");
  sslb__buf_free(&b);
}

Test(javaser, every_primitive_type) {
  static const char types[] = "BCDFIJSZ";
  static const size_t sizes[] = {1, 2, 8, 4, 4, 8, 2, 1};
  sslb__buf b;
  sslb__buf_init(&b);
  magic(&b);
  sslb__buf_u8(&b, TC_OBJECT);
  classdesc_head(&b, "Prims", 0x02, 8);
  for (int i = 0; i < 8; i++) {
    char name[2] = {(char)('a' + i), 0};
    sslb__buf_u8(&b, (uint8_t)types[i]);
    utf(&b, name);
  }
  classdesc_tail(&b);
  for (int i = 0; i < 8; i++)
    for (size_t k = 0; k < sizes[i]; k++)
      sslb__buf_u8(&b, 0xee);
  check_stream(&b, "Prims");
  sslb__buf_free(&b);
}

Test(javaser, arrays) {
  sslb__buf b;
  sslb__buf_init(&b);
  /* byte[5] */
  magic(&b);
  sslb__buf_u8(&b, TC_ARRAY);
  simple_classdesc(&b, "[B", 0x02);
  sslb__buf_u32be(&b, 5);
  sslb__buf_put(&b, "\x10\x20\x30\x40\x50", 5);
  check_stream(&b, "[B");

  /* int[2], long[1] nested in Object[2] */
  b.len = 0;
  magic(&b);
  sslb__buf_u8(&b, TC_ARRAY);
  simple_classdesc(&b, "[Ljava.lang.Object;", 0x02);
  sslb__buf_u32be(&b, 3);
  sslb__buf_u8(&b, TC_ARRAY);
  simple_classdesc(&b, "[I", 0x02);
  sslb__buf_u32be(&b, 2);
  sslb__buf_u32be(&b, 7);
  sslb__buf_u32be(&b, 8);
  sslb__buf_u8(&b, TC_ARRAY);
  simple_classdesc(&b, "[J", 0x02);
  sslb__buf_u32be(&b, 1);
  sslb__buf_u64be(&b, 9);
  sslb__buf_u8(&b, TC_NULL);
  check_stream(&b, "[Ljava.lang.Object;");

  /* an element count larger than the data */
  b.len = 0;
  magic(&b);
  sslb__buf_u8(&b, TC_ARRAY);
  simple_classdesc(&b, "[B", 0x02);
  sslb__buf_u32be(&b, 0xffffffffu);
  sslb__buf_put(&b, "abc", 3);
  cr_expect_eq(skip(&b, NULL), SSLB_ERR_KEYSTORE_TRUNCATED);

  /* an array needs a class descriptor */
  b.len = 0;
  magic(&b);
  sslb__buf_u8(&b, TC_ARRAY);
  sslb__buf_u8(&b, TC_NULL);
  sslb__buf_u32be(&b, 0);
  cr_expect_eq(skip(&b, NULL), SSLB_ERR_KEYSTORE_CORRUPT);
  sslb__buf_free(&b);
}

Test(javaser, back_references) {
  sslb__buf b;
  sslb__buf_init(&b);
  magic(&b);
  sslb__buf_u8(&b, TC_ARRAY);
  simple_classdesc(&b, "[Ljava.lang.Object;", 0x02); /* handle 0 */
  sslb__buf_u32be(&b, 4);                            /* array: handle 1 */
  foo_object(&b); /* handles 2 (desc) .. 8 */
  /* a second Foo reusing the descriptor by reference */
  sslb__buf_u8(&b, TC_OBJECT);
  sslb__buf_u8(&b, TC_REFERENCE);
  sslb__buf_u32be(&b, HANDLE(2));
  sslb__buf_u32be(&b, 1);
  sslb__buf_u8(&b, TC_REFERENCE); /* s: the earlier "hi" (handle 6) */
  sslb__buf_u32be(&b, HANDLE(6));
  sslb__buf_u8(&b, TC_NULL); /* b */
  /* the array itself and the first object, by reference */
  sslb__buf_u8(&b, TC_REFERENCE);
  sslb__buf_u32be(&b, HANDLE(1));
  sslb__buf_u8(&b, TC_REFERENCE);
  sslb__buf_u32be(&b, HANDLE(5));
  check_stream(&b, "[Ljava.lang.Object;");

  /* a reference to a handle not yet assigned */
  b.len = 0;
  magic(&b);
  sslb__buf_u8(&b, TC_REFERENCE);
  sslb__buf_u32be(&b, HANDLE(0));
  cr_expect_eq(skip(&b, NULL), SSLB_ERR_KEYSTORE_CORRUPT);
  b.len = 0;
  magic(&b);
  sslb__buf_u8(&b, TC_REFERENCE);
  sslb__buf_u32be(&b, 5); /* below the handle base */
  cr_expect_eq(skip(&b, NULL), SSLB_ERR_KEYSTORE_CORRUPT);

  /* a class descriptor that refers to a string */
  b.len = 0;
  magic(&b);
  sslb__buf_u8(&b, TC_ARRAY);
  simple_classdesc(&b, "[Ljava.lang.Object;", 0x02);
  sslb__buf_u32be(&b, 2);
  string(&b, "not a class"); /* handle 2 */
  sslb__buf_u8(&b, TC_OBJECT);
  sslb__buf_u8(&b, TC_REFERENCE);
  sslb__buf_u32be(&b, HANDLE(2));
  cr_expect_eq(skip(&b, NULL), SSLB_ERR_KEYSTORE_CORRUPT);
  sslb__buf_free(&b);
}

Test(javaser, write_method_and_block_data) {
  /* a class with writeObject: its data ends with annotations */
  sslb__buf b;
  sslb__buf_init(&b);
  magic(&b);
  sslb__buf_u8(&b, TC_OBJECT);
  classdesc_head(&b, "Custom", 0x03, 1);
  sslb__buf_u8(&b, 'J');
  utf(&b, "n");
  classdesc_tail(&b);
  sslb__buf_u64be(&b, 5);
  sslb__buf_u8(&b, TC_BLOCKDATA);
  sslb__buf_u8(&b, 4);
  sslb__buf_put(&b, "abcd", 4);
  sslb__buf_u8(&b, TC_BLOCKDATALONG);
  sslb__buf_u32be(&b, 2);
  sslb__buf_put(&b, "ef", 2);
  string(&b, "an object among the block data");
  sslb__buf_u8(&b, TC_ENDBLOCKDATA);
  check_stream(&b, "Custom");

  /* Externalizable with block data: the same shape */
  b.len = 0;
  magic(&b);
  sslb__buf_u8(&b, TC_OBJECT);
  simple_classdesc(&b, "Ext", 0x0c);
  sslb__buf_u8(&b, TC_BLOCKDATA);
  sslb__buf_u8(&b, 1);
  sslb__buf_u8(&b, 0);
  sslb__buf_u8(&b, TC_ENDBLOCKDATA);
  check_stream(&b, "Ext");

  /* old-style Externalizable (protocol 1) cannot be delimited */
  b.len = 0;
  magic(&b);
  sslb__buf_u8(&b, TC_OBJECT);
  simple_classdesc(&b, "OldExt", 0x04);
  sslb__buf_u32be(&b, 0);
  cr_expect_eq(skip(&b, NULL), SSLB_ERR_UNSUPPORTED);
  sslb__buf_free(&b);
}

Test(javaser, superclasses_annotations_classes_enums_proxies) {
  sslb__buf b;
  sslb__buf_init(&b);
  magic(&b);
  sslb__buf_u8(&b, TC_ARRAY);
  simple_classdesc(&b, "[Ljava.lang.Object;", 0x02);
  sslb__buf_u32be(&b, 4);
  /* Child extends Parent, each with an int; the descriptor is annotated */
  sslb__buf_u8(&b, TC_OBJECT);
  classdesc_head(&b, "Child", 0x02, 1);
  sslb__buf_u8(&b, 'I');
  utf(&b, "c");
  string(&b, "class annotation");
  sslb__buf_u8(&b, TC_ENDBLOCKDATA);
  classdesc_head(&b, "Parent", 0x02, 1);
  sslb__buf_u8(&b, 'I');
  utf(&b, "p");
  classdesc_tail(&b);
  sslb__buf_u32be(&b, 1); /* Parent.p first */
  sslb__buf_u32be(&b, 2); /* then Child.c */
  /* a Class object */
  sslb__buf_u8(&b, TC_CLASS);
  simple_classdesc(&b, "java.lang.Thread", 0x02);
  /* an enum constant */
  sslb__buf_u8(&b, TC_ENUM);
  simple_classdesc(&b, "Color", 0x12);
  string(&b, "RED");
  /* a proxy instance */
  sslb__buf_u8(&b, TC_OBJECT);
  sslb__buf_u8(&b, TC_PROXYCLASSDESC);
  sslb__buf_u32be(&b, 2);
  utf(&b, "java.lang.Runnable");
  utf(&b, "java.io.Closeable");
  sslb__buf_u8(&b, TC_ENDBLOCKDATA);
  simple_classdesc(&b, "java.lang.reflect.Proxy", 0x02);
  check_stream(&b, "[Ljava.lang.Object;");
  sslb__buf_free(&b);
}

Test(javaser, malformed_class_descriptors) {
  sslb__buf b;
  sslb__buf_init(&b);
  /* an unknown field type */
  magic(&b);
  sslb__buf_u8(&b, TC_OBJECT);
  classdesc_head(&b, "Bad", 0x02, 1);
  sslb__buf_u8(&b, 'X');
  utf(&b, "f");
  classdesc_tail(&b);
  sslb__buf_u32be(&b, 0);
  cr_expect_eq(skip(&b, NULL), SSLB_ERR_KEYSTORE_CORRUPT);
  /* a NUL field type */
  b.p[4 + 1 + 1 + 2 + 3 + 8 + 1 + 2] = 0;
  cr_expect_eq(skip(&b, NULL), SSLB_ERR_KEYSTORE_CORRUPT);

  /* more fields than any class has */
  b.len = 0;
  magic(&b);
  sslb__buf_u8(&b, TC_OBJECT);
  classdesc_head(&b, "Huge", 0x02, 513);
  cr_expect_eq(skip(&b, NULL), SSLB_ERR_LIMIT);

  /* an object without a class */
  b.len = 0;
  magic(&b);
  sslb__buf_u8(&b, TC_OBJECT);
  sslb__buf_u8(&b, TC_NULL);
  cr_expect_eq(skip(&b, NULL), SSLB_ERR_KEYSTORE_CORRUPT);

  /* a class descriptor where a string belongs */
  b.len = 0;
  magic(&b);
  sslb__buf_u8(&b, TC_OBJECT);
  sslb__buf_u8(&b, TC_STRING);
  cr_expect_eq(skip(&b, NULL), SSLB_ERR_KEYSTORE_CORRUPT);

  /* a proxy with absurdly many interfaces */
  b.len = 0;
  magic(&b);
  sslb__buf_u8(&b, TC_OBJECT);
  sslb__buf_u8(&b, TC_PROXYCLASSDESC);
  sslb__buf_u32be(&b, 100000);
  cr_expect_eq(skip(&b, NULL), SSLB_ERR_KEYSTORE_CORRUPT);
  sslb__buf_free(&b);
}

/* --------------------------------------------------------------- limits */

Test(javaser, deep_nesting_is_limited) {
  sslb__buf b;
  sslb__buf_init(&b);
  magic(&b);
  /* Object[1] { Object[1] { ... } } */
  for (int depth = 0; depth < 40; depth++) {
    sslb__buf_u8(&b, TC_ARRAY);
    if (depth == 0) {
      simple_classdesc(&b, "[Ljava.lang.Object;", 0x02);
    } else {
      sslb__buf_u8(&b, TC_REFERENCE);
      sslb__buf_u32be(&b, HANDLE(0));
    }
    sslb__buf_u32be(&b, 1);
  }
  sslb__buf_u8(&b, TC_NULL);
  cr_expect_eq(skip(&b, NULL), SSLB_ERR_LIMIT);

  /* a few levels are fine */
  b.len = 0;
  magic(&b);
  for (int depth = 0; depth < 5; depth++) {
    sslb__buf_u8(&b, TC_ARRAY);
    if (depth == 0) {
      simple_classdesc(&b, "[Ljava.lang.Object;", 0x02);
    } else {
      sslb__buf_u8(&b, TC_REFERENCE);
      sslb__buf_u32be(&b, HANDLE(0));
    }
    sslb__buf_u32be(&b, 1);
  }
  sslb__buf_u8(&b, TC_NULL);
  check_stream(&b, NULL);
  sslb__buf_free(&b);
}

Test(javaser, deep_superclass_chains_are_limited) {
  sslb__buf b;
  sslb__buf_init(&b);
  magic(&b);
  sslb__buf_u8(&b, TC_OBJECT);
  for (int i = 0; i < 80; i++) {
    char name[16];
    snprintf(name, sizeof name, "C%d", i);
    classdesc_head(&b, name, 0x02, 0);
    sslb__buf_u8(&b, TC_ENDBLOCKDATA);
  }
  sslb__buf_u8(&b, TC_NULL);
  cr_expect_eq(skip(&b, NULL), SSLB_ERR_LIMIT);
  sslb__buf_free(&b);
}

Test(javaser, too_many_handles) {
  sslb__buf b;
  sslb__buf_init(&b);
  magic(&b);
  sslb__buf_u8(&b, TC_ARRAY);
  simple_classdesc(&b, "[Ljava.lang.String;", 0x02);
  sslb__buf_u32be(&b, 5000);
  for (int i = 0; i < 5000; i++)
    string(&b, "");
  cr_expect_eq(skip(&b, NULL), SSLB_ERR_LIMIT);
  sslb__buf_free(&b);
}

Test(javaser, class_name_buffer) {
  sslb__buf b;
  sslb__buf_init(&b);
  magic(&b);
  foo_object(&b);
  /* a buffer under 128 bytes is left alone */
  char small[64];
  memset(small, '#', sizeof small);
  cr_expect_eq(sslb__javaser_skip(b.p, b.len, small, sizeof small),
               (long)b.len);
  cr_expect_eq(small[0], '#');
  cr_expect_eq(sslb__javaser_skip(b.p, b.len, NULL, 500), (long)b.len);
  /* a long name is cut at 127 characters */
  char name[200];
  memset(name, 'n', sizeof name - 1);
  name[sizeof name - 1] = 0;
  b.len = 0;
  magic(&b);
  sslb__buf_u8(&b, TC_OBJECT);
  simple_classdesc(&b, name, 0x02);
  char cls[128];
  cr_expect_eq(skip(&b, cls), (long)b.len);
  cr_expect_eq(strlen(cls), 127);
  /* no class at all: an empty name */
  b.len = 0;
  magic(&b);
  string(&b, "x");
  memset(cls, '#', sizeof cls);
  cr_expect_eq(skip(&b, cls), (long)b.len);
  cr_expect_str_eq(cls, "");
  sslb__buf_free(&b);
}

/* ----------------------------------------------------- the real thing */

Test(javaser, jceks_secret_key_is_delimited_exactly) {
  blob f = read_fixture("small.jceks");
  /* the aes entry: tag 3, alias "aes", date; its object runs to the
   * store's 20-byte digest, which immediately follows */
  static const uint8_t hdr[] = {0, 0, 0, 3, 0, 3, 'a', 'e', 's'};
  const uint8_t *at = memmem(f.p, f.len, hdr, sizeof hdr);
  cr_assert_not_null(at);
  size_t start = (size_t)(at - f.p) + sizeof hdr + 8;
  size_t len = f.len - 20 - start;
  char cls[128];
  cr_expect_eq(sslb__javaser_skip(f.p + start, f.len - start, cls, sizeof cls),
               (long)len);
  cr_expect_str_eq(cls, "com.sun.crypto.provider.SealedObjectForKeyProtector");
  /* and every cut of it is truncation */
  for (size_t n = 0; n < len; n++) {
    blob c = blob_copy(f.p + start, n);
    cr_expect_eq(sslb__javaser_skip(c.p, c.len, NULL, 0),
                 SSLB_ERR_KEYSTORE_TRUNCATED, "cut at %zu of %zu", n, len);
    blob_free(&c);
  }
  /* a flipped byte anywhere is caught or leaves a well-delimited object
   * (content bytes are not interpreted): never a read past the end */
  for (size_t i = 0; i < len; i++) {
    blob c = blob_copy(f.p + start, len);
    c.p[i] ^= 0x41;
    long r = sslb__javaser_skip(c.p, c.len, NULL, 0);
    cr_expect(r < 0 || (r > 0 && (size_t)r <= len), "byte %zu: %ld", i, r);
    blob_free(&c);
  }
  blob_free(&f);
}
