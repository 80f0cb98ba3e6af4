/*
 * Time zones, for programs built with kitsune-wasm. wasi-libc ships musl's
 * time code with its zone lookup (__tz.c) cut down to UTC; the runtime links
 * libc without that file (compiler/build-runtime.ts) and defines its three
 * symbols here, so that localtime, localtime_r, mktime and strftime follow
 * the zone that TZ names in POSIX form: "EST5EDT", "CET-1CEST,M3.5.0,M10.5.0/3",
 * "<+0530>-5:30", "NZST-12NZDT,M9.5.0,M4.1.0/3", "IST-2IDT,M3.4.4/26,M10.5.0".
 * There are no zone files in the sandbox: a TZ that is a file name
 * (":Europe/Paris", "Europe/Paris") or unset means UTC. The rules follow
 * musl's __tz.c, which this replaces.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char __utc[] = "UTC";

char *tzname[2] = { (char *)__utc, (char *)__utc };
long timezone;
int daylight;

#define NAME_MAX_LEN 15
static char std_name[NAME_MAX_LEN + 1], dst_name[NAME_MAX_LEN + 1];
/* Seconds west of UTC, as POSIX counts: EST5 is 18000. */
static long dst_offset;
/* A rule: kind 'J' (day 1..365, no Feb 29), 'N' (day 0..365), 'M' (month, week, weekday); then the seconds after midnight. */
struct rule { int kind, a, b, c; long time; };
static struct rule rules[2];
static char cached[256];
static int cached_set;

static long long floor_div(long long a, long long b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }
/* Leap years in [1, year], proleptic Gregorian (negative years count back). */
static long long leaps(long long year) { return floor_div(year, 4) - floor_div(year, 100) + floor_div(year, 400); }
static long long year_to_secs(long long year, int *leap) {
  *leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return (365 * (year - 1970) + leaps(year - 1) - leaps(1969)) * 86400;
}

static int days_in_month(int m, int leap) {
  static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  return m == 2 && leap ? 29 : d[m - 1];
}

static long long rule_to_secs(const struct rule *r, long long year) {
  int leap;
  long long t = year_to_secs(year, &leap);
  if (r->kind == 'J') t += 86400LL * (r->a - 1 + (leap && r->a >= 60));
  else if (r->kind == 'N') t += 86400LL * r->a;
  else {
    int m = r->a, n = r->b, d = r->c;
    for (int i = 1; i < m; i++) t += 86400LL * days_in_month(i, leap);
    long long day = t / 86400;
    int wday = (int)(((day + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
    int days = d - wday;
    if (days < 0) days += 7;
    if (n == 5 && days + 28 >= days_in_month(m, leap)) n = 4;
    t += 86400LL * (days + 7 * (n - 1));
  }
  return t + r->time;
}

/* Parsers advance *p and return 0 when the text is not what they expect. */
static int parse_name(const char **p, char *out) {
  const char *s = *p;
  size_t n = 0;
  if (*s == '<') {
    for (s++; *s && *s != '>'; s++) if (n < NAME_MAX_LEN) out[n++] = *s;
    if (*s != '>') return 0;
    s++;
  } else {
    for (; isalpha((unsigned char)*s); s++) if (n < NAME_MAX_LEN) out[n++] = *s;
  }
  out[n] = 0;
  if (n < 3) return 0;
  *p = s;
  return 1;
}
static int parse_number(const char **p, long *out) {
  const char *s = *p;
  if (!isdigit((unsigned char)*s)) return 0;
  long v = 0;
  while (isdigit((unsigned char)*s)) v = v * 10 + (*s++ - '0');
  *out = v;
  *p = s;
  return 1;
}
/* [+-]hh[:mm[:ss]] in seconds. */
static int parse_time(const char **p, long *out) {
  const char *s = *p;
  int sign = 1;
  if (*s == '+' || *s == '-') sign = *s++ == '-' ? -1 : 1;
  long h, m = 0, sec = 0;
  if (!parse_number(&s, &h)) return 0;
  if (*s == ':') { s++; if (!parse_number(&s, &m)) return 0; if (*s == ':') { s++; if (!parse_number(&s, &sec)) return 0; } }
  *out = sign * (h * 3600 + m * 60 + sec);
  *p = s;
  return 1;
}
static int parse_rule(const char **p, struct rule *r) {
  const char *s = *p;
  long a, b = 0, c = 0;
  if (*s == 'J') { s++; if (!parse_number(&s, &a) || a < 1 || a > 365) return 0; r->kind = 'J'; }
  else if (*s == 'M') {
    s++;
    if (!parse_number(&s, &a) || *s++ != '.' || !parse_number(&s, &b) || *s++ != '.' || !parse_number(&s, &c)) return 0;
    if (a < 1 || a > 12 || b < 1 || b > 5 || c > 6) return 0;
    r->kind = 'M';
  } else { if (!parse_number(&s, &a) || a > 365) return 0; r->kind = 'N'; }
  r->a = (int)a; r->b = (int)b; r->c = (int)c;
  r->time = 7200;
  if (*s == '/') { s++; if (!parse_time(&s, &r->time)) return 0; }
  *p = s;
  return 1;
}

static void set_utc(void) {
  tzname[0] = tzname[1] = (char *)__utc;
  timezone = 0;
  daylight = 0;
  dst_offset = 0;
}

/* Reads TZ again when it changed since the last call. */
static void load_zone(void) {
  const char *tz = getenv("TZ");
  if (!tz) tz = "";
  if (cached_set && !strncmp(tz, cached, sizeof cached - 1)) return;
  strncpy(cached, tz, sizeof cached - 1);
  cached_set = 1;
  const char *s = tz;
  long std, dst;
  if (!parse_name(&s, std_name) || !parse_time(&s, &std)) { set_utc(); return; }
  timezone = std;
  tzname[0] = std_name;
  tzname[1] = std_name;
  daylight = 0;
  dst_offset = std;
  if (!*s) return;
  if (!parse_name(&s, dst_name)) { set_utc(); return; }
  dst = std - 3600;
  if (*s && *s != ',' && !parse_time(&s, &dst)) { set_utc(); return; }
  /* Without rules, the US rules, as glibc and musl assume. */
  struct rule r0 = { 'M', 3, 2, 0, 7200 }, r1 = { 'M', 11, 1, 0, 7200 };
  if (*s == ',') {
    s++;
    if (!parse_rule(&s, &r0) || *s++ != ',' || !parse_rule(&s, &r1) || *s) { set_utc(); return; }
  } else if (*s) { set_utc(); return; }
  rules[0] = r0;
  rules[1] = r1;
  tzname[1] = dst_name;
  daylight = 1;
  dst_offset = dst;
}

void tzset(void) { load_zone(); }

/*
 * The zone at `t`: seconds since the epoch in UTC, or in local wall time
 * when `local` (mktime). musl's interface, called by localtime_r and mktime.
 */
void __secs_to_zone(long long t, int local, int *isdst, long *offset, long *oppoff, const char **zonename) {
  load_zone();
  if (daylight) {
    int leap;
    long long y = t / 31556952 + 1970;
    while (year_to_secs(y, &leap) > t) y--;
    while (year_to_secs(y + 1, &leap) <= t) y++;
    long long t0 = rule_to_secs(&rules[0], y), t1 = rule_to_secs(&rules[1], y);
    if (!local) { t0 += timezone; t1 += dst_offset; }
    int in_dst = t0 < t1 ? (t >= t0 && t < t1) : !(t >= t1 && t < t0);
    if (in_dst) {
      *isdst = 1;
      *offset = -dst_offset;
      if (oppoff) *oppoff = -timezone;
      *zonename = tzname[1];
      return;
    }
  }
  *isdst = 0;
  *offset = -timezone;
  if (oppoff) *oppoff = -dst_offset;
  *zonename = tzname[0];
}

/* strftime's %Z: the tm's own zone name when it is one of ours. */
const char *__tm_to_tzname(const struct tm *tm) {
  const char *p = tm->__tm_zone;
  load_zone();
  if (p != __utc && p != tzname[0] && p != tzname[1]) p = tm->tm_isdst > 0 ? tzname[1] : tzname[0];
  return p;
}
