#!/bin/sh
# badinput.sh — the bad-input corpus: every case in tests/badinput/NAME runs payrun on damaged,
# hostile or unusual input and checks the exit code, the error message, what was paid and
# what was refused, and that a failed run wrote nothing.
#
# A case directory holds:
#   expect      what must happen, one directive per line (# comments):
#                 exit N               the exit code (default 0)
#                 stderr TEXT          stderr contains TEXT (fixed string)
#                 paid ID              paychecks.csv has exactly these timesheet_ids, in this
#                                      order (one line each; none: no paychecks at all)
#                 exception ID|SOURCE|CODE
#                                      exceptions.csv has exactly these rows (timesheet_id,
#                                      source, code as CSV values, in order; none: no rows)
#                 message ID|TEXT      the exception message of ID contains TEXT
#                 paycheck ID|COLUMN|VALUE
#                                      the paycheck of ID has VALUE in COLUMN
#                 summary TEXT         summary.json contains TEXT
#                 seconds N            the run takes at most N seconds (default 60)
#                 no_invariants WHY    do not run build/check_invariants on this case's outputs
#               A run that exits non-zero must leave the output directory empty or absent.
#   args        the arguments after `payrun run --data data --out out` (default
#               "--run-date 2026-11-20 timesheets.csv"), run in a scratch directory holding
#               data/ (tests/badinput/_data overlaid with the case's data/) and the case's
#               other files.
#   gen.sh      optional: run in the scratch directory first (with LIB = tests/badinput/_lib.sh),
#               to write inputs too big or too binary to keep in git (10 MB fields, NUL bytes,
#               truncated gzip).
#   remove      optional: data file names to delete from the scratch data/ (a missing master).
#   check.sh    optional, instead of expect: a script run in the scratch directory with
#               PAYRUN, CHECK_INVARIANTS, CASE (the case directory), TOP and LIB (source it for
#               the helpers of tests/badinput/_lib.sh); exit 0 = ok, 77 = SKIP (the reason on
#               stdout), anything else = FAIL. A skip is reported as SKIP, never as ok.
#   README      optional: what the case is about (a BUG- case: the bug, where, what is expected).
#
# A case whose name starts with BUG- reproduces a bug that is not fixed yet: it fails until
# the fix lands (see its README).
#
# Each case prints `ok`, `FAIL` or `SKIP` and its name; the script exits 1 when any case failed.
# Usage: sh tests/badinput.sh [NAME...]     PAYRUN=path overrides ./payrun (e.g. an ASan build);
# CHECK_INVARIANTS=path overrides build/check_invariants (SPEC §8 invariants on every run
# that exits 0; skipped when absent).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
PAYRUN=${PAYRUN:-$top/payrun}
CHECK_INVARIANTS=${CHECK_INVARIANTS:-$top/build/check_invariants}
corpus=$top/tests/badinput
. "$corpus/_lib.sh"

pass=0 failed=0 skipped=0
failed_names=""

# run_generic DIR TMP -> 0 or 1 with the reasons on stdout
run_generic() {
    dir=$1 t=$2
    args="--run-date 2026-11-20 timesheets.csv"
    [ -f "$dir/args" ] && args=$(grep -v '^#' "$dir/args" | tr '\n' ' ')
    want_rc=0 limit=60
    while IFS= read -r line; do
        case "$line" in
        "exit "*) want_rc=${line#exit } ;;
        "seconds "*) limit=${line#seconds } ;;
        esac
    done < "$dir/expect"
    start=$(date +%s)
    # shellcheck disable=SC2086
    (cd "$t" && exec timeout -s KILL "$limit" "$PAYRUN" run --data data --out out $args) > "$t/.stdout" 2> "$t/.stderr"
    rc=$?
    took=$(( $(date +%s) - start ))
    bad=0
    if [ $rc = 137 ] && [ "$took" -ge "$limit" ]; then
        echo "timed out after $limit s (hang?)"
        return 1
    fi
    if [ "$rc" != "$want_rc" ]; then
        echo "exit $rc, expected $want_rc"
        sed 's/^/    stderr: /' "$t/.stderr" | head -5
        bad=1
    fi
    if grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$t/.stderr"; then
        echo "sanitizer report:"; grep -A3 'ERROR\|runtime error' "$t/.stderr" | head -12 | sed 's/^/    /'
        bad=1
    fi
    while IFS= read -r line; do
        case "$line" in
        "stderr "*)
            text=${line#stderr }
            grep -qF -- "$text" "$t/.stderr" || { echo "stderr lacks: $text"; sed 's/^/    stderr: /' "$t/.stderr" | head -5; bad=1; } ;;
        esac
    done < "$dir/expect"
    if [ "$rc" != 0 ]; then
        if [ -n "$(ls -A "$t/out" 2>/dev/null)" ]; then
            echo "a failed run left files in the output directory: $(ls -A "$t/out" | tr '\n' ' ')"
            bad=1
        fi
        return $bad
    fi
    for f in paychecks.csv exceptions.csv summary.json; do
        [ -f "$t/out/$f" ] || { echo "out/$f missing"; return 1; }
    done
    if ls -A "$t/out" | grep -q '\.tmp$'; then echo "temporary files left: $(ls -A "$t/out" | tr '\n' ' ')"; bad=1; fi
    # paid: exactly these timesheet ids, in order
    grep '^paid ' "$dir/expect" | sed 's/^paid //' | grep -vx 'none' > "$t/.want_paid"
    csv_columns "$t/out/paychecks.csv" timesheet_id > "$t/.got_paid"
    if ! cmp -s "$t/.want_paid" "$t/.got_paid"; then
        echo "paychecks.csv pays other timesheets than expected (- expected, + paid):"
        diff "$t/.want_paid" "$t/.got_paid" | grep '^[<>]' | sed 's/^</    -/; s/^>/    +/' | head -10
        bad=1
    fi
    grep '^exception ' "$dir/expect" | sed 's/^exception //' | grep -vx 'none' > "$t/.want_exc"
    csv_columns "$t/out/exceptions.csv" timesheet_id source code > "$t/.got_exc"
    if ! cmp -s "$t/.want_exc" "$t/.got_exc"; then
        echo "exceptions.csv differs (- expected, + got; timesheet_id|source|code):"
        diff "$t/.want_exc" "$t/.got_exc" | grep '^[<>]' | sed 's/^</    -/; s/^>/    +/' | cut -c1-200 | head -10
        bad=1
    fi
    csv_columns "$t/out/exceptions.csv" timesheet_id message > "$t/.got_msg"
    while IFS= read -r line; do
        case "$line" in
        "message "*)
            spec=${line#message }
            id=${spec%%|*} text=${spec#*|}
            ID=$id awk -F'|' '$1 == ENVIRON["ID"] { sub(/^[^|]*\|/, ""); print }' "$t/.got_msg" | grep -qF -- "$text" ||
                { echo "no exception message of $id contains: $text"; bad=1; } ;;
        "paycheck "*)
            spec=${line#paycheck }
            id=${spec%%|*} rest=${spec#*|}
            col=${rest%%|*} val=${rest#*|}
            got=$(csv_columns "$t/out/paychecks.csv" timesheet_id "$col" | ID=$id awk -F'|' '$1 == ENVIRON["ID"] { sub(/^[^|]*\|/, ""); print; exit }')
            [ "$got" = "$val" ] || { echo "paycheck $id: $col is [$got], expected [$val]"; bad=1; } ;;
        "summary "*)
            text=${line#summary }
            grep -qF -- "$text" "$t/out/summary.json" || { echo "summary.json lacks: $text"; bad=1; } ;;
        esac
    done < "$dir/expect"
    if [ -x "$CHECK_INVARIANTS" ] && ! grep -q '^no_invariants' "$dir/expect"; then
        files=$(for a in $args; do case "$a" in --*|[0-9][0-9][0-9][0-9]-*) ;; *) echo "$a" ;; esac; done)
        # shellcheck disable=SC2086
        if ! (cd "$t" && "$CHECK_INVARIANTS" out $files > .inv 2>&1); then
            echo "SPEC §8 invariants fail:"; sed 's/^/    /' "$t/.inv" | head -5
            bad=1
        fi
    fi
    return $bad
}

cases=${*:-$(ls "$corpus" | grep -v '^_')}
for name in $cases; do
    dir=$corpus/$name
    [ -d "$dir" ] || { echo "FAIL $name: no such case"; failed=$((failed + 1)); continue; }
    t=$(mktemp -d)
    mkdir "$t/data"
    cp -L "$corpus/_data/"*.csv "$t/data/"
    [ -d "$dir/data" ] && cp -L "$dir/data/"* "$t/data/"
    if [ -f "$dir/remove" ]; then
        while IFS= read -r f; do rm -f "$t/data/$f"; done < "$dir/remove"
    fi
    for f in "$dir"/* "$dir"/.[!.]*; do
        [ -e "$f" ] || continue
        case "${f##*/}" in expect|args|gen.sh|check.sh|remove|data|README*) ;; *) cp -R "$f" "$t/" ;; esac
    done
    status=ok
    if [ -f "$dir/gen.sh" ] && ! (cd "$t" && LIB=$corpus/_lib.sh sh "$dir/gen.sh") > "$t/.gen" 2>&1; then
        status=FAIL; why="gen.sh failed: $(head -3 "$t/.gen")"
    elif [ -f "$dir/check.sh" ]; then
        (cd "$t" && PAYRUN=$PAYRUN CHECK_INVARIANTS=$CHECK_INVARIANTS CASE=$dir TOP=$top LIB=$corpus/_lib.sh \
            sh "$dir/check.sh") > "$t/.why" 2>&1
        rc=$?
        why=$(cat "$t/.why")
        case $rc in 0) status=ok ;; 77) status=SKIP ;; *) status=FAIL ;; esac
    else
        why=$(run_generic "$dir" "$t") || status=FAIL
    fi
    case $status in
    ok) echo "ok   $name"; pass=$((pass + 1)) ;;
    SKIP) echo "SKIP $name: $why"; skipped=$((skipped + 1)) ;;
    FAIL) echo "FAIL $name"; echo "$why" | sed 's/^/    /'; failed=$((failed + 1)); failed_names="$failed_names $name" ;;
    esac
    chmod -R u+rwX "$t" 2>/dev/null
    rm -rf "$t"
done
echo "badinput: $pass ok, $failed failed, $skipped skipped${failed_names:+ (failed:$failed_names)}"
[ $failed = 0 ]
