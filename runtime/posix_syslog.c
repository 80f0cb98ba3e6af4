/*
 * <syslog.h> for programs built with kitsune-wasm: the sandbox has no system
 * log, so each message goes to stderr (the runner's) as one line,
 * "IDENT[PID]: LEVEL: message", filtered by setlogmask. %m is
 * strerror(errno), as in syslog(3).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

extern char *__progname;

static const char *log_ident;
static int log_options;
static int log_mask = 0xff;

void openlog(const char *ident, int options, int facility) {
  (void)facility;
  log_ident = ident;
  log_options = options;
}
void closelog(void) { log_ident = 0; log_options = 0; }
int setlogmask(int mask) {
  int old = log_mask;
  if (mask) log_mask = mask;
  return old;
}

static const char *const levels[] = { "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug" };

void vsyslog(int priority, const char *format, va_list ap) {
  if (!(log_mask & LOG_MASK(LOG_PRI(priority)))) return;
  int saved = errno;
  /* %m first: the rest of the format is vfprintf's. */
  char fmt[1024];
  size_t o = 0;
  for (const char *f = format; *f && o < sizeof fmt - 1; f++) {
    if (f[0] == '%' && f[1] == '%') { if (o + 2 >= sizeof fmt) break; fmt[o++] = '%'; fmt[o++] = '%'; f++; continue; }
    if (f[0] == '%' && f[1] == 'm') {
      const char *e = strerror(saved);
      for (; *e && o < sizeof fmt - 1; e++) fmt[o++] = *e == '%' ? '?' : *e;
      f++;
      continue;
    }
    fmt[o++] = *f;
  }
  fmt[o] = 0;
  const char *ident = log_ident ? log_ident : (__progname && *__progname ? __progname : "syslog");
  char line[2048];
  int n = snprintf(line, sizeof line, "%s[%d]: %s: ", ident, (int)getpid(), levels[LOG_PRI(priority)]);
  if (n < 0) n = 0;
  if ((size_t)n < sizeof line) vsnprintf(line + n, sizeof line - n, fmt, ap);
  size_t len = strlen(line);
  while (len && line[len - 1] == '\n') line[--len] = 0;
  fprintf(stderr, "%s\n", line);
  fflush(stderr);
  errno = saved;
}

void syslog(int priority, const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  vsyslog(priority, format, ap);
  va_end(ap);
}
