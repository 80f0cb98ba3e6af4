/* Hand-written transformers in the style of Kitsune's xfgen output
 * (kitsune-core tests/alloctrack-autoxf): closures from transform.h, and the
 * allocation tracker to move a pointer into the middle of a block. */
#define E_NOANNOT
#include <kitsune.h>
#include <transform.h>
#include <string.h>

struct _kitsune_old_rename_range { long start; long end; };
struct _kitsune_new_rename_range { long start; long end; long width; };

/* Its one generic argument is the closure for the bounds (XF_CLOSURE below). */
void _kitsune_transform_struct_range_to_struct_range(void *arg_in, void *arg_out, int num_args, void **args) {
  struct _kitsune_old_rename_range *in = arg_in;
  struct _kitsune_new_rename_range *out = arg_out;
  if (num_args != 1) { out->width = -1; return; }
  XF_INVOKE(args[0], &in->start, &out->start);
  XF_INVOKE(args[0], &in->end, &out->end);
  out->width = in->end - in->start;
}

/* The array moves to a block of the new size (XF_LIFT would do for a transformer without arguments). */
void _kitsune_transform_ranges(void) {
  struct _kitsune_old_rename_range **in = kitsune_get_symbol_addr_old("ranges", 0, 0, 0);
  struct _kitsune_new_rename_range **out = kitsune_get_symbol_addr_new("ranges", 0, 0, 0);
  XF_INVOKE(XF_PTRARRAY(8, sizeof(struct _kitsune_old_rename_range), sizeof(struct _kitsune_new_rename_range),
                        XF_CLOSURE(_kitsune_transform_struct_range_to_struct_range, XF_DEEP,
                                   sizeof(struct _kitsune_old_rename_range), sizeof(struct _kitsune_new_rename_range),
                                   (void *)XF_RAW(sizeof(long)))),
            in, out);
}

/* A pointer into the middle of the array: the tracker finds the block it lies in, and the
 * pointer moves to the same element of that block's new copy, which takes over the record.
 * ranges is declared first, so it has been transformed by now. */
void _kitsune_transform_current(void) {
  struct _kitsune_old_rename_range **in = kitsune_get_symbol_addr_old("current", 0, 0, 0);
  struct _kitsune_new_rename_range **out = kitsune_get_symbol_addr_new("current", 0, 0, 0);
  struct _kitsune_new_rename_range **new_array = kitsune_get_symbol_addr_new("ranges", 0, 0, 0);
  alarea *block = alloctrack_lookup(*in);
  if (!block) { *out = 0; return; }
  struct _kitsune_old_rename_range *start = alareas_get_start(block);
  *out = *new_array + (*in - start);
  kitsune_migrate_alloced_track(*new_array, *new_array + 8, start);
}

/* The block grows: a new one from kitsune_calloc, the old one freed once the update commits. */
void _kitsune_transform_scratch(void) {
  int **in = kitsune_get_symbol_addr_old("scratch", 0, 0, 0);
  int **out = kitsune_get_symbol_addr_new("scratch", 0, 0, 0);
  *out = kitsune_calloc(8, sizeof(int));
  memcpy(*out, *in, 4 * sizeof(int));
  kitsune_delayedfree(*in);
}
