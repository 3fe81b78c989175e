/* load.h — reads the data directory (parameters and master files) into engine masters. */
#ifndef PAYRUN_LOAD_H
#define PAYRUN_LOAD_H

#include <stddef.h>

#include "csvr.h"
#include "master.h"

/* What was read of one input file, for summaries and reports. */
typedef struct {
    char path[4096];
    csvr_info info;
    int present;            /* 0 for an optional file that is absent */
} load_file;

enum { LOAD_PARAMETERS, LOAD_PROVIDERS, LOAD_RECIPIENTS, LOAD_AUTHORIZATIONS, LOAD_ASSIGNMENTS,
       LOAD_OVERPAYMENTS, LOAD_HOLIDAYS, LOAD_WRIT_WORKSHEETS, LOAD_ESP_HISTORY, LOAD_WITHHOLDING, LOAD_NFILES };

/* Loads every file of the data directory dir into m (zeroed by the caller), checking
 * each row and the files as a whole (docs/formats.md "Data directory", docs/rules.md §4.1). Returns 0; -1 with "file:line: column:
 * what is wrong" in err; LOAD_NO_MEMORY when an allocation failed (err says where);
 * m must be freed with master_free either way. */
#define LOAD_NO_MEMORY (-2)
int load_masters(const char *dir, masters *m, load_file files[LOAD_NFILES], char *err, size_t errlen);

/* As load_masters, with the parameters read from params_path instead of
 * dir/parameters.csv (NULL: the directory's own). */
int load_masters_params(const char *dir, const char *params_path, masters *m, load_file files[LOAD_NFILES], char *err,
                        size_t errlen);

/* As load_masters_params, then the rows of extra->path (when extra is given and
 * present) as overpayments after those of overpayments.csv: the overpayments payrun
 * correct created (docs/corrections.md), kept in the state. extra->info is filled. */
int load_masters_with(const char *dir, const char *params_path, load_file *extra, masters *m,
                      load_file files[LOAD_NFILES], char *err, size_t errlen);

/* Where each file of the data directory dir is, without reading it: files[f].path
 * (params_path for the parameters when given) and files[f].present (0 for an
 * optional file that does not exist; a required one is present even when missing,
 * so that loading it names the problem). Returns 0, or -1 with err set when a path
 * is too long. */
int load_locate(const char *dir, const char *params_path, load_file files[LOAD_NFILES], char *err, size_t errlen);

/* The file name of each data file ("providers.csv", ...). */
const char *load_file_name(int which);

/* The columns of data file which that SPEC §3 names, in the loader's order (*cols);
 * returns how many. */
int load_file_columns(int which, const csvr_column **cols);

/* Whether data file which may be absent from a data directory. */
int load_file_optional(int which);

#endif
