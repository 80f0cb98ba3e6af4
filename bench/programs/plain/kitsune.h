/* Stands in for kitsune.h in the plain builds (-DPLAIN -I.../plain): the same
 * libc headers, and update points that compile to nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#define kitsune_update(point) ((void)0)
