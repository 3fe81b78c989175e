/* test_changeset.c — the change set of a correction (formats/changeset.c): rows new, changed and gone by key, applied to a night. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "changeset.h"
#include "test_util.h"

static char dir[256];

static int suite_init(void) { return tu_mkdtemp(dir, sizeof dir); }
static int suite_clean(void)
{
    tu_rmtree(dir);
    return 0;
}

/* Writes text to dir/name and returns the path (static, one of four). */
static const char *file(const char *name, const char *text)
{
    static char paths[4][512];
    static int k;
    char *p = paths[k++ % 4];
    tu_path(p, 512, dir, name);
    tu_write_str(p, text);
    return p;
}

/* The text of dir/name (freed by the caller). */
static char *text_of(const char *name)
{
    char p[512];
    size_t n;
    tu_path(p, sizeof p, dir, name);
    return (char *)tu_read(p, &n);
}

/* What cs_print says, all of it. */
static char *printed(const changeset *cs)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    cs_print(cs, f, 100);
    fclose(f);
    return buf;
}

#define PROVIDERS_HEADER "provider_id,name,county,enrollment,elective_sdi,union_member,workweek_exemption\n"

/* By key: P2's county differs (changed), P3 is only in the new file (new), P1 is the same, P4 only in the base
 * (gone). Column order does not matter, nor row order; a column the loader does not know is ignored. */
static void test_diff_by_key(void)
{
    changeset cs = {0};
    char err[512] = "";
    const char *base = file("base.csv", PROVIDERS_HEADER "P4,Dee,fresno,complete,n,n,n\n"
                                                         "P1,Al,fresno,complete,n,y,n\nP2,Bo,fresno,complete,n,n,n\n");
    const char *now = file("new.csv", "name,provider_id,county,enrollment,elective_sdi,union_member,workweek_exemption,"
                                      "note\nCy,P3,kern,pending,n,n,n,x\nBo,P2,kern,complete,n,n,n,y\n"
                                      "Al,P1,fresno,complete,n,y,n,z\n");
    CU_ASSERT_EQUAL_FATAL(cs_diff_file(&cs, LOAD_PROVIDERS, base, now, err, sizeof err), 0);
    ASSERT_I64(cs_count(&cs), 3);
    char *p = printed(&cs);
    /* sorted by key: P2, P3, P4 */
    ASSERT_STR(p, "providers.csv: changed P2\nproviders.csv: new P3\nproviders.csv: gone P4\n");
    free(p);
    cs_free(&cs);
}

/* The same rows in another order and with a missing optional column equal to an empty one: no change. */
static void test_no_change(void)
{
    changeset cs = {0};
    char err[512] = "";
    const char *base = file("base.csv", "recipient_id,name,county,birth_date,severely_impaired,bups_exception\n"
                                        "R1,Ann,fresno,1950-01-01,n,n\nR2,Ben,kern,1960-02-02,y,n\n");
    const char *now = file("new.csv", "recipient_id,name,county,birth_date,severely_impaired,bups_exception,"
                                      "esp_inactivated_on\nR2,Ben,kern,1960-02-02,y,n,\nR1,Ann,fresno,1950-01-01,n,n,\n");
    CU_ASSERT_EQUAL_FATAL(cs_diff_file(&cs, LOAD_RECIPIENTS, base, now, err, sizeof err), 0);
    ASSERT_I64(cs_count(&cs), 0);
    cs_free(&cs);
}

/* Keys of several columns: a parameter is parameter+scope+effective_from, so a new effective date is a new row
 * beside the old one, not a change of it; an absent base file makes every row new. */
static void test_composite_keys(void)
{
    changeset cs = {0};
    char err[512] = "";
    const char *base = file("base.csv", "parameter,scope,effective_from,value,reference\n"
                                        "wage.hourly,fresno,2026-01-01,19.00,a\nwage.hourly,kern,2026-01-01,18.00,b\n");
    const char *now = file("new.csv", "parameter,scope,effective_from,value,reference\n"
                                      "wage.hourly,fresno,2026-01-01,19.60,a\nwage.hourly,kern,2026-01-01,18.00,b\n"
                                      "wage.hourly,kern,2026-11-01,18.50,c\n");
    CU_ASSERT_EQUAL_FATAL(cs_diff_file(&cs, LOAD_PARAMETERS, base, now, err, sizeof err), 0);
    char *p = printed(&cs);
    ASSERT_STR(p, "parameters.csv: changed wage.hourly fresno 2026-01-01\n"
                  "parameters.csv: new wage.hourly kern 2026-11-01\n");
    free(p);
    const char *hol = file("hol.csv", "date,name\n2026-11-26,Thanksgiving\n");
    CU_ASSERT_EQUAL_FATAL(cs_diff_file(&cs, LOAD_HOLIDAYS, NULL, hol, err, sizeof err), 0);
    ASSERT_I64(cs.file[LOAD_HOLIDAYS].n, 1);
    ASSERT_I64(cs.file[LOAD_HOLIDAYS].v[0].op, CS_NEW);
    cs_free(&cs);
}

/* withholding.csv is keyed by provider and effective date: a new W-4 from a later date is a new row beside the
 * old one, a corrected row of the same date a change of it. */
static void test_withholding_keys(void)
{
    changeset cs = {0};
    char err[512] = "";
#define WH_COLUMNS "provider_id,effective_from,fed_status,fed_w4,fed_multiple_jobs,fed_dependents,fed_other_income," \
                   "fed_deductions,fed_extra,fed_allowances,ca_status,ca_allowances,ca_additional_allowances,ca_extra\n"
    const char *base = file("base.csv", WH_COLUMNS "P1,2026-01-01,single,2020,n,,,,,,single,1,,\n"
                                                   "P2,2026-01-01,none,,,,,,,,none,,,\n");
    const char *now = file("new.csv", WH_COLUMNS "P1,2026-01-01,single,2020,n,,,,,,single,2,,\n"
                                                 "P2,2026-01-01,none,,,,,,,,none,,,\n"
                                                 "P1,2026-03-01,married,2020,y,,,,,,married,2,,\n");
#undef WH_COLUMNS
    CU_ASSERT_EQUAL_FATAL(cs_diff_file(&cs, LOAD_WITHHOLDING, base, now, err, sizeof err), 0);
    ASSERT_STR(cs_key_names(LOAD_WITHHOLDING), "provider_id, effective_from");
    char *p = printed(&cs);
    ASSERT_STR(p, "withholding.csv: changed P1 2026-01-01\nwithholding.csv: new P1 2026-03-01\n");
    free(p);
    cs_free(&cs);
}

/* Applied to a night: the changed row replaced in place, the gone row removed, the new row added at the end; a
 * changed row the night did not have is not added; the header is the columns of either file the loader knows. */
static void test_apply(void)
{
    changeset cs = {0};
    char err[512] = "";
    const char *base = file("base.csv", PROVIDERS_HEADER "P1,Al,fresno,complete,n,y,n\nP2,Bo,fresno,complete,n,n,n\n"
                                                         "P4,Dee,fresno,complete,n,n,n\nP5,Eve,kern,complete,n,n,n\n");
    const char *now = file("new.csv", PROVIDERS_HEADER "P1,Al,fresno,complete,n,y,n\nP2,Bo,kern,complete,n,n,n\n"
                                                       "P5,\"Eve, Jr\",kern,complete,n,n,n\nP3,Cy,kern,pending,n,n,n\n");
    CU_ASSERT_EQUAL_FATAL(cs_diff_file(&cs, LOAD_PROVIDERS, base, now, err, sizeof err), 0);
    /* the night: P2 and P4 but not P5 (hired after it), P9 only it has (unchanged) */
    const char *night = file("night.csv", "workweek_exemption,provider_id,name,county,enrollment,elective_sdi,"
                                          "union_member\nn,P9,Ike,kern,complete,n,n\nn,P4,Dee,fresno,complete,n,n\n"
                                          "n,P2,Bo,fresno,complete,n,n\n");
    char out[512];
    tu_path(out, sizeof out, dir, "out.csv");
    int written = 0;
    CU_ASSERT_EQUAL_FATAL(cs_apply_file(&cs, LOAD_PROVIDERS, night, out, &written, err, sizeof err), 0);
    ASSERT_I64(written, 1);
    char *got = text_of("out.csv");
    ASSERT_STR(got, PROVIDERS_HEADER "P9,Ike,kern,complete,n,n,n\nP2,Bo,kern,complete,n,n,n\n"
                                     "P3,Cy,kern,pending,n,n,n\n");
    free(got);
    cs_free(&cs);
}

/* A group of one key (a holiday listed twice) is compared and replaced whole; an optional file the night did not
 * have is written only when the change set adds to it. */
static void test_groups_and_absent(void)
{
    changeset cs = {0};
    char err[512] = "";
    const char *base = file("base.csv", "date,name\n2026-11-26,Thanksgiving\n2026-11-26,Thanksgiving\n");
    const char *now = file("new.csv", "date,name\n2026-11-26,Thanksgiving\n");
    CU_ASSERT_EQUAL_FATAL(cs_diff_file(&cs, LOAD_HOLIDAYS, base, now, err, sizeof err), 0);
    ASSERT_I64(cs.file[LOAD_HOLIDAYS].n, 1);
    ASSERT_I64(cs.file[LOAD_HOLIDAYS].v[0].op, CS_CHANGED);
    char out[512];
    tu_path(out, sizeof out, dir, "out.csv");
    int written = 0;
    CU_ASSERT_EQUAL_FATAL(cs_apply_file(&cs, LOAD_HOLIDAYS, base, out, &written, err, sizeof err), 0);
    char *got = text_of("out.csv");
    ASSERT_STR(got, "date,name\n2026-11-26,Thanksgiving\n");
    free(got);
    /* no overpayments file in the night and none added: nothing written */
    tu_path(out, sizeof out, dir, "none.csv");
    written = 1;
    CU_ASSERT_EQUAL_FATAL(cs_apply_file(&cs, LOAD_OVERPAYMENTS, NULL, out, &written, err, sizeof err), 0);
    ASSERT_I64(written, 0);
    cs_free(&cs);
}

/* --params rows join the change set as new rows: they replace a night's row of the same key (and a change of the
 * same key the data directory made), and are added where the night has none. */
static void test_add_rows(void)
{
    changeset cs = {0};
    char err[512] = "";
    const char *base = file("base.csv", "parameter,scope,effective_from,value,reference\n"
                                        "dues.rate,_all,2026-01-01,0.02,a\n");
    const char *now = file("new.csv", "parameter,scope,effective_from,value,reference\n"
                                      "dues.rate,_all,2026-01-01,0.03,a\n");
    CU_ASSERT_EQUAL_FATAL(cs_diff_file(&cs, LOAD_PARAMETERS, base, now, err, sizeof err), 0);
    const char *params = file("params.csv", "parameter,scope,effective_from,value,reference\n"
                                            "dues.rate,_all,2026-01-01,0.04,p\nwage.hourly,kern,2026-01-01,20.00,p\n");
    CU_ASSERT_EQUAL_FATAL(cs_add_rows(&cs, LOAD_PARAMETERS, params, err, sizeof err), 0);
    ASSERT_I64(cs_count(&cs), 2);
    char out[512];
    tu_path(out, sizeof out, dir, "out.csv");
    int written = 0;
    CU_ASSERT_EQUAL_FATAL(cs_apply_file(&cs, LOAD_PARAMETERS, base, out, &written, err, sizeof err), 0);
    char *got = text_of("out.csv");
    ASSERT_STR(got, "parameter,scope,effective_from,value,reference\ndues.rate,_all,2026-01-01,0.04,p\n"
                    "wage.hourly,kern,2026-01-01,20.00,p\n");
    free(got);
    cs_free(&cs);
}

/* A file that cannot be read is an error naming it. */
static void test_unreadable(void)
{
    changeset cs = {0};
    char err[512] = "";
    char missing[512];
    tu_path(missing, sizeof missing, dir, "missing.csv");
    ASSERT_I64(cs_diff_file(&cs, LOAD_PROVIDERS, missing, NULL, err, sizeof err), CS_ERROR);
    ASSERT_CONTAINS(err, "missing.csv");
    cs_free(&cs);
}

int test_changeset_register(void)
{
    static const tu_test tests[] = {
        {"rows new, changed and gone by key", test_diff_by_key},
        {"same rows in another order: no change", test_no_change},
        {"keys of several columns; no base file", test_composite_keys},
        {"withholding.csv: keyed by provider and effective date", test_withholding_keys},
        {"applied to a night", test_apply},
        {"groups of one key; absent optional file", test_groups_and_absent},
        {"--params rows join as new rows", test_add_rows},
        {"unreadable file", test_unreadable},
    };
    return tu_register("changeset", suite_init, suite_clean, tests, sizeof tests / sizeof tests[0]);
}
