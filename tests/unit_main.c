/* unit_main.c — runs every CUnit suite of payrun; exits nonzero when any assertion fails. */
#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <stdio.h>

int test_cal_register(void);
int test_money_register(void);
int test_field_register(void);
int test_param_register(void);
int test_csvr_register(void);
int test_csvw_register(void);
int test_load_register(void);
int test_ledger_register(void);
int test_ids_register(void);
int test_segment_register(void);
int test_boundaries_register(void);
int test_steps_register(void);
int test_nomem_register(void);
int test_changeset_register(void);
int test_withhold_register(void);
int test_mem_register(void);

int main(void)
{
    static int (*const suites[])(void) = {
        test_cal_register, test_money_register, test_field_register, test_param_register,
        test_csvr_register, test_csvw_register, test_load_register, test_ledger_register, test_ids_register,
        test_segment_register,
        test_boundaries_register, test_steps_register, test_nomem_register, test_changeset_register,
        test_withhold_register, test_mem_register,
    };
    if (CU_initialize_registry() != CUE_SUCCESS) {
        fprintf(stderr, "unit_tests: cannot initialize the CUnit registry: %s\n", CU_get_error_msg());
        return 2;
    }
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        if (suites[i]() != 0 || CU_get_error() != CUE_SUCCESS) {
            fprintf(stderr, "unit_tests: cannot register suite %zu: %s\n", i, CU_get_error_msg());
            CU_cleanup_registry();
            return 2;
        }
    CU_basic_set_mode(CU_BRM_NORMAL);
    if (CU_basic_run_tests() != CUE_SUCCESS) {
        fprintf(stderr, "unit_tests: run failed: %s\n", CU_get_error_msg());
        CU_cleanup_registry();
        return 2;
    }
    /* a suite whose setup failed (e.g. no temp directory) ran no tests: that fails too */
    unsigned failures = CU_get_number_of_failures();
    unsigned tests_failed = CU_get_number_of_tests_failed();
    unsigned suites_failed = CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    return failures > 0 || tests_failed > 0 || suites_failed > 0 ? 1 : 0;
}
