/*
 * kitsune-wasm POSIX overlay: struct dirent as Linux lays it out, with room
 * for a name of NAME_MAX bytes, so that `struct dirent entry;` works with
 * readdir_r. wasi-libc's own header (included by its <dirent.h>, which this
 * one shadows) ends in a flexible d_name[]; the members sit at the same
 * offsets, so what readdir returns reads the same.
 */
#ifndef __wasilibc___struct_dirent_h
#define __wasilibc___struct_dirent_h

#include <__typedef_ino_t.h>

#define _DIRENT_HAVE_D_TYPE

struct dirent {
  ino_t d_ino;
  unsigned char d_type;
  char d_name[256];
};

#endif
