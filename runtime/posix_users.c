/*
 * Users and groups, for programs built with kitsune-wasm. The sandbox has
 * one user and one group, both "kitsune" with id 1000 (the user's home is
 * "/", its shell "/bin/sh", and it is the group's one member); every get*id
 * call agrees with them. Changing identity is what an unprivileged Linux
 * process may do: setting the ids it already has succeeds, anything else
 * fails with EPERM. Declared in runtime/include/ (unistd.h, pwd.h, grp.h).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ID 1000
#define NAME "kitsune"

uid_t getuid(void) { return ID; }
uid_t geteuid(void) { return ID; }
gid_t getgid(void) { return ID; }
gid_t getegid(void) { return ID; }

static int same_uid(uid_t u) { return u == (uid_t)ID || u == (uid_t)-1; }
static int same_gid(gid_t g) { return g == (gid_t)ID || g == (gid_t)-1; }
static int keep(int unchanged) {
  if (unchanged) return 0;
  errno = EPERM;
  return -1;
}

int setuid(uid_t u) { return keep(u == (uid_t)ID); }
int seteuid(uid_t u) { return keep(u == (uid_t)ID); }
int setgid(gid_t g) { return keep(g == (gid_t)ID); }
int setegid(gid_t g) { return keep(g == (gid_t)ID); }
int setreuid(uid_t r, uid_t e) { return keep(same_uid(r) && same_uid(e)); }
int setregid(gid_t r, gid_t e) { return keep(same_gid(r) && same_gid(e)); }
int setresuid(uid_t r, uid_t e, uid_t s) { return keep(same_uid(r) && same_uid(e) && same_uid(s)); }
int setresgid(gid_t r, gid_t e, gid_t s) { return keep(same_gid(r) && same_gid(e) && same_gid(s)); }
int getresuid(uid_t *r, uid_t *e, uid_t *s) { *r = *e = *s = ID; return 0; }
int getresgid(gid_t *r, gid_t *e, gid_t *s) { *r = *e = *s = ID; return 0; }

/* The supplementary groups: the one group. */
int getgroups(int size, gid_t list[]) {
  if (size == 0) return 1;
  if (size < 1) { errno = EINVAL; return -1; }
  list[0] = ID;
  return 1;
}
int setgroups(size_t size, const gid_t *list) { return keep(size == 1 && list[0] == (gid_t)ID); }
int initgroups(const char *user, gid_t group) { return keep(user && !strcmp(user, NAME) && group == (gid_t)ID); }
int getgrouplist(const char *user, gid_t group, gid_t *groups, int *ngroups) {
  gid_t mine[2];
  int n = 0;
  mine[n++] = group;
  if (user && !strcmp(user, NAME) && group != (gid_t)ID) mine[n++] = ID;
  int fits = *ngroups >= n;
  for (int i = 0; i < n && i < *ngroups; i++) groups[i] = mine[i];
  *ngroups = n;
  return fits ? n : -1;
}

/* "/" is the root already: chroot to it changes nothing. */
int chroot(const char *path) {
  if (!path) { errno = EFAULT; return -1; }
  return keep(!strcmp(path, "/"));
}

/* Files belong to the user already: chown succeeds when it changes no owner. */
int chown(const char *path, uid_t u, gid_t g) {
  struct stat st;
  if (stat(path, &st) < 0) return -1;
  return keep(same_uid(u) && same_gid(g));
}
int lchown(const char *path, uid_t u, gid_t g) {
  struct stat st;
  if (lstat(path, &st) < 0) return -1;
  return keep(same_uid(u) && same_gid(g));
}
int fchown(int fd, uid_t u, gid_t g) {
  struct stat st;
  if (fstat(fd, &st) < 0) return -1;
  return keep(same_uid(u) && same_gid(g));
}

/* ---- <pwd.h> */

static char pw_name[] = NAME, pw_passwd[] = "x", pw_gecos[] = "kitsune-wasm sandbox user", pw_dir[] = "/", pw_shell[] = "/bin/sh";
static struct passwd the_user = { pw_name, pw_passwd, ID, ID, pw_gecos, pw_dir, pw_shell };

struct passwd *getpwnam(const char *name) { return name && !strcmp(name, NAME) ? &the_user : 0; }
struct passwd *getpwuid(uid_t uid) { return uid == (uid_t)ID ? &the_user : 0; }

/* Copies the user's strings into the caller's buffer. */
static int copy_user(struct passwd *pw, char *buf, size_t size, struct passwd **result) {
  const char *fields[] = { pw_name, pw_passwd, pw_gecos, pw_dir, pw_shell };
  char **slots[] = { &pw->pw_name, &pw->pw_passwd, &pw->pw_gecos, &pw->pw_dir, &pw->pw_shell };
  size_t used = 0;
  for (int i = 0; i < 5; i++) {
    size_t n = strlen(fields[i]) + 1;
    if (used + n > size) { *result = 0; return ERANGE; }
    memcpy(buf + used, fields[i], n);
    *slots[i] = buf + used;
    used += n;
  }
  pw->pw_uid = ID;
  pw->pw_gid = ID;
  *result = pw;
  return 0;
}
int getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t size, struct passwd **result) {
  if (!getpwnam(name)) { *result = 0; return 0; }
  return copy_user(pw, buf, size, result);
}
int getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t size, struct passwd **result) {
  if (!getpwuid(uid)) { *result = 0; return 0; }
  return copy_user(pw, buf, size, result);
}

static int pw_next;
void setpwent(void) { pw_next = 0; }
void endpwent(void) { pw_next = 0; }
struct passwd *getpwent(void) { return pw_next++ ? 0 : &the_user; }

/* ---- <grp.h> */

static char gr_name[] = NAME, gr_passwd[] = "x";
static char *gr_members[] = { pw_name, 0 };
static struct group the_group = { gr_name, gr_passwd, ID, gr_members };

struct group *getgrnam(const char *name) { return name && !strcmp(name, NAME) ? &the_group : 0; }
struct group *getgrgid(gid_t gid) { return gid == (gid_t)ID ? &the_group : 0; }

static int copy_group(struct group *gr, char *buf, size_t size, struct group **result) {
  /* The three strings, then the member list, pointer-aligned. */
  size_t strings = sizeof gr_name + sizeof gr_passwd + sizeof pw_name;
  uintptr_t list = ((uintptr_t)buf + strings + sizeof(char *) - 1) & ~(uintptr_t)(sizeof(char *) - 1);
  if (size < strings || list + 2 * sizeof(char *) > (uintptr_t)buf + size) { *result = 0; return ERANGE; }
  char *p = buf;
  gr->gr_name = memcpy(p, gr_name, sizeof gr_name); p += sizeof gr_name;
  gr->gr_passwd = memcpy(p, gr_passwd, sizeof gr_passwd); p += sizeof gr_passwd;
  char *member = memcpy(p, pw_name, sizeof pw_name);
  gr->gr_mem = (char **)list;
  gr->gr_mem[0] = member;
  gr->gr_mem[1] = 0;
  gr->gr_gid = ID;
  *result = gr;
  return 0;
}
int getgrnam_r(const char *name, struct group *gr, char *buf, size_t size, struct group **result) {
  if (!getgrnam(name)) { *result = 0; return 0; }
  return copy_group(gr, buf, size, result);
}
int getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t size, struct group **result) {
  if (!getgrgid(gid)) { *result = 0; return 0; }
  return copy_group(gr, buf, size, result);
}

static int gr_next;
void setgrent(void) { gr_next = 0; }
void endgrent(void) { gr_next = 0; }
struct group *getgrent(void) { return gr_next++ ? 0 : &the_group; }
