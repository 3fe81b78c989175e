/* show.c — `payrun state list`, `show` and `paychecks`: the generations of a state, one person's counters and a night's paychecks, printed. */
#include "show.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "cal.h"
#include "csvw.h"
#include "fsafe.h"
#include "money.h"
#include "out.h"

#define errf fsafe_errf

static int32_t key_who(uint64_t k) { return (int32_t)(k >> 32); }
static int32_t key_when(uint64_t k) { return (int32_t)(uint32_t)k; }


int show_generations(const state_dir *s, char *err, size_t errlen)
{
    if (s->newest == 0)
        printf("state %s: no generation yet\n", s->dir);
    for (int g = 1; g <= s->newest; g++) {
        char line[8400];
        FILE *f = state_manifest_open(s, g);
        if (!f)
            continue;
        printf("generation %d\n", g);
        if (!fgets(line, sizeof line, f) || strncmp(line, "payrun-manifest ", 16) != 0) {
            fclose(f);
            return errf(err, errlen, STATE_DAMAGED, "%s/gen-%06d/manifest.txt: not a payrun manifest", s->dir, g);
        }
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "generation ", 11) != 0)
                printf("  %s", line);
        printf("  outputs %s\n", state_is_published(s, g) ? "published" : "not yet published");
        fclose(f);
    }
    return 0;
}


/* The records of who in table t, by date: their indexes into *out (malloc'd); the count, or -1. */
static const ledger_table *sort_table;
static int by_when(const void *a, const void *b)
{
    int32_t x = key_when(ledger_key_at(sort_table, (size_t)*(const int32_t *)a));
    int32_t y = key_when(ledger_key_at(sort_table, (size_t)*(const int32_t *)b));
    return x < y ? -1 : x > y;
}

static int records_of(const ledger_table *t, int32_t who, int32_t **out)
{
    int n = 0;
    *out = malloc(sizeof **out * (t->n ? t->n : 1));
    if (!*out)
        return -1;
    for (size_t i = 0; i < t->n; i++)
        if (key_who(ledger_key_at(t, i)) == who)
            (*out)[n++] = (int32_t)i;
    sort_table = t;
    if (n > 1)
        qsort(*out, (size_t)n, sizeof **out, by_when);
    return n;
}

/* A provider's yearly and quarterly wage sums, withholding by pay period, W-2 sums
 * by year of the pay date with the county they name (none printed when the tables
 * hold no record of the provider) and violation months. Returns 0, or -1 out of memory. */
static int show_provider_sums(ledger *lg, int32_t who)
{
    char a[32], b[32], c[32], d[11];
    int32_t *ix;
    int n;
    const ledger_table *t = &lg->provider_year;
    if ((n = records_of(t, who, &ix)) < 0)
        return -1;
    for (int k = 0; k < n; k++) {
        const ledger_provider_year *r = ledger_row(t, ix[k]);
        money_format_cents(r->fica_wages, a);
        money_format_cents(r->sdi_taxed, b);
        printf("  year %d: FICA wages %s, SDI-taxed wages %s\n", key_when(ledger_key_at(t, (size_t)ix[k])), a, b);
    }
    free(ix);
    t = &lg->provider_quarter;
    if ((n = records_of(t, who, &ix)) < 0)
        return -1;
    for (int k = 0; k < n; k++) {
        const ledger_provider_quarter *r = ledger_row(t, ix[k]);
        int32_t q = key_when(ledger_key_at(t, (size_t)ix[k]));
        money_format_cents(r->sdi_subject, a);
        money_format_cents(r->sdi_taxed, b);
        printf("  quarter %d-Q%d: SDI-subject wages %s, SDI-taxed %s\n", q / 4, q % 4 + 1, a, b);
    }
    free(ix);
    t = &lg->provider_period;
    if ((n = records_of(t, who, &ix)) < 0)
        return -1;
    for (int k = 0; k < n; k++) {
        const ledger_provider_period *r = ledger_row(t, ix[k]);
        cal_format(key_when(ledger_key_at(t, (size_t)ix[k])), d);
        money_format_cents(r->wages, a);
        money_format_cents(r->fed_taken, b);
        money_format_cents(r->state_taken, c);
        printf("  pay period %s: wages %s, federal income tax taken %s, California income tax taken %s\n", d, a, b, c);
    }
    free(ix);
    t = &lg->provider_w2;
    if ((n = records_of(t, who, &ix)) < 0)
        return -1;
    for (int k = 0; k < n; k++) {
        const ledger_provider_w2 *r = ledger_row(t, ix[k]);
        money_format_cents(r->gross, a);
        money_format_cents(r->fed, b);
        printf("  W-2 year %d (pay dates): wages %s, federal income tax %s", key_when(ledger_key_at(t, (size_t)ix[k])),
               a, b);
        money_format_cents(r->ss_wages, a);
        money_format_cents(r->ss_tax, b);
        printf(", social security wages %s, tax %s", a, b);
        money_format_cents(r->medicare_wages, a);
        money_format_cents(r->medicare_tax, b);
        printf(", Medicare wages %s, tax %s", a, b);
        money_format_cents(r->sdi, a);
        money_format_cents(r->state, b);
        printf(", CASDI %s, California income tax %s, county %s\n", a, b,
               r->county > 0 && r->county <= ledger_ids_count(&lg->counties) ? ledger_ids_name(&lg->counties, r->county - 1)
                                                                           : "(none)");
    }
    free(ix);
    const int32_t *v = ledger_peek(&lg->violations, ledger_key(who, 0));
    printf("  workweek violation months: %d\n", v ? *v : 0);
    return 0;
}

int show_counters(int gen, ledger *lg, const char *provider, const char *recipient, char *err, size_t errlen)
{
    char d[11], a[32], hm[24];
    const ledger_ids *ids = provider ? &lg->providers : &lg->recipients;
    const char *id = provider ? provider : recipient;
    int32_t who = ledger_ids_find(ids, id, strlen(id));
    if (who < 0)
        return errf(err, errlen, STATE_NOT_FOUND, "%s %s has no counters in generation %d", provider ? "provider" : "recipient",
                    id, gen);
    printf("%s %s, generation %d\n", provider ? "provider" : "recipient", id, gen);
    int32_t *ix;
    int n;
    const ledger_table *t = provider ? &lg->provider_week : &lg->recipient_week;
    if ((n = records_of(t, who, &ix)) < 0)
        return errf(err, errlen, STATE_ERROR, "out of memory");
    printf("  workweeks (Sunday start): paid hours\n");
    for (int k = 0; k < n; k++) {
        cal_format(key_when(ledger_key_at(t, (size_t)ix[k])), d);
        if (provider) {
            const ledger_provider_week *r = ledger_row(t, ix[k]);
            cal_format_hm(r->minutes, hm);
            printf("    %s  %s%s\n", d, hm, r->multi ? "  (more than one recipient)" : "");
        } else {
            cal_format_hm(*(const int32_t *)ledger_row(t, ix[k]), hm);
            printf("    %s  %s\n", d, hm);
        }
    }
    free(ix);
    t = provider ? &lg->provider_month : &lg->recipient_month;
    if ((n = records_of(t, who, &ix)) < 0)
        return errf(err, errlen, STATE_ERROR, "out of memory");
    printf("  service months: paid hours, %s\n", provider ? "union dues taken, violation counted" : "share of cost taken");
    for (int k = 0; k < n; k++) {
        int32_t m = key_when(ledger_key_at(t, (size_t)ix[k]));
        if (provider) {
            const ledger_provider_month *r = ledger_row(t, ix[k]);
            cal_format_hm(r->minutes, hm);
            money_format_cents(r->dues, a);
            printf("    %04d-%02d  %s  dues %s%s\n", m / 12, m % 12 + 1, hm, a, r->violation ? "  violation" : "");
        } else {
            const ledger_recipient_month *r = ledger_row(t, ix[k]);
            cal_format_hm(r->minutes, hm);
            money_format_cents(r->soc_taken, a);
            printf("    %04d-%02d  %s  share of cost %s\n", m / 12, m % 12 + 1, hm, a);
        }
    }
    free(ix);
    if (provider) {
        if (show_provider_sums(lg, who) != 0)
            return errf(err, errlen, STATE_ERROR, "out of memory");
    } else {
        t = &lg->bups_year;
        if ((n = records_of(t, who, &ix)) < 0)
            return errf(err, errlen, STATE_ERROR, "out of memory");
        for (int k = 0; k < n; k++) {
            int32_t fy = key_when(ledger_key_at(t, (size_t)ix[k]));
            cal_format_hm(*(const int64_t *)ledger_row(t, ix[k]), hm);
            printf("  BUPS fiscal year %d-%02d: %s used\n", fy, (fy + 1) % 100, hm);
        }
        free(ix);
    }
    return 0;
}

/* One archived paycheck as its row of paychecks.csv. */
static int put_row(void *ctx, const char *prefix, const char *pay_date, const arch_paycheck *p)
{
    char period[11];
    cal_format(p->period_start, period);
    out_paycheck_row(ctx, prefix, strlen(prefix), pay_date, period, p);
    return 0;
}

int show_paychecks(const state_dir *s, int gen, char *err, size_t errlen)
{
    char dir[64];
    snprintf(dir, sizeof dir, "gen-%06d", gen);
    int gfd = fsafe_open_subdir(s->dfd, dir);
    if (gfd < 0)
        return errf(err, errlen, STATE_ERROR, "%s/%s: cannot open: %s", s->dir, dir, fsafe_strerror(errno));
    if (faccessat(gfd, ARCH_PAYCHECKS, F_OK, AT_SYMLINK_NOFOLLOW) != 0) {
        close(gfd);
        return errf(err, errlen, STATE_NO_GENERATION, "%s/%s: no %s: this generation was written before payrun kept "
                    "each night's paychecks (or it paid nothing that was archived)", s->dir, dir, ARCH_PAYCHECKS);
    }
    csvw w;
    if (csvw_open_fd(&w, STDOUT_FILENO, 0) != 0) {
        close(gfd);
        return errf(err, errlen, STATE_ERROR, "out of memory");
    }
    out_paycheck_header(&w);
    char why[512];
    int rc = arch_pay_read(gfd, ARCH_PAYCHECKS, put_row, &w, why, sizeof why);
    close(gfd);
    int closed = csvw_close(&w);
    if (rc != 0)
        return errf(err, errlen, STATE_DAMAGED, "%s/%s/%s", s->dir, dir, why);
    if (closed != 0)
        return errf(err, errlen, STATE_ERROR, "standard output: write failed: %s", strerror(errno));
    return 0;
}
