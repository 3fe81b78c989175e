# --out and then --state on a read-only file system (a read-only bind mount; root only):
# exit 4, nothing written, no new state generation, the state still usable.
. "$LIB"
[ "$(id -u)" = 0 ] || { echo "not root: cannot mount"; exit 77; }
mkdir -p ro rw
mount --bind rw ro 2> mnt.err && mount -o remount,bind,ro ro 2>> mnt.err || { umount ro 2>/dev/null; echo "cannot make a read-only bind mount: $(cat mnt.err)"; exit 77; }
trap 'umount ro 2>/dev/null' EXIT
bad=0
"$PAYRUN" state init --state state
"$PAYRUN" run --data data --out out0 --state state --run-date 2026-11-19 timesheets.csv 2> err0 || { echo "setup run: exit $?"; cat err0; exit 1; }
"$PAYRUN" run --data data --out ro/out --state state --run-date 2026-11-20 timesheets.csv 2> err1
rc=$?
[ $rc = 4 ] || { echo "--out on a read-only fs: exit $rc, expected 4"; cat err1; bad=1; }
[ "$(generations state)" = 1 ] || { echo "--out on a read-only fs: a generation was committed"; bad=1; }
# the state on the read-only file system: make one in rw/ first, then bind it read-only
umount ro
"$PAYRUN" state init --state rw/state
"$PAYRUN" run --data data --out out1 --state rw/state --run-date 2026-11-19 timesheets.csv 2> err2 || { echo "setup run 2: exit $?"; cat err2; exit 1; }
mount --bind rw ro && mount -o remount,bind,ro ro || { echo "remount failed"; exit 1; }
"$PAYRUN" run --data data --out out2 --state ro/state --run-date 2026-11-20 timesheets.csv 2> err3
rc=$?
[ $rc = 4 ] || [ $rc = 2 ] || { echo "--state on a read-only fs: exit $rc, expected 4"; cat err3; bad=1; }
[ $rc = 2 ] && { echo "--state on a read-only fs: exit 2 (bad input data), expected 4 (I/O error): $(cat err3)"; bad=1; }
no_outputs out2 || { echo "--state on a read-only fs: out2 holds $(ls -A out2 | tr '\n' ' ')"; bad=1; }
exit $bad
