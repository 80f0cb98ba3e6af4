/*
 * File calls that wasi-libc leaves out, for programs built with kitsune-wasm:
 * readdir_r, umask, mkstemp and its relatives, the process's resource
 * limits, realpath and sendfile. Declared in runtime/include/ (dirent.h,
 * sys/stat.h, stdlib.h, sys/resource.h, sys/sendfile.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

/* struct dirent has room for NAME_MAX bytes here (runtime/include/__struct_dirent.h). */
int readdir_r(DIR *restrict dir, struct dirent *restrict entry, struct dirent **restrict result) {
  int saved = errno;
  errno = 0;
  struct dirent *d = readdir(dir);
  int e = errno;
  errno = saved;
  if (!d) { *result = 0; return e; }
  size_t n = strlen(d->d_name);
  if (n >= sizeof entry->d_name) { *result = 0; return ENAMETOOLONG; }
  entry->d_ino = d->d_ino;
  entry->d_type = d->d_type;
  memcpy(entry->d_name, d->d_name, n + 1);
  *result = entry;
  return 0;
}

/* WASI files have no permission bits: the mask is kept and reported only. */
static mode_t file_mask = 022;
mode_t umask(mode_t mask) {
  mode_t old = file_mask;
  file_mask = mask & 0777;
  return old;
}

/* Replaces the six X's before `suffix` characters and creates the file (or
 * directory) exclusively, retrying names that exist. */
static int make_temp(char *template, int suffix, int flags, int dir) {
  size_t len = strlen(template);
  if (suffix < 0 || len < 6 + (size_t)suffix || memcmp(template + len - suffix - 6, "XXXXXX", 6)) { errno = EINVAL; return -1; }
  char *x = template + len - suffix - 6;
  static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (int attempt = 0; attempt < 100; attempt++) {
    unsigned char r[6];
    if (getentropy(r, sizeof r) < 0) return -1;
    for (int i = 0; i < 6; i++) x[i] = chars[r[i] % (sizeof chars - 1)];
    int fd = dir ? mkdir(template, 0700) : open(template, O_RDWR | O_CREAT | O_EXCL | (flags & ~O_ACCMODE), 0600);
    if (fd >= 0) return fd;
    if (errno != EEXIST) break;
  }
  memcpy(x, "XXXXXX", 6);
  return -1;
}
int mkstemp(char *template) { return make_temp(template, 0, 0, 0); }
int mkostemp(char *template, int flags) { return make_temp(template, 0, flags, 0); }
int mkstemps(char *template, int suffix) { return make_temp(template, suffix, 0, 0); }
int mkostemps(char *template, int suffix, int flags) { return make_temp(template, suffix, flags, 0); }
char *mkdtemp(char *template) { return make_temp(template, 0, 0, 1) < 0 ? 0 : template; }
/* A name only: not created, so (as glibc warns) racy. */
char *mktemp(char *template) {
  size_t len = strlen(template);
  if (len < 6 || memcmp(template + len - 6, "XXXXXX", 6)) { errno = EINVAL; template[0] = 0; return template; }
  struct stat st;
  for (int attempt = 0; attempt < 100; attempt++) {
    unsigned char r[6];
    if (getentropy(r, sizeof r) < 0) break;
    for (int i = 0; i < 6; i++) template[len - 6 + i] = "abcdefghijklmnopqrstuvwxyz0123456789"[r[i] % 36];
    if (stat(template, &st) < 0 && errno == ENOENT) return template;
  }
  template[0] = 0;
  return template;
}

/* The host's descriptor table holds 1024 (wasm-driver/shared-state.ts MAX_FDS). */
#define DESCRIPTORS 1024
int getdtablesize(void) { return DESCRIPTORS; }

/* Reported as the sandbox has them; setrlimit is checked as Linux checks an
 * unprivileged process and remembered, not enforced. */
static struct rlimit limits[RLIMIT_NLIMITS];
static int limits_ready;
static void init_limits(void) {
  if (limits_ready) return;
  limits_ready = 1;
  for (int i = 0; i < RLIMIT_NLIMITS; i++) limits[i].rlim_cur = limits[i].rlim_max = RLIM_INFINITY;
  limits[RLIMIT_NOFILE].rlim_cur = limits[RLIMIT_NOFILE].rlim_max = DESCRIPTORS;
  limits[RLIMIT_CORE].rlim_cur = limits[RLIMIT_CORE].rlim_max = 0; /* no core files */
  limits[RLIMIT_NPROC].rlim_cur = limits[RLIMIT_NPROC].rlim_max = 1; /* no fork */
}
int getrlimit(int resource, struct rlimit *rl) {
  if (resource < 0 || resource >= RLIMIT_NLIMITS) { errno = EINVAL; return -1; }
  init_limits();
  *rl = limits[resource];
  return 0;
}
int setrlimit(int resource, const struct rlimit *rl) {
  if (resource < 0 || resource >= RLIMIT_NLIMITS || rl->rlim_cur > rl->rlim_max) { errno = EINVAL; return -1; }
  init_limits();
  if (rl->rlim_max > limits[resource].rlim_max) { errno = EPERM; return -1; }
  limits[resource] = *rl;
  return 0;
}

/*
 * realpath: wasi-libc's (musl's) asks readlink about every component, and
 * fails where readlink is not served; this one resolves the path lexically
 * against the working directory and asks readlink only about components that
 * lstat reports as symbolic links (at most 40 of them, as Linux).
 */
char *realpath(const char *restrict path, char *restrict resolved) {
  if (!path) { errno = EINVAL; return 0; }
  if (!*path) { errno = ENOENT; return 0; }
  char out[PATH_MAX], rest[PATH_MAX];
  size_t len = 0;
  if (path[0] != '/') {
    if (!getcwd(out, sizeof out)) return 0;
    len = strlen(out);
    if (len == 1) len = 0; /* "/" */
  }
  if (strlen(path) >= sizeof rest) { errno = ENAMETOOLONG; return 0; }
  strcpy(rest, path);
  int links = 0;
  char *p = rest;
  while (*p) {
    while (*p == '/') p++;
    if (!*p) break;
    char *end = p;
    while (*end && *end != '/') end++;
    size_t n = (size_t)(end - p);
    if (n == 1 && p[0] == '.') { p = end; continue; }
    if (n == 2 && p[0] == '.' && p[1] == '.') {
      while (len && out[len - 1] != '/') len--;
      if (len) len--;
      p = end;
      continue;
    }
    if (len + 1 + n >= sizeof out) { errno = ENAMETOOLONG; return 0; }
    out[len] = '/';
    memcpy(out + len + 1, p, n);
    size_t before = len;
    len += 1 + n;
    out[len] = 0;
    struct stat st;
    if (lstat(out, &st) < 0) {
      /* A directory above the --dir grants is hidden (EACCES): the host
       * resolved the grants' own links, so take it as it is written. */
      if (errno == EACCES && *end) { p = end; continue; }
      return 0;
    }
    if (S_ISLNK(st.st_mode)) {
      if (++links > 40) { errno = ELOOP; return 0; }
      char target[PATH_MAX];
      ssize_t k = readlink(out, target, sizeof target - 1);
      if (k < 0) return 0;
      target[k] = 0;
      /* The link's target, then what was left after this component. */
      if ((size_t)k + strlen(end) >= sizeof rest) { errno = ENAMETOOLONG; return 0; }
      memmove(rest + k, end, strlen(end) + 1);
      memcpy(rest, target, (size_t)k);
      p = rest;
      len = target[0] == '/' ? 0 : before;
      continue;
    }
    if (*end && !S_ISDIR(st.st_mode)) { errno = ENOTDIR; return 0; }
    p = end;
  }
  if (!len) { out[0] = '/'; len = 1; }
  out[len] = 0;
  if (!resolved) return strdup(out);
  memcpy(resolved, out, len + 1);
  return resolved;
}

/*
 * sendfile: Linux's results by copying through a buffer. With `offset`, in_fd
 * is read from *offset (its own offset untouched) and *offset advanced by
 * what was written; without, in_fd's offset advances by what was written (a
 * write that takes fewer bytes than were read puts the rest back with lseek).
 */
ssize_t sendfile(int out_fd, int in_fd, off_t *offset, size_t count) {
  char buf[16384];
  size_t done = 0;
  off_t pos = offset ? *offset : 0;
  if (offset && pos < 0) { errno = EINVAL; return -1; }
  while (done < count) {
    size_t want = count - done < sizeof buf ? count - done : sizeof buf;
    ssize_t n = offset ? pread(in_fd, buf, want, pos + (off_t)done) : read(in_fd, buf, want);
    if (n < 0) { if (done) break; return -1; }
    if (n == 0) break;
    ssize_t w = 0;
    int failed = 0;
    while (w < n) {
      ssize_t k = write(out_fd, buf + w, (size_t)(n - w));
      if (k <= 0) { failed = 1; break; }
      w += k;
    }
    if (!offset && w < n) lseek(in_fd, -(off_t)(n - w), SEEK_CUR);
    done += (size_t)w;
    if (failed) {
      if (!done) { if (offset) *offset = pos; return -1; }
      break;
    }
    if (n < (ssize_t)want) break;
  }
  if (offset) *offset = pos + (off_t)done;
  return (ssize_t)done;
}
