/* main.c — the payrun command line: wires the formats layer to the engine. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cal.h"
#include "csvr.h"
#include "csvw.h"
#include "diff.h"
#include "field.h"
#include "load.h"
#include "master.h"
#include "param.h"
#include "run.h"
#include "state.h"
#include "sheet.h"
#include "tsread.h"

/* Exit codes (SPEC §9). */
enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_DATA = 2, EXIT_LOCKED = 3, EXIT_INTERNAL = 4 };

static const char usage_main[] =
    "usage: payrun COMMAND [OPTIONS] [TIMESHEET_FILE...]\n"
    "\n"
    "payrun is a batch payroll engine for California IHSS providers.\n"
    "\n"
    "commands:\n"
    "  run     pay the timesheets: paychecks.csv, exceptions.csv, summary.json\n"
    "  check   load and validate the data directory and timesheet files, report\n"
    "  state   list the state generations, or show a provider's or recipient's counters\n"
    "  diff    compare two runs' outputs: changed paychecks and the impact summary\n"
    "  whatif  the impact of a changed parameters file, in one pass, nothing written\n"
    "  explain how one timesheet is paid, step by step, with every parameter used\n"
    "\n"
    "Run 'payrun COMMAND --help' for the options of a command.\n"
    "Exit codes: 0 done, 1 usage, 2 bad input data, 3 state locked, 4 internal or I/O error.\n";

static const char usage_check[] =
    "usage: payrun check --data DIR [--run-date YYYY-MM-DD] [TIMESHEET_FILE...]\n"
    "\n"
    "Loads and validates the parameters and master files of DIR (any bad row is\n"
    "fatal: file:line: column: what is wrong, exit 2), reads every timesheet file\n"
    "through the row parser and prints a report: rows per file, rows that would be\n"
    "rejected at parse time by code, and the parameters in force on the latest pay\n"
    "period found (pay-date parameters on the run date). Writes nothing.\n"
    "\n"
    "  --data DIR             the data directory (parameters.csv, providers.csv, ...)\n"
    "  --run-date YYYY-MM-DD  the pay date (default: today)\n"
    "  -h, --help             this help\n";

static const char usage_run[] =
    "usage: payrun run --data DIR --out DIR [--state DIR [--from-generation N [--commit]]]\n"
    "                  [--run-date YYYY-MM-DD] [--gzip] [--verbose] [--threads 1|2] TIMESHEET_FILE...\n"
    "\n"
    "Pays the timesheet files, in the order given, against the parameters and master\n"
    "files of the data directory, and writes into the output directory, atomically:\n"
    "paychecks.csv, exceptions.csv and summary.json (see docs/formats.md).\n"
    "Timesheet files may be gzip-compressed (detected by content).\n"
    "\n"
    "  --data DIR             the data directory (parameters.csv, providers.csv, ...)\n"
    "  --out DIR              the output directory (created when missing)\n"
    "  --run-date YYYY-MM-DD  the pay date (default: today)\n"
    "  --gzip                 write paychecks.csv.gz and exceptions.csv.gz\n"
    "  --state DIR            the ledger of earlier runs: read the newest generation,\n"
    "                         commit a new one (the commit point of the run)\n"
    "  --from-generation N    reprocess: run against generation N (0 = empty state)\n"
    "                         and leave the state alone\n"
    "  --commit               with --from-generation: commit the result as a new generation\n"
    "  --verbose              a one-line summary on stderr\n"
    "  --threads 1|2          2 (default): read, parse and write on other threads than\n"
    "                         the rules; 1: all on one thread (the same bytes either way)\n"
    "  -h, --help             this help\n";

static const char usage_state[] =
    "usage: payrun state list --state DIR\n"
    "       payrun state show --state DIR [--generation N] (--provider ID | --recipient ID)\n"
    "\n"
    "list: every generation with its run date, base generation, counts and inputs\n"
    "(with CRC-32). show: the ledger counters of one provider or recipient in the\n"
    "newest generation (or N): workweek and monthly hours, dues, share of cost, FICA\n"
    "and SDI wages, BUPS hours, violations. See docs/state.md.\n";

/* Command line options shared by the commands. */
typedef struct {
    const char *data;
    const char *out;
    const char *state, *provider, *recipient;
    const char *params, *csv, *timesheet;
    int gzip, verbose, commit, list;
    int threads;                /* 1: all on this thread; 2 (default): reader and writer threads */
    int from_generation;        /* -1 unless given */
    cal_date run_date;
    const char **files;
    int nfiles;
} options;

static cal_date today(void)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    return cal_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* Parses argv after the command. Returns 0, 1 for --help (usage printed), or
 * EXIT_USAGE with a message on stderr. */
static int parse_options(int argc, char **argv, const char *usage, options *o)
{
    o->run_date = today();
    o->from_generation = -1;
    o->threads = 2;
    o->files = calloc((size_t)argc + 1, sizeof *o->files);
    if (!o->files)
        return EXIT_INTERNAL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return -1;
        } else if (strcmp(a, "--data") == 0 && i + 1 < argc) {
            o->data = argv[++i];
        } else if (strcmp(a, "--out") == 0 && i + 1 < argc) {
            o->out = argv[++i];
        } else if (strcmp(a, "--state") == 0 && i + 1 < argc) {
            o->state = argv[++i];
        } else if (strcmp(a, "--provider") == 0 && i + 1 < argc) {
            o->provider = argv[++i];
        } else if (strcmp(a, "--recipient") == 0 && i + 1 < argc) {
            o->recipient = argv[++i];
        } else if ((strcmp(a, "--from-generation") == 0 || strcmp(a, "--generation") == 0) && i + 1 < argc) {
            const char *v = argv[++i];
            int64_t g;
            if (fld_count(v, strlen(v), &g) != NULL || g > 999999) {
                fprintf(stderr, "payrun: %s %s: not a generation number\n", a, v);
                return EXIT_USAGE;
            }
            o->from_generation = (int)g;
        } else if (strcmp(a, "--params") == 0 && i + 1 < argc) {
            o->params = argv[++i];
        } else if (strcmp(a, "--csv") == 0 && i + 1 < argc) {
            o->csv = argv[++i];
        } else if (strcmp(a, "--timesheet") == 0 && i + 1 < argc) {
            o->timesheet = argv[++i];
        } else if (strcmp(a, "--threads") == 0 && i + 1 < argc) {
            const char *v = argv[++i];
            if (strcmp(v, "1") != 0 && strcmp(v, "2") != 0) {
                fprintf(stderr, "payrun: --threads %s: 1 or 2\n", v);
                return EXIT_USAGE;
            }
            o->threads = v[0] - '0';
        } else if (strcmp(a, "--list") == 0) {
            o->list = 1;
        } else if (strcmp(a, "--commit") == 0) {
            o->commit = 1;
        } else if (strcmp(a, "--gzip") == 0) {
            o->gzip = 1;
        } else if (strcmp(a, "--verbose") == 0) {
            o->verbose = 1;
        } else if (strcmp(a, "--run-date") == 0 && i + 1 < argc) {
            const char *v = argv[++i];
            const char *e = fld_date(v, strlen(v), &o->run_date);
            if (e) {
                fprintf(stderr, "payrun: --run-date %s: %s\n", v, e);
                return EXIT_USAGE;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "payrun: unknown or incomplete option %s\n%s", a, usage);
            return EXIT_USAGE;
        } else {
            o->files[o->nfiles++] = a;
        }
    }
    csvr_use_reader_thread(o->threads == 2);
    csvw_use_writer_thread(o->threads == 2);
    if (!o->data && usage != usage_state) {
        fprintf(stderr, "payrun: --data DIR is required\n%s", usage);
        return EXIT_USAGE;
    }
    return 0;
}

/* ---- payrun check ---- */

typedef struct {
    long rows;
    long rejected[EX_COUNT];
    int shown;
    cal_date latest_period;
} check_tally;

static int check_row(void *ctx, const csvr_row *row)
{
    check_tally *t = ctx;
    sheet s;
    char msg[512];
    t->rows++;
    int code = tsread_parse(row, &s, msg, sizeof msg);
    if (code >= 0) {
        t->rejected[code]++;
        if (t->shown++ < 20)
            printf("    %-16s %s\n", sheet_code_name((sheet_code)code), msg);
    } else if (t->latest_period == CAL_NONE || s.period_start > t->latest_period) {
        t->latest_period = s.period_start;
    }
    return 0;
}

/* Prints one parameter's value in force, with its date and reference. */
static void print_param(const param_table *pt, param_id id, int32_t county, cal_date on)
{
    const param_row *r = param_in_force(pt, id, county, on);
    char v[256], from[11], day[11];
    if (!r) {
        cal_format(on, day);
        printf("    %-36s MISSING: no value in force on %s\n", param_name(id), day);
        return;
    }
    param_format_value(pt, r, v, sizeof v);
    cal_format(r->from, from);
    printf("    %-36s %-20s from %s %s  [%s]\n", param_name(id), v, from,
           r->county < 0 ? "*" : ids_name(&pt->counties, r->county), param_reference(pt, r));
}

static int cmd_check(int argc, char **argv)
{
    options o = {0};
    int rc = parse_options(argc, argv, usage_check, &o);
    if (rc != 0) {
        free(o.files);
        return rc < 0 ? EXIT_OK : rc;
    }
    masters m = {0};
    load_file files[LOAD_NFILES];
    char err[1024];
    if (load_masters(o.data, &m, files, err, sizeof err) != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        master_free(&m);
        free(o.files);
        return EXIT_DATA;
    }
    printf("data %s: valid\n", o.data);
    for (int f = 0; f < LOAD_NFILES; f++) {
        if (files[f].present)
            printf("  %-22s %8llu rows%s\n", load_file_name(f), (unsigned long long)files[f].info.rows,
                   files[f].info.gzip ? " (gzip)" : "");
        else
            printf("  %-22s   absent (optional)\n", load_file_name(f));
    }
    check_tally t = {.latest_period = CAL_NONE};
    rc = EXIT_OK;
    for (int i = 0; i < o.nfiles; i++) {
        long before = t.rows, rejected_before = 0, rejected_after = 0;
        for (int c = 0; c < EX_COUNT; c++)
            rejected_before += t.rejected[c];
        printf("timesheets %s\n", o.files[i]);
        csvr_info info;
        if (csvr_read(o.files[i], tsread_columns, TS_NCOLS, check_row, &t, &info, err, sizeof err) != 0) {
            fprintf(stderr, "payrun: %s\n", err);
            rc = EXIT_DATA;
            break;
        }
        for (int c = 0; c < EX_COUNT; c++)
            rejected_after += t.rejected[c];
        printf("  %ld rows, %ld would be rejected at parse time\n", t.rows - before, rejected_after - rejected_before);
    }
    if (rc == EXIT_OK && o.nfiles > 0) {
        printf("parse rejections by code:\n");
        int any = 0;
        for (int c = 0; c < EX_COUNT; c++)
            if (t.rejected[c]) {
                printf("  %-20s %ld\n", sheet_code_name((sheet_code)c), t.rejected[c]);
                any = 1;
            }
        if (!any)
            printf("  none\n");
    }
    if (rc == EXIT_OK) {
        cal_date period = t.latest_period != CAL_NONE ? t.latest_period : cal_period_start(o.run_date);
        char d[11], rd[11];
        cal_format(period, d);
        cal_format(o.run_date, rd);
        const param_table *pt = &m.params;
        printf("parameters in force for the period starting %s (pay date %s):\n", d, rd);
        printf("  statewide, by period start:\n");
        for (int id = P_OVERTIME_MULTIPLIER; id <= P_WORKWEEK_EXEMPTION_MONTHLY_MAX; id++)
            print_param(pt, (param_id)id, PARAM_STATEWIDE, period);
        print_param(pt, P_UNION_HOURS_THRESHOLD, PARAM_STATEWIDE, period);
        printf("  statewide, by pay date:\n");
        for (int id = P_FICA_SS_RATE; id <= P_SDI_QUARTER_THRESHOLD; id++)
            print_param(pt, (param_id)id, PARAM_STATEWIDE, o.run_date);
        print_param(pt, P_PAYMENT_BUSINESS_DAYS, PARAM_STATEWIDE, o.run_date);
        printf("  by county, by period start:\n");
        for (int32_t c = 0; c < pt->counties.n; c++) {
            if (!pt->county_known[c])
                continue;
            printf("   %s\n", ids_name(&pt->counties, c));
            print_param(pt, P_WAGE_HOURLY, c, period);
            print_param(pt, P_UNION_DUES_SCALE, c, period);
        }
    }
    master_free(&m);
    free(o.files);
    return rc;
}

static int cmd_run(int argc, char **argv)
{
    options o = {0};
    int rc = parse_options(argc, argv, usage_run, &o);
    if (rc == 0 && !o.out) {
        fprintf(stderr, "payrun: --out DIR is required\n%s", usage_run);
        rc = EXIT_USAGE;
    }
    if (rc == 0 && o.nfiles == 0) {
        fprintf(stderr, "payrun: no timesheet file given\n%s", usage_run);
        rc = EXIT_USAGE;
    }
    if (rc != 0) {
        free(o.files);
        return rc < 0 ? EXIT_OK : rc;
    }
    if (o.commit && o.from_generation < 0) {
        fprintf(stderr, "payrun: --commit goes with --from-generation\n");
        free(o.files);
        return EXIT_USAGE;
    }
    if (o.from_generation >= 0 && !o.state) {
        fprintf(stderr, "payrun: --from-generation needs --state DIR\n");
        free(o.files);
        return EXIT_USAGE;
    }
    run_options ro = {.data = o.data, .out = o.out, .run_date = o.run_date, .gzip = o.gzip, .verbose = o.verbose,
                      .state = o.state, .from_generation = o.from_generation, .commit = o.commit,
                      .files = o.files, .nfiles = o.nfiles};
    rc = run_payroll(&ro);
    free(o.files);
    return rc;
}

static int cmd_state(int argc, char **argv)
{
    if (argc < 1 || (strcmp(argv[0], "list") != 0 && strcmp(argv[0], "show") != 0)) {
        if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
            fputs(usage_state, stdout);
            return EXIT_OK;
        }
        fputs(usage_state, stderr);
        return EXIT_USAGE;
    }
    int show = strcmp(argv[0], "show") == 0;
    options o = {0};
    int rc = parse_options(argc - 1, argv + 1, usage_state, &o);
    if (rc == 0 && (!o.state || o.nfiles > 0 || (show && !o.provider == !o.recipient))) {
        fputs(usage_state, stderr);
        rc = EXIT_USAGE;
    }
    if (rc != 0) {
        free(o.files);
        return rc < 0 ? EXIT_OK : rc;
    }
    state_dir st;
    char err[1024];
    int r = state_open(&st, o.state, err, sizeof err);
    if (r == 0 && !show)
        r = state_list(&st, err, sizeof err);
    if (r == 0 && show) {
        int gen = o.from_generation >= 0 ? o.from_generation : st.newest;
        ids_table none = {0};
        ledger lg;
        if (gen > st.newest || ledger_init(&lg, &none, &none, &none) != 0) {
            snprintf(err, sizeof err, "no generation %d in %s (newest %d)", gen, o.state, st.newest);
            r = STATE_ERROR;
        } else {
            r = state_load(&st, gen, &lg, err, sizeof err);
            if (r == 0)
                r = state_show(&st, gen, &lg, o.provider, o.recipient, err, sizeof err);
            ledger_free(&lg);
        }
    }
    state_close(&st);
    free(o.files);
    if (r != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        return r == STATE_LOCKED ? EXIT_LOCKED : r == STATE_DAMAGED ? EXIT_DATA : r == STATE_ERROR ? EXIT_DATA : EXIT_INTERNAL;
    }
    return EXIT_OK;
}

static const char usage_diff[] =
    "usage: payrun diff [--csv FILE] [--quiet] OUT_A OUT_B\n"
    "\n"
    "Joins the paychecks and exceptions of two output directories by timesheet id and\n"
    "lists each changed paycheck with the columns that differ (old, new, delta), then\n"
    "an impact summary: paychecks changed, added and removed, the total delta of every\n"
    "money column and per county, and exceptions gained and lost by code.\n"
    "  --csv FILE   write every changed column as timesheet_id,county,column,old,new,delta\n"
    "  --quiet      the summary only\n"
    "Exit: 0 identical, 1 different, 2 trouble (as diff(1)).\n";

static const char usage_whatif[] =
    "usage: payrun whatif --data DIR --params CHANGED.csv [--state DIR [--from-generation N]]\n"
    "                     [--run-date YYYY-MM-DD] [--csv FILE] [--list] TIMESHEET_FILE...\n"
    "\n"
    "What a rule change does to pay: CHANGED.csv is a complete parameters file. One pass\n"
    "over the timesheets (each row parsed once) runs two rule engines, one with DIR's\n"
    "parameters.csv and one with CHANGED.csv, each with its own ledger, both starting\n"
    "from the same state generation (read only). Prints the impact summary as payrun\n"
    "diff does; writes no outputs and touches no state.\n"
    "  --csv FILE   every changed column: timesheet_id,county,column,old,new,delta\n"
    "  --list       list each changed paycheck\n";

static const char usage_explain[] =
    "usage: payrun explain --data DIR [--state DIR [--from-generation N]] [--run-date YYYY-MM-DD]\n"
    "                      --timesheet ID TIMESHEET_FILE...\n"
    "\n"
    "Runs the timesheets as payrun run would (nothing written, state read only) and\n"
    "prints how timesheet ID was paid or refused, step by step: days and minutes,\n"
    "assignment, authorized hours left, cuts, workweek counters and the overtime split,\n"
    "every parameter used with its value, effective date and reference, every deduction\n"
    "with its base, rate and what limited it, and the exceptions raised.\n";

static int cmd_whatif_explain(int argc, char **argv, int explain)
{
    const char *usage = explain ? usage_explain : usage_whatif;
    options o = {0};
    int rc = parse_options(argc, argv, usage, &o);
    if (rc == 0 && (o.nfiles == 0 || (explain ? !o.timesheet : !o.params))) {
        fprintf(stderr, "payrun: %s and at least one timesheet file are required\n%s",
                explain ? "--timesheet ID" : "--params FILE", usage);
        rc = EXIT_USAGE;
    }
    if (rc == 0 && o.from_generation >= 0 && !o.state) {
        fprintf(stderr, "payrun: --from-generation needs --state DIR\n");
        rc = EXIT_USAGE;
    }
    if (rc != 0) {
        free(o.files);
        return rc < 0 ? EXIT_OK : rc;
    }
    run_options ro = {.data = o.data, .run_date = o.run_date, .state = o.state, .from_generation = o.from_generation,
                      .files = o.files, .nfiles = o.nfiles};
    rc = explain ? explain_timesheet(&ro, o.timesheet) : whatif_payroll(&ro, o.params, o.csv, o.list);
    free(o.files);
    return rc;
}

static int cmd_diff(int argc, char **argv)
{
    const char *csv = NULL, *dirs[2];
    int ndirs = 0, quiet = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc)
            csv = argv[++i];
        else if (strcmp(argv[i], "--quiet") == 0)
            quiet = 1;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage_diff, stdout);
            return 0;
        } else if (argv[i][0] != '-' && ndirs < 2)
            dirs[ndirs++] = argv[i];
        else {
            fputs(usage_diff, stderr);
            return 2;
        }
    }
    if (ndirs != 2) {
        fputs(usage_diff, stderr);
        return 2;
    }
    return diff_outputs(dirs[0], dirs[1], csv, quiet);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_main, stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 2, argv + 2);
    if (strcmp(cmd, "whatif") == 0)
        return cmd_whatif_explain(argc - 2, argv + 2, 0);
    if (strcmp(cmd, "explain") == 0)
        return cmd_whatif_explain(argc - 2, argv + 2, 1);
    if (strcmp(cmd, "diff") == 0)
        return cmd_diff(argc - 2, argv + 2);
    if (strcmp(cmd, "state") == 0)
        return cmd_state(argc - 2, argv + 2);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 2, argv + 2);
    fprintf(stderr, "payrun: unknown command %s\n%s", cmd, usage_main);
    return EXIT_USAGE;
}
