/* Small helpers shared by every program: number and size parsing, clocks, formatting. */
#ifndef LLMB_UTIL_H
#define LLMB_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Parse a byte size: digits with an optional K, M or G suffix (1024-based, nccl-tests style),
 * optionally followed by "B" or "iB" ("64K", "1MiB", "256M", "8").  Returns 0, or -1 when the
 * text is not a size or overflows (nothing printed). */
int llmb_parse_size(const char *text, size_t *bytes);

/* Parse "MIN:MAX[:FACTOR]" (sizes as above, FACTOR an integer >= 2, default 2).
 * Returns 0, or -1 with a reason in why (nothing printed). */
int llmb_parse_size_range(const char *text, size_t *min, size_t *max, unsigned *factor,
                          const char **why);

/* Strict integer / double parsing of a whole string; -1 when not a number or out of [lo, hi]. */
int llmb_parse_long(const char *text, long lo, long hi, long *out);
int llmb_parse_double(const char *text, double lo, double hi, double *out);

/* "1.5 KiB", "64 MiB", "8 B" into buf; returns buf. */
const char *llmb_format_size(size_t bytes, char *buf, size_t len);

/* Monotonic seconds (CLOCK_MONOTONIC). */
double llmb_now_s(void);

/* Current UTC time as ISO 8601 ("2026-11-27T22:44:17Z") or compact ("20261127T224417Z"). */
void llmb_utc_iso(char *buf, size_t len);
void llmb_utc_compact(char *buf, size_t len);

/* splitmix64: the seeded generator used for every synthetic input. */
uint64_t llmb_splitmix64(uint64_t *state);

/* names[0..n) joined by sep into buf (cut to len - 1 bytes, always terminated); returns buf. */
const char *llmb_join(const char *const *names, int n, const char *sep, char *buf, size_t len);

/* Is `name` in the comma-separated `list`?  Returns its index or -1. */
int llmb_list_index(const char *const *names, int n, const char *name);

/* Copy at most len-1 bytes and terminate; returns -1 when truncated. */
int llmb_strlcpy(char *dst, const char *src, size_t len);

/* Read the whole of path (a regular file or a pipe, not a directory) into *text (malloc'd,
 * NUL-terminated; the caller frees it), *n bytes, at most max_bytes.  0, or the reason it could
 * not, with errno in *err; nothing is printed (the caller names the file its own way).
 * LLMB_READ_TOO_BIG: *n is the size fstat gave, 0 when the file grew past max_bytes while read
 * (or is a pipe). */
enum { LLMB_READ_OPEN = 1, LLMB_READ_DIR, LLMB_READ_TOO_BIG, LLMB_READ_IO };
int llmb_read_file(const char *path, size_t max_bytes, char **text, size_t *n, int *err);

#endif
