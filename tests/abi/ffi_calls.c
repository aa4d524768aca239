/* Calls exported functions of libsslbind the way a foreign runtime does:
 * looked up by name with dlsym, called through libffi with the signature
 * the manifest gives, each in a child process so that a crash is caught
 * and named.
 *
 *   sslb-ffi-calls LIBRARY < signatures
 *
 * One line a function: NAME RETURN KIND... (tab-separated). Kinds of
 * arguments: out (T **, size_t *: a pointer to a scratch slot), str
 * (const char *), buf (bytes, arrays: a zeroed scratch buffer), handle (an
 * sslbind object: NULL), fn and ud (callbacks and their data: NULL), i32,
 * u32, u64 (size_t), i64. Return kinds: void, i32, i64, u32, u64, ptr.
 *
 * Each function runs twice: with every argument NULL or zero, then with
 * out-pointers, strings and buffers valid (an empty string, zeroed bytes,
 * small lengths) and integers at awkward values (-1, UINT_MAX), handles
 * still NULL. Neither may crash or hang; a function returning an int (or
 * long) that takes a handle must return a negative code for a NULL one,
 * unless the line ends with "null-ok" (documented to answer 0 for NULL).
 * Prints one line per failure and a summary; exits 1 on any failure. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <ffi.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ARGS 16

typedef struct {
  char name[128];
  char ret[8];
  char kind[MAX_ARGS][8];
  int nargs;
  int null_ok;
  int handles; /* arguments of kind handle */
} sig;

static ffi_type *ffi_of(const char *k) {
  if (!strcmp(k, "i32"))
    return &ffi_type_sint32;
  if (!strcmp(k, "u32"))
    return &ffi_type_uint32;
  if (!strcmp(k, "u64"))
    return &ffi_type_uint64;
  if (!strcmp(k, "i64"))
    return &ffi_type_sint64;
  if (!strcmp(k, "void"))
    return &ffi_type_void;
  return &ffi_type_pointer; /* out str buf handle fn ud ptr */
}

/* Runs one call in this (child) process; returns the exit status to use. */
static int call(void *fn, const sig *s, int round) {
  ffi_cif cif;
  ffi_type *types[MAX_ARGS];
  void *values[MAX_ARGS];
  union {
    void *p;
    int32_t i32;
    uint32_t u32;
    uint64_t u64;
    int64_t i64;
  } args[MAX_ARGS];
  static void *slots[MAX_ARGS][4];
  static uint8_t scratch[MAX_ARGS][4096];
  for (int i = 0; i < s->nargs; i++) {
    const char *k = s->kind[i];
    types[i] = ffi_of(k);
    memset(&args[i], 0, sizeof args[i]);
    if (round == 1) {
      if (!strcmp(k, "out"))
        args[i].p = slots[i];
      else if (!strcmp(k, "str") || !strcmp(k, "buf"))
        args[i].p = scratch[i];
      else if (!strcmp(k, "i32"))
        args[i].i32 = -1;
      else if (!strcmp(k, "u32"))
        args[i].u32 = UINT32_MAX;
      else if (!strcmp(k, "u64"))
        args[i].u64 = 16; /* lengths stay within the scratch buffers */
      else if (!strcmp(k, "i64"))
        args[i].i64 = INT64_MIN;
    }
    values[i] = &args[i];
  }
  if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, (unsigned)s->nargs, ffi_of(s->ret), types) !=
      FFI_OK) {
    printf("%s: libffi refused the signature\n", s->name);
    return 3;
  }
  union {
    ffi_arg a;
    int64_t i64;
    void *p;
  } rv;
  memset(&rv, 0, sizeof rv);
  alarm(10); /* a call that hangs is a failure too */
  ffi_call(&cif, FFI_FN(fn), &rv, values);
  alarm(0);
  if (s->handles && !s->null_ok) {
    long long r = 0;
    if (!strcmp(s->ret, "i32"))
      r = (int32_t)rv.a;
    else if (!strcmp(s->ret, "i64"))
      r = rv.i64;
    else
      return 0;
    if (r >= 0) {
      printf("%s (round %d): returned %lld for a NULL handle, not an error code\n",
             s->name, round, r);
      return 2;
    }
  }
  return 0;
}

static int parse(char *line, sig *s) {
  memset(s, 0, sizeof *s);
  char *save = NULL;
  char *tok = strtok_r(line, "\t\n", &save);
  if (!tok || strlen(tok) >= sizeof s->name)
    return -1;
  strcpy(s->name, tok);
  tok = strtok_r(NULL, "\t\n", &save);
  if (!tok || strlen(tok) >= sizeof s->ret)
    return -1;
  strcpy(s->ret, tok);
  while ((tok = strtok_r(NULL, "\t\n", &save))) {
    if (!strcmp(tok, "null-ok")) {
      s->null_ok = 1;
      continue;
    }
    if (s->nargs == MAX_ARGS || strlen(tok) >= sizeof s->kind[0])
      return -1;
    strcpy(s->kind[s->nargs], tok);
    s->handles += !strcmp(tok, "handle");
    s->nargs++;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: sslb-ffi-calls LIBRARY < signatures\n");
    return 2;
  }
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "%s\n", dlerror());
    return 2;
  }
  char line[1024];
  int n = 0, failed = 0;
  while (fgets(line, sizeof line, stdin)) {
    sig s;
    if (line[0] == '\n' || line[0] == '#')
      continue;
    if (parse(line, &s) < 0) {
      printf("unreadable signature line: %s", line);
      failed++;
      continue;
    }
    void *fn = dlsym(lib, s.name);
    if (!fn) {
      printf("%s: not exported\n", s.name);
      failed++;
      continue;
    }
    n++;
    for (int round = 0; round < 2; round++) {
      fflush(stdout);
      pid_t pid = fork();
      if (pid == 0) {
        /* quiet: some functions explain themselves on stderr */
        if (!freopen("/dev/null", "w", stderr))
          _exit(4);
        int rc = call(fn, &s, round);
        fflush(stdout);
        _exit(rc);
      }
      int st = 0;
      waitpid(pid, &st, 0);
      if (WIFSIGNALED(st)) {
        printf("%s (round %d): %s\n", s.name, round,
               WTERMSIG(st) == SIGALRM ? "hung" : strsignal(WTERMSIG(st)));
        failed++;
      } else if (WEXITSTATUS(st) != 0) {
        failed++;
      }
    }
  }
  printf("%d functions called twice each through libffi: %d failures\n", n, failed);
  return failed ? 1 : 0;
}
