/*
 * kitsune-wasm POSIX overlay: <grp.h>, absent from wasi-libc. The sandbox has
 * one group: "kitsune", gid 1000, whose one member is the user "kitsune"
 * (see <pwd.h>). setgroups and initgroups succeed only when they leave the
 * groups as they are; otherwise EPERM, as for an unprivileged user on Linux.
 */
#ifndef KITSUNE_POSIX_GRP_H
#define KITSUNE_POSIX_GRP_H
#include <sys/types.h>
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif

struct group {
  char *gr_name;
  char *gr_passwd;
  gid_t gr_gid;
  char **gr_mem;
};

struct group *getgrnam(const char *);
struct group *getgrgid(gid_t);
int getgrnam_r(const char *, struct group *, char *, size_t, struct group **);
int getgrgid_r(gid_t, struct group *, char *, size_t, struct group **);
void setgrent(void);
void endgrent(void);
struct group *getgrent(void);

#if defined(_GNU_SOURCE) || defined(_BSD_SOURCE)
int getgrouplist(const char *, gid_t, gid_t *, int *);
int setgroups(size_t, const gid_t *);
int initgroups(const char *, gid_t);
#endif

#ifdef __cplusplus
}
#endif
#endif
