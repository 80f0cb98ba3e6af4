/*
 * What a failed update must not leave behind in libc's state. Versions call
 * these wrappers instead of libc's own (the loader maps the imports by name,
 * worker/linker.ts). Outside an update they are libc's calls; while a new
 * version runs before commit (between __kitsune_proc_begin and commit or
 * rollback), what they change is recorded so that a rollback undoes it:
 *   atexit        handlers registered then are held back, and registered at commit
 *   setenv &co    the old value of each variable changed is kept, and put back
 *   fopen &co     streams and directories opened then are closed; ones the old
 *                 version had and the new one closes are closed at commit only
 *   srand, rand   one generator of the runtime's own, whose state is put back
 * Memory the new version allocated is freed by the allocation tracking
 * (kitsune_rt.c), which calls in here first.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int active = 0;

/* ---- a small growable list of pointers (malloc'd by the runtime itself) ---- */

typedef struct { void **v; size_t n, cap; int oom; } plist;

static void pl_push(plist *l, void *p) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    void **v = realloc(l->v, cap * sizeof *v);
    if (!v) { l->oom = 1; return; }
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = p;
}

static int pl_take(plist *l, void *p) {
  for (size_t i = l->n; i-- > 0;)
    if (l->v[i] == p) { l->v[i] = l->v[--l->n]; return 1; }
  return 0;
}

static void pl_free(plist *l) { free(l->v); *l = (plist){0}; }

/* ---- atexit ---- */

static plist held_handlers;

int __kitsune_atexit(void (*fn)(void)) {
  if (!active) return atexit(fn);
  pl_push(&held_handlers, (void *)fn);
  return held_handlers.oom ? -1 : 0;
}

/* ---- the environment ---- */

typedef struct { char *name; char *value; int had; } env_old;
static env_old *env_journal;
static size_t env_n, env_cap;

/* Keeps NAME's value as it was before the update's first change to it. */
static void env_keep(const char *name, size_t len) {
  for (size_t i = 0; i < env_n; i++)
    if (strlen(env_journal[i].name) == len && !strncmp(env_journal[i].name, name, len)) return;
  if (env_n == env_cap) {
    size_t cap = env_cap ? env_cap * 2 : 8;
    env_old *j = realloc(env_journal, cap * sizeof *j);
    if (!j) return;
    env_journal = j;
    env_cap = cap;
  }
  char *n = strndup(name, len);
  if (!n) return;
  const char *v = getenv(n);
  env_journal[env_n++] = (env_old){ n, v ? strdup(v) : 0, v != 0 };
}

int __kitsune_setenv(const char *name, const char *value, int overwrite) {
  if (active && name) env_keep(name, strcspn(name, "="));
  return setenv(name, value, overwrite);
}

int __kitsune_unsetenv(const char *name) {
  if (active && name) env_keep(name, strcspn(name, "="));
  return unsetenv(name);
}

int __kitsune_putenv(char *string) {
  if (active && string) env_keep(string, strcspn(string, "="));
  return putenv(string);
}

static void env_drop(int restore) {
  for (size_t i = 0; i < env_n; i++) {
    env_old *o = &env_journal[i];
    if (restore) { if (o->had) setenv(o->name, o->value, 1); else unsetenv(o->name); }
    free(o->name);
    free(o->value);
  }
  free(env_journal);
  env_journal = 0;
  env_n = env_cap = 0;
}

/* ---- streams and directories ---- */

static plist opened_files, opened_dirs, closed_files, closed_dirs;

static FILE *file_opened(FILE *f) { if (f && active) pl_push(&opened_files, f); return f; }
static DIR *dir_opened(DIR *d) { if (d && active) pl_push(&opened_dirs, d); return d; }

FILE *__kitsune_fopen(const char *path, const char *mode) { return file_opened(fopen(path, mode)); }
FILE *__kitsune_fdopen(int fd, const char *mode) { return file_opened(fdopen(fd, mode)); }
FILE *__kitsune_fmemopen(void *buf, size_t size, const char *mode) { return file_opened(fmemopen(buf, size, mode)); }
FILE *__kitsune_open_memstream(char **ptr, size_t *size) { return file_opened(open_memstream(ptr, size)); }
DIR *__kitsune_opendir(const char *path) { return dir_opened(opendir(path)); }
DIR *__kitsune_fdopendir(int fd) { return dir_opened(fdopendir(fd)); }

/* A stream the old version had stays open until commit: a rollback gives it back. */
int __kitsune_fclose(FILE *f) {
  if (!active || pl_take(&opened_files, f)) return fclose(f);
  pl_push(&closed_files, f); /* untouched, not even flushed: a read stream's buffer and position stay as they were */
  return 0;
}

int __kitsune_closedir(DIR *d) {
  if (!active || pl_take(&opened_dirs, d)) return closedir(d);
  pl_push(&closed_dirs, d);
  return 0;
}

/* ---- rand ---- */

/* musl's generator, with its state here so that a rollback can put it back. */
static uint64_t rand_seed = 0, rand_saved = 0;
void __kitsune_srand(unsigned s) { rand_seed = s - 1; }
int __kitsune_rand(void) {
  rand_seed = 6364136223846793005ULL * rand_seed + 1;
  return (int)(rand_seed >> 33);
}

/* ---- the transaction, driven by kitsune_rt.c's tracking ---- */

void __kitsune_proc_begin(void) {
  active = 1;
  rand_saved = rand_seed;
}

/* Commit: held handlers are registered, in order; what the new version closed is closed now. */
int __kitsune_proc_commit(void) {
  active = 0;
  int failed = held_handlers.oom || opened_files.oom || opened_dirs.oom || closed_files.oom || closed_dirs.oom;
  for (size_t i = 0; i < held_handlers.n; i++) atexit((void (*)(void))held_handlers.v[i]);
  for (size_t i = 0; i < closed_files.n; i++) fclose(closed_files.v[i]);
  for (size_t i = 0; i < closed_dirs.n; i++) closedir(closed_dirs.v[i]);
  pl_free(&held_handlers); pl_free(&opened_files); pl_free(&opened_dirs); pl_free(&closed_files); pl_free(&closed_dirs);
  env_drop(0);
  return failed;
}

/* Rollback: what the new version opened is closed, what it changed put back. */
void __kitsune_proc_rollback(void) {
  active = 0;
  for (size_t i = 0; i < opened_files.n; i++) fclose(opened_files.v[i]);
  for (size_t i = 0; i < opened_dirs.n; i++) closedir(opened_dirs.v[i]);
  pl_free(&held_handlers); pl_free(&opened_files); pl_free(&opened_dirs); pl_free(&closed_files); pl_free(&closed_dirs);
  env_drop(1);
  rand_seed = rand_saved;
}
