#ifndef NODE_H
#define NODE_H
/* A callback kept in a union beside its untyped view, as C programs of the
 * time did; the callback takes a void * but is given functions that take
 * nothing (gcc only warned about it). */
typedef void (*callback)(void *);
struct hook {
  void *data;
  union {
    callback fn;
    void *raw;
  } call;
  struct hook *next;
};
#endif
