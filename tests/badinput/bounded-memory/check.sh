# SPEC §7a: peak memory with bad input is at most 64 MiB above that of the same night without
# it. The night: two good rows. Each bad input is measured (peak RSS by bench/measure.c) with
# the reader thread off and on and compared with that night, and its outcome is checked:
#   field-300mb   a 300 MB field in a third row, through a pipe ("-"): MALFORMED_ROW, exit 0
#   dev-zero      /dev/zero as a second timesheet file: not a CSV file, exit 2
#   columns-10m   a 10-million-column header (89 MB), through a pipe: exit 2
#   commas-1mib   16 rows of 1 MiB of commas (a million empty fields each, within the row
#                 limit): MALFORMED_ROW each (wrong field count), exit 0
#   master-300mb  providers.csv (a named pipe) with a 300 MB name: fatal, exit 2
# Everything goes through pipes: no disk. A sanitizer build (shadow memory, quarantine) has
# no meaningful peak RSS: then only the outcomes are checked.
. "$LIB"
MEASURE=$TOP/build/measure
if [ ! -x "$MEASURE" ]; then
    cc -O2 -o measure "$TOP/bench/measure.c" || { echo "cannot build bench/measure.c"; exit 1; }
    MEASURE=./measure
fi
sanitized=0
sh -c 'ulimit -v 300000 && ASAN_OPTIONS= UBSAN_OPTIONS= "$0" --help' "$PAYRUN" > /dev/null 2>&1 || sanitized=1
{ echo "$TS_HEADER"; ts_row T1 P1 R1 8:00; ts_row T2 P2 R2 4:00; } > good.csv
: > failures

# run NAME THREADS WANT_EXIT [ARG...]: payrun run, stdin as given (run is often the end of a
# pipeline: a subshell, so what it finds goes to files): its peak RSS in KiB in kib-NAME-THREADS,
# its outputs in out-NAME-THREADS, its stderr in err-NAME-THREADS
run() {
    name=$1 th=$2 want=$3
    shift 3
    "$MEASURE" "$PAYRUN" run --data "${DATA:-data}" --out "out-$name-$th" --run-date 2026-11-20 --threads "$th" \
        "$@" 2> "err-$name-$th" > /dev/null
    set -- $(tail -1 "err-$name-$th")
    echo "$2" > "kib-$name-$th"
    [ "$3" = "$want" ] || { echo "$name (--threads $th): exit $3, expected $want"; head -3 "err-$name-$th"; } >> failures
}

# fail TEXT: records a failure
fail() { echo "$*" >> failures; }

# limit NAME THREADS: its peak against the night's
limit() {
    kib=$(cat "kib-$1-$2") base=$(cat "kib-base-$2")
    echo "$1 --threads $2: peak RSS $kib KiB, $((kib - base)) KiB above the night without it ($base KiB)"
    [ $sanitized = 1 ] || [ "$kib" -le $((base + 65536)) ] ||
        fail "$1 (--threads $2): $((kib - base)) KiB above the night without it (64 MiB allowed)"
}

for th in 1 2; do
    run base "$th" 0 good.csv

    { cat good.csv; printf 'T3,'; head -c 300000000 /dev/zero | tr '\0' A; printf ',P1\n'; } |
        run field-300mb "$th" 0 -
    limit field-300mb "$th"
    got=$(csv_columns "out-field-300mb-$th/exceptions.csv" timesheet_id source code message | tr '\n' ' ')
    # the source -:4 is written '-:4 (a text starting with - is guarded: docs/formats.md)
    want="T3|'-:4|MALFORMED_ROW|'-:4: field 2 (provider_id) is longer than 64 KiB "
    [ "$got" = "$want" ] || fail "field-300mb: exceptions [$got], expected [$want]"
    [ "$(csv_columns "out-field-300mb-$th/paychecks.csv" timesheet_id | tr '\n' ' ')" = "T1 T2 " ] ||
        fail "field-300mb: T1 and T2 not paid"

    run dev-zero "$th" 2 good.csv /dev/zero < /dev/null
    limit dev-zero "$th"
    grep -qF '/dev/zero:1: not a CSV file: NUL byte' "err-dev-zero-$th" || fail "dev-zero: $(head -1 "err-dev-zero-$th")"

    { printf '%s' "$TS_HEADER"; seq 1 10000000 | sed 's/^/,x/' | tr -d '\n'; echo; ts_row T1 P1 R1 8:00; } 2> /dev/null |
        run columns-10m "$th" 2 -
    limit columns-10m "$th"
    grep -qF -- '-: not a CSV file: no line end in the first 16 MiB' "err-columns-10m-$th" ||
        fail "columns-10m: $(head -1 "err-columns-10m-$th")"

    { cat good.csv; i=0; while [ $i -lt 16 ]; do printf 'C%d' $i; head -c 1048574 /dev/zero | tr '\0' ,; echo; i=$((i + 1)); done; } |
        run commas-1mib "$th" 0 -
    limit commas-1mib "$th"
    [ "$(csv_columns "out-commas-1mib-$th/exceptions.csv" code | grep -c MALFORMED_ROW)" = 16 ] ||
        fail "commas-1mib: not 16 MALFORMED_ROW exceptions"

    rm -rf dm && mkdir dm && cp data/*.csv dm/ && rm dm/providers.csv && mkfifo dm/providers.csv
    { head -1 data/providers.csv; printf 'P1,'; head -c 300000000 /dev/zero | tr '\0' N
      printf ',alameda,complete,n,n,n\n'; } 2> /dev/null > dm/providers.csv &
    writer=$!
    DATA=dm run master-300mb "$th" 2 good.csv < /dev/null
    kill "$writer" 2> /dev/null; wait "$writer" 2> /dev/null
    limit master-300mb "$th"
    grep -qF 'dm/providers.csv:2: field 2 (name) is longer than 64 KiB' "err-master-300mb-$th" ||
        fail "master-300mb: $(head -1 "err-master-300mb-$th")"
done
[ $sanitized = 1 ] && echo "a sanitizer build: the outcomes are checked, not the peak RSS"
cat failures
[ ! -s failures ]
