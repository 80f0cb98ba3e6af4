/*
 * Kitsune's log (ktlog.h): kitsune_log writes a line to /tmp/kitsune/APP.PID,
 * APP being the program's name (argv[0] without its folders, or what
 * kitsune_logging_init names), as Kitsune's log.c does. The file belongs to
 * the process: it is opened once, in the runtime, and every version writes
 * to it. In the sandbox it needs `--dir /tmp/kitsune`; without the grant the
 * log goes to stderr when KITSUNE_LOG is set in the program's environment,
 * and nowhere otherwise (the refusal is reported once, naming the grant).
 */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

static const char log_dir[] = "/tmp/kitsune";
static FILE *log_file;
static int log_state; /* 0: not opened yet; 1: log_file; -1: stderr or nothing */
static char app_name[128];

/* Kitsune's naming: the basename, cut at ".so". */
static void set_name(const char *raw) {
  char copy[256];
  snprintf(copy, sizeof copy, "%s", raw ? raw : "program");
  char *so = strstr(copy, ".so");
  if (so) *so = 0;
  snprintf(app_name, sizeof app_name, "%s", basename(copy));
}

/* argv[0], read from WASI: the runtime does not see main's arguments. */
static void name_from_argv0(void) {
  __wasi_size_t argc = 0, size = 0;
  if (__wasi_args_sizes_get(&argc, &size) || !argc) { set_name(0); return; }
  char **argv = malloc(sizeof *argv * (argc + 1));
  char *buf = malloc(size);
  if (argv && buf && !__wasi_args_get((uint8_t **)argv, (uint8_t *)buf)) set_name(argv[0]);
  else set_name(0);
  free(argv);
  free(buf);
}

static void open_log(void) {
  if (log_state) return;
  log_state = -1;
  if (!app_name[0]) name_from_argv0();
  if (getenv("KITSUNE_LOG")) return; /* asked for on stderr */
  if (mkdir(log_dir, 0700) < 0 && errno != EEXIST) return;
  char path[256];
  snprintf(path, sizeof path, "%s/%s.%d", log_dir, app_name, (int)getpid());
  log_file = fopen(path, "a");
  if (log_file) { setvbuf(log_file, 0, _IOLBF, 0); log_state = 1; }
}

int kitsune_logging_init(const char *app) {
  if (!log_state && app) set_name(app);
  open_log();
  return 1;
}

void kitsune_log(const char *fmt, ...) {
  open_log();
  FILE *out = log_state == 1 ? log_file : getenv("KITSUNE_LOG") ? stderr : 0;
  if (!out) return;
  va_list ap;
  va_start(ap, fmt);
  if (out == stderr) fputs("kitsune log: ", out);
  vfprintf(out, fmt, ap);
  if (!*fmt || fmt[strlen(fmt) - 1] != '\n') fputc('\n', out);
  va_end(ap);
  fflush(out);
}
