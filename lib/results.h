/* The results file: one JSON document per run, schema "llmbench/1" (doc/results-schema.md).
 *
 * Writing: rank 0 writes the whole document after every phase through a temporary file in the
 * same directory, fsync and rename, so a crash leaves the last finished phase on disk.  The first
 * write uses link(2), which never replaces an existing file, so a run never overwrites another.
 *
 * Reading: llmb_results_load() parses a file and checks the schema version and the run-level
 * fields; the llmb_j*() getters check one member each.  Every error is one line on stderr naming
 * the file, the JSON path of the bad field and what was expected, e.g.
 *   llmbench-report: runs/a.json: world.rank_node[3]: expected an integer in [0, 1], found -1 */
#ifndef LLMB_RESULTS_H
#define LLMB_RESULTS_H

#include <jansson.h>
#include <stddef.h>

#define LLMB_SCHEMA "llmbench/1"

/* mkdir -p; 0 or -1 (message printed; llmb_mkdir_p_why: the message into why instead). */
int llmb_mkdir_p(const char *dir);
int llmb_mkdir_p_why(const char *dir, char *why, size_t len);

/* Write doc to dir/name atomically: into a temporary file, synced, then LLMB_WRITE_FIRST: the
 * file must not exist yet (link(2)); otherwise it is replaced by rename(2).  LLMB_WRITE_LAST: a
 * last write that may be killed at any moment (a signal's, SIGKILL a second later): renamed as
 * soon as written, synced after, so that a kill during fsync still leaves the new file.  0, or
 * -1 with a message naming the path and errno. */
#define LLMB_WRITE_FIRST 1
#define LLMB_WRITE_LAST 2
int llmb_results_write(const json_t *doc, const char *dir, const char *name, int flags);

/* Every file carries a checksum of its content (member "checksum", written last: FNV-1a 64 of
 * the compact document without it).  1 when it matches, 0 when the file has none (written
 * before checksums), -1 after a warning naming the file (edited or damaged: still readable). */
int llmb_results_checksum_ok(const char *path, const json_t *doc);

/* Parse and check a results file (a checksum mismatch is warned about, not refused).
 * Returns a new reference, or NULL after printing one line. */
json_t *llmb_results_load(const char *path);

/* A JSON string of text from outside (argv, host names, /proc): json_string(), or when the text
 * is not valid UTF-8 (jansson refuses it) a copy with every byte >= 0x80 replaced by '?'.
 * NULL text gives JSON null.  New reference. */
json_t *llmb_json_str(const char *text);

/* A time in seconds measured on the monotonic clock, with the digits it carries: rounded to
 * whole nanoseconds (the clock's resolution), so that 6.21e-07 is not written 6.20999998e-07.
 * Not finite: JSON null.  New reference. */
json_t *llmb_json_seconds(double s);

/* Limits of the reader, checked on the text before it is parsed, so that no file makes the
 * reader allocate or work without bound: its size, its nesting depth, and the memory jansson
 * would take to hold it, estimated from the text: about LLMB_PARSE_VALUE_B bytes a value (an
 * array element, a member) and LLMB_PARSE_OBJECT_B more an object (its hash table).  A results
 * file of 10^4 ranks and 100 steps holds about 5 million values and 3 * 10^5 objects (340 MB). */
#define LLMB_RESULTS_MAX_BYTES (256UL << 20)
#define LLMB_RESULTS_MAX_DEPTH 64
#define LLMB_RESULTS_MAX_PARSE (512UL << 20)
#define LLMB_PARSE_VALUE_B 48
#define LLMB_PARSE_OBJECT_B 320

/* 1 when the UTF-8 character at s is a control character: C0 and DEL, C1 (U+0080-U+009F), the
 * bidirectional controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069: they reorder
 * what a terminal or an editor shows, "Trojan Source", CVE-2021-42574) and the line and
 * paragraph separators U+2028, U+2029; else 0 (also for bytes that are not UTF-8). */
int llmb_unicode_ctl(const char *s);

/* in with its control characters (llmb_unicode_ctl) and bytes that are not UTF-8 made
 * visible: \n \r \t, \xHH or \uHHHH; into out (len bytes), cut at a character boundary.
 * One line of printable text, shown in the order it is stored, whatever a results file holds.
 * Returns out. */
char *llmb_escape_ctl(const char *in, char *out, size_t len);

/* Copy src into dst (len bytes) like llmb_strlcpy, but cut at a UTF-8 character boundary (a
 * cut never leaves half a character).  NULL src gives "".  Returns 0, or 1 when cut. */
int llmb_utf8_cpy(char *dst, const char *src, size_t len);

/* Print "<file>: <path>: <message>" (path may be NULL or ""), its control characters escaped
 * (llmb_escape_ctl): always one line.  Always returns -1. */
int llmb_results_error(const char *file, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Build "parent.key" or "parent[i]" into buf; returns buf. */
const char *llmb_jpath_key(char *buf, size_t len, const char *parent, const char *key);
const char *llmb_jpath_index(char *buf, size_t len, const char *parent, size_t i);

/* Member `key` of object `obj` (at JSON path `path` in `file`) with the given jansson type
 * (JSON_OBJECT, JSON_ARRAY, JSON_STRING, JSON_INTEGER, JSON_REAL = any number, JSON_TRUE = any
 * boolean).  Missing: NULL, with a message only when required.  Wrong type: NULL with a message,
 * and *bad (if given) set to 1. */
json_t *llmb_jget(const char *file, const char *path, json_t *obj, const char *key, int type,
                  int required, int *bad);

/* A number in [lo, hi] (finite).  Returns 0, 1 when absent or null and !required, -1 after a
 * message (missing and required, wrong type, out of range). */
int llmb_jnum(const char *file, const char *path, json_t *obj, const char *key, double lo,
              double hi, int required, double *out);

/* An array of numbers in [lo, hi]; *out is malloc'd (free it), *n its length.  Same returns. */
int llmb_jnum_array(const char *file, const char *path, json_t *obj, const char *key, double lo,
                    double hi, int required, double **out, size_t *n);

#endif
