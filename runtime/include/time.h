/*
 * kitsune-wasm POSIX overlay: <time.h> adds tzset() and its variables.
 * wasi-libc has no zone tables; the runtime reads the zone from TZ in
 * POSIX form ("CET-1CEST,M3.5.0,M10.5.0/3", "EST5EDT", "<+0530>-5:30"),
 * and localtime, localtime_r, mktime and strftime follow it. Without TZ
 * (or with a zone file name it cannot read) the zone is UTC.
 */
#include_next <time.h>
#ifndef KITSUNE_POSIX_TIME_H
#define KITSUNE_POSIX_TIME_H
#ifdef __cplusplus
extern "C" {
#endif
void tzset(void);
#if defined(_POSIX_SOURCE) || defined(_POSIX_C_SOURCE) || defined(_XOPEN_SOURCE) || defined(_GNU_SOURCE) || defined(_BSD_SOURCE)
extern char *tzname[2];
#endif
#if defined(_XOPEN_SOURCE) || defined(_BSD_SOURCE) || defined(_GNU_SOURCE)
extern int daylight;
extern long timezone;
#endif
#ifdef __cplusplus
}
#endif
#endif
