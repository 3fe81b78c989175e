# With umask 022 every output and state file is created 0600 and every directory 0700
# (docs/formats.md: they hold names and pay), also with --gzip and after a second run.
. "$LIB"
umask 022
bad=0
mkdir out st
"$PAYRUN" state init --state st/state
"$PAYRUN" run --data data --out out/run1 --state st/state --run-date 2026-11-20 timesheets.csv 2> err || { echo "exit $?"; cat err; exit 1; }
"$PAYRUN" run --data data --out out/run2 --gzip --state st/state --run-date 2026-11-20 timesheets.csv 2> err || { echo "exit $?"; cat err; exit 1; }
"$PAYRUN" run --data data --out plain --run-date 2026-11-20 timesheets.csv 2> err || { echo "exit $?"; cat err; exit 1; }
for d in out/run1 out/run2 st/state plain; do
    find "$d" -type d | while read -r x; do
        m=$(stat -c %a "$x"); [ "$m" = 700 ] || echo "directory $x has mode $m, expected 700"
    done
    find "$d" ! -type d | while read -r x; do
        m=$(stat -c %a "$x"); [ "$m" = 600 ] || echo "file $x has mode $m, expected 600"
    done
done > modes.txt
[ -s modes.txt ] && { cat modes.txt; bad=1; }
n=$(find out/run1 out/run2 st/state plain ! -type d | wc -l)
[ "$n" -ge 9 ] || { echo "only $n files found"; bad=1; }
exit $bad
