/* csvparse.c — the baseline: libcsv over a plain or gzip file with empty callbacks, 256 KiB blocks. */
#include <csv.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

static size_t fields, rows;
static void on_field(void *s, size_t n, void *d) { (void)s; (void)n; (void)d; fields++; }
static void on_row(int c, void *d) { (void)c; (void)d; rows++; }

/* usage: csvparse FILE — reads it as payrun does (read(2) or zlib inflate, libcsv strict) and counts rows. */
int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    enum { BLOCK = 256 * 1024 };
    static unsigned char in[BLOCK], out[BLOCK];
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0)
        return 2;
    struct csv_parser p;
    csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL);
    z_stream z = {0};
    int gz = -1;
    ssize_t got;
    while ((got = read(fd, in, BLOCK)) > 0) {
        if (gz < 0) {
            gz = got >= 2 && in[0] == 0x1f && in[1] == 0x8b;
            if (gz && inflateInit2(&z, 15 + 16) != Z_OK)
                return 2;
        }
        if (!gz) {
            csv_parse(&p, in, (size_t)got, on_field, on_row, NULL);
            continue;
        }
        z.next_in = in;
        z.avail_in = (uInt)got;
        int end = 0;
        for (;;) {
            if (end) {
                if (z.avail_in == 0)
                    break;
                inflateReset(&z);
                end = 0;
            }
            z.next_out = out;
            z.avail_out = BLOCK;
            int r = inflate(&z, Z_NO_FLUSH);
            end = r == Z_STREAM_END;
            if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
                return 2;
            csv_parse(&p, out, BLOCK - z.avail_out, on_field, on_row, NULL);
            if (!end && z.avail_out != 0)
                break;
        }
    }
    csv_fini(&p, on_field, on_row, NULL);
    csv_free(&p);
    printf("%zu rows, %zu fields\n", rows, fields);
    return 0;
}
