# An existing --out directory with mode 500: exit 4, nothing written into it, no new state
# generation. Root ignores the mode, so as root the run is made as user nobody (setpriv).
. "$LIB"
as=""
if [ "$(id -u)" = 0 ]; then
    command -v setpriv > /dev/null || { echo "running as root and setpriv is missing: cannot test a mode-500 directory"; exit 77; }
    as="setpriv --reuid=65534 --regid=65534 --clear-groups"
    chmod 755 .
    chmod -R a+rX data timesheets.csv
    # payrun itself and the directories above it must be reachable by nobody
    $as test -x "$PAYRUN" || { echo "user nobody cannot run $PAYRUN (a directory above it is not searchable)"; exit 77; }
    $as test -r data/providers.csv || { echo "user nobody cannot read the scratch directory $(pwd)"; exit 77; }
fi
bad=0
mkdir -p out state
[ -n "$as" ] && chown 65534:65534 out state
$as "$PAYRUN" state init --state state
$as "$PAYRUN" run --data data --out out --state state --run-date 2026-11-19 timesheets.csv 2> err0 || { echo "setup run: exit $?"; cat err0; exit 1; }
rm -rf out2; mkdir out2
[ -n "$as" ] && chown 65534:65534 out2
chmod 500 out2
$as "$PAYRUN" run --data data --out out2 --state state --run-date 2026-11-20 timesheets.csv 2> err
rc=$?
chmod 700 out2
[ $rc = 4 ] || { echo "exit $rc, expected 4"; cat err; bad=1; }
grep -q 'out2' err || { echo "the message does not name the directory:"; cat err; bad=1; }
no_outputs out2 || { echo "out2 holds $(ls -A out2)"; bad=1; }
[ "$($as "$PAYRUN" state list --state state | grep -c '^generation')" = 1 ] || { echo "a new state generation was committed"; bad=1; }
exit $bad
