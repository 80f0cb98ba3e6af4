/* Hand-written transformers, found by name (GLOBAL_XFORM and friends); each
 * reads the old value where GET_OLD_* finds it and checks what the new
 * version's GET_NEW_* and the symbol table say. */
#include <kitsune.h>
#include <assert.h>

int twice(int);
int thrice(int);
DEF_XFORM_FUNC_PTR(map_handler, twice, thrice)

static void plus5(void *out, void *old, void *neu) {
  assert(out && old);
  assert(out == neu); /* GET_NEW_* names the variable being migrated */
  *(int *)out = *(int *)old + 5;
}

void GLOBAL_XFORM(counter)(void *out) {
  plus5(out, GET_OLD_GLOBAL(counter), GET_NEW_GLOBAL(counter));
  /* The old symbol table, both ways, and dlsym's view. */
  void *old = kitsune_lookup_key_old("counter");
  assert(old == GET_OLD_GLOBAL(counter) && old == kitsune_get_val("counter"));
  assert(!strcmp(kitsune_lookup_addr_old(old), "counter"));
  assert(!GET_OLD_GLOBAL(no_such_variable) && !kitsune_lookup_key_old("main.c/nothing"));
}
void STATIC_XFORM(main_c, hits)(void *out) { plus5(out, GET_OLD_STATIC(main.c, hits), GET_NEW_STATIC(main.c, hits)); }
void STATIC_XFORM(other_c, hits)(void *out) { plus5(out, GET_OLD_STATIC(other.c, hits), GET_NEW_STATIC(other.c, hits)); }
void LOCAL_STATIC_XFORM(main_c, main, calls)(void *out) { plus5(out, GET_OLD_LOCAL_STATIC(main.c, main, calls), GET_NEW_LOCAL_STATIC(main.c, main, calls)); }
void LOCAL_STATIC_XFORM(other_c, worker, calls)(void *out) { plus5(out, GET_OLD_LOCAL_STATIC(other.c, worker, calls), GET_NEW_LOCAL_STATIC(other.c, worker, calls)); }
void LOCAL_XFORM(main, depth)(void *out) { plus5(out, GET_OLD_LOCAL(main, depth), GET_NEW_LOCAL(main, depth)); }
void LOCAL_XFORM(worker, depth)(void *out) { plus5(out, GET_OLD_LOCAL(worker, depth), GET_NEW_LOCAL(worker, depth)); }

/* int-returning: callable through kitsune_get_xform's xform_fn_t too. */
int GLOBAL_XFORM(handler)(void *out) {
  void *old = *(void **)GET_OLD_GLOBAL(handler);
  assert(kitsune_old_address_matches("thrice", old));
  *(void **)out = map_handler(old);
  return 1;
}
