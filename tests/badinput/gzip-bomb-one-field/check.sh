# A 2 MB gzip file that inflates to one 400 MB field, read with a 300 MB address-space limit:
# the field is cut at 64 KiB (SPEC §7a), its row is a MALFORMED_ROW, the run completes (exit 0)
# without ever holding the field. Skipped when payrun cannot start under the limit (a sanitizer
# build reserves terabytes of shadow memory).
. "$LIB"
sh -c 'ulimit -v 300000 && ASAN_OPTIONS= UBSAN_OPTIONS= "$0" --help' "$PAYRUN" > /dev/null 2>&1 ||
    { echo "payrun does not start with ulimit -v 300000 (sanitizer build?)"; exit 77; }
{ echo "$TS_HEADER"; printf 'X'; head -c 400000000 /dev/zero | tr '\0' 'A'; printf ',P1\n'; } | gzip -1 > bomb.csv
(ulimit -v 300000 && exec timeout -s KILL 120 "$PAYRUN" run --data data --out out --run-date 2026-11-20 bomb.csv) 2> err
rc=$?
[ $rc = 0 ] || { echo "exit $rc, expected 0"; cat err; exit 1; }
got=$(csv_columns out/exceptions.csv timesheet_id source code | tr '\n' ' ')
[ "$got" = "|bomb.csv:2|MALFORMED_ROW " ] || { echo "exceptions [$got], expected [|bomb.csv:2|MALFORMED_ROW ]"; exit 1; }
grep -qF 'bomb.csv:2: field 1 (timesheet_id) is longer than 64 KiB' out/exceptions.csv ||
    { echo "message lacks: bomb.csv:2: field 1 (timesheet_id) is longer than 64 KiB"; exit 1; }
[ -z "$(csv_columns out/paychecks.csv timesheet_id)" ] || { echo "paychecks.csv pays something"; exit 1; }
