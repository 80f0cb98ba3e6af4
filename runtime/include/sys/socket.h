/*
 * kitsune-wasm POSIX overlay: <sys/socket.h>. wasi-libc (wasip1) declares
 * accept, recv, send and shutdown only; the host provides the rest of TCP over
 * IPv4 and IPv6 (AF_INET, AF_INET6, SOCK_STREAM), subject to the --net grant.
 * socketpair(AF_UNIX, SOCK_STREAM) is a connected pair inside the process.
 * Constants keep wasi-libc's values (AF_INET is 1 here, not 2).
 */
#include_next <sys/socket.h>
#ifndef KITSUNE_POSIX_SYS_SOCKET_H
#define KITSUNE_POSIX_SYS_SOCKET_H
#ifdef __cplusplus
extern "C" {
#endif

#ifndef SOMAXCONN
#define SOMAXCONN 128
#endif
#ifndef SO_REUSEADDR
#define SO_REUSEADDR 2
#define SO_ERROR 4
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_LINGER 13
#define SO_REUSEPORT 15
#define SO_ACCEPTCONN 30
#define SO_RCVTIMEO 66
#define SO_SNDTIMEO 67
#endif
#ifndef MSG_DONTWAIT
#define MSG_DONTWAIT 0x0040
#endif
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0x4000
#endif
#ifndef SOL_TCP
#define SOL_TCP 6
#endif
#ifndef PF_LOCAL
#define PF_LOCAL PF_UNIX
#define AF_LOCAL AF_UNIX
#endif

int socket(int, int, int);
int connect(int, const struct sockaddr *, socklen_t);
int bind(int, const struct sockaddr *, socklen_t);
int listen(int, int);
int getsockname(int, struct sockaddr *__restrict, socklen_t *__restrict);
int getpeername(int, struct sockaddr *__restrict, socklen_t *__restrict);
ssize_t sendto(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
ssize_t recvfrom(int, void *__restrict, size_t, int, struct sockaddr *__restrict, socklen_t *__restrict);
int setsockopt(int, int, int, const void *, socklen_t);
int socketpair(int, int, int, int [2]);

#ifdef __cplusplus
}
#endif
#endif
