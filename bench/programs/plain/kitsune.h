/* Stands in for kitsune.h in the plain builds (-DPLAIN -I.../plain): the same
 * libc headers, and update points that compile to nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#define kitsune_update(point) ((void)0)
/* For the native and plain builds of programs that also migrate (the kv demo). */
#define kitsune_do_automigrate() ((void)0)
#define kitsune_is_updating() 0
