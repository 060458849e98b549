/* Unit tests of the findings table (report/findings.c): ids unique, every row evaluable, the
 * ids it refers to (absorbed symptom, excluded cost) and every probe warning id
 * (lib/probe_warnings.h) are rows, doc/findings.md documents every id; findings name any number
 * of ranks; rr_cat marks what it cuts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/probe_warnings.h"
#include "report/findings.h"

static void test_table_rows(void **state)
{
    (void)state;
    assert_true(rr_finding_count >= 14);
    for (size_t i = 0; i < rr_finding_count; i++) {
        const struct rr_finding_def *d = &rr_finding_table[i];
        assert_non_null(d->id);
        assert_non_null(d->eval);
        assert_true(d->means && d->means[0]);
        assert_true(d->sev >= RR_INFO && d->sev <= RR_CRITICAL);
        assert_ptr_equal(rr_finding_def_of(d->id), d); /* unique */
        if (d->absorbs)
            assert_non_null(rr_finding_def_of(d->absorbs));
        assert_true(!d->absorbs == (d->rule == RR_ABSORB_NONE));
        if (d->excludes)
            assert_non_null(rr_finding_def_of(d->excludes));
    }
    assert_null(rr_finding_def_of("no.such_id"));
    assert_null(rr_finding_def_of(NULL));
}

static void test_probe_ids_are_rows(void **state)
{
    (void)state;
    for (int w = 0; w < LLMB_PW_COUNT; w++) {
        const struct rr_finding_def *d = rr_finding_def_of(llmb_probe_warning_id(w));
        assert_non_null(d);
        assert_true(d->from_probe);
    }
}

static void test_doc_names_every_id(void **state)
{
    (void)state;
    const char *top = getenv("top_srcdir");
    char path[4096];
    snprintf(path, sizeof path, "%s/doc/findings.md", top ? top : ".");
    FILE *f = fopen(path, "r");
    if (!f)
        skip();
    static char doc[1 << 18];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[n] = '\0';
    for (size_t i = 0; i < rr_finding_count; i++) {
        char row[128];
        snprintf(row, sizeof row, "| `%s` |", rr_finding_table[i].id);
        if (!strstr(doc, row))
            fail_msg("doc/findings.md has no table row for %s", rr_finding_table[i].id);
    }
}

static void test_many_ranks(void **state)
{
    (void)state;
    struct rr_findings out = {0};
    struct rr_find_ctx cx = {NULL, 0, NULL, &out, 0};
    struct rr_finding *f = rr_finding_new(&cx, &rr_finding_table[0], RR_INFO);
    assert_non_null(f);
    for (int r = 0; r < 1000; r++)
        rr_finding_add_rank(f, r);
    rr_finding_add_rank(f, 100); /* again: named once */
    rr_finding_add_rank(f, 5000);
    rr_finding_add_rank(f, 7);
    assert_int_equal(f->nranks, 1001);
    assert_int_equal(f->ranks[100], 100);
    assert_int_equal(f->ranks[1000], 5000);
    assert_string_equal(f->id, rr_finding_table[0].id);
    rr_findings_free(&out);
}

static void test_cat_marks_cut(void **state)
{
    (void)state;
    char b[16] = "";
    rr_cat(b, sizeof b, "%s", "0123456789");
    assert_string_equal(b, "0123456789");
    rr_cat(b, sizeof b, "%s", "abcdefgh");
    assert_int_equal(strlen(b), sizeof b - 1);
    assert_string_equal(b + sizeof b - sizeof RR_CUT_MARK, RR_CUT_MARK);
    rr_cat(b, sizeof b, "%s", "more");
    assert_int_equal(strlen(b), sizeof b - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_rows),
        cmocka_unit_test(test_probe_ids_are_rows),
        cmocka_unit_test(test_doc_names_every_id),
        cmocka_unit_test(test_many_ranks),
        cmocka_unit_test(test_cat_marks_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
