/* Unit tests of llmbench-import's text layer and rounding rule (import/text.c, import/emit.c):
 * the launchers' per-rank prefixes are removed at the start of a line and (mpirun
 * --tag-output) inside one, never a "[3]" that NCCL prints inside its INFO lines; a number's
 * printed precision as half its last digit; the comparison of recomputed and printed figures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import/import.h"
#include "error.h"

/* The lines of text as imp_text_read gives them (through a temporary file). */
static void read_lines(const char *text, struct imp_text *t, char *path)
{
    strcpy(path, "/tmp/test_import.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (int)strlen(text));
    close(fd);
    assert_int_equal(imp_text_read(path, t), 0);
}

static void test_prefixes(void **state)
{
    (void)state;
    struct imp_text t;
    char path[64];
    read_lines("[1,0]<stdout>:#  Rank  0 Group  0 Pid 1 on n01 device  0 [0000:18:00] X\n"
               "[1,0]<stdout>:     1024   256  float  sum  -1   63.17  0.02  0.03  0[1,0]<stdout>:"
               "   63.80  0.02  0.03  0\n"
               " 3: # Avg bus bandwidth    : 66.9\n"
               "[12] 8  2  float\n"
               "n01:51002:51020 [2] NCCL INFO Channel 00/0 : 2[2] -> 3[3] via P2P\n"
               "   8  2  float  sum  -1  1.0\n"
               "last line, cut", &t, path);
    assert_int_equal(t.n, 7);
    assert_string_equal(t.v[0].text, "#  Rank  0 Group  0 Pid 1 on n01 device  0 [0000:18:00] X");
    assert_int_equal(t.v[0].rank, 0);
    assert_string_equal(t.v[1].text, "     1024   256  float  sum  -1   63.17  0.02  0.03  0"
                        "   63.80  0.02  0.03  0");
    assert_string_equal(t.v[2].text, "# Avg bus bandwidth    : 66.9");
    assert_int_equal(t.v[2].rank, 3);
    assert_string_equal(t.v[3].text, "8  2  float");
    assert_int_equal(t.v[3].rank, 12);
    assert_string_equal(t.v[4].text,
                        "n01:51002:51020 [2] NCCL INFO Channel 00/0 : 2[2] -> 3[3] via P2P");
    assert_int_equal(t.v[4].rank, -1);
    assert_string_equal(t.v[5].text, "   8  2  float  sum  -1  1.0"); /* a row: no prefix */
    assert_int_equal(t.v[5].rank, -1);
    assert_true(t.v[6].last_unterminated && !t.v[5].last_unterminated);
    assert_int_equal(t.midrow, 1);
    assert_int_equal(t.prefixed, 4);
    assert_string_equal(imp_detect(&t), "nccl-tests");
    imp_text_free(&t);
    unlink(path);
}

static void test_numbers(void **state)
{
    (void)state;
    double v, h;
    assert_int_equal(imp_number("12.34", &v, &h), 0);
    assert_true(v == 12.34 && fabs(h - 0.005) < 1e-15);
    assert_int_equal(imp_number("297", &v, &h), 0);
    assert_true(fabs(h - 0.5) < 1e-15);
    assert_int_equal(imp_number("1.2e+03", &v, &h), 0);
    assert_true(v == 1200 && fabs(h - 50) < 1e-9);
    assert_int_equal(imp_number("0e+00", &v, &h), 0);
    assert_true(v == 0);
    assert_int_equal(imp_number("7.1O", &v, &h), -1);
    assert_int_equal(imp_number("N/A", &v, NULL), -1);
    assert_int_equal(imp_number("", &v, NULL), -1);
    assert_int_equal(imp_number("nan", &v, NULL), -1);
    assert_int_equal(imp_number("1e999", &v, NULL), -1);
    char s[] = "a b  c\td", *tok[3];
    assert_int_equal(imp_tokens(s, tok, 3), 4); /* more than max */
}

/* A table whose printed busbw is off by more than rounding: flagged, and only that point. */
static void test_disagree(void **state)
{
    (void)state;
    struct llmb_imp m;
    char errbuf[512];
    llmb_error_capture(errbuf, sizeof errbuf);
    imp_init(&m);
    m.file = "x";
    strcpy(m.tool, "nccl-tests");
    strcpy(m.backend, "nccl");
    m.ranks_given = 8, m.nodes_given = 1;
    json_array_append_new(m.files, json_string("x"));
    struct imp_sweep *s = imp_sweep_new(&m, 0, IMP_COLL, "all_reduce_perf", 1);
    assert_non_null(s);
    /* 256 MiB in 1578.12 us among 8 ranks: algbw 170.10, busbw 297.67 */
    static const char *const bus[2] = {"297.67", "290.00"};
    for (int k = 0; k < 2; k++) {
        struct imp_point *p = imp_point_new(&m, s, 10 + k);
        assert_non_null(p);
        p->size = 268435456;
        assert_int_equal(imp_number("1578.12", &p->time_s, &p->time_half), 0);
        p->time_s *= 1e-6, p->time_half *= 1e-6;
        assert_int_equal(imp_number("170.10", &p->tool_algbw, &p->tool_algbw_half), 0);
        assert_int_equal(imp_number(bus[k], &p->tool_busbw, &p->tool_busbw_half), 0);
    }
    json_t *av = json_array();
    json_t *doc = imp_emit(&m, "id", av);
    assert_non_null(doc);
    json_t *pts = json_object_get(json_array_get(json_object_get(json_object_get(
        json_object_get(doc, "phases"), "comm"), "sweeps"), 0), "points");
    assert_int_equal(json_array_size(pts), 2);
    assert_null(json_object_get(json_array_get(pts, 0), "disagree"));
    assert_non_null(json_object_get(json_array_get(pts, 1), "disagree"));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "source"),
                                                        "disagreements")), 1);
    json_decref(doc);
    json_decref(av);
    imp_free(&m);
    llmb_error_capture(NULL, 0);
}

/* A row printed in two parts with NCCL's INFO line glued between them (no device list: the
 * host is found by its shape) is joined; NCCL's line is not a row. */
static void test_split_row(void **state)
{
    (void)state;
    struct imp_text t;
    char path[64], errbuf[512];
    llmb_error_capture(errbuf, sizeof errbuf);
    read_lines("# Collective test starting: all_reduce_perf\n"
               "# nThread 1 nGpus 1 minBytes 1024 maxBytes 2048 step: 2(factor) warmup iters: 5 "
               "iters: 20 agg iters: 1 validation: 1 graph: 0\n"
               "#  size count type redop root time algbw busbw #wrong time algbw busbw #wrong\n"
               "   1024   256  float  sum  -1node-7:42:43 [0] NCCL INFO Channel 00/02 : 0 1\n"
               "   10.00  0.10  0.15  0   10.00  0.10  0.15  0\n"
               "2048 512 float sum -1 20.00 0.10 0.15 0 20.00 0.10 0.15 0\n"
               "# Avg bus bandwidth : 0.15\n", &t, path);
    struct llmb_imp m;
    imp_init(&m);
    m.file = path;
    assert_int_equal(imp_nccl_text(&m, &t), 0);
    assert_int_equal(m.nsw, 2);
    assert_int_equal(m.sw[0]->n, 2);
    assert_true(m.sw[0]->pts[0].size == 1024 && fabs(m.sw[0]->pts[0].time_s - 10e-6) < 1e-12);
    assert_true(m.sw[1]->pts[1].size == 2048 && m.sw[1]->pts[1].iters == 20);
    assert_int_equal(m.info_lines, 1);
    assert_false(m.truncated);
    imp_free(&m);
    imp_text_free(&t);
    unlink(path);
    llmb_error_capture(NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_disagree),
        cmocka_unit_test(test_split_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
