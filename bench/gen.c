/* gen.c — deterministic synthetic IHSS data: masters, parameters and a timesheet file of M rows. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* usage: gen --out DIR [--providers N] [--rows M] [--seed S]
 * Writes the CSV files of DIR/data (parameters, providers, recipients, authorizations,
 * assignments, overpayments, holidays) and DIR/timesheets.csv. Most pairs are 1:1;
 * every 10th recipient has a second provider, every 7th provider a second
 * recipient; every 20th assignment is BUPS; family relationships, SOC and union
 * members are spread over the set. Rows cycle over the pairs and the six pay
 * periods 2026-09-01 .. 2026-11-16, so ids and periods stay distinct, all received
 * 2026-12-01..03 (a nightly drop paid on 2026-12-04); about 1% of rows carry each
 * kind of error. The same arguments always give the same bytes. */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static int below(int n) { return (int)(rnd() % (uint64_t)n); }

static FILE *open_out(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gen: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    return f;
}

static const char *const counties[] = {"alameda", "fresno", "los_angeles", "sacramento", "san_diego"};
static const char *const wages[] = {"19.00", "17.25", "20.15", "19.60", "18.75"};
#define NCOUNTIES 5

static void write_parameters(const char *dir)
{
    FILE *f = open_out(dir, "parameters.csv");
    fputs("parameter,scope,effective_from,value,reference\n", f);
    for (int c = 0; c < NCOUNTIES; c++)
        fprintf(f, "wage.hourly,%s,2025-01-01,%s,illustrative generated wage\n", counties[c], wages[c]);
    fputs("overtime.multiplier,*,2025-01-01,1.5,FLSA one and one-half times\n"
          "overtime.weekly_threshold,*,2025-01-01,40:00,W&I Code 12300.4\n"
          "bups.differential,*,2025-01-01,2.00,seed 004\n"
          "bups.annual_hours,*,2025-01-01,80:00,seed 004\n"
          "bups.annual_hours_exception,*,2025-01-01,160:00,seed 004\n"
          "workweek.multi_recipient_max,*,2025-01-01,66:00,seed 004\n"
          "workweek.single_recipient_max,*,2025-01-01,70:45,seed 004\n"
          "workweek.exemption_max,*,2025-01-01,90:00,seed 004\n"
          "workweek.exemption_monthly_max,*,2025-01-01,360:00,seed 004\n"
          "fica.ss_rate,*,2025-01-01,0.062,IRS Pub 15\n"
          "fica.ss_wage_base,*,2026-01-01,184500.00,IRS Pub 15 (2026)\n"
          "fica.medicare_rate,*,2025-01-01,0.0145,IRS Pub 15\n"
          "fica.medicare_additional_rate,*,2025-01-01,0.009,IRS Pub 15\n"
          "fica.medicare_additional_threshold,*,2025-01-01,200000.00,IRS Pub 15\n"
          "sdi.rate,*,2026-01-01,0.013,EDD DE 44 (2026)\n"
          "sdi.wage_ceiling,*,2026-01-01,,EDD: no ceiling\n"
          "sdi.quarter_threshold,*,2025-01-01,750.00,seed 003\n"
          "union.dues_scale,*,2025-01-01,0:00=10.30; 25:01=15.90; 50:01=21.80; 80:01=29.50; 149:01=40.70,illustrative\n"
          "union.hours_threshold,*,2025-01-01,15:00,seed 003\n"
          "payment.business_days,*,2025-01-01,10,seed 003\n",
          f);
    fclose(f);
    f = open_out(dir, "holidays.csv");
    fputs("date,name\n2026-09-07,Labor Day\n2026-09-25,Native American Day\n2026-11-11,Veterans Day\n"
          "2026-11-26,Thanksgiving Day\n2026-11-27,Day after Thanksgiving\n2026-12-25,Christmas Day\n",
          f);
    fclose(f);
}

/* The six periods rows cycle over: first day (1 or 16), month, days in the period. */
static const struct {
    int month, first, days;
} periods[] = {{9, 1, 15}, {9, 16, 15}, {10, 1, 15}, {10, 16, 16}, {11, 1, 15}, {11, 16, 15}};

static void hours_cell(FILE *f, int minutes, int tenths)
{
    if (minutes == 0) {
        fputs(below(3) == 0 ? "x" : "", f);
    } else if (tenths && minutes % 6 == 0) {
        fprintf(f, "%d.%d", minutes / 60, minutes % 60 / 6);
    } else {
        fprintf(f, "%d:%02d", minutes / 60, minutes % 60);
    }
}

int main(int argc, char **argv)
{
    const char *out = NULL;
    long providers = 1000, rows = 10000;
    unsigned long long seed = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "--providers") == 0 && i + 1 < argc)
            providers = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
            rows = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: gen --out DIR [--providers N] [--rows M] [--seed S]\n");
            return 1;
        }
    }
    if (!out || providers < 10 || rows < 1) {
        fprintf(stderr, "usage: gen --out DIR [--providers N>=10] [--rows M] [--seed S]\n");
        return 1;
    }
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
    char data[4096];
    snprintf(data, sizeof data, "%s/data", out);
    mkdir(out, 0755);
    mkdir(data, 0755);
    write_parameters(data);

    long recipients = providers;
    FILE *f = open_out(data, "providers.csv");
    fputs("provider_id,name,county,enrollment,elective_sdi,union_member,workweek_exemption\n", f);
    for (long p = 0; p < providers; p++)
        fprintf(f, "P%07ld,Provider %ld,%s,%s,%c,%c,%c\n", p, p, counties[p % NCOUNTIES],
                p % 101 == 5 ? "pending" : "complete", p % 13 == 0 ? 'y' : 'n', p % 4 ? 'y' : 'n',
                p % 97 == 3 ? 'y' : 'n');
    fclose(f);
    f = open_out(data, "recipients.csv");
    fputs("recipient_id,name,county,birth_date,severely_impaired,bups_exception,esp_inactivated_on\n", f);
    for (long r = 0; r < recipients; r++)
        fprintf(f, "R%07ld,Recipient %ld,%s,%d-%02d-%02d,%c,%c,%s\n", r, r, counties[r % NCOUNTIES],
                1930 + (int)(r % 90), 1 + (int)(r % 12), 1 + (int)(r % 28), r % 9 == 0 ? 'y' : 'n',
                r % 18 == 0 ? 'y' : 'n', r % 211 == 7 ? "2026-10-01" : "");
    fclose(f);
    f = open_out(data, "authorizations.csv");
    fputs("recipient_id,month,authorized_hours,share_of_cost,soc_met_by_medical,medi_cal_eligible\n", f);
    for (long r = 0; r < recipients; r++)
        for (int m = 9; m <= 11; m++)
            fprintf(f, "R%07ld,2026-%02d,%d:00,%s,%s,%c\n", r, m, 60 + (int)(r * 7 % 220),
                    r % 15 == 0 ? "200.00" : "0.00", r % 15 == 0 ? "110.00" : "0.00", r % 300 == 11 ? 'n' : 'y');
    fclose(f);

    /* pairs: provider p <-> recipient p; every 10th recipient also has provider p+1;
     * every 7th provider also works for recipient p+3 */
    f = open_out(data, "assignments.csv");
    fputs("provider_id,recipient_id,relationship,backup,start_date,end_date\n", f);
    long npairs = 0, cap = providers * 2 + 16;
    long *pp = malloc(sizeof *pp * (size_t)cap), *pr = malloc(sizeof *pr * (size_t)cap);
    static const char *const rel[] = {"other", "other", "other", "other", "parent", "spouse", "child", "other"};
    for (long p = 0; p < providers; p++) {
        pp[npairs] = p;
        pr[npairs++] = p;
        fprintf(f, "P%07ld,R%07ld,%s,%s,2025-01-01,\n", p, p, rel[p % 8], p % 20 == 0 ? "bups" : "no");
        if (p % 10 == 0 && p + 1 < providers) {
            pp[npairs] = p + 1;
            pr[npairs++] = p;
            fprintf(f, "P%07ld,R%07ld,other,no,2025-01-01,\n", p + 1, p);
        }
        if (p % 7 == 0 && p + 3 < recipients) {
            pp[npairs] = p;
            pr[npairs++] = p + 3;
            fprintf(f, "P%07ld,R%07ld,other,no,2025-01-01,2026-11-20\n", p, p + 3);
        }
    }
    fclose(f);
    f = open_out(data, "overpayments.csv");
    fputs("provider_id,overpayment_id,balance,per_check_max\n", f);
    for (long p = 0; p < providers; p += 50)
        fprintf(f, "P%07ld,OP%07ld,%d.00,50.00\n", p, p, 100 + (int)(p % 400));
    fclose(f);

    f = open_out(out, "timesheets.csv");
    fputs("timesheet_id,provider_id,recipient_id,period_start,kind,channel,provider_signed_on,recipient_signed_on,"
          "received_on,d01,d02,d03,d04,d05,d06,d07,d08,d09,d10,d11,d12,d13,d14,d15,d16,total\n",
          f);
    for (long k = 0; k < rows; k++) {
        long pair = k % npairs;
        int per = (int)((k / npairs) % 6);
        int month = periods[per].month, first = periods[per].first, ndays = periods[per].days;
        int last = first + ndays - 1;
        int err = below(100);   /* 0..11: one kind of error each, ~1% */
        char sign[48], recv[48];
        snprintf(sign, sizeof sign, "2026-%02d-%02d", month, last);
        /* the nightly drop: received in the days before the run date (2026-12-04), whatever the period */
        int rday = 1 + below(3), rmonth = 12;
        snprintf(recv, sizeof recv, "2026-%02d-%02d", rmonth, rday);
        if (err == 0)
            fprintf(f, "T%09ld,P%07ld,R%07ld,2026-%02d-%02d,regular,paper,%s,%s,%s", k, pp[pair], pr[pair], month,
                    first + 4, sign, sign, recv);
        else
            fprintf(f, "T%09ld,%s%07ld,R%07ld,2026-%02d-%02d,%s,%s,%s,%s,%s", err == 1 ? k - 1 : k,
                    err == 2 ? "Q" : "P", pp[pair], pr[pair], month, first, err == 3 ? "catch_up" : "regular",
                    err == 4 || pr[pair] % 211 == 7 ? "electronic" : "paper", err == 5 ? "" : sign,
                    err == 6 ? "2026-09-02" : sign, recv);
        int tenths = below(4) == 0, total = 0;
        for (int d = 0; d < 16; d++) {
            int minutes = 0;
            if (d < ndays && below(10) < 6)
                minutes = (below(4) == 0 ? 6 * (1 + below(60)) : 30 * (2 + below(16)));
            if (err == 7 && d == 2)
                minutes = 25 * 60;
            fputc(',', f);
            if (err == 8 && d == 3)
                fputs("abc", f);
            else
                hours_cell(f, minutes, tenths);
            total += minutes;
        }
        if (below(2) == 0)
            fprintf(f, ",%d:%02d\n", (total + (err == 9 ? 60 : 0)) / 60, (total + (err == 9 ? 60 : 0)) % 60);
        else
            fputs(",\n", f);
    }
    fclose(f);
    free(pp);
    free(pr);
    return 0;
}
