# A 2 MB gzip file that inflates to one 400 MB field, read with a 300 MB address-space limit:
# payrun stops cleanly (exit 2, nothing written) instead of being killed, and never holds the
# whole file. Skipped when payrun cannot start under the limit (a sanitizer build reserves
# terabytes of shadow memory).
. "$LIB"
sh -c 'ulimit -v 300000 && ASAN_OPTIONS= UBSAN_OPTIONS= "$0" --help' "$PAYRUN" > /dev/null 2>&1 ||
    { echo "payrun does not start with ulimit -v 300000 (sanitizer build?)"; exit 77; }
{ echo "$TS_HEADER"; printf 'X'; head -c 400000000 /dev/zero | tr '\0' 'A'; printf ',P1\n'; } | gzip -1 > bomb.csv
(ulimit -v 300000 && exec timeout -s KILL 120 "$PAYRUN" run --data data --out out --run-date 2026-11-20 bomb.csv) 2> err
rc=$?
[ $rc = 2 ] || { echo "exit $rc, expected 2"; cat err; exit 1; }
grep -q 'bomb.csv: .*memory' err || { echo "the message does not name the file and the memory: $(cat err)"; exit 1; }
no_outputs out || { echo "left in out: $(ls -A out | tr '\n' ' ')"; exit 1; }
