# The state directory on a full file system (root only): generation 1 fits (68 KiB on tmpfs:
# its ledger, manifest, paychecks, archived inputs and the masters snapshot), the next run's
# archive of its 4000-row timesheet file and its ledger (4000 more paid timesheet ids) do not.
# Exit 4, the outputs not published, no new generation, and the state still usable once there
# is room.
. "$LIB"
[ "$(id -u)" = 0 ] || { echo "not root: cannot mount a small tmpfs"; exit 77; }
mkdir -p full
mount -t tmpfs -o size=96k,mode=700 payrun-full full 2> mnt.err || { echo "cannot mount a tmpfs: $(cat mnt.err)"; exit 77; }
trap 'umount full 2>/dev/null' EXIT
{ echo "$TS_HEADER"; ts_row T0 P1 R1 8:00; } > small.csv
# 4000 special timesheets of 0:06 with long ids: each one is paid (some 0:00 after the
# authorized hours run out) and each id goes into the ledger
{ echo "$TS_HEADER"
  awk 'BEGIN { for (i = 1; i <= 4000; i++) printf "SPECIAL-TIMESHEET-%014d,P2,R2,2026-11-01,special,paper,2026-11-15,2026-11-15,2026-11-16,0:06,,,,,,,,,,,,,,,,\n", i }'
} > many.csv
bad=0
"$PAYRUN" state init --state full/state
"$PAYRUN" run --data data --out out0 --state full/state --run-date 2026-11-20 small.csv 2> err0 || { echo "setup run: exit $?"; cat err0; exit 1; }
"$PAYRUN" run --data data --out out1 --state full/state --run-date 2026-11-20 many.csv 2> err
rc=$?
[ $rc = 4 ] || { echo "exit $rc, expected 4"; cat err; bad=1; }
grep -q 'No space left on device' err || { echo "the message does not say the disk is full: $(cat err)"; bad=1; }
for f in paychecks.csv exceptions.csv summary.json; do
    [ -e out1/$f ] && { echo "out1/$f was published"; bad=1; }
done
ls -A out1 2>/dev/null | grep -q . && { echo "left in out1: $(ls -A out1 | tr '\n' ' ')"; bad=1; }
[ "$(generations full/state)" = 1 ] || { echo "$(generations full/state) generations, expected 1"; bad=1; }
# room again: a copy of the state on a roomy directory takes the same run as generation 2
cp -a full/state roomy
umount full
trap - EXIT
"$PAYRUN" run --data data --out out3 --state roomy --run-date 2026-11-20 many.csv 2> err3 ||
    { echo "with room the run fails: exit $?: $(cat err3)"; bad=1; }
[ "$(generations roomy)" = 2 ] || { echo "with room: $(generations roomy) generations, expected 2"; bad=1; }
exit $bad
