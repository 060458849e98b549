#include "results.h"
#include "error.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int llmb_mkdir_p_why(const char *dir, char *why, size_t len)
{
    char buf[4096];
    if (strlen(dir) >= sizeof buf) {
        snprintf(why, len, "output directory name too long: %s", dir);
        return -1;
    }
    strcpy(buf, dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) < 0 && errno != EEXIST) {
            snprintf(why, len, "cannot create directory %s: %s", buf, strerror(errno));
            return -1;
        }
        *p = '/';
    }
    if (mkdir(buf, 0777) < 0 && errno != EEXIST) {
        snprintf(why, len, "cannot create directory %s: %s", buf, strerror(errno));
        return -1;
    }
    struct stat st;
    if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode)) {
        snprintf(why, len, "%s is not a directory", buf);
        return -1;
    }
    return 0;
}

int llmb_mkdir_p(const char *dir)
{
    char why[4200];
    return llmb_mkdir_p_why(dir, why, sizeof why) < 0 ? llmb_error("%s", why) : 0;
}

/* The document is dumped into memory once and written in a few large write(2) calls (through
 * jansson's callback a 1.3 MB file was 490,000 calls, 2.5 s on tmpfs). */
static int write_all(int fd, const char *p, size_t size)
{
    while (size > 0) {
        ssize_t w = write(fd, p, size);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        size -= (size_t)w;
    }
    return 0;
}

json_t *llmb_json_seconds(double s)
{
    if (!isfinite(s))
        return json_null();
    double ns = nearbyint(s * 1e9);
    return json_real(fabs(ns) < 9e15 ? ns / 1e9 : s);
}

/* The checksum: FNV-1a 64 of the document as this writer dumps it (compact, 9 significant
 * digits, members in their order) without its "checksum" member.  A reader that parses the file
 * and dumps it the same way gets the same bytes, unless the file was changed. */
#define LLMB_DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(9))
#define LLMB_CHECKSUM_ALGORITHM "fnv1a64 of the compact JSON of the document without this member"

/* The document's compact text without its "checksum" member (malloc'd; *len bytes) and the
 * checksum of that text in hex. */
static char *doc_text(const json_t *doc, size_t *len, char hex[17])
{
    json_t *copy = json_copy((json_t *)doc); /* shallow: the members are shared */
    if (!copy)
        return NULL;
    json_object_del(copy, "checksum");
    char *text = json_dumps(copy, LLMB_DUMP_FLAGS);
    json_decref(copy);
    if (!text)
        return NULL;
    uint64_t h = 0xcbf29ce484222325ULL;
    const unsigned char *p = (const unsigned char *)text;
    for (; *p; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    *len = (size_t)(p - (const unsigned char *)text);
    snprintf(hex, 17, "%016llx", (unsigned long long)h);
    return text;
}

static int doc_checksum(const json_t *doc, char hex[17])
{
    size_t len;
    char *text = doc_text(doc, &len, hex);
    free(text);
    return text ? 0 : -1;
}

int llmb_results_write(const json_t *doc, const char *dir, const char *name, int flags)
{
    char path[4096], tmp[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path ||
        snprintf(tmp, sizeof tmp, "%s/.%s.tmp.%ld", dir, name, (long)getpid()) >= (int)sizeof tmp)
        return llmb_error("results path too long in %s", dir);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return llmb_error("cannot create %s: %s", tmp, strerror(errno));
    /* compact: a results file is data (doc/results-schema.md); python3 -m json.tool shows it;
     * its checksum last */
    /* dumped once: the text without the checksum, less its closing brace, then the checksum
     * member and the brace: the bytes jansson writes for the document with the checksum as its
     * last member (members keep their order) */
    char hex[17], *ck_text = NULL;
    size_t len = 0;
    char *text = doc_text(doc, &len, hex);
    json_t *ck = json_pack("{s:s, s:s}", "algorithm", LLMB_CHECKSUM_ALGORITHM, "value", hex);
    int rc = text && ck && len >= 2 && text[len - 1] == '}' &&
             (ck_text = json_dumps(ck, LLMB_DUMP_FLAGS)) ? 0 : -1;
    errno = rc < 0 ? ENOMEM : 0;
    if (rc == 0)
        rc = write_all(fd, text, len - 1);
    if (rc == 0)
        rc = write_all(fd, len > 2 ? ",\"checksum\":" : "\"checksum\":", len > 2 ? 12 : 11);
    if (rc == 0)
        rc = write_all(fd, ck_text, strlen(ck_text));
    if (rc == 0 && write_all(fd, "}\n", 2) < 0)
        rc = -1;
    free(text);
    free(ck_text);
    json_decref(ck);
    int saved = errno;
    if (flags & LLMB_WRITE_LAST) { /* renamed first: a SIGKILL during fsync keeps the file */
        if (rc == 0 && rename(tmp, path) < 0) {
            saved = errno;
            close(fd);
            unlink(tmp);
            return llmb_error("cannot rename %s to %s: %s", tmp, path, strerror(saved));
        }
        if (rc == 0)
            fsync(fd); /* the file is in place whatever fsync says */
    } else if (rc == 0 && fsync(fd) < 0) {
        rc = -1;
        saved = errno;
    }
    if (close(fd) < 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    if (rc < 0) {
        unlink(tmp);
        return llmb_error("cannot write %s: %s", tmp, strerror(saved));
    }
    if (flags & LLMB_WRITE_LAST)
        return 0;
    if (flags & LLMB_WRITE_FIRST) {
        if (link(tmp, path) < 0) {
            saved = errno;
            unlink(tmp);
            return llmb_error("cannot create %s: %s", path, strerror(saved));
        }
        unlink(tmp);
    } else if (rename(tmp, path) < 0) {
        saved = errno;
        unlink(tmp);
        return llmb_error("cannot rename %s to %s: %s", tmp, path, strerror(saved));
    }
    return 0;
}

json_t *llmb_json_str(const char *text)
{
    if (!text)
        return json_null();
    json_t *s = json_string(text);
    if (s)
        return s;
    char *copy = strdup(text);
    if (!copy)
        return json_null();
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    s = json_string(copy);
    free(copy);
    return s ? s : json_null();
}

/* Length of the valid UTF-8 character at p (1 to 4), or 0 when the bytes there are not one
 * (stray continuation byte, overlong form, surrogate, beyond U+10FFFF, cut short). */
static size_t utf8_len(const unsigned char *p)
{
    unsigned c = p[0];
    size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
             : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (n <= 1)
        return n;
    unsigned cp = c & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    static const unsigned lowest[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < lowest[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

int llmb_unicode_ctl(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = utf8_len(p);
    if (n == 1)
        return *p < 0x20 || *p == 0x7f;
    if (n == 0)
        return 0;
    unsigned cp = p[0] & (0x7f >> n);
    for (size_t i = 1; i < n; i++)
        cp = cp << 6 | (p[i] & 0x3f);
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0x61c || cp == 0x200e || cp == 0x200f ||
           (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

char *llmb_escape_ctl(const char *in, char *out, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)(in ? in : "");
    size_t j = 0;
    if (len == 0)
        return out;
    while (*p) {
        char e[8];
        size_t n = utf8_len(p), el;
        if (n == 1 && *p >= 0x20 && *p != 0x7f) {
            e[0] = (char)*p, el = 1;
        } else if (n == 1) {
            const char *named = *p == '\n'   ? "\\n"
                                : *p == '\r' ? "\\r"
                                : *p == '\t' ? "\\t"
                                              : NULL;
            if (named)
                memcpy(e, named, 3), el = 2;
            else
                e[0] = '\\', e[1] = 'x', e[2] = hex[*p >> 4], e[3] = hex[*p & 15], el = 4;
        } else if (n > 1 && llmb_unicode_ctl((const char *)p)) { /* C1, bidi, separators */
            unsigned cp = p[0] & (0x7f >> n);
            for (size_t i = 1; i < n; i++)
                cp = cp << 6 | (p[i] & 0x3f);
            e[0] = '\\', e[1] = 'u', el = 6;
            for (int k = 0; k < 4; k++)
                e[2 + k] = hex[(cp >> (12 - 4 * k)) & 15];
        } else if (n == 0) { /* not UTF-8: the byte in hex */
            e[0] = '\\', e[1] = 'x', e[2] = hex[*p >> 4], e[3] = hex[*p & 15], el = 4, n = 1;
        } else {
            memcpy(e, p, n), el = n;
        }
        if (j + el >= len)
            break;
        memcpy(out + j, e, el);
        j += el;
        p += n;
    }
    out[j] = '\0';
    return out;
}

int llmb_utf8_cpy(char *dst, const char *src, size_t len)
{
    const unsigned char *p = (const unsigned char *)(src ? src : "");
    size_t j = 0;
    if (len == 0)
        return 1;
    while (p[j]) {
        size_t n = utf8_len(p + j);
        if (n == 0)
            n = 1; /* not UTF-8 (jansson never gives such a string): copied as it is */
        if (j + n >= len) {
            dst[j] = '\0';
            return 1;
        }
        memcpy(dst + j, p + j, n);
        j += n;
    }
    dst[j] = '\0';
    return 0;
}

int llmb_results_error(const char *file, const char *path, const char *fmt, ...)
{
    char msg[1536], line[2048], esc[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (path && *path)
        snprintf(line, sizeof line, "%s: %s: %s", file, path, msg);
    else
        snprintf(line, sizeof line, "%s: %s", file, msg);
    return llmb_error("%s", llmb_escape_ctl(line, esc, sizeof esc));
}

const char *llmb_jpath_key(char *buf, size_t len, const char *parent, const char *key)
{
    if (parent && *parent)
        snprintf(buf, len, "%s.%s", parent, key);
    else
        snprintf(buf, len, "%s", key);
    return buf;
}

const char *llmb_jpath_index(char *buf, size_t len, const char *parent, size_t i)
{
    snprintf(buf, len, "%s[%zu]", parent ? parent : "", i);
    return buf;
}

static const char *type_word(int type)
{
    switch (type) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE: case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    default: return "a value";
    }
}

static int type_ok(const json_t *v, int type)
{
    switch (type) {
    case JSON_REAL: return json_is_number(v);
    case JSON_TRUE: case JSON_FALSE: return json_is_boolean(v);
    default: return json_typeof(v) == (json_type)type;
    }
}

json_t *llmb_jget(const char *file, const char *path, json_t *obj, const char *key, int type,
                  int required, int *bad)
{
    char p[1024];
    llmb_jpath_key(p, sizeof p, path, key);
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (!v) {
        if (required) {
            if (bad)
                *bad = 1;
            llmb_results_error(file, p, "missing; expected %s", type_word(type));
        }
        return NULL;
    }
    if (!type_ok(v, type)) {
        if (bad)
            *bad = 1;
        llmb_results_error(file, p, "expected %s, found %s", type_word(type),
                           type_word(json_typeof(v)));
        return NULL;
    }
    return v;
}

static int check_number(const char *file, const char *p, const json_t *v, double lo, double hi,
                        double *out)
{
    if (!json_is_number(v))
        return llmb_results_error(file, p, "expected a number, found %s",
                                  type_word(json_typeof(v)));
    double x = json_number_value(v);
    if (!isfinite(x) || x < lo || x > hi)
        return llmb_results_error(file, p, "expected a number in [%g, %g], found %g", lo, hi, x);
    *out = x;
    return 0;
}

int llmb_jnum(const char *file, const char *path, json_t *obj, const char *key, double lo,
              double hi, int required, double *out)
{
    char p[1024];
    llmb_jpath_key(p, sizeof p, path, key);
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return llmb_results_error(file, p, "missing; expected a number in [%g, %g]", lo, hi);
        return 1;
    }
    return check_number(file, p, v, lo, hi, out);
}

int llmb_jnum_array(const char *file, const char *path, json_t *obj, const char *key, double lo,
                    double hi, int required, double **out, size_t *n)
{
    char p[1024], q[1100];
    llmb_jpath_key(p, sizeof p, path, key);
    *out = NULL;
    *n = 0;
    json_t *a = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (!a || json_is_null(a)) {
        if (required)
            return llmb_results_error(file, p, "missing; expected an array of numbers");
        return 1;
    }
    if (!json_is_array(a))
        return llmb_results_error(file, p, "expected an array of numbers, found %s",
                                  type_word(json_typeof(a)));
    size_t len = json_array_size(a);
    double *x = malloc((len ? len : 1) * sizeof *x);
    if (!x)
        return llmb_error("out of memory reading %s", p);
    for (size_t i = 0; i < len; i++) {
        if (check_number(file, llmb_jpath_index(q, sizeof q, p, i), json_array_get(a, i), lo, hi,
                         &x[i]) < 0) {
            free(x);
            return -1;
        }
    }
    *out = x;
    *n = len;
    return 0;
}

/* Run-level checks: schema, world.ranks, world.nodes, world.rank_node, world.node_names. */
static int check_world(const char *file, json_t *doc)
{
    json_t *world = llmb_jget(file, "", doc, "world", JSON_OBJECT, 1, NULL);
    if (!world)
        return -1;
    double ranks, nodes;
    if (llmb_jnum(file, "world", world, "ranks", 1, 1e7, 1, &ranks) != 0 ||
        llmb_jnum(file, "world", world, "nodes", 1, ranks, 1, &nodes) != 0)
        return -1;
    if (ranks != floor(ranks) || nodes != floor(nodes))
        return llmb_results_error(file, "world", "ranks and nodes must be integers");
    double *map;
    size_t n;
    if (llmb_jnum_array(file, "world", world, "rank_node", 0, nodes - 1, 1, &map, &n) != 0)
        return -1;
    free(map);
    if (n != (size_t)ranks)
        return llmb_results_error(file, "world.rank_node",
                                  "expected %.0f entries (one per rank), found %zu", ranks, n);
    json_t *names = llmb_jget(file, "world", world, "node_names", JSON_ARRAY, 1, NULL);
    if (!names)
        return -1;
    if (json_array_size(names) != (size_t)nodes)
        return llmb_results_error(file, "world.node_names",
                                  "expected %.0f names (one per node), found %zu", nodes,
                                  json_array_size(names));
    size_t i;
    json_t *v;
    json_array_foreach(names, i, v) {
        if (!json_is_string(v)) {
            char p[64];
            return llmb_results_error(file, llmb_jpath_index(p, sizeof p, "world.node_names", i),
                                      "expected a string");
        }
    }
    return 0;
}

int llmb_results_checksum_ok(const char *path, const json_t *doc)
{
    json_t *ck = json_object_get(doc, "checksum");
    const char *want = json_string_value(json_object_get(ck, "value"));
    char hex[17];
    if (!ck)
        return 0; /* written before checksums */
    if (!want || doc_checksum(doc, hex) != 0 || strcmp(hex, want) != 0) {
        llmb_warn("%s: checksum mismatch (%s recorded, %s now): the file was edited or damaged "
                  "after llmbench wrote it; reading it anyway", path, want ? want : "none",
                  want ? hex : "-");
        return -1;
    }
    return 1;
}

/* The whole file into *text (malloc'd, NUL-terminated), *n bytes: a regular file (or a pipe) of
 * at most LLMB_RESULTS_MAX_BYTES.  0, or -1 after one line. */
static int read_text(const char *path, char **text, size_t *n)
{
    int err;
    switch (llmb_read_file(path, LLMB_RESULTS_MAX_BYTES, text, n, &err)) {
    case 0:
        return 0;
    case LLMB_READ_OPEN:
        return llmb_results_error(path, NULL, "cannot open: %s", strerror(err));
    case LLMB_READ_DIR:
        return llmb_results_error(path, NULL, "is a directory, not a results file");
    case LLMB_READ_TOO_BIG:
        if (*n)
            return llmb_results_error(path, NULL, "%llu bytes: larger than the %lu MiB a "
                                      "results file may be", (unsigned long long)*n,
                                      LLMB_RESULTS_MAX_BYTES >> 20);
        return llmb_results_error(path, NULL, "larger than the %lu MiB a results file may "
                                  "be", LLMB_RESULTS_MAX_BYTES >> 20);
    default:
        return llmb_results_error(path, NULL, "cannot read: %s",
                                  err == ENOMEM ? "out of memory" : strerror(err));
    }
}

/* The top-level member "schema" seen in the text (its value as written, not unescaped). */
struct schema_seen {
    size_t key;         /* start of the string being read */
    int is_key, in_val; /* that string is a top-level key / the schema's value */
    int after_schema;   /* the last top-level key was "schema" */
    const char *val;    /* the schema's value, vlen bytes; NULL: not seen (or escaped) */
    size_t vlen;
};

/* The text's nesting depth and the memory jansson would take to hold it (its values and
 * objects, outside strings), against the reader's limits (results.h), and what can be known
 * of the document without parsing it: its top level is an object, and a top-level "schema"
 * written without escapes is LLMB_SCHEMA.  Checked before jansson builds anything (a 200 MB
 * document of another kind was parsed whole, seconds and hundreds of MB, before it was
 * refused).  0, or -1 after one line. */
static int check_shape(const char *path, const char *t, size_t n)
{
    size_t depth = 0, values = 1, objects = 0, line = 1, i = 0;
    int in_str = 0;
    char last = 0; /* the last character outside strings other than white space */
    struct schema_seen sc = {0};
    while (i < n && strchr(" \t\r\n", t[i]))
        i++;
    if (i < n && t[i] != '{')
        return llmb_results_error(path, NULL, "expected a JSON object at the top level");
    for (; i < n; i++) {
        char c = t[i];
        if (in_str) {
            if (c == '\\') {
                i++;
                sc.in_val = 0; /* escaped: left to the parse */
            } else if (c == '"') {
                in_str = 0;
                if (sc.is_key)
                    sc.after_schema = i - sc.key == 6 && memcmp(t + sc.key, "schema", 6) == 0;
                else if (sc.in_val)
                    sc.val = t + sc.key, sc.vlen = i - sc.key;
                sc.is_key = sc.in_val = 0;
            }
            continue;
        }
        if (c == '"') {
            in_str = 1;
            sc.key = i + 1;
            sc.is_key = depth == 1 && (last == '{' || last == ',');
            sc.in_val = depth == 1 && last == ':' && sc.after_schema;
        } else if (c == '\n')
            line++;
        else if (c == ',' || c == '[' || c == '{') {
            values++;
            objects += c == '{';
            if (c != ',' && ++depth > LLMB_RESULTS_MAX_DEPTH)
                return llmb_results_error(path, NULL, "nested deeper than %d levels at line "
                                          "%zu: not a results file", LLMB_RESULTS_MAX_DEPTH, line);
        } else if ((c == ']' || c == '}') && depth > 0)
            depth--;
        if (!strchr(" \t\r\n", c))
            last = c;
    }
    if (sc.val && (sc.vlen != strlen(LLMB_SCHEMA) || memcmp(sc.val, LLMB_SCHEMA, sc.vlen) != 0))
        return llmb_results_error(path, "schema", "expected \"%s\", found \"%.*s\" (unsupported "
                                  "version)", LLMB_SCHEMA, (int)(sc.vlen < 200 ? sc.vlen : 200),
                                  sc.val);
    double need = (double)values * LLMB_PARSE_VALUE_B + (double)objects * LLMB_PARSE_OBJECT_B;
    if (need > LLMB_RESULTS_MAX_PARSE)
        return llmb_results_error(path, NULL, "%zu JSON values, %zu of them objects, would take "
                                  "about %.0f MB to parse: more than the %lu MiB a results file "
                                  "may take", values, objects, need / 1e6,
                                  LLMB_RESULTS_MAX_PARSE >> 20);
    return 0;
}

json_t *llmb_results_load(const char *path)
{
    json_error_t jerr;
    char *text;
    size_t n = 0;
    if (read_text(path, &text, &n) < 0)
        return NULL;
    if (check_shape(path, text, n) < 0) {
        free(text);
        return NULL;
    }
    json_t *doc = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (!doc) {
        llmb_results_error(path, NULL, "not valid JSON at line %d, column %d: %s", jerr.line,
                           jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(doc)) {
        llmb_results_error(path, NULL, "expected a JSON object at the top level");
        json_decref(doc);
        return NULL;
    }
    json_t *schema = llmb_jget(path, "", doc, "schema", JSON_STRING, 1, NULL);
    if (!schema) {
        json_decref(doc);
        return NULL;
    }
    if (strcmp(json_string_value(schema), LLMB_SCHEMA) != 0) {
        llmb_results_error(path, "schema", "expected \"%s\", found \"%s\" (unsupported version)",
                           LLMB_SCHEMA, json_string_value(schema));
        json_decref(doc);
        return NULL;
    }
    if (!llmb_jget(path, "", doc, "run_id", JSON_STRING, 1, NULL) ||
        !llmb_jget(path, "", doc, "phases", JSON_OBJECT, 1, NULL) || check_world(path, doc) < 0) {
        json_decref(doc);
        return NULL;
    }
    llmb_results_checksum_ok(path, doc);
    return doc;
}
