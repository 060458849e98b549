/* Results file: atomic write/read round trip, no overwrite, and reader errors that name the
 * file and the JSON path. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <setjmp.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "error.h"
#include "results.h"

static char dir[256];
static char msg[2048];

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "%s/llmb-results-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int teardown(void **state)
{
    return nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static json_t *sample(void)
{
    return json_pack("{s:s, s:s, s:{s:i, s:i, s:[i,i,i], s:[s,s]}, s:{s:{s:f}}}",
                     "schema", LLMB_SCHEMA, "run_id", "r1", "world", "ranks", 3, "nodes", 2,
                     "rank_node", 0, 0, 1, "node_names", "a", "b", "phases", "comm", "x", 1.5);
}

static void write_text(const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static json_t *load(const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    llmb_error_capture(msg, sizeof msg);
    json_t *d = llmb_results_load(p);
    llmb_error_capture(NULL, 0);
    return d;
}

static void test_round_trip(void **state)
{
    json_t *doc = sample();
    assert_int_equal(llmb_results_write(doc, dir, "run.json", 1), 0);
    json_t *back = load("run.json");
    assert_non_null(back);
    assert_int_equal(llmb_results_checksum_ok("run.json", back), 1);
    json_object_del(back, "checksum");
    assert_true(json_equal(doc, back));
    /* a later phase replaces the file atomically */
    json_object_set_new(json_object_get(doc, "phases"), "train", json_object());
    assert_int_equal(llmb_results_write(doc, dir, "run.json", 0), 0);
    json_decref(back);
    back = load("run.json");
    assert_non_null(json_object_get(json_object_get(back, "phases"), "train"));
    json_decref(back);
    json_decref(doc);
}

/* A file changed after it was written is read, with a warning naming it. */
static void test_checksum_mismatch(void **state)
{
    json_t *doc = sample();
    assert_int_equal(llmb_results_write(doc, dir, "edited.json", 1), 0);
    char p[512];
    snprintf(p, sizeof p, "%s/edited.json", dir);
    FILE *f = fopen(p, "r+");
    assert_non_null(f);
    char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    char *at = strstr(text, "\"run_id\":\"");
    assert_non_null(at);
    at[strlen("\"run_id\":\"")] ^= 1; /* one bit of the run id */
    rewind(f);
    fwrite(text, 1, n, f);
    fclose(f);
    msg[0] = '\0';
    json_t *back = load("edited.json");
    assert_non_null(back);
    assert_non_null(strstr(msg, "checksum mismatch"));
    assert_non_null(strstr(msg, "edited.json"));
    json_decref(back);
    /* a file without a checksum (written before them) reads without a warning */
    write_text("old.json", "{\"schema\": \"llmbench/1\", \"run_id\": \"x\", \"phases\": {}, "
                           "\"world\": {\"ranks\": 1, \"nodes\": 1, \"rank_node\": [0], "
                           "\"node_names\": [\"a\"]}}");
    msg[0] = '\0';
    back = load("old.json");
    if (back)
        assert_int_equal(llmb_results_checksum_ok("old.json", back), 0);
    json_decref(back);
    json_decref(doc);
}

static void test_never_overwrites(void **state)
{
    json_t *doc = sample();
    write_text("taken.json", "precious");
    llmb_error_capture(msg, sizeof msg);
    assert_int_equal(llmb_results_write(doc, dir, "taken.json", 1), -1);
    llmb_error_capture(NULL, 0);
    assert_non_null(strstr(msg, "taken.json"));
    char p[512], buf[32] = "";
    snprintf(p, sizeof p, "%s/taken.json", dir);
    FILE *f = fopen(p, "r");
    assert_non_null(fgets(buf, sizeof buf, f));
    fclose(f);
    assert_string_equal(buf, "precious");
    json_decref(doc);
}

static void test_unwritable_dir(void **state)
{
    json_t *doc = sample();
    llmb_error_capture(msg, sizeof msg);
    assert_int_equal(llmb_results_write(doc, "/nonexistent/dir", "x.json", 1), -1);
    llmb_error_capture(NULL, 0);
    assert_non_null(strstr(msg, "/nonexistent/dir"));
    json_decref(doc);
}

/* Each malformed file is refused with the file name, the JSON path and what was expected. */
static void expect_refused(const char *text, const char *path_words, const char *expect_words)
{
    write_text("bad.json", text);
    json_t *d = load("bad.json");
    assert_null(d);
    assert_non_null(strstr(msg, "bad.json"));
    if (path_words)
        assert_non_null(strstr(msg, path_words));
    if (expect_words)
        assert_non_null(strstr(msg, expect_words));
}

static void test_reader_errors(void **state)
{
    expect_refused("{\"schema\": \"llmbench/1\", \"run_id\": \"r\", \"phases\": {}, \"world\":", NULL, "not valid JSON");
    expect_refused("[1,2]", NULL, "object at the top level");
    expect_refused("{\"run_id\": \"r\"}", "schema", "missing");
    expect_refused("{\"schema\": \"llmbench/2\", \"run_id\": \"r\", \"phases\": {}}", "schema", "unsupported");
    expect_refused("{\"schema\": \"llmbench/1\", \"run_id\": 5, \"phases\": {}}", "run_id", "expected a string");
    expect_refused("{\"schema\": \"llmbench/1\", \"run_id\": \"r\", \"phases\": {}, \"world\": "
                   "{\"ranks\": 2, \"nodes\": 1, \"rank_node\": [0], \"node_names\": [\"a\"]}}",
                   "world.rank_node", "one per rank");
    expect_refused("{\"schema\": \"llmbench/1\", \"run_id\": \"r\", \"phases\": {}, \"world\": "
                   "{\"ranks\": 2, \"nodes\": 1, \"rank_node\": [0, 3], \"node_names\": [\"a\"]}}",
                   "world.rank_node[1]", "[0, 0]");
    expect_refused("{\"schema\": \"llmbench/1\", \"run_id\": \"r\", \"phases\": {}, \"world\": "
                   "{\"ranks\": -2, \"nodes\": 1, \"rank_node\": [], \"node_names\": []}}",
                   "world.ranks", "found -2");
    expect_refused("{\"schema\": \"llmbench/1\", \"run_id\": \"r\", \"phases\": {}, \"world\": "
                   "{\"ranks\": 1e999, \"nodes\": 1}}", NULL, NULL);
    expect_refused("", NULL, NULL);
}

static void test_getters(void **state)
{
    json_t *o = json_pack("{s:[f,f,s], s:f}", "a", 1.0, 2.0, "x", "n", -1.0);
    double *v;
    size_t n;
    double x;
    llmb_error_capture(msg, sizeof msg);
    assert_int_equal(llmb_jnum_array("f.json", "top", o, "a", 0, 10, 1, &v, &n), -1);
    assert_non_null(strstr(msg, "top.a[2]"));
    assert_int_equal(llmb_jnum("f.json", "top", o, "n", 0, 10, 1, &x), -1);
    assert_non_null(strstr(msg, "found -1"));
    assert_int_equal(llmb_jnum("f.json", "top", o, "absent", 0, 10, 0, &x), 1);
    assert_int_equal(llmb_jnum("f.json", "top", o, "absent", 0, 10, 1, &x), -1);
    assert_non_null(strstr(msg, "top.absent: missing"));
    llmb_error_capture(NULL, 0);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checksum_mismatch),
        cmocka_unit_test(test_round_trip),     cmocka_unit_test(test_never_overwrites),
        cmocka_unit_test(test_unwritable_dir), cmocka_unit_test(test_reader_errors),
        cmocka_unit_test(test_getters),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
