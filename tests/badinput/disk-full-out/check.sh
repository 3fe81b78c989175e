# The output directory on a full file system (a 64 KiB tmpfs; root only): exit 4, no output
# published (no summary.json, paychecks.csv, exceptions.csv, no temporary file left), no new
# state generation. 3000 refused rows make an exceptions.csv of about 400 KiB.
. "$LIB"
[ "$(id -u)" = 0 ] || { echo "not root: cannot mount a small tmpfs"; exit 77; }
mkdir -p full
mount -t tmpfs -o size=64k,mode=700 payrun-full full 2> mnt.err || { echo "cannot mount a tmpfs: $(cat mnt.err)"; exit 77; }
trap 'umount full 2>/dev/null' EXIT
{ echo "$TS_HEADER"; ts_row T0 P1 R1 8:00
  awk 'BEGIN { for (i = 1; i <= 3000; i++) printf "BAD%d,P1,R1,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-16,25:00,,,,,,,,,,,,,,,,\n", i }'
} > big.csv
{ echo "$TS_HEADER"; ts_row T9 P2 R2 4:00; } > small.csv
bad=0
"$PAYRUN" state init --state state
"$PAYRUN" run --data data --out out0 --state state --run-date 2026-11-20 small.csv 2> err0 || { echo "setup run: exit $?"; cat err0; exit 1; }
for st in "" "--state state"; do
    for gz in "" "--gzip"; do
        # shellcheck disable=SC2086
        "$PAYRUN" run --data data --out full/out $st $gz --run-date 2026-11-20 big.csv 2> err
        rc=$?
        what="--out on a full fs ${st:+$st }${gz:+$gz}"
        if [ $rc = 0 ] && [ -n "$gz" ]; then
            # compressed, the outputs may fit: then they must be complete
            [ -f full/out/summary.json ] || { echo "$what: exit 0 but no summary.json"; bad=1; }
            rm -rf full/out
            continue
        fi
        [ $rc = 4 ] || { echo "$what: exit $rc, expected 4"; cat err; bad=1; }
        grep -q 'No space left on device' err || { echo "$what: the message does not say the disk is full: $(cat err)"; bad=1; }
        no_outputs full/out || { echo "$what: left in the output directory: $(ls -A full/out | tr '\n' ' ')"; bad=1; }
        [ "$(generations state)" = 1 ] || { echo "$what: $(generations state) generations, expected 1"; bad=1; }
        rm -rf full/out
    done
done
exit $bad
