/* test_csvr.c — CUnit suite for the streaming CSV reader (formats/csvr.h) on temporary files. */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "csvr.h"
#include "digest.h"
#include "test_util.h"

static char dir[64];

static int suite_init(void) { return tu_mkdtemp(dir, sizeof dir); }
static int suite_clean(void)
{
    tu_rmtree(dir);
    return 0;
}

/* The same tests again with the reader thread parsing and handing rows over in
 * batches: every row, line, error and info must be the same. */
static int threaded_mode;
static int threaded_init(void)
{
    threaded_mode = 1;
    csvr_use_reader_thread(1);
    return suite_init();
}
static int threaded_clean(void)
{
    threaded_mode = 0;
    csvr_use_reader_thread(0);
    return suite_clean();
}

/* Wanted columns of most tests: a and b required, c optional. */
static const csvr_column ABC[] = {{"a", 1}, {"b", 1}, {"c", 0}};

#define MAXROWS 8
#define MAXVAL 64

/* What the callback saw. */
typedef struct {
    int nrows;          /* calls */
    int stop_at;        /* return stop_rc from this call (1-based), 0 = never */
    int stop_rc;
    long line[MAXROWS];
    size_t nfields[MAXROWS], nheader[MAXROWS];
    char val[MAXROWS][3][MAXVAL];
    size_t len[MAXROWS][3];
    int col[MAXROWS][3];
    long sum_lines;     /* for big files */
    int bad_big;        /* big files: rows whose values do not match their number */
    char over[MAXROWS][96];     /* row->oversize, "" when NULL */
    int over_rows;      /* rows with row->oversize set */
} seen;

static int collect(void *ctx, const csvr_row *row)
{
    seen *s = ctx;
    int i = s->nrows++;
    if (i < MAXROWS) {
        s->line[i] = row->line;
        s->nfields[i] = row->nfields;
        s->nheader[i] = row->nheader;
        for (int c = 0; c < 3; c++) {
            size_t n;
            const char *v = csvr_get(row, c, &n);
            s->len[i][c] = n;
            memcpy(s->val[i][c], v, n < MAXVAL - 1 ? n : MAXVAL - 1);
            s->val[i][c][n < MAXVAL - 1 ? n : MAXVAL - 1] = '\0';
            s->col[i][c] = row->col[c];
        }
        snprintf(s->over[i], sizeof s->over[i], "%s", row->oversize ? row->oversize : "");
    }
    s->over_rows += row->oversize != NULL;
    s->sum_lines += row->line;
    if (s->stop_at && s->nrows == s->stop_at)
        return s->stop_rc;
    return 0;
}

/* Writes content to dir/name and returns the path (static buffer per call site). */
static const char *put(char *path, size_t n, const char *name, const void *content, size_t len)
{
    tu_path(path, n, dir, name);
    CU_ASSERT_EQUAL_FATAL(tu_write(path, content, len), 0);
    return path;
}

static int read_file(const char *path, const csvr_column *cols, int ncols, seen *s, csvr_info *info, char *err)
{
    memset(s->line, 0, sizeof s->line);
    err[0] = '\0';
    return csvr_read(path, cols, ncols, collect, s, info, err, 512);
}

static void test_columns_any_order(void)
{
    char p[256], err[512];
    seen s = {0};
    csvr_info info;
    const char *csv = "c,junk,b,a,more\n3,x,2,1,y\n30,x,20,10,y\n";
    put(p, sizeof p, "order.csv", csv, strlen(csv));
    ASSERT_I64(read_file(p, ABC, 3, &s, &info, err), 0);
    ASSERT_STR(err, "");
    ASSERT_I64(s.nrows, 2);
    ASSERT_I64(info.rows, 2);
    ASSERT_I64(s.col[0][0], 3);
    ASSERT_I64(s.col[0][1], 2);
    ASSERT_I64(s.col[0][2], 0);
    ASSERT_STR(s.val[0][0], "1");
    ASSERT_STR(s.val[0][1], "2");
    ASSERT_STR(s.val[0][2], "3");
    ASSERT_STR(s.val[1][0], "10");
    ASSERT_STR(s.val[1][1], "20");
    ASSERT_STR(s.val[1][2], "30");
    ASSERT_I64(s.nheader[0], 5);
    ASSERT_I64(s.nfields[0], 5);
    ASSERT_I64(s.line[0], 2);
    ASSERT_I64(s.line[1], 3);

    /* the optional column absent: -1 and "" */
    seen s2 = {0};
    csv = "b,a\n2,1\n";
    put(p, sizeof p, "noc.csv", csv, strlen(csv));
    ASSERT_I64(read_file(p, ABC, 3, &s2, NULL, err), 0);
    ASSERT_I64(s2.nrows, 1);
    ASSERT_I64(s2.col[0][2], -1);
    ASSERT_STR(s2.val[0][2], "");
    ASSERT_I64(s2.len[0][2], 0);

    /* a short row: missing fields read as "" */
    seen s3 = {0};
    csv = "a,b,c\n1\n";
    put(p, sizeof p, "short.csv", csv, strlen(csv));
    ASSERT_I64(read_file(p, ABC, 3, &s3, NULL, err), 0);
    ASSERT_I64(s3.nfields[0], 1);
    ASSERT_I64(s3.nheader[0], 3);
    ASSERT_STR(s3.val[0][0], "1");
    ASSERT_STR(s3.val[0][1], "");
}

static void test_header_errors(void)
{
    char p[256], err[512], want[512];
    seen s = {0};
    const char *csv = "a,c\n1,3\n";
    put(p, sizeof p, "missing.csv", csv, strlen(csv));
    ASSERT_I64(read_file(p, ABC, 3, &s, NULL, err), CSVR_ERROR);
    snprintf(want, sizeof want, "%s:1: missing required column b", p);
    ASSERT_STR(err, want);
    ASSERT_I64(s.nrows, 0);

    /* names are exact: "B" or " b" is not b */
    seen s1 = {0};
    csv = "a, b\n1,2\n";
    put(p, sizeof p, "spaced.csv", csv, strlen(csv));
    ASSERT_I64(read_file(p, ABC, 3, &s1, NULL, err), CSVR_ERROR);
    snprintf(want, sizeof want, "%s:1: missing required column b", p);
    ASSERT_STR(err, want);

    seen s2 = {0};
    csv = "a,b,a\n1,2,3\n";
    put(p, sizeof p, "dup.csv", csv, strlen(csv));
    ASSERT_I64(read_file(p, ABC, 3, &s2, NULL, err), CSVR_ERROR);
    snprintf(want, sizeof want, "%s:1: column a appears twice in the header", p);
    ASSERT_STR(err, want);
    ASSERT_I64(s2.nrows, 0);

    /* a duplicated unknown column is an error too (the header is checked as a whole) */
    seen s3 = {0};
    csv = "a,b,x,x\n1,2,3,4\n";
    put(p, sizeof p, "dupx.csv", csv, strlen(csv));
    ASSERT_I64(read_file(p, ABC, 3, &s3, NULL, err), CSVR_ERROR);
    snprintf(want, sizeof want, "%s:1: column x appears twice in the header", p);
    ASSERT_STR(err, want);
}

static void test_bom(void)
{
    char p[256], err[512];
    seen s = {0};
    const char *csv = "\xEF\xBB\xBF" "a,b\n1,2\n";
    put(p, sizeof p, "bom.csv", csv, strlen(csv));
    ASSERT_I64(read_file(p, ABC, 3, &s, NULL, err), 0);
    ASSERT_STR(err, "");
    ASSERT_I64(s.nrows, 1);
    ASSERT_I64(s.col[0][0], 0);
    ASSERT_STR(s.val[0][0], "1");
    ASSERT_STR(s.val[0][1], "2");
    ASSERT_I64(s.line[0], 2);
    /* a BOM only at the start of the file: in a data field it is data */
    seen s2 = {0};
    csv = "\xEF\xBB\xBF" "b,a\n\xEF\xBB\xBFx,y\n";
    put(p, sizeof p, "bom2.csv", csv, strlen(csv));
    ASSERT_I64(read_file(p, ABC, 3, &s2, NULL, err), 0);
    ASSERT_STR(s2.val[0][1], "\xEF\xBB\xBFx");
    ASSERT_STR(s2.val[0][0], "y");
    /* a BOM before a quoted first name (RFC 4180 allows quoting any header name) */
    seen s3 = {0};
    csv = "\xEF\xBB\xBF\"a\",\"b\"\n1,2\n";
    put(p, sizeof p, "bom3.csv", csv, strlen(csv));
    ASSERT_I64(read_file(p, ABC, 3, &s3, NULL, err), 0);
    ASSERT_STR(err, "");
    ASSERT_I64(s3.nrows, 1);
    ASSERT_STR(s3.val[0][0], "1");
    ASSERT_STR(s3.val[0][1], "2");
    /* and in a gzip file */
    seen s4 = {0};
    tu_path(p, sizeof p, dir, "bom4.csv");
    CU_ASSERT_EQUAL_FATAL(tu_write_gzip(p, "\xEF\xBB\xBF" "a,b\n1,2\n", 11), 0);
    ASSERT_I64(read_file(p, ABC, 3, &s4, NULL, err), 0);
    ASSERT_I64(s4.nrows, 1);
    ASSERT_STR(s4.val[0][0], "1");
}

/* LF, CRLF and CR-only line ends give the same rows on the same lines. */
static void test_line_ends(void)
{
    static const char *const files[] = {
        "a,b\n1,2\n3,4\n5,6\n",
        "a,b\r\n1,2\r\n3,4\r\n5,6\r\n",
        "a,b\r\n1,2\r\n3,4\r\n5,6",          /* no final line end */
        "a,b\n1,2\n3,4\n5,6",
        "a,b\r1,2\r3,4\r5,6\r",           /* old Mac CR-only */
        "a,b\r1,2\r3,4\n5,6\r\n",         /* mixed: a row ended by CR, then one by LF */
        "a,b\n1,2\r3,4\r\n5,6\n",
    };
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char p[256], err[512];
        seen s = {0};
        put(p, sizeof p, "ends.csv", files[f], strlen(files[f]));
        ASSERT_I64(read_file(p, ABC, 3, &s, NULL, err), 0);
        ASSERT_I64(s.nrows, 3);
        ASSERT_I64(s.line[0], 2);
        ASSERT_I64(s.line[1], 3);
        ASSERT_I64(s.line[2], 4);
        ASSERT_STR(s.val[0][0], "1");
        ASSERT_STR(s.val[1][1], "4");
        ASSERT_STR(s.val[2][0], "5");
        ASSERT_STR(s.val[2][1], "6");   /* no stray CR */
    }
}

/* A CRLF (ending a row, or a blank line) split by the reader's 256 KiB block boundary. */
static void test_crlf_at_block_boundary(void)
{
    const size_t block = 256 * 1024;
    /* header "a,b\r\n" is 5 bytes; row "1," + k bytes of 60000-byte fields of 'A': its
     * CR is at 5 + 2 + k (the fields stay under the 64 KiB limit) */
    size_t ks[] = {block - 1 - 7, block - 1 - 9};   /* CR of the row / of the blank line at block - 1 */
    for (int v = 0; v < 2; v++) {
        size_t k = ks[v], cap = block + 64, len = 0;
        char *csv = malloc(cap), p[256], err[512];
        CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
        memcpy(csv, "a,b\r\n1,", 7);
        len = 7;
        for (size_t i = 0; i < k; i++)
            csv[len + i] = i % 60000 == 59999 ? ',' : 'A';
        len += k;
        memcpy(csv + len, "\r\n\r\n2,3\r\n", 9);
        len += 9;
        CU_ASSERT_FATAL(csv[v == 0 ? 5 + k + 2 : 5 + k + 4] == '\r');
        CU_ASSERT_FATAL((v == 0 ? 5 + k + 2 : 5 + k + 4) == block - 1);
        for (int g = 0; g < 2; g++) {
            seen s = {0};
            tu_path(p, sizeof p, dir, "boundary.csv");
            int wrc = g ? tu_write_gzip(p, csv, len) : tu_write(p, csv, len);
            CU_ASSERT_EQUAL_FATAL(wrc, 0);
            ASSERT_I64(read_file(p, ABC, 3, &s, NULL, err), 0);
            ASSERT_I64(s.nrows, 2);
            ASSERT_I64(s.line[0], 2);
            ASSERT_STR(s.val[0][0], "1");
            ASSERT_I64(s.len[0][1], 59999);
            ASSERT_I64(s.nfields[0], 2 + k / 60000);
            ASSERT_I64(s.line[1], 4);      /* line 3 is blank */
            ASSERT_STR(s.val[1][0], "2");
            ASSERT_STR(s.val[1][1], "3");
        }
        free(csv);
    }
}

static void test_quoted_newline(void)
{
    char p[256], err[512];
    seen s = {0};
    const char *csv = "a,b\n\"x\ny\",1\n2,3\n\"p\n\nq\",\"r\"\n4,5\n";
    put(p, sizeof p, "qnl.csv", csv, strlen(csv));
    ASSERT_I64(read_file(p, ABC, 3, &s, NULL, err), 0);
    ASSERT_I64(s.nrows, 4);
    ASSERT_I64(s.line[0], 2);
    ASSERT_STR(s.val[0][0], "x\ny");
    ASSERT_I64(s.line[1], 4);      /* the quoted field took lines 2-3 */
    ASSERT_STR(s.val[1][0], "2");
    ASSERT_I64(s.line[2], 5);
    ASSERT_STR(s.val[2][0], "p\n\nq");
    ASSERT_I64(s.line[3], 8);      /* lines 5-7 */

    /* the same with CRLF: a CRLF inside quotes is one line break */
    seen s2 = {0};
    csv = "a,b\r\n\"x\r\ny\",1\r\n2,3\r\n";
    put(p, sizeof p, "qcrlf.csv", csv, strlen(csv));
    ASSERT_I64(read_file(p, ABC, 3, &s2, NULL, err), 0);
    ASSERT_I64(s2.nrows, 2);
    ASSERT_STR(s2.val[0][0], "x\r\ny");
    ASSERT_I64(s2.line[1], 4);

    /* doubled quotes and commas inside quotes */
    seen s3 = {0};
    csv = "a,b\n\"say \"\"hi\"\"\",\"1,5\"\n";
    put(p, sizeof p, "qq.csv", csv, strlen(csv));
    ASSERT_I64(read_file(p, ABC, 3, &s3, NULL, err), 0);
    ASSERT_STR(s3.val[0][0], "say \"hi\"");
    ASSERT_STR(s3.val[0][1], "1,5");
    ASSERT_I64(s3.nfields[0], 2);
}

static void test_blank_lines(void)
{
    char p[256], err[512];
    seen s = {0};
    const char *csv = "a,b\n\n1,2\n\n\n3,4\n\n";
    put(p, sizeof p, "blank.csv", csv, strlen(csv));
    ASSERT_I64(read_file(p, ABC, 3, &s, NULL, err), 0);
    ASSERT_I64(s.nrows, 2);
    ASSERT_I64(s.line[0], 3);
    ASSERT_I64(s.line[1], 6);

    seen s2 = {0};
    csv = "a,b\r\n\r\n1,2\r\n\r\n\r\n3,4\r\n";
    put(p, sizeof p, "blankcrlf.csv", csv, strlen(csv));
    ASSERT_I64(read_file(p, ABC, 3, &s2, NULL, err), 0);
    ASSERT_I64(s2.nrows, 2);
    ASSERT_I64(s2.line[0], 3);
    ASSERT_I64(s2.line[1], 6);

    /* blank lines before the header */
    seen s3 = {0};
    csv = "\n\na,b\n1,2\n";
    put(p, sizeof p, "blankhead.csv", csv, strlen(csv));
    ASSERT_I64(read_file(p, ABC, 3, &s3, NULL, err), 0);
    ASSERT_I64(s3.nrows, 1);
    ASSERT_I64(s3.line[0], 4);
}

static void test_spaces_kept(void)
{
    char p[256], err[512];
    seen s = {0};
    const char *csv = "a,b,c\n  a , b\t,\" q \"\n";
    put(p, sizeof p, "spaces.csv", csv, strlen(csv));
    ASSERT_I64(read_file(p, ABC, 3, &s, NULL, err), 0);
    ASSERT_STR(s.val[0][0], "  a ");
    ASSERT_STR(s.val[0][1], " b\t");
    ASSERT_STR(s.val[0][2], " q ");
    ASSERT_I64(s.len[0][0], 4);
}

/* gzip data is detected by its magic bytes, not by the name. */
static void test_gzip(void)
{
    char p[256], pg[256], err[512];
    const char *csv = "c,a,b\n3,1,2\n\n\"x\ny\",10,20\n";
    seen plain = {0}, gz = {0};
    csvr_info info;
    put(p, sizeof p, "plain.csv", csv, strlen(csv));
    ASSERT_I64(read_file(p, ABC, 3, &plain, &info, err), 0);
    ASSERT_I64(info.gzip, 0);
    tu_path(pg, sizeof pg, dir, "compressed.csv");
    CU_ASSERT_EQUAL_FATAL(tu_write_gzip(pg, csv, strlen(csv)), 0);
    ASSERT_I64(read_file(pg, ABC, 3, &gz, &info, err), 0);
    ASSERT_STR(err, "");
    ASSERT_I64(info.gzip, 1);
    ASSERT_I64(info.rows, 2);
    ASSERT_I64(gz.nrows, plain.nrows);
    ASSERT_I64(gz.nrows, 2);
    for (int i = 0; i < 2; i++) {
        ASSERT_I64(gz.line[i], plain.line[i]);
        for (int c = 0; c < 3; c++)
            ASSERT_STR(gz.val[i][c], plain.val[i][c]);
    }
    ASSERT_I64(gz.line[1], 4);
    ASSERT_STR(gz.val[1][2], "x\ny");

    /* info.bytes and crc32 are of the file's (compressed) bytes */
    size_t n;
    unsigned char *raw = tu_read(pg, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(raw);
    ASSERT_I64(info.bytes, n);
    ASSERT_I64(info.crc32, crc32(crc32(0L, Z_NULL, 0), raw, (uInt)n));

    /* two gzip members one after the other (cat a.gz b.gz) read as one stream */
    char p2[256];
    tu_path(p2, sizeof p2, dir, "part2.csv.gz");
    CU_ASSERT_EQUAL_FATAL(tu_write_gzip(p2, "5,6,7\n", 6), 0);
    size_t n2;
    unsigned char *raw2 = tu_read(p2, &n2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(raw2);
    unsigned char *both = malloc(n + n2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(both);
    memcpy(both, raw, n);
    memcpy(both + n, raw2, n2);
    seen multi = {0};
    put(p2, sizeof p2, "multi.csv", both, n + n2);
    ASSERT_I64(read_file(p2, ABC, 3, &multi, &info, err), 0);
    ASSERT_STR(err, "");
    ASSERT_I64(multi.nrows, 3);
    ASSERT_I64(multi.line[2], 6);
    ASSERT_STR(multi.val[2][0], "6");
    free(both);
    free(raw2);
    free(raw);
}

static void test_gzip_errors(void)
{
    char p[256], err[512], want[600];
    /* a file with enough rows to span several deflate blocks */
    size_t cap = 200000, len = 0;
    char *csv = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    len += (size_t)snprintf(csv, cap, "a,b\n");
    for (int i = 0; len + 40 < cap; i++)
        len += (size_t)snprintf(csv + len, cap - len, "%d,%d\n", i, i * 7919 % 10007);
    tu_path(p, sizeof p, dir, "whole.csv.gz");
    CU_ASSERT_EQUAL_FATAL(tu_write_gzip(p, csv, len), 0);
    size_t n;
    unsigned char *raw = tu_read(p, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(raw);

    /* cut in the middle, cut just the 8-byte trailer, cut inside the header */
    size_t cuts[] = {n / 2, n - 8, n - 1, 5};
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        seen s = {0};
        csvr_info info;
        put(p, sizeof p, "cut.csv", raw, cuts[k]);
        ASSERT_I64(read_file(p, ABC, 3, &s, &info, err), CSVR_ERROR);
        ASSERT_CONTAINS(err, "truncated");
        snprintf(want, sizeof want, "%s: ", p);
        ASSERT_PREFIX(err, want);
        ASSERT_I64(info.bytes, cuts[k]);
        ASSERT_I64(info.gzip, 1);
    }

    /* a gzip header followed by a deflate block of the reserved type 3 (BFINAL 1, BTYPE 11) */
    seen s = {0};
    put(p, sizeof p, "garbage.csv", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x07garbage", 18);
    ASSERT_I64(read_file(p, ABC, 3, &s, NULL, err), CSVR_ERROR);
    snprintf(want, sizeof want, "%s: bad gzip data", p);
    ASSERT_PREFIX(err, want);
    free(raw);
    free(csv);
}

static void test_empty_and_missing(void)
{
    char p[256], err[512], want[600];
    seen s = {0};
    csvr_info info;
    put(p, sizeof p, "empty.csv", "", 0);
    ASSERT_I64(read_file(p, ABC, 3, &s, &info, err), CSVR_ERROR);
    snprintf(want, sizeof want, "%s: empty file (no header row)", p);
    ASSERT_STR(err, want);
    ASSERT_I64(info.bytes, 0);

    put(p, sizeof p, "blankonly.csv", "\n\r\n\n", 4);
    ASSERT_I64(read_file(p, ABC, 3, &s, NULL, err), CSVR_ERROR);
    snprintf(want, sizeof want, "%s: empty file (no header row)", p);
    ASSERT_STR(err, want);

    /* an empty gzip stream is an empty file too */
    tu_path(p, sizeof p, dir, "empty.csv.gz");
    CU_ASSERT_EQUAL_FATAL(tu_write_gzip(p, "", 0), 0);
    ASSERT_I64(read_file(p, ABC, 3, &s, NULL, err), CSVR_ERROR);
    snprintf(want, sizeof want, "%s: empty file (no header row)", p);
    ASSERT_STR(err, want);

    /* a header and no rows is fine */
    seen s2 = {0};
    put(p, sizeof p, "headeronly.csv", "a,b\n", 4);
    ASSERT_I64(read_file(p, ABC, 3, &s2, &info, err), 0);
    ASSERT_I64(s2.nrows, 0);
    ASSERT_I64(info.rows, 0);

    tu_path(p, sizeof p, dir, "no-such-file.csv");
    ASSERT_I64(read_file(p, ABC, 3, &s, NULL, err), CSVR_ERROR);
    snprintf(want, sizeof want, "%s: cannot open: ", p);
    ASSERT_PREFIX(err, want);
    ASSERT_I64(s.nrows, 0);
}

static void test_info(void)
{
    char p[256], err[512];
    seen s = {0};
    csvr_info info;
    memset(&info, 0xff, sizeof info);
    const char *csv = "a,b\r\n1,2\r\n\"3\r\n\",4\r\n";
    put(p, sizeof p, "info.csv", csv, strlen(csv));
    ASSERT_I64(read_file(p, ABC, 3, &s, &info, err), 0);
    struct stat st;
    CU_ASSERT_EQUAL_FATAL(stat(p, &st), 0);
    ASSERT_I64(info.bytes, st.st_size);
    ASSERT_I64(info.bytes, strlen(csv));
    ASSERT_I64(info.crc32, crc32(crc32(0L, Z_NULL, 0), (const Bytef *)csv, (uInt)strlen(csv)));
    ASSERT_I64(info.rows, 2);
    ASSERT_I64(info.gzip, 0);
    /* known CRC-32 check value: "123456789" -> 0xCBF43926 */
    put(p, sizeof p, "check.csv", "123456789", 9);
    ASSERT_I64(read_file(p, ABC, 3, &s, &info, err), CSVR_ERROR);   /* header lacks a and b */
    ASSERT_I64(info.crc32, 0xCBF43926u);
    ASSERT_I64(info.bytes, 9);
}

static void test_callback_stops(void)
{
    char p[256], err[512];
    seen s = {0};
    s.stop_at = 2;
    s.stop_rc = 7;
    const char *csv = "a,b\n1,2\n3,4\n5,6\n7,8\n";
    put(p, sizeof p, "stop.csv", csv, strlen(csv));
    ASSERT_I64(read_file(p, ABC, 3, &s, NULL, err), 7);
    ASSERT_I64(s.nrows, 2);
    /* a negative return too, on the last row without a final line end */
    seen s2 = {0};
    s2.stop_at = 2;
    s2.stop_rc = -5;
    csv = "a,b\n1,2\n3,4";
    put(p, sizeof p, "stop2.csv", csv, strlen(csv));
    ASSERT_I64(read_file(p, ABC, 3, &s2, NULL, err), -5);
    ASSERT_I64(s2.nrows, 2);
}

/* Big files (several 256 KiB blocks, plain and gzip): every row, on the right line. */
static int check_big(void *ctx, const csvr_row *row)
{
    seen *s = ctx;
    size_t na, nb;
    const char *a = csvr_get(row, 0, &na), *b = csvr_get(row, 1, &nb);
    long i = s->nrows++;
    char wa[32], wb[64];
    int la = snprintf(wa, sizeof wa, "%ld", i);
    int lb = snprintf(wb, sizeof wb, "row %ld, \"quoted\"", i * 3);
    /* rows are on lines 2, 3, ...; every 100th row is followed by a blank line */
    long want_line = 2 + i + i / 100;
    if (row->line != want_line || na != (size_t)la || memcmp(a, wa, na) != 0 || nb != (size_t)lb ||
        memcmp(b, wb, nb) != 0)
        s->bad_big++;
    return 0;
}

static void test_big_files(void)
{
    char p[256], err[512];
    const long rows = 40000;
    size_t cap = 4000000, len = 0;
    char *csv = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    len += (size_t)snprintf(csv, cap, "b,a\r\n");
    for (long i = 0; i < rows; i++) {
        len += (size_t)snprintf(csv + len, cap - len, "\"row %ld, \"\"quoted\"\"\",%ld\r\n", i * 3, i);
        if (i % 100 == 99)
            len += (size_t)snprintf(csv + len, cap - len, "\r\n");
    }
    CU_ASSERT_FATAL(len > 3 * 256 * 1024 && len < cap);
    for (int g = 0; g < 2; g++) {
        seen s = {0};
        csvr_info info;
        tu_path(p, sizeof p, dir, "big.csv");
        int wrc = g ? tu_write_gzip(p, csv, len) : tu_write(p, csv, len);
        CU_ASSERT_EQUAL_FATAL(wrc, 0);
        ASSERT_I64(csvr_read(p, ABC, 3, check_big, &s, &info, err, sizeof err), 0);
        ASSERT_I64(s.nrows, rows);
        ASSERT_I64(info.rows, rows);
        ASSERT_I64(s.bad_big, 0);
        ASSERT_I64(info.gzip, g);
        if (!g)
            ASSERT_I64(info.bytes, len);
    }
    free(csv);
}

/* The look-ahead: each row's line and value as the callback and ahead see them. */
typedef struct {
    long rows, aheads, bad;
    long last_ahead;        /* the line ahead saw last, 0 none */
} lookahead;

static int la_row(void *ctx, const csvr_row *row)
{
    lookahead *l = ctx;
    size_t n;
    const char *a = csvr_get(row, 0, &n);
    /* row k (line k + 1) has a = k; ahead saw this row's successor just before, when there is one */
    l->bad += atol(a) != row->line - 1;
    l->bad += l->last_ahead != 0 && l->last_ahead != row->line + 1;
    l->last_ahead = 0;
    l->rows++;
    return 0;
}

static void la_ahead(void *ctx, const csvr_row *next)
{
    lookahead *l = ctx;
    size_t n;
    const char *a = csvr_get(next, 0, &n);
    l->bad += atol(a) != next->line - 1;
    l->last_ahead = next->line;
    l->aheads++;
}

/* 5000 rows (several batches): with the reader thread, ahead sees every row but the
 * first of each batch, just before the callback gets the row before it; on one thread
 * it is never called. Rows reach the callback intact and in order either way. */
static void test_look_ahead(void)
{
    enum { N = 5000 };
    char *csv = malloc(N * 16 + 16), path[256];
    size_t len = (size_t)sprintf(csv, "a,b\n");
    for (int k = 1; k <= N; k++)
        len += (size_t)sprintf(csv + len, "%d,x\n", k);
    lookahead l = {0};
    char err[512];
    const char *p = put(path, sizeof path, "ahead.csv", csv, len);
    csvr_hooks h = {.fn = la_row, .ahead = la_ahead, .ctx = &l};
    ASSERT_I64(csvr_read_hooks(p, ABC, 3, &h, NULL, err, sizeof err), 0);
    ASSERT_I64(l.rows, N);
    ASSERT_I64(l.bad, 0);
    if (threaded_mode) {
        CU_ASSERT(l.aheads >= N - N / 500 && l.aheads < N);
    } else {
        ASSERT_I64(l.aheads, 0);
    }
    free(csv);
}

/* The prepare hook keeps pointers into its row: they must stay those the callback
 * gets, even when a huge row later in the same batch grows the batch's buffer. */
typedef struct {
    long rows, prepared, bad;
} keep;

static void keep_prepare(void *ctx, const csvr_row *row, void *out)
{
    keep *k = ctx;
    size_t n;
    const char *a = csvr_get(row, 0, &n);
    memcpy(out, &a, sizeof a);
    k->prepared++;
}

static int keep_row(void *ctx, const csvr_row *row)
{
    keep *k = ctx;
    size_t n;
    const char *a = csvr_get(row, 0, &n), *kept;
    memcpy(&kept, row->prepared, sizeof kept);
    k->bad += kept != a || atol(kept) != row->line - 1 || row->oversize != NULL;
    k->rows++;
    return 0;
}

static void test_prepare_keeps_pointers(void)
{
    /* row 3: 15 fields at the 64 KiB limit, near 1 MiB: the batch buffer grows for it */
    char *csv = malloc(15 * 65537 + 256), path[256];
    size_t len = (size_t)sprintf(csv, "a,b\n1,x\n2");
    for (int f = 0; f < 15; f++) {
        csv[len++] = ',';
        memset(csv + len, 'z', 65536);
        len += 65536;
    }
    len += (size_t)sprintf(csv + len, "\n3,y\n");
    keep k = {0};
    char err[512];
    csvr_hooks h = {.fn = keep_row, .prepare = keep_prepare, .prepared_size = sizeof(const char *), .ctx = &k};
    const char *p = put(path, sizeof path, "keep.csv", csv, len);
    ASSERT_I64(csvr_read_hooks(p, ABC, 3, &h, NULL, err, sizeof err), 0);
    ASSERT_I64(k.rows, 3);
    ASSERT_I64(k.prepared, 3);
    ASSERT_I64(k.bad, 0);
    free(csv);
}

/* ---- SHA-256 of the raw bytes, standard input ---- */

/* printf 'a,b\n1,2\n' | sha256sum */
#define AB12_SHA "492d5ea496056f1a6a6592241032fab764c321596317930b4fa0e1e8bc3b7470"
/* the same 8 bytes as `gzip -n -9` writes them (28 bytes), and
 * printf '\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\x4b\xd4\x49\xe2\x32\xd4\x31\xe2\x02\x00\x7b\x07\x97\x0a\x08\x00\x00\x00' | sha256sum */
static const char AB12_GZ[] = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\x4b\xd4\x49\xe2\x32\xd4\x31\xe2\x02\x00"
                              "\x7b\x07\x97\x0a\x08\x00\x00\x00";
#define AB12_GZ_SHA "c486812b56f8c34f44992861dd542c0d52686bb0a6d85b210e5ddba056e65302"

static void assert_sha(const csvr_info *info, const char *want)
{
    char hex[DIGEST_HEX];
    digest_hex(info->sha256, hex);
    ASSERT_STR(hex, want);
}

static void test_sha256(void)
{
    char p[256], err[512];
    seen s = {0}, g = {0}, bad = {0};
    csvr_info info;
    put(p, sizeof p, "ab12.csv", "a,b\n1,2\n", 8);
    ASSERT_I64(read_file(p, ABC, 3, &s, &info, err), 0);
    assert_sha(&info, AB12_SHA);
    /* gzip: the digest is of the compressed bytes on disk, not of the CSV */
    put(p, sizeof p, "ab12.csv.gz", AB12_GZ, sizeof AB12_GZ - 1);
    ASSERT_I64(read_file(p, ABC, 3, &g, &info, err), 0);
    ASSERT_I64(info.gzip, 1);
    ASSERT_I64(g.nrows, 1);
    ASSERT_STR(g.val[0][1], "2");
    assert_sha(&info, AB12_GZ_SHA);
    /* a file over several 256 KiB blocks, plain and gzip: what digest_file says */
    size_t cap = 1500000, len = 4;
    char *csv = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    memcpy(csv, "a,b\n", len);
    for (long i = 0; len + 32 < cap; i++)
        len += (size_t)snprintf(csv + len, cap - len, "%ld,%ld\n", i, i * 7);
    for (int gz = 0; gz < 2; gz++) {
        uint8_t want[DIGEST_SIZE];
        uint64_t bytes;
        tu_path(p, sizeof p, dir, "digest.csv");
        CU_ASSERT_EQUAL_FATAL(gz ? tu_write_gzip(p, csv, len) : tu_write(p, csv, len), 0);
        CU_ASSERT_EQUAL_FATAL(digest_file(p, want, &bytes), 0);
        seen b = {0};
        ASSERT_I64(read_file(p, ABC, 3, &b, &info, err), 0);
        ASSERT_I64(info.bytes, bytes);
        ASSERT_MEM(info.sha256, DIGEST_SIZE, want, DIGEST_SIZE);
    }
    free(csv);
    /* a file that is not read whole has no digest */
    put(p, sizeof p, "nob.csv", "a,c\n1,2\n", 8);
    memset(&info, 0xff, sizeof info);
    ASSERT_I64(read_file(p, ABC, 3, &bad, &info, err), CSVR_ERROR);
    static const uint8_t zero[DIGEST_SIZE];
    ASSERT_MEM(info.sha256, DIGEST_SIZE, zero, DIGEST_SIZE);
}

/* Records the path of the rows, for standard input. */
typedef struct {
    seen s;
    char path[8];
} seen_path;

static int collect_path(void *ctx, const csvr_row *row)
{
    seen_path *sp = ctx;
    snprintf(sp->path, sizeof sp->path, "%s", row->path);
    return collect(&sp->s, row);
}

/* Reads "-" with descriptor 0 made fd (closed here); restores descriptor 0. *open0 is
 * whether descriptor 0 was still open after the read. */
static int read_stdin_fd(int fd, seen_path *sp, csvr_info *info, char *err, int *open0)
{
    int saved = dup(0);
    CU_ASSERT_FATAL(saved >= 0 && dup2(fd, 0) == 0);
    close(fd);
    err[0] = '\0';
    int rc = csvr_read("-", ABC, 3, collect_path, sp, info, err, 512);
    *open0 = fcntl(0, F_GETFD) != -1;
    dup2(saved, 0);
    close(saved);
    return rc;
}

/* Writes a gzip file into a pipe a byte at a time for its first bytes (short reads:
 * the gzip magic arrives split), then the rest. */
typedef struct {
    int fd;
    const char *data;
    size_t n;
} pipe_writer;

static void *write_pipe(void *arg)
{
    pipe_writer *w = arg;
    size_t i = 0;
    for (; i < w->n && i < 4; i++) {
        if (write(w->fd, w->data + i, 1) != 1)
            break;
        nanosleep(&(struct timespec){.tv_nsec = 2000000}, NULL);
    }
    while (i < w->n) {
        ssize_t k = write(w->fd, w->data + i, w->n - i);
        if (k <= 0)
            break;
        i += (size_t)k;
    }
    close(w->fd);
    return NULL;
}

static void test_stdin(void)
{
    char p[256], err[512];
    csvr_info info;
    int open0;
    /* a file on descriptor 0 */
    seen_path sp = {0};
    put(p, sizeof p, "stdin.csv", "b,a\n2,1\n\n4,3\n", 13);
    ASSERT_I64(read_stdin_fd(open(p, O_RDONLY), &sp, &info, err, &open0), 0);
    ASSERT_STR(err, "");
    ASSERT_I64(open0, 1);               /* standard input is not closed */
    ASSERT_STR(sp.path, "-");
    ASSERT_I64(sp.s.nrows, 2);
    ASSERT_I64(sp.s.line[1], 4);
    ASSERT_STR(sp.s.val[1][0], "3");
    ASSERT_I64(info.rows, 2);
    ASSERT_I64(info.bytes, 13);
    /* printf 'b,a\n2,1\n\n4,3\n' | sha256sum */
    assert_sha(&info, "b5a74c976527740db719dbf6b3c6a3b0485701a334db467cc8b87c978a64c12a");

    /* gzip through a pipe, its magic bytes arriving one by one */
    int fds[2];
    CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
    pipe_writer w = {fds[1], AB12_GZ, sizeof AB12_GZ - 1};
    pthread_t tid;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&tid, NULL, write_pipe, &w), 0);
    seen_path gz = {0};
    int rc = read_stdin_fd(fds[0], &gz, &info, err, &open0);
    pthread_join(tid, NULL);
    ASSERT_I64(rc, 0);
    ASSERT_STR(err, "");
    ASSERT_I64(info.gzip, 1);
    ASSERT_I64(gz.s.nrows, 1);
    ASSERT_STR(gz.s.val[0][0], "1");
    ASSERT_STR(gz.path, "-");
    assert_sha(&info, AB12_GZ_SHA);
    /* errors name the path "-" */
    seen_path bad = {0};
    put(p, sizeof p, "stdin-bad.csv", "a,c\n1,2\n", 8);
    ASSERT_I64(read_stdin_fd(open(p, O_RDONLY), &bad, &info, err, &open0), CSVR_ERROR);
    ASSERT_STR(err, "-:1: missing required column b");
}

/* ---- bounded input (SPEC §7a) ---- */

/* A growing byte buffer for the files of the limit tests. */
typedef struct {
    char *p;
    size_t n, cap;
} text;

static void t_room(text *t, size_t n)
{
    if (t->n + n <= t->cap)
        return;
    size_t cap = t->cap ? t->cap : 1 << 16;
    while (cap < t->n + n)
        cap *= 2;
    t->p = realloc(t->p, cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t->p);
    t->cap = cap;
}

static void t_add(text *t, const void *s, size_t n)
{
    t_room(t, n);
    memcpy(t->p + t->n, s, n);
    t->n += n;
}

static void t_str(text *t, const char *s) { t_add(t, s, strlen(s)); }

static void t_fill(text *t, int c, size_t n)
{
    t_room(t, n);
    memset(t->p + t->n, c, n);
    t->n += n;
}

/* Appends a row of exactly n bytes, line end not included: first, then fields of at
 * most 60000 bytes, each of its own letter (so that a header of them has no name
 * twice); with quoted, each field quoted and holding a line break every 100 bytes.
 * Returns the line breaks inside the row. */
static long t_row(text *t, const char *first, size_t n, int quoted)
{
    size_t used = strlen(first);
    long breaks = 0;
    t_str(t, first);
    for (int f = 0; used < n; f++) {
        size_t m = n - used - 1 > 60000 ? 60000 : n - used - 1;
        t_str(t, ",");
        if (!quoted || m < 2) {
            t_fill(t, 'A' + f % 26, m);
        } else {
            t_str(t, "\"");
            t_room(t, m - 2);
            for (size_t i = 0; i < m - 2; i++) {
                t->p[t->n++] = i % 100 == 99 ? '\n' : (char)('a' + f % 26);
                breaks += i % 100 == 99;
            }
            t_str(t, "\"");
        }
        used += 1 + m;
    }
    return breaks;
}

/* Reads path with the given limits policy (limits_fatal), rows to collect. */
static int read_policy(const char *path, int fatal, seen *s, csvr_info *info, char *err)
{
    csvr_hooks h = {.fn = collect, .ctx = s, .limits_fatal = fatal};
    memset(s->line, 0, sizeof s->line);
    err[0] = '\0';
    return csvr_read_hooks(path, ABC, 3, &h, info, err, 512);
}

/* A field may hold 64 KiB (65536 bytes, after unquoting); one byte more cuts the row:
 * it arrives with the fields before the long one and a text naming the field. */
static void test_field_limit(void)
{
    char p[256], err[512];
    text t = {0};
    t_str(&t, "a,b,c\n");
    t_fill(&t, 'X', 65536);                                         /* line 2: at the limit */
    t_str(&t, ",2,3\n");
    t_fill(&t, 'X', 65537);                                         /* line 3: one byte over */
    t_str(&t, ",2,3\n");
    t_str(&t, "4,");                                                /* line 4: field 2 (b) */
    t_fill(&t, 'Y', 65537);
    t_str(&t, ",z\n");
    t_str(&t, "5,6,7,");                                            /* line 5: an unknown column */
    t_fill(&t, 'Z', 65537);
    t_str(&t, "\n\"");                                              /* line 6: 65535 + a doubled quote */
    t_fill(&t, 'q', 65535);
    t_str(&t, "\"\"\",8\n\"");                                      /* line 7: 65536 + a doubled quote */
    t_fill(&t, 'q', 65536);
    t_str(&t, "\"\"\",9\n10,11\n");                                 /* line 8 */
    for (int gz = 0; gz < 2; gz++) {
        seen s = {0};
        csvr_info info;
        tu_path(p, sizeof p, dir, "field.csv");
        CU_ASSERT_EQUAL_FATAL(gz ? tu_write_gzip(p, t.p, t.n) : tu_write(p, t.p, t.n), 0);
        ASSERT_I64(read_file(p, ABC, 3, &s, &info, err), 0);
        ASSERT_STR(err, "");
        ASSERT_I64(s.nrows, 7);
        ASSERT_I64(info.rows, 7);
        ASSERT_I64(s.over_rows, 4);
        for (int i = 0; i < 7; i++)
            ASSERT_I64(s.line[i], i + 2);
        ASSERT_I64(s.len[0][0], 65536);
        ASSERT_STR(s.over[0], "");
        ASSERT_STR(s.over[1], "field 1 (a) is longer than 64 KiB");
        ASSERT_I64(s.nfields[1], 0);
        ASSERT_STR(s.over[2], "field 2 (b) is longer than 64 KiB");
        ASSERT_I64(s.nfields[2], 1);
        ASSERT_STR(s.val[2][0], "4");
        ASSERT_STR(s.over[3], "field 4 is longer than 64 KiB");
        ASSERT_I64(s.nfields[3], 3);
        ASSERT_STR(s.val[3][2], "7");
        ASSERT_STR(s.over[4], "");
        ASSERT_I64(s.len[4][0], 65536);
        ASSERT_STR(s.val[4][1], "8");
        ASSERT_STR(s.over[5], "field 1 (a) is longer than 64 KiB");
        ASSERT_STR(s.over[6], "");
        ASSERT_STR(s.val[6][0], "10");
        ASSERT_STR(s.val[6][1], "11");
    }
    free(t.p);
}

/* A field far over the limit (2 MiB, over several read blocks) is still named as the
 * field, not as the row; a long quoted field over many lines is skipped to the row's
 * real end (the first line end outside quotes), the lines counted. */
static void test_field_limit_long(void)
{
    char p[256], err[512];
    text t = {0};
    t_str(&t, "a,b\n1,");                                           /* line 2 */
    t_fill(&t, 'L', 2 << 20);
    t_str(&t, ",x,\"y\"\"\n\",z\n");                                /* the rest of row 2: lines 2-3 */
    t_str(&t, "3,\"");                                              /* line 4: lines 4-1004 */
    for (int i = 0; i < 1000; i++) {
        t_fill(&t, i % 2 ? 'm' : 'n', 99);
        t_str(&t, i % 3 ? "\n" : "\"\"\n");
    }
    t_str(&t, "\",w\r\n5,6\r\n\"p\nq\",7\n\n8,9");                 /* lines 1005, 1006-1007, 1009 */
    for (int gz = 0; gz < 2; gz++) {
        seen s = {0};
        tu_path(p, sizeof p, dir, "long.csv");
        CU_ASSERT_EQUAL_FATAL(gz ? tu_write_gzip(p, t.p, t.n) : tu_write(p, t.p, t.n), 0);
        ASSERT_I64(read_file(p, ABC, 3, &s, NULL, err), 0);
        ASSERT_STR(err, "");
        ASSERT_I64(s.nrows, 5);
        ASSERT_I64(s.line[0], 2);
        ASSERT_STR(s.over[0], "field 2 (b) is longer than 64 KiB");
        ASSERT_STR(s.val[0][0], "1");
        ASSERT_I64(s.line[1], 4);
        ASSERT_STR(s.over[1], "field 2 (b) is longer than 64 KiB");
        ASSERT_STR(s.val[1][0], "3");
        ASSERT_I64(s.line[2], 1005);
        ASSERT_STR(s.val[2][0], "5");
        ASSERT_STR(s.over[2], "");
        ASSERT_I64(s.line[3], 1006);
        ASSERT_STR(s.val[3][0], "p\nq");
        ASSERT_I64(s.line[4], 1009);
        ASSERT_STR(s.val[4][1], "9");
    }
    free(t.p);

    /* what the cut leaves of its row is checked as libcsv checks quoting: a quote
     * inside an unquoted field, or a quote never closed, refuses the file */
    static const char *const bad[] = {",x\"y\n2,3\n", ",\"x\n2,3\n"};
    for (int b = 0; b < 2; b++) {
        text u = {0};
        seen s = {0};
        char want[600];
        t_str(&u, "a,b\n1,2\n\n0,");
        t_fill(&u, 'L', 2 << 20);      /* cut at a read block's end: the rest is skipped */
        t_str(&u, bad[b]);
        put(p, sizeof p, "cutbad.csv", u.p, u.n);
        ASSERT_I64(read_file(p, ABC, 3, &s, NULL, err), CSVR_ERROR);
        snprintf(want, sizeof want, "%s:4: CSV quoting error", p);
        ASSERT_PREFIX(err, want);
        ASSERT_I64(s.nrows, 2);         /* row 2 and the cut row 4 came before */
        free(u.p);
    }
}

/* A row may hold 1 MiB (1048576 bytes from its first byte to the one before the line
 * end that ends it, separators, quotes and line ends inside quotes included). */
static void test_row_limit(void)
{
    char p[256], err[512];
    text t = {0};
    t_str(&t, "a,b,c\n");
    t_row(&t, "1", 1048576, 0);                                     /* line 2: at the limit */
    t_str(&t, "\n");
    t_row(&t, "2", 1048577, 0);                                     /* line 3: one over */
    t_str(&t, "\n");
    t_row(&t, "3", 1048576, 0);                                     /* line 4: the CR of a CRLF is not counted */
    t_str(&t, "\r\n");
    long in5 = t_row(&t, "4", 1048576, 1);                          /* line 5: line breaks inside quotes count */
    t_str(&t, "\n");
    long in6 = t_row(&t, "5", 1048577, 1);
    t_str(&t, "\r\n6,7\n");
    for (int gz = 0; gz < 2; gz++) {
        seen s = {0};
        tu_path(p, sizeof p, dir, "row.csv");
        CU_ASSERT_EQUAL_FATAL(gz ? tu_write_gzip(p, t.p, t.n) : tu_write(p, t.p, t.n), 0);
        ASSERT_I64(read_file(p, ABC, 3, &s, NULL, err), 0);
        ASSERT_STR(err, "");
        ASSERT_I64(s.nrows, 6);
        ASSERT_I64(s.over_rows, 2);
        ASSERT_STR(s.over[0], "");
        ASSERT_I64(s.nfields[0], 1 + (1048576 - 1 + 60000) / 60001);
        ASSERT_STR(s.over[1], "row is longer than 1 MiB");
        ASSERT_STR(s.val[1][0], "2");           /* the fields complete before the limit are kept */
        ASSERT_I64(s.nfields[1], 1 + 1048576 / 60001);
        ASSERT_STR(s.over[2], "");
        ASSERT_I64(s.line[2], 4);
        ASSERT_STR(s.over[3], "");
        ASSERT_I64(s.line[3], 5);
        ASSERT_STR(s.val[3][0], "4");
        ASSERT_STR(s.over[4], "row is longer than 1 MiB");
        ASSERT_I64(s.line[4], 6 + in5);
        ASSERT_STR(s.val[5][0], "6");
        ASSERT_I64(s.line[5], 7 + in5 + in6);
    }
    free(t.p);
}

/* In a master file (limits_fatal) a row over a limit stops the read: "path:line: ...",
 * after the rows before it; at the limits the rows are read. */
static void test_limits_fatal(void)
{
    char p[256], err[512], want[600];
    static const struct {
        size_t field, row;      /* the second row: a field of b of this size, or a row of this size */
        const char *what;
    } cases[] = {
        {65537, 0, "field 2 (b) is longer than 64 KiB"},
        {0, 1048577, "row is longer than 1 MiB"},
        {0, 0, "field 4 is longer than 64 KiB"},
    };
    for (int c = 0; c < 3; c++) {
        text t = {0};
        seen s = {0};
        t_str(&t, "a,b\n1,");
        t_fill(&t, 'x', 65536);                                     /* line 2: at the field limit */
        t_str(&t, "\n");
        t_row(&t, "2", 1048576, 0);                                 /* line 3: at the row limit */
        t_str(&t, "\n");
        if (cases[c].field) {                                       /* line 4 */
            t_str(&t, "3,");
            t_fill(&t, 'y', cases[c].field);
        } else if (cases[c].row) {
            t_row(&t, "3", cases[c].row, 0);
        } else {
            t_str(&t, "3,4,5,");
            t_fill(&t, 'z', 70000);
        }
        t_str(&t, "\n5,6\n");
        put(p, sizeof p, "master.csv", t.p, t.n);
        ASSERT_I64(read_policy(p, 1, &s, NULL, err), CSVR_ERROR);
        snprintf(want, sizeof want, "%s:4: %s", p, cases[c].what);
        ASSERT_STR(err, want);
        ASSERT_I64(s.nrows, 2);
        ASSERT_I64(s.over_rows, 0);
        /* the same file as a timesheet file: the row is cut, the reading goes on */
        seen r = {0};
        ASSERT_I64(read_policy(p, 0, &r, NULL, err), 0);
        ASSERT_I64(r.nrows, 4);
        ASSERT_STR(r.over[2], cases[c].what);
        ASSERT_I64(r.line[3], 5);
        free(t.p);
    }
}

/* The header over a limit is an error with either policy. */
static void test_header_limits(void)
{
    char p[256], err[512], want[600];
    for (int fatal = 0; fatal < 2; fatal++) {
        text t = {0};
        seen s = {0};
        t_str(&t, "a,");
        t_fill(&t, 'b', 65537);
        t_str(&t, "\n1,2\n");
        put(p, sizeof p, "hfield.csv", t.p, t.n);
        ASSERT_I64(read_policy(p, fatal, &s, NULL, err), CSVR_ERROR);
        snprintf(want, sizeof want, "%s:1: field 2 of the header is longer than 64 KiB", p);
        ASSERT_STR(err, want);
        ASSERT_I64(s.nrows, 0);
        /* 1 MiB of header names is read; one byte more is an error */
        for (size_t n = 1048576; n <= 1048577; n++) {
            seen h = {0};
            t.n = 0;
            t_row(&t, "a,b", n, 0);
            t_str(&t, "\n1,2\n");
            put(p, sizeof p, "hrow.csv", t.p, t.n);
            int rc = read_policy(p, fatal, &h, NULL, err);
            if (n == 1048576) {
                ASSERT_I64(rc, 0);
                ASSERT_I64(h.nrows, 1);
                ASSERT_I64(h.nheader[0], 2 + (1048576 - 3 + 60000) / 60001);
            } else {
                ASSERT_I64(rc, CSVR_ERROR);
                snprintf(want, sizeof want, "%s:1: the header row is longer than 1 MiB", p);
                ASSERT_STR(err, want);
            }
        }
        free(t.p);
    }
}

/* A line end must come within the first 16 MiB (when the file is longer): the one at
 * 16 MiB exactly makes the file a CSV file with a header too long; none is "not a CSV
 * file". A CR is a line end too. */
static void test_no_line_end(void)
{
    char p[256], err[512], want[600];
    static const struct {
        size_t at;              /* the line end's offset (the file's size when none) */
        const char *eol;
        int gz;
        const char *what;       /* "" : the header error */
    } cases[] = {
        {CSVR_SNIFF_MAX - 1, "\n", 0, ""},
        {CSVR_SNIFF_MAX, "\n", 0, "not a CSV file: no line end in the first 16 MiB"},
        {CSVR_SNIFF_MAX, "\n", 1, "not a CSV file: no line end in the first 16 MiB"},
        {CSVR_SNIFF_MAX - 1, "\r", 1, ""},
        {5 << 20, "", 0, ""},                   /* a short file without any line end */
    };
    text t = {0};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        seen s = {0};
        t.n = 0;
        t_fill(&t, 'x', cases[c].at);
        for (size_t i = 999; i < t.n; i += 1000)
            t.p[i] = ',';               /* short fields: the row's limit, not a field's */
        if (cases[c].eol[0]) {
            t_str(&t, cases[c].eol);
            t_str(&t, "1,2\n");
        }
        tu_path(p, sizeof p, dir, "noeol.csv");
        CU_ASSERT_EQUAL_FATAL(cases[c].gz ? tu_write_gzip(p, t.p, t.n) : tu_write(p, t.p, t.n), 0);
        ASSERT_I64(read_file(p, ABC, 3, &s, NULL, err), CSVR_ERROR);
        if (cases[c].what[0])
            snprintf(want, sizeof want, "%s: %s", p, cases[c].what);
        else
            snprintf(want, sizeof want, "%s:1: the header row is longer than 1 MiB", p);
        ASSERT_STR(err, want);
        unlink(p);
    }
    free(t.p);
}

/* A NUL byte anywhere (after gzip decompression, in a quoted field, in what a cut row
 * skips) refuses the file: "path:line: not a CSV file: NUL byte", the line the one it
 * is on. */
static void test_nul(void)
{
    char p[256], err[512], want[600];
    static const struct {
        const char *csv;
        size_t n;
        long line;
        int rows;
    } cases[] = {
        {"a,b\n1,2\n3,\0\n5,6\n", 16, 3, 1},
        {"\0a,b\n1,2\n", 9, 1, 0},
        {"a,b\r\n1,2\r\n\"x\r\n\r\ny\0\",3\n", 22, 5, 1},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int gz = 0; gz < 2; gz++) {
            seen s = {0};
            tu_path(p, sizeof p, dir, "nul.csv");
            CU_ASSERT_EQUAL_FATAL(gz ? tu_write_gzip(p, cases[c].csv, cases[c].n)
                                     : tu_write(p, cases[c].csv, cases[c].n), 0);
            ASSERT_I64(read_file(p, ABC, 3, &s, NULL, err), CSVR_ERROR);
            snprintf(want, sizeof want, "%s:%ld: not a CSV file: NUL byte", p, cases[c].line);
            ASSERT_STR(err, want);
            ASSERT_I64(s.nrows, cases[c].rows);
        }
    /* in the skipped rest of a cut row, and at the start of the second read block */
    text t = {0};
    seen s = {0};
    t_str(&t, "a,b\n1,");
    t_fill(&t, 'x', 70000);
    t_str(&t, "\n\n2,");
    t_fill(&t, 'y', 256 * 1024 - t.n);
    t_add(&t, "\0\n", 2);
    put(p, sizeof p, "nulskip.csv", t.p, t.n);
    ASSERT_I64(read_file(p, ABC, 3, &s, NULL, err), CSVR_ERROR);
    snprintf(want, sizeof want, "%s:4: not a CSV file: NUL byte", p);
    ASSERT_STR(err, want);
    ASSERT_I64(s.nrows, 2);             /* row 2, and row 4 as it was cut */
    ASSERT_STR(s.over[1], "field 2 (b) is longer than 64 KiB");
    free(t.p);
}

/* Rows of many fields (each up to a million in 1 MiB): read whole, around other rows,
 * through the prepare hook (the reader thread hands such a row over alone). */
typedef struct {
    long rows, bad;
    size_t nf[4];
    int over_prepared;          /* rows whose oversize text prepare saw */
} wide;

static void wide_prepare(void *ctx, const csvr_row *row, void *out)
{
    wide *w = ctx;
    size_t n;
    const char *a = csvr_get(row, 0, &n);
    memcpy(out, &a, sizeof a);
    w->over_prepared += row->oversize && strcmp(row->oversize, "row is longer than 1 MiB") == 0;
}

static int wide_row(void *ctx, const csvr_row *row)
{
    wide *w = ctx;
    size_t n;
    const char *a = csvr_get(row, 0, &n), *kept;
    memcpy(&kept, row->prepared, sizeof kept);
    w->bad += kept != a || atol(a) != row->line - 1;
    for (size_t i = 1; i < row->nfields; i++)
        w->bad += row->len[i] != 0 || row->field[i][0] != '\0';
    if (w->rows < 4)
        w->nf[w->rows] = row->nfields;
    w->rows++;
    return 0;
}

static void test_wide_rows(void)
{
    char p[256], err[512] = "";
    text t = {0};
    t_str(&t, "a,b\n1,\n2");                                        /* lines 2, 3 */
    t_fill(&t, ',', 40000);
    t_str(&t, "\n3");                                               /* line 4: 1 MiB of commas */
    t_fill(&t, ',', 1048575);
    t_str(&t, "\n4");                                               /* line 5: one more, cut */
    t_fill(&t, ',', 1048576);
    for (int i = 5; i < 3000; i++) {                                /* lines 6..: several batches */
        char row[32];
        t_add(&t, row, (size_t)snprintf(row, sizeof row, "\n%d,", i));
    }
    t_str(&t, "\n");
    wide w = {0};
    csvr_hooks h = {.fn = wide_row, .prepare = wide_prepare, .prepared_size = sizeof(const char *), .ctx = &w};
    put(p, sizeof p, "wide.csv", t.p, t.n);
    ASSERT_I64(csvr_read_hooks(p, ABC, 3, &h, NULL, err, sizeof err), 0);
    ASSERT_STR(err, "");
    ASSERT_I64(w.rows, 2999);
    ASSERT_I64(w.bad, 0);
    ASSERT_I64(w.nf[0], 2);
    ASSERT_I64(w.nf[1], 40001);
    ASSERT_I64(w.nf[2], 1048576);
    ASSERT_I64(w.nf[3], 1048576);       /* the fields complete before the cut */
    ASSERT_I64(w.over_prepared, 1);
    free(t.p);
}

int test_csvr_register(void)
{
    static const tu_test tests[] = {
        {"columns in any order, unknown ignored", test_columns_any_order},
        {"missing and duplicate header names", test_header_errors},
        {"UTF-8 BOM ignored", test_bom},
        {"LF and CRLF give the same rows and lines", test_line_ends},
        {"CRLF split across read blocks", test_crlf_at_block_boundary},
        {"quoted newlines count lines", test_quoted_newline},
        {"blank lines count lines", test_blank_lines},
        {"spaces are not trimmed", test_spaces_kept},
        {"gzip detected by magic bytes", test_gzip},
        {"truncated and bad gzip", test_gzip_errors},
        {"empty and missing files", test_empty_and_missing},
        {"info bytes, crc32, rows", test_info},
        {"callback return stops the read", test_callback_stops},
        {"big files across blocks", test_big_files},
        {"look-ahead sees the next row", test_look_ahead},
        {"prepared data keeps pointing into its row", test_prepare_keeps_pointers},
        {"SHA-256 of the bytes on disk, plain and gzip", test_sha256},
        {"- reads standard input", test_stdin},
        {"a field over 64 KiB cuts its row", test_field_limit},
        {"a long field is skipped to its row's end", test_field_limit_long},
        {"a row over 1 MiB is cut", test_row_limit},
        {"limits are fatal in a master file", test_limits_fatal},
        {"a header over a limit is an error", test_header_limits},
        {"no line end in the first 16 MiB", test_no_line_end},
        {"a NUL byte is not CSV", test_nul},
        {"rows of a million fields", test_wide_rows},
    };
    size_t n = sizeof tests / sizeof tests[0];
    int rc = tu_register("csvr", suite_init, suite_clean, tests, n);
    return rc ? rc : tu_register("csvr with the reader thread", threaded_init, threaded_clean, tests, n);
}
