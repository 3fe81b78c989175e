/* main.c — the payrun command line: wires the formats layer to the engine. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cal.h"
#include "correct.h"
#include "csvr.h"
#include "csvw.h"
#include "diff.h"
#include "exits.h"
#include "field.h"
#include "load.h"
#include "master.h"
#include "param.h"
#include "run.h"
#include "state.h"
#include "sheet.h"
#include "show.h"
#include "yearend.h"
#include "tsread.h"

#ifndef PAYRUN_COMMIT
#define PAYRUN_COMMIT ""    /* the Makefile passes the git commit when built from a clone */
#endif

static const char usage_main[] =
    "usage: payrun COMMAND [OPTIONS] [TIMESHEET_FILE|DIR|-]...\n"
    "\n"
    "payrun is a batch payroll engine for California IHSS providers.\n"
    "\n"
    "commands:\n"
    "  run     pay the timesheets: paychecks.csv, exceptions.csv, summary.json\n"
    "  correct recalculate past nights with corrected data and pay only the difference\n"
    "  check   load and validate the data directory and timesheet files, report\n"
    "  state   init, list, show, verify, dump, prune, compact: the ledger between runs\n"
    "  diff    compare two runs' outputs: changed paychecks and the impact summary\n"
    "  whatif  the impact of a changed parameters file, in one pass, nothing written\n"
    "  explain how one timesheet is paid, step by step, with every parameter used\n"
    "  year-end  a year's W-2 wage statements from the ledger: w2.csv, w2-totals.json\n"
    "  help    help COMMAND prints the options of a command\n"
    "\n"
    "Run 'payrun help COMMAND' or 'payrun COMMAND --help' for the options of a command;\n"
    "'payrun --version' for the version. Options take --opt VALUE or --opt=VALUE; '--'\n"
    "ends the options. A timesheet argument may be a directory (its .csv and .csv.gz\n"
    "files, in name order) or '-' (standard input).\n"
    "Exit codes: 0 done, 1 usage, 2 bad input data, 3 locked by another run, 4 internal or I/O error.\n";

static const char usage_check[] =
    "usage: payrun check --data DIR [--run-date YYYY-MM-DD] [TIMESHEET_FILE|DIR|-]...\n"
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
    "                  [--run-date YYYY-MM-DD] [--allow-earlier-run-date] [--gzip] [--verbose]\n"
    "                  [--threads 1|2] TIMESHEET_FILE|DIR|-...\n"
    "\n"
    "Pays the timesheet files, in the order given, against the parameters and master\n"
    "files of the data directory, and publishes into the output directory, atomically:\n"
    "paychecks.csv, exceptions.csv and summary.json (see docs/formats.md). Timesheet\n"
    "files may be gzip-compressed (detected by content); a directory stands for its\n"
    ".csv and .csv.gz files in name order (an empty one is a night with no rows); '-'\n"
    "is standard input.\n"
    "\n"
    "  --data DIR             the data directory (parameters.csv, providers.csv, ...)\n"
    "  --out DIR              the output directory: new, or empty (created 0700, locked\n"
    "                         while the run writes; a published file is never replaced)\n"
    "  --run-date YYYY-MM-DD  the pay date (default: today)\n"
    "  --gzip                 write paychecks.csv.gz and exceptions.csv.gz\n"
    "  --state DIR            the ledger of earlier runs (made by payrun state init): read the\n"
    "                         newest generation, commit a new one (the commit point of the run).\n"
    "                         The same inputs and run date as a committed generation: exit 0,\n"
    "                         nothing touched\n"
    "  --from-generation N    reprocess: run against generation N (0 = empty state) into a new\n"
    "                         output directory and leave the state alone\n"
    "  --commit               with --from-generation N: commit the result as a new generation;\n"
    "                         only when N is the newest (else it would pay twice)\n"
    "  --allow-earlier-run-date  a run date earlier than that of the generation the run\n"
    "                         stands on (refused by default)\n"
    "  --verbose              a one-line summary on stderr\n"
    "  --threads 1|2          2 (default): read, parse and write on other threads than\n"
    "                         the rules; 1: all on one thread (the same bytes either way)\n"
    "  -h, --help             this help\n";

static const char usage_correct[] =
    "usage: payrun correct --data DIR --state DIR --from-generation N --out DIR --reason TEXT\n"
    "                      [--run-date YYYY-MM-DD] [--timesheets FILE] [--dry-run [--params FILE]]\n"
    "                      [--verbose]\n"
    "\n"
    "Replays the nights after generation N, each with its own run date, archived\n"
    "timesheets and archived masters, with what DIR changes against the newest\n"
    "generation's masters (the change set) and the corrected rows of --timesheets;\n"
    "compares each timesheet with what was paid for it, and writes into the output\n"
    "directory adjustments.csv (replayed minus paid), overpayments.csv (the negative\n"
    "ones, recovered from later paychecks), paychecks.csv (the others, kind\n"
    "adjustment), exceptions.csv and summary.json. Then commits the replayed ledger as\n"
    "a new generation (nothing when nothing changed). See docs/corrections.md.\n"
    "\n"
    "  --data DIR             the corrected data directory (what later nights will read)\n"
    "  --state DIR            the state; the correction stands on its newest generation\n"
    "  --from-generation N    the generation before the first night to correct (0: all)\n"
    "  --out DIR              the output directory: new, or empty\n"
    "  --reason TEXT          why: written on every adjustment and in summary.json\n"
    "  --run-date YYYY-MM-DD  the pay date of the adjustments (default: today); not before\n"
    "                         the newest generation's, not in a later year than a replayed night\n"
    "  --timesheets FILE      corrected timesheet rows (a timesheet file's header), each\n"
    "                         replacing the paid row with its timesheet_id\n"
    "  --dry-run              write the outputs, commit nothing: measure a correction first\n"
    "  --params FILE          with --dry-run: parameter rows to try, replacing or adding to DIR's\n"
    "  --verbose              the change set and a one-line summary on stderr\n"
    "  -h, --help             this help\n";

static const char usage_state[] =
    "usage: payrun state init --state DIR [--verbose]\n"
    "       payrun state list --state DIR\n"
    "       payrun state show --state DIR [--generation N] (--provider ID | --recipient ID)\n"
    "       payrun state verify --state DIR\n"
    "       payrun state dump --state DIR [--generation N]\n"
    "       payrun state paychecks --state DIR [--generation N]\n"
    "       payrun state prune --state DIR (--keep N | --before YYYY-MM-DD) [--force]\n"
    "       payrun state compact --state DIR\n"
    "\n"
    "init: make DIR a payrun state (created 0700 when missing; a state written before the\n"
    "marker existed is verified and marked). list: every generation with its run date,\n"
    "base generation, counts and inputs (SHA-256). show: the ledger counters of one\n"
    "provider or recipient in the newest generation (or N): workweek and monthly hours,\n"
    "dues, share of cost, FICA and SDI wages, BUPS hours, violations, income tax withheld\n"
    "by pay period, each year's W-2 sums with the county. verify: every generation's\n"
    "manifest and chain, every block of its checkpoint or delta and of the masters\n"
    "snapshots against its CRC-32 (exit 0 healthy, 2 damaged, naming the file). dump: the\n"
    "ledger of the newest generation (or N) as text (ledger.txt version 1, or 2 once the\n"
    "withholding tables hold a record) on standard output. paychecks: the paychecks that\n"
    "generation paid, kept in the state, as paychecks.csv on standard output. prune:\n"
    "remove generations no longer wanted (all but the newest N, or those run before a\n"
    "date), never the newest and never one run less than four years ago (IRS retention)\n"
    "unless --force. compact: save the newest generation as a checkpoint (a whole ledger)\n"
    "now. list, show, verify, dump and paychecks write nothing and work on a read-only\n"
    "state. See docs/state.md.\n";

static const char usage_diff[] =
    "usage: payrun diff [--csv FILE] [--quiet] OUT_A OUT_B\n"
    "\n"
    "Joins the paychecks and exceptions of two output directories by timesheet id and\n"
    "lists each changed paycheck with the columns that differ (old, new, delta), then\n"
    "an impact summary: paychecks changed, added and removed, the total delta of every\n"
    "money column and per county, and exceptions gained and lost by code. Two\n"
    "corrections' outputs (each with adjustments.csv) compare by their adjustments,\n"
    "negative ones included; a correction's against a night's is trouble.\n"
    "  --csv FILE   write every changed column as timesheet_id,county,column,old,new,delta\n"
    "  --quiet      the summary only\n"
    "Exit: 0 identical, 1 different, 2 trouble (as diff(1)).\n";

static const char usage_whatif[] =
    "usage: payrun whatif --data DIR --params CHANGED.csv [--state DIR [--from-generation N]]\n"
    "                     [--run-date YYYY-MM-DD] [--csv FILE] [--list] [--threads 1|2]\n"
    "                     TIMESHEET_FILE|DIR|-...\n"
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
    "                      [--threads 1|2] --timesheet ID TIMESHEET_FILE|DIR|-...\n"
    "\n"
    "Runs the timesheets as payrun run would (nothing written, state read only) and\n"
    "prints how timesheet ID was paid or refused, step by step: days and minutes,\n"
    "assignment, authorized hours left, cuts, workweek counters and the overtime split,\n"
    "every parameter used with its value, effective date and reference, every deduction\n"
    "with its base, rate and what limited it, and the exceptions raised. With --state, a\n"
    "timesheet a correction adjusted also gets what was paid, each adjustment and the\n"
    "corrected total side by side (docs/corrections.md).\n";

static const char usage_year_end[] =
    "usage: payrun year-end --state DIR --year YYYY --out DIR [--generation N]\n"
    "\n"
    "Writes the W-2 wage statements of a calendar year (by pay date) from the state's\n"
    "ledger alone (the newest generation, or N; read only): OUT/w2.csv, one row per\n"
    "provider paid in the year, in provider id order (provider_id, county, then boxes\n"
    "1, 2, 3, 4, 5, 6, 14 CASDI, 16 and 17), and OUT/w2-totals.json (the count, the sum\n"
    "of every box and the CRC-32 of w2.csv). OUT follows the rules of payrun run's\n"
    "--out: new or empty, never overwritten. See docs/formats.md \"w2.csv\".\n";

/* ---- options ---- */

/* Every option of every command; each command's table lists the ones it takes. */
enum {
    OPT_DATA = 256, OPT_OUT, OPT_STATE, OPT_PROVIDER, OPT_RECIPIENT, OPT_PARAMS, OPT_CSV, OPT_TIMESHEET,
    OPT_GZIP, OPT_VERBOSE, OPT_COMMIT, OPT_LIST, OPT_QUIET, OPT_THREADS, OPT_FROM_GENERATION, OPT_GENERATION,
    OPT_RUN_DATE, OPT_ALLOW_EARLIER, OPT_KEEP, OPT_BEFORE, OPT_FORCE, OPT_REASON, OPT_TIMESHEETS, OPT_DRY_RUN,
    OPT_YEAR,
    OPT_HELP = 'h'
};

#define O_DATA {"data", required_argument, NULL, OPT_DATA}
#define O_OUT {"out", required_argument, NULL, OPT_OUT}
#define O_STATE {"state", required_argument, NULL, OPT_STATE}
#define O_RUN_DATE {"run-date", required_argument, NULL, OPT_RUN_DATE}
#define O_FROM_GEN {"from-generation", required_argument, NULL, OPT_FROM_GENERATION}
#define O_THREADS {"threads", required_argument, NULL, OPT_THREADS}
#define O_HELP {"help", no_argument, NULL, OPT_HELP}
#define O_END {NULL, 0, NULL, 0}

static const struct option run_opts[] = {
    O_DATA, O_OUT, O_STATE, O_RUN_DATE, O_FROM_GEN, O_THREADS, O_HELP,
    {"commit", no_argument, NULL, OPT_COMMIT},
    {"gzip", no_argument, NULL, OPT_GZIP},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"allow-earlier-run-date", no_argument, NULL, OPT_ALLOW_EARLIER},
    O_END};
static const struct option check_opts[] = {O_DATA, O_RUN_DATE, O_HELP, O_END};
static const struct option state_init_opts[] = {O_STATE, O_HELP, {"verbose", no_argument, NULL, OPT_VERBOSE}, O_END};
static const struct option state_list_opts[] = {O_STATE, O_HELP, O_END};
static const struct option prune_opts[] = {
    O_STATE, O_HELP, {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"keep", required_argument, NULL, OPT_KEEP},
    {"before", required_argument, NULL, OPT_BEFORE},
    {"force", no_argument, NULL, OPT_FORCE},
    O_END};
static const struct option state_dump_opts[] = {O_STATE, O_HELP, {"generation", required_argument, NULL, OPT_GENERATION},
                                                O_END};
static const struct option state_show_opts[] = {
    O_STATE, O_HELP,
    {"generation", required_argument, NULL, OPT_GENERATION},
    {"provider", required_argument, NULL, OPT_PROVIDER},
    {"recipient", required_argument, NULL, OPT_RECIPIENT},
    O_END};
static const struct option whatif_opts[] = {
    O_DATA, O_STATE, O_RUN_DATE, O_FROM_GEN, O_THREADS, O_HELP,
    {"params", required_argument, NULL, OPT_PARAMS},
    {"csv", required_argument, NULL, OPT_CSV},
    {"list", no_argument, NULL, OPT_LIST},
    O_END};
static const struct option explain_opts[] = {
    O_DATA, O_STATE, O_RUN_DATE, O_FROM_GEN, O_THREADS, O_HELP,
    {"timesheet", required_argument, NULL, OPT_TIMESHEET},
    O_END};
static const struct option correct_opts[] = {
    O_DATA, O_OUT, O_STATE, O_RUN_DATE, O_FROM_GEN, O_HELP,
    {"reason", required_argument, NULL, OPT_REASON},
    {"timesheets", required_argument, NULL, OPT_TIMESHEETS},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"params", required_argument, NULL, OPT_PARAMS},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    O_END};
static const struct option year_end_opts[] = {
    O_STATE, O_OUT, O_HELP, {"year", required_argument, NULL, OPT_YEAR},
    {"generation", required_argument, NULL, OPT_GENERATION}, O_END};
static const struct option diff_opts[] = {
    O_HELP, {"csv", required_argument, NULL, OPT_CSV}, {"quiet", no_argument, NULL, OPT_QUIET}, O_END};

/* A command: its name, option table and help text. */
typedef struct {
    const char *name;
    const struct option *opts;
    const char *usage;
} command;

static const command commands[] = {
    {"run", run_opts, usage_run},           {"check", check_opts, usage_check},
    {"correct", correct_opts, usage_correct},
    {"state init", state_init_opts, usage_state}, {"state list", state_list_opts, usage_state},
    {"state show", state_show_opts, usage_state}, {"state verify", state_list_opts, usage_state},
    {"state dump", state_dump_opts, usage_state}, {"state paychecks", state_dump_opts, usage_state},
    {"state prune", prune_opts, usage_state},
    {"state compact", state_list_opts, usage_state},
    {"whatif", whatif_opts, usage_whatif},
    {"explain", explain_opts, usage_explain}, {"diff", diff_opts, usage_diff},
    {"year-end", year_end_opts, usage_year_end},
};
#define NCOMMANDS (sizeof commands / sizeof *commands)

/* What the command line said. */
typedef struct {
    const char *data, *out, *state, *provider, *recipient, *params, *csv, *timesheet, *reason, *timesheets;
    int gzip, verbose, commit, list, quiet, allow_earlier_run_date, force, dry_run;
    int keep;                   /* state prune --keep N, 0 unless given */
    int year;                   /* year-end --year YYYY, 0 unless given */
    cal_date before;            /* state prune --before DATE, CAL_NONE unless given */
    int threads;                /* 1: all on this thread; 2 (default): reader and writer threads */
    int from_generation;        /* -1 unless given (--from-generation, or --generation of state show) */
    cal_date run_date;
    char **args;                /* the operands, in order */
    int nargs;
} options;

static cal_date today(void)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    return cal_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* The commands other than cmd that take the long option name (for the message). */
static void owners_of(const char *name, const command *cmd, char *out, size_t n)
{
    size_t k = 0;
    out[0] = '\0';
    for (size_t c = 0; c < NCOMMANDS; c++) {
        if (&commands[c] == cmd || (c > 0 && strcmp(commands[c].name, commands[c - 1].name) == 0))
            continue;
        for (const struct option *op = commands[c].opts; op->name; op++)
            if (strcmp(op->name, name) == 0 && k + strlen(commands[c].name) + 8 < n) {
                k += (size_t)snprintf(out + k, n - k, "%s%s", k ? ", " : "", commands[c].name);
                break;
            }
    }
}

/* The message for an option cmd does not take (argv[i] as typed). */
static void unknown_option(const command *cmd, const char *arg)
{
    char name[128], owners[256];
    if (strncmp(arg, "--", 2) == 0) {
        snprintf(name, sizeof name, "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
        owners_of(name, cmd, owners, sizeof owners);
        if (owners[0]) {
            fprintf(stderr, "payrun %s: unknown option --%s (it belongs to %s)\n", cmd->name, name, owners);
            return;
        }
    }
    fprintf(stderr, "payrun %s: unknown option %s\n", cmd->name, arg);
}

static int parse_generation(const command *cmd, const char *v, int *out)
{
    int64_t g;
    if (fld_count(v, strlen(v), &g) != NULL || g > 999999) {
        fprintf(stderr, "payrun %s: generation %s: not a generation number\n", cmd->name, v);
        return EXIT_USAGE;
    }
    *out = (int)g;
    return 0;
}

/* Applies one option the command's table accepted. Returns 0 or EXIT_USAGE. */
static int take_option(const command *cmd, int c, const char *v, options *o)
{
    switch (c) {
    case OPT_DATA: o->data = v; break;
    case OPT_OUT: o->out = v; break;
    case OPT_STATE: o->state = v; break;
    case OPT_PROVIDER: o->provider = v; break;
    case OPT_RECIPIENT: o->recipient = v; break;
    case OPT_PARAMS: o->params = v; break;
    case OPT_CSV: o->csv = v; break;
    case OPT_TIMESHEET: o->timesheet = v; break;
    case OPT_GZIP: o->gzip = 1; break;
    case OPT_VERBOSE: o->verbose = 1; break;
    case OPT_COMMIT: o->commit = 1; break;
    case OPT_LIST: o->list = 1; break;
    case OPT_QUIET: o->quiet = 1; break;
    case OPT_ALLOW_EARLIER: o->allow_earlier_run_date = 1; break;
    case OPT_FORCE: o->force = 1; break;
    case OPT_REASON: o->reason = v; break;
    case OPT_TIMESHEETS: o->timesheets = v; break;
    case OPT_DRY_RUN: o->dry_run = 1; break;
    case OPT_KEEP: {
        int64_t k;
        if (fld_count(v, strlen(v), &k) != NULL || k < 1 || k > 999999) {
            fprintf(stderr, "payrun %s: --keep %s: a number of generations, at least 1\n", cmd->name, v);
            return EXIT_USAGE;
        }
        o->keep = (int)k;
        break;
    }
    case OPT_YEAR: {
        int64_t y;
        if (fld_count(v, strlen(v), &y) != NULL || y < 1 || y > 9999 || strlen(v) != 4) {
            fprintf(stderr, "payrun %s: --year %s: a year, YYYY\n", cmd->name, v);
            return EXIT_USAGE;
        }
        o->year = (int)y;
        break;
    }
    case OPT_BEFORE:
        if (fld_date(v, strlen(v), &o->before) != NULL) {
            fprintf(stderr, "payrun %s: --before %s: not a date (YYYY-MM-DD)\n", cmd->name, v);
            return EXIT_USAGE;
        }
        break;
    case OPT_FROM_GENERATION:
    case OPT_GENERATION: return parse_generation(cmd, v, &o->from_generation);
    case OPT_THREADS:
        if (strcmp(v, "1") != 0 && strcmp(v, "2") != 0) {
            fprintf(stderr, "payrun %s: --threads %s: 1 or 2\n", cmd->name, v);
            return EXIT_USAGE;
        }
        o->threads = v[0] - '0';
        break;
    case OPT_RUN_DATE: {
        const char *e = fld_date(v, strlen(v), &o->run_date);
        if (e) {
            fprintf(stderr, "payrun %s: --run-date %s: %s\n", cmd->name, v, e);
            return EXIT_USAGE;
        }
        break;
    }
    default: return EXIT_USAGE;
    }
    return 0;
}

/* Parses argv (argv[0] is the command's name) with the command's own option table
 * (getopt_long: --opt VALUE, --opt=VALUE, -- ends the options, operands may come
 * anywhere). Returns 0; -1 after printing the help (exit 0); or EXIT_USAGE with
 * the reason on stderr. */
static int parse_options(int argc, char **argv, const command *cmd, options *o)
{
    memset(o, 0, sizeof *o);
    o->run_date = today();
    o->from_generation = -1;
    o->threads = 2;
    o->before = CAL_NONE;
    optind = 0;     /* GNU: start afresh */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", cmd->opts, NULL)) != -1) {
        if (c == OPT_HELP) {
            fputs(cmd->usage, stdout);
            return -1;
        }
        if (c == '?') {
            unknown_option(cmd, optopt && optopt < 256 ? (char[]){'-', (char)optopt, 0} : argv[optind - 1]);
            fprintf(stderr, "run 'payrun help %.*s' for its options\n", (int)strcspn(cmd->name, " "), cmd->name);
            return EXIT_USAGE;
        }
        if (c == ':') {
            fprintf(stderr, "payrun %s: option %s needs a value\n", cmd->name, argv[optind - 1]);
            return EXIT_USAGE;
        }
        if (take_option(cmd, c, optarg, o) != 0)
            return EXIT_USAGE;
    }
    o->args = argv + optind;
    o->nargs = argc - optind;
    csvr_use_reader_thread(o->threads == 2);
    csvw_use_writer_thread(o->threads == 2);
    return 0;
}

/* ---- timesheet arguments ---- */

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_timesheet_name(const char *n)
{
    size_t k = strlen(n);
    return n[0] != '.' && ((k > 4 && strcmp(n + k - 4, ".csv") == 0) || (k > 7 && strcmp(n + k - 7, ".csv.gz") == 0));
}

/* The timesheet files a list of arguments stands for: a directory is its regular
 * files ending in .csv or .csv.gz, in name order (byte order); '-' is standard
 * input, at most once. *files (malloc'd, strings too) gets them. Returns the count,
 * or -exit code with the reason on stderr. */
static int timesheet_files(const command *cmd, char **args, int nargs, char ***files)
{
    size_t n = 0, cap = (size_t)nargs + 16;
    char **f = malloc(cap * sizeof *f);
    int stdin_seen = 0;
    if (!f)
        goto nomem;
    for (int i = 0; i < nargs; i++) {
        struct stat st;
        if (strcmp(args[i], "-") == 0 && stdin_seen++) {
            fprintf(stderr, "payrun %s: standard input (-) given twice\n", cmd->name);
            goto usage;
        }
        DIR *d = strcmp(args[i], "-") != 0 && stat(args[i], &st) == 0 && S_ISDIR(st.st_mode) ? opendir(args[i]) : NULL;
        if (!d) {
            if (n == cap && !(f = realloc(f, (cap *= 2) * sizeof *f)))
                goto nomem;
            if (!(f[n++] = strdup(args[i])))
                goto nomem;
            continue;
        }
        size_t first = n;
        struct dirent *e;
        while ((e = readdir(d))) {
            char path[4200];
            snprintf(path, sizeof path, "%s%s%s", args[i], args[i][strlen(args[i]) - 1] == '/' ? "" : "/", e->d_name);
            if (!is_timesheet_name(e->d_name) || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
                continue;
            if (n == cap && !(f = realloc(f, (cap *= 2) * sizeof *f))) {
                closedir(d);
                goto nomem;
            }
            if (!(f[n++] = strdup(path))) {
                closedir(d);
                goto nomem;
            }
        }
        closedir(d);
        qsort(f + first, n - first, sizeof *f, by_name);
    }
    *files = f;
    return (int)n;
nomem:
    fprintf(stderr, "payrun: out of memory\n");
    return -EXIT_INTERNAL;
usage:
    for (size_t i = 0; i < n; i++)
        free(f[i]);
    free(f);
    return -EXIT_USAGE;
}

/* What run, whatif and explain check alike, then their timesheet files (as
 * timesheet_files). Returns the count, or -exit code with the reason on stderr. */
static int night_files(const command *cmd, const options *o, char ***files)
{
    if (o->from_generation >= 0 && !o->state) {
        fprintf(stderr, "payrun %s: --from-generation needs --state DIR\n", cmd->name);
        return -EXIT_USAGE;
    }
    return timesheet_files(cmd, o->args, o->nargs, files);
}

static void free_files(char **f, int n)
{
    for (int i = 0; i < n; i++)
        free(f[i]);
    free(f);
}

/* Requires an option, saying which when missing. */
static int need(const command *cmd, const char *value, const char *what)
{
    if (value)
        return 0;
    fprintf(stderr, "payrun %s: %s is required\nrun 'payrun help %.*s' for its options\n", cmd->name, what,
            (int)strcspn(cmd->name, " "), cmd->name);
    return EXIT_USAGE;
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

static int cmd_check(const command *cmd, int argc, char **argv)
{
    options o;
    char **timesheets = NULL;
    int nfiles = 0;
    int rc = parse_options(argc, argv, cmd, &o);
    if (rc == 0)
        rc = need(cmd, o.data, "--data DIR");
    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    if ((nfiles = timesheet_files(cmd, o.args, o.nargs, &timesheets)) < 0)
        return -nfiles;
    masters m = {0};
    load_file files[LOAD_NFILES];
    char err[1024];
    if (load_masters(o.data, &m, files, err, sizeof err) != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        master_free(&m);
        free_files(timesheets, nfiles);
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
    for (int i = 0; i < nfiles; i++) {
        long before = t.rows, rejected_before = 0, rejected_after = 0;
        for (int c = 0; c < EX_COUNT; c++)
            rejected_before += t.rejected[c];
        printf("timesheets %s\n", timesheets[i]);
        csvr_info info;
        if (csvr_read(timesheets[i], tsread_columns, TS_NCOLS, check_row, &t, &info, err, sizeof err) != 0) {
            fprintf(stderr, "payrun: %s\n", err);
            rc = EXIT_DATA;
            break;
        }
        for (int c = 0; c < EX_COUNT; c++)
            rejected_after += t.rejected[c];
        printf("  %ld rows, %ld would be rejected at parse time\n", t.rows - before, rejected_after - rejected_before);
    }
    if (rc == EXIT_OK && nfiles > 0) {
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
    free_files(timesheets, nfiles);
    return rc;
}

static int cmd_run(const command *cmd, int argc, char **argv)
{
    options o;
    int rc = parse_options(argc, argv, cmd, &o);
    if (rc == 0)
        rc = need(cmd, o.data, "--data DIR");
    if (rc == 0)
        rc = need(cmd, o.out, "--out DIR");
    if (rc == 0 && o.nargs == 0) {
        fprintf(stderr, "payrun run: no timesheet file or directory given (an empty directory is a night with no rows)\n");
        rc = EXIT_USAGE;
    }
    if (rc == 0 && o.commit && o.from_generation < 0) {
        fprintf(stderr, "payrun run: --commit goes with --from-generation\n");
        rc = EXIT_USAGE;
    }
    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    char **files;
    int nfiles = night_files(cmd, &o, &files);
    if (nfiles < 0)
        return -nfiles;
    run_options ro = {.data = o.data, .out = o.out, .run_date = o.run_date, .gzip = o.gzip, .verbose = o.verbose,
                      .state = o.state, .from_generation = o.from_generation, .commit = o.commit,
                      .allow_earlier_run_date = o.allow_earlier_run_date, .files = (const char *const *)files,
                      .nfiles = nfiles};
    rc = run_payroll(&ro);
    free_files(files, nfiles);
    return rc;
}

static int cmd_correct(const command *cmd, int argc, char **argv)
{
    options o;
    int rc = parse_options(argc, argv, cmd, &o);
    if (rc == 0)
        rc = need(cmd, o.data, "--data DIR");
    if (rc == 0)
        rc = need(cmd, o.state, "--state DIR");
    if (rc == 0)
        rc = need(cmd, o.out, "--out DIR");
    if (rc == 0)
        rc = need(cmd, o.reason, "--reason TEXT");
    if (rc == 0 && o.from_generation < 0) {
        fprintf(stderr, "payrun correct: --from-generation N is required: the generation before the first night "
                "to correct\n");
        rc = EXIT_USAGE;
    }
    if (rc == 0 && o.params && !o.dry_run) {
        fprintf(stderr, "payrun correct: --params goes with --dry-run only: a committed correction's parameters "
                "must be in --data, where later nights read them\n");
        rc = EXIT_USAGE;
    }
    if (rc == 0 && o.nargs > 0) {
        fprintf(stderr, "payrun correct: takes no operands (corrected timesheet rows go in --timesheets FILE)\n");
        rc = EXIT_USAGE;
    }
    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    correct_options co = {.data = o.data, .state = o.state, .out = o.out, .reason = o.reason,
                          .timesheets = o.timesheets, .params = o.params, .from_generation = o.from_generation,
                          .run_date = o.run_date, .dry_run = o.dry_run, .verbose = o.verbose};
    return correct_payroll(&co);
}

/* `payrun state prune` and `state compact`: under the lock, like a run that commits. */
static int cmd_state_prune(const command *cmd, const options *o)
{
    int compact = strcmp(cmd->name, "state compact") == 0;
    if (!compact && (o->keep > 0) == (o->before != CAL_NONE)) {
        fprintf(stderr, "payrun state prune: one of --keep N or --before YYYY-MM-DD\n%s", usage_state);
        return EXIT_USAGE;
    }
    char err[1024];
    state_dir st;
    int pruned = 0, retained = 0;
    state_prune_opts p = {.keep = o->keep, .before = o->before, .force = o->force, .today = today()};
    int r = state_open(&st, o->state, STATE_COMMIT, err, sizeof err);
    if (r == 0 && compact && st.newest > 0)
        r = state_checkpoint(&st, st.newest, err, sizeof err);
    else if (r == 0 && !compact)
        r = state_prune(&st, &p, &pruned, &retained, err, sizeof err);
    state_close(&st);
    if (r != 0) {
        fprintf(stderr, "payrun: %s%s\n", err, pruned ? " (some generations were pruned before)" : "");
        return exit_of_state(r);
    }
    if (!compact && (o->verbose || retained))
        printf("payrun: pruned %d generation%s of %s%s\n", pruned, pruned == 1 ? "" : "s", o->state,
               retained ? "; kept the ones run less than four years ago (--force prunes them too)" : "");
    return EXIT_OK;
}

/* `payrun state init|list|show|verify|dump|paychecks|prune|compact`. */
static int cmd_state(int argc, char **argv)
{
    const command *cmd = NULL;
    for (size_t c = 0; argc >= 1 && c < NCOMMANDS; c++)
        if (strncmp(commands[c].name, "state ", 6) == 0 && strcmp(commands[c].name + 6, argv[0]) == 0)
            cmd = &commands[c];
    if (!cmd) {
        int help = argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0);
        fputs(usage_state, help ? stdout : stderr);
        return help ? EXIT_OK : EXIT_USAGE;
    }
    options o;
    int rc = parse_options(argc, argv, cmd, &o);
    if (rc == 0)
        rc = need(cmd, o.state, "--state DIR");
    int show = strcmp(cmd->name, "state show") == 0;
    if (rc == 0 && (o.nargs > 0 || (show && !o.provider == !o.recipient))) {
        fprintf(stderr, "payrun %s: %s\n%s", cmd->name, o.nargs > 0 ? "takes no operands" : "one of --provider ID "
                "or --recipient ID", usage_state);
        rc = EXIT_USAGE;
    }
    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    char err[1024];
    if (strcmp(cmd->name, "state init") == 0) {
        int verified;
        int r = state_init(o.state, &verified, err, sizeof err);
        if (r != 0) {
            fprintf(stderr, "payrun: %s\n", err);
            return exit_of_state(r);
        }
        if (verified > 0)
            printf("payrun: verified %d generation%s of %s and marked it as a payrun state\n", verified,
                   verified == 1 ? "" : "s", o.state);
        else if (o.verbose)
            fprintf(stderr, "payrun: %s %s\n", o.state, verified == 0 ? "is a new payrun state" : "is a payrun state already");
        return EXIT_OK;
    }
    if (strcmp(cmd->name, "state prune") == 0 || strcmp(cmd->name, "state compact") == 0)
        return cmd_state_prune(cmd, &o);
    state_dir st;
    int r = state_open(&st, o.state, STATE_READ, err, sizeof err);
    if (r == 0 && strcmp(cmd->name, "state list") == 0)
        r = show_generations(&st, err, sizeof err);
    if (r == 0 && strcmp(cmd->name, "state verify") == 0) {
        int checked;
        r = state_verify(&st, &checked, err, sizeof err);
        if (r == 0)
            printf("state %s: %d generation%s verified, healthy\n", o.state, checked, checked == 1 ? "" : "s");
    }
    int gen = r == 0 && o.from_generation < 0 ? st.newest : o.from_generation;
    int one_gen = strcmp(cmd->name, "state dump") == 0 || strcmp(cmd->name, "state paychecks") == 0;
    if (r == 0 && one_gen && !state_has_generation(&st, gen)) {
        snprintf(err, sizeof err, "no generation %d in %s (newest %d)", gen, o.state, st.newest);
        r = STATE_NO_GENERATION;
    }
    if (r == 0 && strcmp(cmd->name, "state dump") == 0)
        r = state_dump(&st, gen, STDOUT_FILENO, err, sizeof err);
    if (r == 0 && strcmp(cmd->name, "state paychecks") == 0)
        r = show_paychecks(&st, gen, err, sizeof err);
    if (r == 0 && show) {
        int gen = o.from_generation >= 0 ? o.from_generation : st.newest;
        ids_table none = {0};
        ledger lg;
        if (gen > 0 && !state_has_generation(&st, gen)) {
            snprintf(err, sizeof err, "no generation %d in %s (newest %d)", gen, o.state, st.newest);
            r = STATE_NO_GENERATION;
        } else if (ledger_init(&lg, &none, &none, &none) != 0) {
            snprintf(err, sizeof err, "out of memory");
            r = STATE_NO_MEMORY;
        } else {
            r = state_load_all(&st, gen, &lg, err, sizeof err);
            if (r == 0)
                r = show_counters(gen, &lg, o.provider, o.recipient, err, sizeof err);
            ledger_free(&lg);
        }
    }
    state_close(&st);
    if (r != 0) {
        fprintf(stderr, "payrun: %s\n", err);
        return exit_of_state(r);
    }
    return EXIT_OK;
}

/* `payrun whatif` and `payrun explain`. */
static int cmd_whatif_explain(const command *cmd, int argc, char **argv)
{
    int explain = strcmp(cmd->name, "explain") == 0;
    options o;
    int rc = parse_options(argc, argv, cmd, &o);
    if (rc == 0)
        rc = need(cmd, o.data, "--data DIR");
    if (rc == 0)
        rc = need(cmd, explain ? o.timesheet : o.params, explain ? "--timesheet ID" : "--params FILE");
    if (rc == 0 && o.nargs == 0) {
        fprintf(stderr, "payrun %s: at least one timesheet file is required\n", cmd->name);
        rc = EXIT_USAGE;
    }
    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    char **files;
    int nfiles = night_files(cmd, &o, &files);
    if (nfiles < 0)
        return -nfiles;
    run_options ro = {.data = o.data, .run_date = o.run_date, .state = o.state, .from_generation = o.from_generation,
                      .files = (const char *const *)files, .nfiles = nfiles};
    rc = explain ? explain_timesheet(&ro, o.timesheet) : whatif_payroll(&ro, o.params, o.csv, o.list);
    if (explain && rc == EXIT_OK && o.state)
        rc = correct_explain(o.state, o.timesheet);    /* what corrections changed, side by side */
    free_files(files, nfiles);
    return rc;
}

/* `payrun year-end`. */
static int cmd_year_end(const command *cmd, int argc, char **argv)
{
    options o;
    int rc = parse_options(argc, argv, cmd, &o);
    if (rc == 0)
        rc = need(cmd, o.state, "--state DIR");
    if (rc == 0)
        rc = need(cmd, o.out, "--out DIR");
    if (rc == 0 && o.year == 0) {
        fprintf(stderr, "payrun %s: --year YYYY is required\n", cmd->name);
        rc = EXIT_USAGE;
    }
    if (rc == 0 && o.nargs > 0) {
        fprintf(stderr, "payrun %s: takes no operands\n", cmd->name);
        rc = EXIT_USAGE;
    }
    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    return year_end(o.state, o.year, o.from_generation, o.out);
}

/* `payrun diff`: exit codes as diff(1), 2 for trouble (a usage error too). */
static int cmd_diff(const command *cmd, int argc, char **argv)
{
    options o;
    int rc = parse_options(argc, argv, cmd, &o);
    if (rc < 0)
        return 0;
    if (rc != 0 || o.nargs != 2) {
        if (rc == 0)
            fputs(usage_diff, stderr);
        return 2;
    }
    return diff_outputs(o.args[0], o.args[1], o.csv, o.quiet);
}

static const command *find_command(const char *name)
{
    for (size_t c = 0; c < NCOMMANDS; c++)
        if (strcmp(commands[c].name, name) == 0 || (strncmp(name, "state", 5) == 0 && strncmp(commands[c].name, "state", 5) == 0 && strcmp(name, "state") == 0))
            return &commands[c];
    return NULL;
}

int main(int argc, char **argv)
{
    /* a file-size limit (ulimit -f) is an ordinary write error (exit 4), not a signal */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || (strcmp(name, "help") == 0 && argc == 2)) {
        fputs(usage_main, stdout);
        return EXIT_OK;
    }
    if (strcmp(name, "--version") == 0) {
        printf("payrun %s%s%s%s\n", PAYRUN_VERSION, PAYRUN_COMMIT[0] ? " (git " : "", PAYRUN_COMMIT,
               PAYRUN_COMMIT[0] ? ")" : "");
        return EXIT_OK;
    }
    if (strcmp(name, "help") == 0) {
        const command *cmd = find_command(argv[2]);
        if (!cmd) {
            fprintf(stderr, "payrun help: unknown command %s\n%s", argv[2], usage_main);
            return EXIT_USAGE;
        }
        fputs(cmd->usage, stdout);
        return EXIT_OK;
    }
    if (strcmp(name, "state") == 0)
        return cmd_state(argc - 2, argv + 2);
    const command *cmd = find_command(name);
    if (!cmd) {
        fprintf(stderr, "payrun: unknown command %s\n%s", name, usage_main);
        return EXIT_USAGE;
    }
    /* argv + 1: the command's name stands where getopt_long expects the program's */
    if (cmd->opts == run_opts)
        return cmd_run(cmd, argc - 1, argv + 1);
    if (cmd->opts == check_opts)
        return cmd_check(cmd, argc - 1, argv + 1);
    if (cmd->opts == correct_opts)
        return cmd_correct(cmd, argc - 1, argv + 1);
    if (cmd->opts == diff_opts)
        return cmd_diff(cmd, argc - 1, argv + 1);
    if (cmd->opts == year_end_opts)
        return cmd_year_end(cmd, argc - 1, argv + 1);
    return cmd_whatif_explain(cmd, argc - 1, argv + 1);
}
