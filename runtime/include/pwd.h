/*
 * kitsune-wasm POSIX overlay: <pwd.h>, absent from wasi-libc. The sandbox has
 * one user: "kitsune", uid 1000, gid 1000 (getuid, geteuid, getgid and
 * getegid agree), home "/", shell "/bin/sh". Lookups of any other name or id
 * find nothing (NULL, errno unchanged), as for an unknown user on Linux.
 */
#ifndef KITSUNE_POSIX_PWD_H
#define KITSUNE_POSIX_PWD_H
#include <sys/types.h>
#include <stdio.h>
#ifdef __cplusplus
extern "C" {
#endif

struct passwd {
  char *pw_name;
  char *pw_passwd;
  uid_t pw_uid;
  gid_t pw_gid;
  char *pw_gecos;
  char *pw_dir;
  char *pw_shell;
};

struct passwd *getpwnam(const char *);
struct passwd *getpwuid(uid_t);
int getpwnam_r(const char *, struct passwd *, char *, size_t, struct passwd **);
int getpwuid_r(uid_t, struct passwd *, char *, size_t, struct passwd **);
void setpwent(void);
void endpwent(void);
struct passwd *getpwent(void);

#ifdef __cplusplus
}
#endif
#endif
