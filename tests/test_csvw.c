/* test_csvw.c — CUnit suite for the CSV writer (formats/csvw.h): exact bytes, gzip, CRC-32. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "csvw.h"
#include "test_util.h"

static char dir[64];

static int suite_init(void) { return tu_mkdtemp(dir, sizeof dir); }
static int suite_clean(void)
{
    tu_rmtree(dir);
    return 0;
}

/* The same tests again with the writer thread: the same bytes, CRC and errors. */
static int threaded_init(void)
{
    csvw_use_writer_thread(1);
    return suite_init();
}
static int threaded_clean(void)
{
    csvw_use_writer_thread(0);
    return suite_clean();
}

/* The rows of the exact-bytes tests, written through every csvw call. */
static void write_sample(csvw *w)
{
    csvw_str(w, "a,b");
    csvw_str(w, "say \"hi\"");
    csvw_str(w, "plain");
    csvw_str(w, "");
    csvw_str(w, "  spaced  ");
    csvw_end_row(w);
    csvw_field(w, "x\ny", 3);
    csvw_field(w, "c\rd", 3);
    csvw_field(w, "\"", 1);
    csvw_field(w, "semi;colon 'q'", 14);
    csvw_field(w, "abcdef", 3);         /* only n bytes */
    csvw_end_row(w);
    csvw_cents(w, 0);
    csvw_cents(w, -5);
    csvw_cents(w, 123456);
    csvw_rate(w, 19500000000000LL);
    csvw_rate(w, 28685185500000LL);
    csvw_minutes_hm(w, 6);
    csvw_minutes_hm(w, 283 * 60);
    csvw_minutes_hm(w, -90);
    csvw_date(w, cal_from_ymd(2026, 11, 5));
    csvw_int(w, -42);
    csvw_int(w, 0);
    csvw_int(w, INT64_MIN);
    csvw_int(w, INT64_MAX);
    csvw_end_row(w);
    csvw_end_row(w);                   /* an empty row: just LF */
    csvw_raw(w, "{\"k\": [1,2]}", 12);
    csvw_end_row(w);
    csvw_str(w, "after raw");
    csvw_end_row(w);
}

static const char SAMPLE[] =
    "\"a,b\",\"say \"\"hi\"\"\",plain,,  spaced  \n"
    "\"x\ny\",\"c\rd\",\"\"\"\",semi;colon 'q',abc\n"
    "0.00,-0.05,1234.56,19.50,28.6851855,0:06,283:00,-1:30,2026-11-05,-42,0,-9223372036854775808,9223372036854775807\n"
    "\n"
    "{\"k\": [1,2]}\n"
    "after raw\n";

static uint32_t crc_of(const unsigned char *p, size_t n) { return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)n); }

static void test_plain_bytes(void)
{
    char p[256];
    csvw w;
    tu_path(p, sizeof p, dir, "plain.csv");
    CU_ASSERT_EQUAL_FATAL(csvw_open(&w, p, 0), 0);
    ASSERT_I64(csvw_content_crc(&w), 0);
    write_sample(&w);
    /* before closing: the CRC-32 of every byte given, still buffered */
    ASSERT_I64(csvw_content_crc(&w), crc_of((const unsigned char *)SAMPLE, sizeof SAMPLE - 1));
    ASSERT_I64(csvw_close(&w), 0);
    size_t n;
    unsigned char *b = tu_read(p, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    ASSERT_MEM(b, n, SAMPLE, sizeof SAMPLE - 1);
    ASSERT_I64(w.bytes, n);
    ASSERT_I64(w.crc32, crc_of(b, n));
    struct stat st;
    CU_ASSERT_EQUAL_FATAL(stat(p, &st), 0);
    ASSERT_I64(st.st_size, n);
    ASSERT_I64(st.st_mode & 0777, 0600);
    free(b);

    /* reopening truncates */
    CU_ASSERT_EQUAL_FATAL(csvw_open(&w, p, 0), 0);
    csvw_str(&w, "x");
    csvw_end_row(&w);
    ASSERT_I64(csvw_close(&w), 0);
    b = tu_read(p, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    ASSERT_MEM(b, n, "x\n", 2);
    ASSERT_I64(w.bytes, 2);
    ASSERT_I64(w.crc32, crc_of((const unsigned char *)"x\n", 2));
    free(b);

    /* an empty file */
    CU_ASSERT_EQUAL_FATAL(csvw_open(&w, p, 0), 0);
    ASSERT_I64(csvw_close(&w), 0);
    ASSERT_I64(w.bytes, 0);
    ASSERT_I64(w.crc32, 0);
}

/* Inflates a whole gzip file into a malloc'd buffer. */
static unsigned char *gunzip(const unsigned char *in, size_t n, size_t *outlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    unsigned char *out = malloc(cap);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    int zr = Z_OK;
    while (out && zr != Z_STREAM_END) {
        if (len == cap) {
            unsigned char *o = realloc(out, cap * 2);
            if (!o) {
                free(out);
                out = NULL;
                break;
            }
            out = o;
            cap *= 2;
        }
        z.next_out = out + len;
        z.avail_out = (uInt)(cap - len);
        zr = inflate(&z, Z_NO_FLUSH);
        len = cap - z.avail_out;
        if (zr != Z_OK && zr != Z_STREAM_END) {
            free(out);
            out = NULL;
        }
    }
    /* nothing may follow the one member */
    if (out && z.avail_in != 0) {
        free(out);
        out = NULL;
    }
    inflateEnd(&z);
    *outlen = len;
    return out;
}

static void test_gzip(void)
{
    char p[256];
    csvw w;
    tu_path(p, sizeof p, dir, "sample.csv.gz");
    CU_ASSERT_EQUAL_FATAL(csvw_open(&w, p, 1), 0);
    write_sample(&w);
    ASSERT_I64(csvw_close(&w), 0);
    size_t n, m;
    unsigned char *b = tu_read(p, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_FATAL(n >= 18);
    /* RFC 1952 header: ID1 ID2 CM FLG MTIME(4) XFL OS */
    ASSERT_I64(b[0], 0x1f);
    ASSERT_I64(b[1], 0x8b);
    ASSERT_I64(b[2], 8);
    ASSERT_I64(b[3] & 0x08, 0);     /* no FNAME */
    ASSERT_I64(b[3] & 0x10, 0);     /* no FCOMMENT */
    ASSERT_I64(b[4] | b[5] | b[6] | b[7], 0);   /* MTIME 0 */
    ASSERT_I64(w.bytes, n);
    ASSERT_I64(w.crc32, crc_of(b, n));
    /* trailer: CRC-32 and size of the uncompressed data, little endian */
    uint32_t tcrc = (uint32_t)b[n - 8] | (uint32_t)b[n - 7] << 8 | (uint32_t)b[n - 6] << 16 | (uint32_t)b[n - 5] << 24;
    uint32_t tsize = (uint32_t)b[n - 4] | (uint32_t)b[n - 3] << 8 | (uint32_t)b[n - 2] << 16 | (uint32_t)b[n - 1] << 24;
    ASSERT_I64(tcrc, crc_of((const unsigned char *)SAMPLE, sizeof SAMPLE - 1));
    ASSERT_I64(tsize, sizeof SAMPLE - 1);
    unsigned char *u = gunzip(b, n, &m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(u);
    ASSERT_MEM(u, m, SAMPLE, sizeof SAMPLE - 1);
    free(u);
    free(b);

    /* the same content twice gives the same bytes (no time, no name) */
    char p2[256];
    tu_path(p2, sizeof p2, dir, "other-name.gz");
    CU_ASSERT_EQUAL_FATAL(csvw_open(&w, p2, 1), 0);
    write_sample(&w);
    ASSERT_I64(csvw_close(&w), 0);
    b = tu_read(p, &n);
    unsigned char *b2 = tu_read(p2, &m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b2);
    ASSERT_MEM(b2, m, b, n);
    free(b);
    free(b2);

    /* an empty gzip file is a valid empty stream */
    CU_ASSERT_EQUAL_FATAL(csvw_open(&w, p, 1), 0);
    ASSERT_I64(csvw_close(&w), 0);
    b = tu_read(p, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    ASSERT_I64(w.bytes, n);
    u = gunzip(b, n, &m);
    CU_ASSERT_PTR_NOT_NULL(u);
    ASSERT_I64(m, 0);
    free(u);
    free(b);
}

/* More than one 256 KiB buffer, plain and gzip: every byte arrives, CRC-32 and size match. */
static void test_big(void)
{
    size_t cap = 3000000, len = 0;
    char *want = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    for (int g = 0; g < 2; g++) {
        char p[256];
        csvw w;
        tu_path(p, sizeof p, dir, g ? "big.csv.gz" : "big.csv");
        CU_ASSERT_EQUAL_FATAL(csvw_open(&w, p, g), 0);
        len = 0;
        for (int i = 0; i < 60000; i++) {
            char f[40];
            int k = snprintf(f, sizeof f, "r%d,x", i);   /* has a comma: quoted */
            csvw_field(&w, f, (size_t)k);
            csvw_int(&w, (int64_t)i * -7);
            csvw_cents(&w, i);
            csvw_end_row(&w);
            len += (size_t)snprintf(want + len, cap - len, "\"r%d,x\",%d,%d.%02d\n", i, i * -7, i / 100, i % 100);
        }
        if (!g)   /* across several flushed buffers */
            ASSERT_I64(csvw_content_crc(&w), crc_of((const unsigned char *)want, len));
        ASSERT_I64(csvw_close(&w), 0);
        size_t n, m;
        unsigned char *b = tu_read(p, &n);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        ASSERT_I64(w.bytes, n);
        ASSERT_I64(w.crc32, crc_of(b, n));
        if (!g) {
            CU_ASSERT(n > 256 * 1024);
            ASSERT_MEM(b, n, want, len);
        } else {
            unsigned char *u = gunzip(b, n, &m);
            CU_ASSERT_PTR_NOT_NULL(u);
            if (u)
                ASSERT_MEM(u, m, want, len);
            free(u);
        }
        free(b);
    }
    free(want);
}

static void test_open_fails(void)
{
    char p[256];
    csvw w;
    tu_path(p, sizeof p, dir, "no-such-dir/out.csv");
    errno = 0;
    ASSERT_I64(csvw_open(&w, p, 0), -1);
    ASSERT_I64(errno, ENOENT);
    errno = 0;
    ASSERT_I64(csvw_open(&w, p, 1), -1);
    ASSERT_I64(errno, ENOENT);
}

/* A full disk: the write fails and csvw_close reports it. */
static void test_write_fails(void)
{
    csvw w;
    if (access("/dev/full", W_OK) != 0)
        return;     /* no /dev/full here: nothing to check */
    CU_ASSERT_EQUAL_FATAL(csvw_open(&w, "/dev/full", 0), 0);
    csvw_str(&w, "x");
    csvw_end_row(&w);
    errno = 0;
    ASSERT_I64(csvw_close(&w), -1);
    ASSERT_I64(errno, ENOSPC);
}

int test_csvw_register(void)
{
    static const tu_test tests[] = {
        {"exact bytes: quoting, LF, typed fields", test_plain_bytes},
        {"gzip: header, trailer, same bytes", test_gzip},
        {"big outputs across buffers", test_big},
        {"csvw_open failure", test_open_fails},
        {"write failure reported by csvw_close", test_write_fails},
    };
    size_t n = sizeof tests / sizeof tests[0];
    int rc = tu_register("csvw", suite_init, suite_clean, tests, n);
    return rc ? rc : tu_register("csvw with the writer thread", threaded_init, threaded_clean, tests, n);
}
