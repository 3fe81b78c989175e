#!/bin/sh
# operate.sh — SPEC §7a, operating payrun safely: each test reproduces one observation of the issue
# "Nightly runs that can never lose a paycheck or pay twice" (numbered as there): I/O errors around the
# commit point (PAYRUN_FAIL_AT and real syscall failures by strace), a mistyped --state, two runs on one
# --out, planted symlinks, options of other commands, an earlier run date, ulimit -f, the output directory
# fsynced before the commit, an empty night, a read-only state, a newline in --out, out of memory while
# loading a ledger; and summary.json's new keys. tests/state.sh covers the rest of §7.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
src=$(cd "$(dirname "$0")" && cd "$(pwd -P)/.." && pwd)    # the real tree (test-asan runs from a shadow top)
PAYRUN=${PAYRUN:-$top/payrun}
GEN=${GEN:-$top/build/gen}
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL operate: $*"; fails=$((fails + 1)); }
ok() { echo "ok   operate: $*"; }
# a test that cannot run here: a failure under CI=true (CI must run every test)
skip() { if [ "${CI:-}" = true ]; then fail "$* (a skip fails under CI=true)"; else echo "SKIP operate: $*"; fi; }

demo=$top/fixtures/demo
ts=$demo/timesheets-2026-11.csv
VERSION=$(sed -n 's/^VERSION *:= *//p' "$src/Makefile")
root=0; [ "$(id -u)" = 0 ] && root=1
asan=0; grep -qa __asan_init "$PAYRUN" && asan=1
# under ptrace (strace) LeakSanitizer cannot stop the world: no leak check in traced runs
traced_env() { if [ $asan = 1 ]; then env ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0" "$@"; else "$@"; fi; }

gens() { "$PAYRUN" state list --state "$1" 2>/dev/null | grep -c '^generation'; }
# how many of the three outputs are published in $1
published() { n=0; for f in paychecks.csv exceptions.csv summary.json; do [ -f "$1/$f" ] && n=$((n + 1)); done; echo $n; }
# the first output of $1 that differs from $2's (nothing when all three are byte-identical)
differs() { for f in paychecks.csv exceptions.csv summary.json; do cmp -s "$2/$f" "$1/$f" || { echo "$f"; return 0; }; done; }
snapshot() { find "$1" -printf '%p %s %m %u %T@\n' | sort; }

# strace, installed when missing and running as root
if ! command -v strace > /dev/null 2>&1 && [ $root = 1 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y strace > /dev/null 2>&1 ||
        { apt-get update > /dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y strace > /dev/null 2>&1; }
fi
have_strace=0; command -v strace > /dev/null 2>&1 && have_strace=1

# the uninterrupted night every fault test must end with
"$PAYRUN" state init --state "$tmp/sref"
"$PAYRUN" run --data "$demo" --out "$tmp/ref" --state "$tmp/sref" --run-date 2026-12-04 "$ts"

# ---- 2. an I/O error at each fault point, then the same command again
fresh() { rm -rf "$tmp/fs" "$tmp/fo"; "$PAYRUN" state init --state "$tmp/fs"; }
fnight() { "$@" "$PAYRUN" run --data "$demo" --out "$tmp/fo" --state "$tmp/fs" --run-date 2026-12-04 "$ts"; }
# After a run stopped by an injected error ($1 label, $2 its exit code, $3 its stderr, $4 the generations
# it must have committed, or empty): exit 4; stderr tells the truth about the commit; committed outputs are
# all still there; then the same command exits 0 with the uninterrupted night's outputs and 1 generation.
check_fault() {
    n=$(gens "$tmp/fs")
    [ "$2" = 4 ] || { fail "$1: exit $2 (expected 4): $(cat "$3")"; return 1; }
    [ -z "$4" ] || [ "$4" = "$n" ] || { fail "$1: $n generations committed, expected $4: $(cat "$3")"; return 1; }
    if [ "$n" = 0 ]; then
        grep -q 'nothing written' "$3" && ! grep -q 'committed as' "$3" ||
            { fail "$1: nothing committed, but stderr does not say 'nothing written': $(cat "$3")"; return 1; }
        [ "$(published "$tmp/fo")" = 0 ] || { fail "$1: nothing committed, but outputs were published"; return 1; }
    else
        grep -q 'committed as generation 1; its outputs will be published by the next start' "$3" ||
            { grep -q 'committed as generation 1, outputs published' "$3" && [ "$(published "$tmp/fo")" = 3 ]; } ||
            { fail "$1: generation $n committed, but stderr does not say so: $(cat "$3")"; return 1; }
        for f in paychecks.csv exceptions.csv summary.json; do
            [ -f "$tmp/fo/$f" ] || [ -f "$tmp/fo/.$f.tmp" ] || { fail "$1: committed output $f was deleted"; return 1; }
        done
    fi
    fnight 2> "$tmp/retry.err"
    rc=$?
    [ $rc = 0 ] || { fail "$1: the same command again exited $rc: $(cat "$tmp/retry.err")"; return 1; }
    d=$(differs "$tmp/fo" "$tmp/ref")
    [ -z "$d" ] || { fail "$1: after the retry $d differs from the uninterrupted run's"; return 1; }
    [ "$(gens "$tmp/fs")" = 1 ] || { fail "$1: $(gens "$tmp/fs") generations after the retry (expected 1)"; return 1; }
    return 0
}

fresh
fnight env PAYRUN_FAIL_AT=list 2> "$tmp/list.err" > /dev/null || fail "PAYRUN_FAIL_AT=list: the run failed"
points=$(sed -n 's/^payrun: fault point //p' "$tmp/list.err" | awk '!seen[$0]++')
missing=""
for p in fsync-output fsync-output-dir fsync-state fsync-state-dir rename-state fsync-state-committed rename-output \
         fsync-published-dir; do
    echo "$points" | grep -qx -- "$p" || missing="$missing $p"
done
[ -z "$missing" ] && ok "PAYRUN_FAIL_AT=list names the fault points of a run: $(echo $points)" ||
    fail "PAYRUN_FAIL_AT=list lacks:$missing (it lists: $(echo $points))"
after=0     # the points listed after rename-state (the commit point) come after the commit
for p in $points; do
    fresh
    fnight env PAYRUN_FAIL_AT="$p" 2> "$tmp/f.err"
    check_fault "PAYRUN_FAIL_AT=$p" $? "$tmp/f.err" $after &&
        ok "EIO at $p: exit 4, $([ $after = 1 ] && echo 'committed as generation 1, outputs kept' || echo 'nothing written'); the same command again: outputs byte-identical, 1 generation"
    [ "$p" = rename-state ] && after=1
done

# the same with real failing syscalls: every fsync and every renameat2 of a run in turn
if [ $have_strace = 1 ]; then
    for call in fsync renameat2; do
        fresh
        fnight traced_env strace -f -y -o "$tmp/calls.log" -e trace=$call 2> /dev/null
        # the run's own calls: the masters snapshot's come last, after the publish, and a cache's
        # failure fails nothing (docs/snapshot.md; tests/msnap.sh)
        total=$(grep " $call(" "$tmp/calls.log" | grep -vc "/masters")
        [ "$total" -gt 0 ] || { fail "strace: no $call call in a run"; continue; }
        # strace counts when=K per thread (the masters are kept on a thread of their own,
        # archive.h): K = 1 ... the most calls one thread makes fails every call in some run
        most=$(grep " $call(" "$tmp/calls.log" | grep -v "/masters" | awk '{ n[$1]++ } END { for (t in n) if (n[t] > m) m = n[t]; print m }')
        good=0 committed=0 k=1
        while [ $k -le "$most" ]; do
            fresh
            fnight traced_env strace -f -o /dev/null -e inject=$call:error=EIO:when=$k 2> "$tmp/f.err"
            rc=$?
            [ "$(gens "$tmp/fs")" = 1 ] && committed=$((committed + 1))
            check_fault "$call #$k of each thread ($total in all) fails with EIO" $rc "$tmp/f.err" "" && good=$((good + 1))
            k=$((k + 1))
        done
        [ $good = "$most" ] && ok "strace: each of the $total ${call}s of a run failing with EIO (the K-th of every thread, K = 1 ... $most; $committed after the commit): exit 4, the message says whether it committed, the same command again gives the uninterrupted outputs, 1 generation"
    done
else
    skip "strace is not installed (apt-get install strace): the syscall failure tests did not run"
fi

# ---- 4. a mistyped --state
[ -e /nonexistent ] && fail "/nonexistent exists before the test (made by an older payrun?): the next test cannot tell"
"$PAYRUN" run --data "$demo" --out "$tmp/o4" --state /nonexistent/x --run-date 2026-12-04 "$ts" 2> "$tmp/e4"
rc=$?
if [ $rc = 2 ] && grep -qxF "payrun: no payrun state at /nonexistent/x (create one with: payrun state init --state /nonexistent/x)" "$tmp/e4" &&
   [ ! -e /nonexistent ] && [ ! -e "$tmp/o4" ]; then
    ok "run --state /nonexistent/x: exit 2 with the command that creates a state, nothing created"
else
    fail "run --state /nonexistent/x: exit $rc: $(cat "$tmp/e4")"
fi
"$PAYRUN" state list --state "$tmp/missing" > /dev/null 2>&1
rc=$?
[ $rc = 2 ] && [ ! -e "$tmp/missing" ] && ok "state list on a missing directory: exit 2, nothing created" ||
    fail "state list on a missing directory: exit $rc"
mkdir "$tmp/plain" && echo x > "$tmp/plain/f"
"$PAYRUN" state list --state "$tmp/plain" > /dev/null 2> "$tmp/e4"
rc=$?
[ $rc = 2 ] && grep -q "no payrun state at $tmp/plain" "$tmp/e4" && [ "$(ls -A "$tmp/plain")" = f ] &&
    ok "state list on a directory that is not a state: exit 2, nothing written" || fail "state list on a plain directory: exit $rc"
"$PAYRUN" state init --state "$tmp/plain" 2> "$tmp/e4"
rc=$?
[ $rc = 2 ] && grep -q "$tmp/plain is not empty" "$tmp/e4" && [ "$(ls -A "$tmp/plain")" = f ] &&
    ok "state init on a non-empty directory that is no state: exit 2, nothing added" || fail "state init on a plain directory: exit $rc: $(cat "$tmp/e4")"
mkdir "$tmp/empty"
"$PAYRUN" state init --state "$tmp/empty" && "$PAYRUN" state init --state "$tmp/new/a/b" &&
    [ "$(stat -c %a "$tmp/new/a/b")" = 700 ] && "$PAYRUN" state list --state "$tmp/empty" | grep -q 'no generation yet' &&
    "$PAYRUN" state list --state "$tmp/new/a/b" > /dev/null &&
    ok "state init on an empty and on a missing directory (created 0700): states that list" ||
    fail "state init on an empty or a missing directory"
cp -r "$tmp/sref" "$tmp/oldstyle" && rm "$tmp/oldstyle/payrun-state" "$tmp/oldstyle/lock"
cp -r "$tmp/oldstyle" "$tmp/olddamaged"
"$PAYRUN" state init --state "$tmp/oldstyle" > "$tmp/o4" 2>&1
rc=$?
[ $rc = 0 ] && grep -q 'verified 1 generation' "$tmp/o4" && [ "$(gens "$tmp/oldstyle")" = 1 ] &&
    ok "state init on a state written before the marker: exit 0, '$(cat "$tmp/o4")'" ||
    fail "state init on an old-style state: exit $rc: $(cat "$tmp/o4")"
f=$tmp/olddamaged/gen-000001/ledger.bin
off=$(($(wc -c < "$f") / 2))
c=$(dd if="$f" bs=1 skip=$off count=1 2> /dev/null)
[ "$c" = 7 ] && c=8 || c=7
printf %s "$c" | dd of="$f" bs=1 seek=$off conv=notrunc 2> /dev/null
cmp -s "$f" "$tmp/sref/gen-000001/ledger.bin" && fail "the byte flip did not change the ledger"
"$PAYRUN" state init --state "$tmp/olddamaged" > "$tmp/o4" 2>&1
rc=$?
[ $rc = 2 ] && grep -q 'gen-000001/ledger.bin' "$tmp/o4" && [ ! -e "$tmp/olddamaged/payrun-state" ] &&
    ok "state init on an old-style state with a flipped ledger byte: exit 2 naming gen-000001/ledger.bin, no marker" ||
    fail "state init on a damaged old-style state: exit $rc: $(cat "$tmp/o4")"

# ---- 5. two runs on the same --out: the first blocked on a FIFO while it holds the directory
mkfifo "$tmp/fifo"
"$PAYRUN" state init --state "$tmp/s5"
for holder_state in yes no; do
    o=$tmp/o5$holder_state
    if [ $holder_state = yes ]; then
        "$PAYRUN" run --data "$demo" --out "$o" --state "$tmp/s5" --run-date 2026-12-04 "$tmp/fifo" 2> /dev/null &
    else
        "$PAYRUN" run --data "$demo" --out "$o" --run-date 2026-12-04 "$tmp/fifo" 2> /dev/null &
    fi
    holder=$!
    i=0; while [ ! -e "$o/.paychecks.csv.tmp" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    if [ $holder_state = yes ]; then
        timeout 5 "$PAYRUN" run --data "$demo" --out "$o" --run-date 2026-12-04 "$ts" 2> "$tmp/e5"
    else
        timeout 5 "$PAYRUN" run --data "$demo" --out "$o" --state "$tmp/s5" --run-date 2026-12-04 "$ts" 2> "$tmp/e5"
    fi
    rc=$?
    kill -9 $holder 2> /dev/null; wait $holder 2> /dev/null
    pub=$(published "$o")
    "$PAYRUN" run --data "$demo" --out "$o" --run-date 2026-12-04 "$ts" 2> "$tmp/e5b"
    rc2=$?
    what="holder $([ $holder_state = yes ] && echo with || echo without) --state, second $([ $holder_state = yes ] && echo without || echo with)"
    if [ $rc = 3 ] && grep -q "output directory $o is in use by another run" "$tmp/e5" && [ "$pub" = 0 ] &&
       [ $rc2 = 0 ] && [ "$(published "$o")" = 3 ] && [ "$(gens "$tmp/s5")" = 0 ]; then
        ok "two runs on one --out ($what): the second exits 3 at once; after kill -9 of the first nothing is published there and a run into it succeeds"
    else
        fail "two runs on one --out ($what): exit $rc ($(cat "$tmp/e5")), $pub published after the kill, then exit $rc2 ($(cat "$tmp/e5b"))"
    fi
done

# ---- a commit record never finished (a run killed between creating OUT/.payrun-commit and its
# fsync: before its commit) leaves debris, which the next run clears; a whole record that
# does not parse is refused
for rec in "" "generation 1" "generation 1
state /x"; do
    rm -rf "$tmp/oq" && mkdir -m 700 "$tmp/oq" && printf '%s' "$rec" > "$tmp/oq/.payrun-commit" &&
        echo debris > "$tmp/oq/.paychecks.csv.tmp"
    "$PAYRUN" run --data "$demo" --out "$tmp/oq" --run-date 2026-12-04 "$ts" 2> "$tmp/eq"
    rc=$?
    [ $rc = 0 ] && [ "$(published "$tmp/oq")" = 3 ] && [ ! -e "$tmp/oq/.payrun-commit" ] ||
        fail "a commit record never finished ($(printf '%s' "$rec" | wc -c) bytes): exit $rc: $(cat "$tmp/eq")"
done
rm -rf "$tmp/oq" && mkdir -m 700 "$tmp/oq" && printf 'generation x\nfoo\n' > "$tmp/oq/.payrun-commit"
"$PAYRUN" run --data "$demo" --out "$tmp/oq" --run-date 2026-12-04 "$ts" 2> "$tmp/eq"
rc=$?
[ $rc = 2 ] && grep -q "unreadable commit record" "$tmp/eq" &&
    ok "OUT/.payrun-commit never finished (empty, one line, no line end): its debris cleared and the run done; a whole one that does not parse: exit 2" ||
    fail "a commit record that does not parse: exit $rc: $(cat "$tmp/eq")"

# ---- 6. planted symlinks, and an output directory of another user or writable by all
echo "not pay" > "$tmp/victim"
mkdir -m 700 "$tmp/o6" && ln -s "$tmp/victim" "$tmp/o6/.paychecks.csv.tmp"
"$PAYRUN" run --data "$demo" --out "$tmp/o6" --run-date 2026-12-04 "$ts" 2> "$tmp/e6"
rc=$?
[ $rc = 2 ] && grep -q "$tmp/o6/.paychecks.csv.tmp" "$tmp/e6" && [ "$(cat "$tmp/victim")" = "not pay" ] &&
    ok "a symlink at OUT/.paychecks.csv.tmp: exit 2 naming it, the victim unchanged" ||
    fail "a symlink at OUT/.paychecks.csv.tmp: exit $rc, victim: $(cat "$tmp/victim"): $(cat "$tmp/e6")"
mkdir -m 700 "$tmp/t6" && ln -s "$tmp/t6" "$tmp/l6"
"$PAYRUN" run --data "$demo" --out "$tmp/l6" --run-date 2026-12-04 "$ts" 2> "$tmp/e6"
rc=$?
{ [ $rc = 2 ] || [ $rc = 4 ]; } && grep -q "$tmp/l6" "$tmp/e6" && [ -z "$(ls -A "$tmp/t6")" ] &&
    ok "--out a symlink to a directory: refused (exit $rc) naming it, the target untouched" ||
    fail "--out a symlink: exit $rc, target holds $(ls -A "$tmp/t6"): $(cat "$tmp/e6")"
"$PAYRUN" state init --state "$tmp/s6"
rm "$tmp/s6/lock" && ln -s "$tmp/victim" "$tmp/s6/lock"
"$PAYRUN" run --data "$demo" --out "$tmp/o6b" --state "$tmp/s6" --run-date 2026-12-04 "$ts" 2> "$tmp/e6"
rc=$?
[ $rc != 0 ] && grep -q "$tmp/s6/lock" "$tmp/e6" && [ "$(cat "$tmp/victim")" = "not pay" ] && [ "$(published "$tmp/o6b")" = 0 ] &&
    ok "STATE/lock a symlink to a file: refused (exit $rc), the victim unchanged, nothing published" ||
    fail "STATE/lock a symlink: exit $rc, victim: $(cat "$tmp/victim"): $(cat "$tmp/e6")"
cp -r "$tmp/sref" "$tmp/s6b"
mkdir "$tmp/vdir" && echo keep > "$tmp/vdir/file"
ln -s "$tmp/vdir" "$tmp/s6b/.gen-000002.tmp"
"$PAYRUN" run --data "$demo" --out "$tmp/o6c" --state "$tmp/s6b" --run-date 2026-12-05 "$ts" 2> "$tmp/e6"
rc=$?
[ $rc != 0 ] && grep -q ".gen-000002.tmp" "$tmp/e6" && [ "$(cat "$tmp/vdir/file")" = keep ] && [ "$(gens "$tmp/s6b")" = 1 ] &&
    ok "STATE/.gen-000002.tmp a symlink to a directory: refused (exit $rc), the directory and its file still there" ||
    fail "STATE/.gen-000002.tmp a symlink: exit $rc, $(ls "$tmp/vdir"): $(cat "$tmp/e6")"
mkdir -m 700 "$tmp/o6w" && chmod 0777 "$tmp/o6w"
"$PAYRUN" run --data "$demo" --out "$tmp/o6w" --run-date 2026-12-04 "$ts" 2> "$tmp/e6"
rc=$?
[ $rc = 2 ] && grep -q "writable by other users" "$tmp/e6" && [ -z "$(ls -A "$tmp/o6w")" ] &&
    ok "--out with mode 0777: exit 2, nothing written" || fail "--out with mode 0777: exit $rc: $(cat "$tmp/e6")"
if [ $root = 1 ]; then
    mkdir -m 700 "$tmp/o6n" && chown 65534 "$tmp/o6n"
    "$PAYRUN" run --data "$demo" --out "$tmp/o6n" --run-date 2026-12-04 "$ts" 2> "$tmp/e6"
    rc=$?
    [ $rc = 2 ] && grep -q "owned by another user" "$tmp/e6" && [ -z "$(ls -A "$tmp/o6n")" ] &&
        ok "--out owned by user nobody: exit 2, nothing written" || fail "--out owned by nobody: exit $rc: $(cat "$tmp/e6")"
else
    echo "SKIP operate: --out owned by another user (needs root to chown)"
fi

# ---- 7. options are per command
for opt in "--params X" "--csv X" "--list" "--timesheet X" "--provider X"; do
    name=${opt%% *}
    "$PAYRUN" run --data "$demo" --out "$tmp/o7" --run-date 2026-12-04 $opt "$ts" 2> "$tmp/e7"
    rc=$?
    [ $rc = 1 ] && grep -q "^payrun run: unknown option $name (it belongs to " "$tmp/e7" && [ ! -e "$tmp/o7" ] ||
        fail "run $opt: exit $rc: $(cat "$tmp/e7")"
done
"$PAYRUN" run --data "$demo" --out "$tmp/o7" --run-date 2026-12-04 --params X "$ts" 2> "$tmp/e7"
head -1 "$tmp/e7" | grep -qxF "payrun run: unknown option --params (it belongs to correct, whatif)" &&
    ok "run with --params, --csv, --list, --timesheet, --provider: exit 1 naming the command it belongs to" ||
    fail "run --params: $(cat "$tmp/e7")"
bad=0
for opt in "--out X" "--state X" "--gzip" "--threads 2"; do
    name=${opt%% *}
    "$PAYRUN" check --data "$demo" --run-date 2026-12-04 $opt "$ts" > /dev/null 2> "$tmp/e7"
    rc=$?
    [ $rc = 1 ] && grep -q "^payrun check: unknown option $name (it belongs to run" "$tmp/e7" ||
        { fail "check $opt: exit $rc: $(cat "$tmp/e7")"; bad=1; }
done
[ $bad = 0 ] && ok "check with --out, --state, --gzip, --threads: exit 1, they belong to run"
"$PAYRUN" run --data "$demo" --out "$tmp/o7a" --run-date 2026-12-04 "$ts"
"$PAYRUN" run --data="$demo" --out="$tmp/o7b" --run-date=2026-12-04 "$ts"
[ $? = 0 ] && [ -z "$(differs "$tmp/o7b" "$tmp/o7a")" ] && ok "--data=DIR --out=DIR --run-date=D: the same outputs as the spaced form" ||
    fail "--opt=VALUE: exit or outputs differ"
mkdir "$tmp/w7" && cp "$ts" "$tmp/w7/--weird.csv"
(cd "$tmp/w7" && "$PAYRUN" run --data "$demo" --out o --run-date 2026-12-04 -- --weird.csv)
rc=$?
(cd "$tmp/w7" && "$PAYRUN" run --data "$demo" --out o2 --run-date 2026-12-04 --weird.csv 2> /dev/null)
rc2=$?
[ $rc = 0 ] && cmp -s "$tmp/w7/o/paychecks.csv" "$tmp/o7a/paychecks.csv" && grep -q -- "--weird.csv:5," "$tmp/w7/o/exceptions.csv" &&
    [ $rc2 = 1 ] && ok "-- ends the options: --weird.csv after it is read as a timesheet file (without it: exit 1)" ||
    fail "--: exit $rc, without --: exit $rc2"
"$PAYRUN" help run > "$tmp/h7"
rc=$?
"$PAYRUN" run --help > "$tmp/h7b"
[ $rc = 0 ] && head -1 "$tmp/h7" | grep -q '^usage: payrun run --data DIR --out DIR' && cmp -s "$tmp/h7" "$tmp/h7b" &&
    ok "payrun help run: the run usage, exit 0" || fail "payrun help run: exit $rc"
v=$("$PAYRUN" --version)
rc=$?
commit=$(echo "$v" | sed -n 's/^payrun [^ ]* (git \([0-9a-f]*\))$/\1/p')
if [ $rc = 0 ] && [ -n "$VERSION" ] && echo "$v" | grep -q "^payrun $VERSION\( (git [0-9a-f]\{7,\})\)\?\$" &&
   { ! git -C "$src" rev-parse HEAD > /dev/null 2>&1 || { [ -n "$commit" ] && git -C "$src" cat-file -e "$commit^{commit}" 2> /dev/null; }; }; then
    ok "payrun --version: '$v' (the Makefile's VERSION $VERSION and a commit of this clone)"
else
    fail "payrun --version: '$v', exit $rc (VERSION $VERSION)"
fi

# ---- 8. a run date earlier than the newest generation's
cp -r "$tmp/sref" "$tmp/s8"
for d in 2026-12-03 2025-12-04; do
    "$PAYRUN" run --data "$demo" --out "$tmp/o8" --state "$tmp/s8" --run-date $d "$ts" 2> "$tmp/e8"
    rc=$?
    [ $rc = 2 ] && grep -q "run date $d is earlier than 2026-12-04" "$tmp/e8" && [ "$(gens "$tmp/s8")" = 1 ] && [ ! -e "$tmp/o8" ] &&
        ok "run date $d after a night of 2026-12-04: exit 2, no generation, no output directory" ||
        fail "run date $d: exit $rc, $(gens "$tmp/s8") generations: $(cat "$tmp/e8")"
done
"$PAYRUN" run --data "$demo" --out "$tmp/o8" --state "$tmp/s8" --run-date 2026-12-03 --allow-earlier-run-date "$ts"
rc=$?
[ $rc = 0 ] && [ "$(gens "$tmp/s8")" = 2 ] && [ "$(published "$tmp/o8")" = 3 ] &&
    ok "--allow-earlier-run-date: the earlier night runs and commits" || fail "--allow-earlier-run-date: exit $rc"

# ---- 9. ulimit -f: outputs larger than the limit
"$PAYRUN" state init --state "$tmp/s9"
[ "$(wc -c < "$tmp/ref/paychecks.csv")" -gt 8192 ] || fail "ulimit -f: the demo paychecks.csv is under 8 KiB"
(ulimit -f 8; exec "$PAYRUN" run --data "$demo" --out "$tmp/o9" --state "$tmp/s9" --run-date 2026-12-04 "$ts") 2> "$tmp/e9"
rc=$?
[ $rc = 4 ] && grep -q 'File too large' "$tmp/e9" && [ "$(gens "$tmp/s9")" = 0 ] && [ "$(published "$tmp/o9")" = 0 ] &&
    ok "ulimit -f 8: exit 4 with '$(head -1 "$tmp/e9")', nothing committed, nothing published" ||
    fail "ulimit -f 8: exit $rc, $(gens "$tmp/s9") generations: $(cat "$tmp/e9")"

# ---- 10. the output files and directory are fsynced before the commit
if [ $have_strace = 1 ]; then
    "$PAYRUN" state init --state "$tmp/s10"
    traced_env strace -f -y -e trace=fsync,renameat2,rename,renameat -o "$tmp/s10.log" \
        "$PAYRUN" run --data "$demo" --out "$tmp/o10" --state "$tmp/s10" --run-date 2026-12-04 "$ts"
    commit=$(grep -n 'rename.*"\.gen-000001\.tmp"' "$tmp/s10.log" | head -1 | cut -d: -f1)
    bad=""
    for what in "$tmp/o10" "$tmp/o10/.paychecks.csv.tmp" "$tmp/o10/.exceptions.csv.tmp" "$tmp/o10/.summary.json.tmp"; do
        # "<path>" then ")" or, when another thread's line came between, " <unfinished ...>"
        at=$(grep -nF "<$what>" "$tmp/s10.log" | grep ' fsync(' | head -1 | cut -d: -f1)
        [ -n "$at" ] && [ -n "$commit" ] && [ "$at" -lt "$commit" ] || bad="$bad $what"
    done
    [ -z "$bad" ] && ok "strace: the three output files and the output directory are fsynced before .gen-000001.tmp is renamed" ||
        fail "not fsynced before the commit:$bad"
else
    skip "strace is not installed: the fsync order test did not run"
fi
"$PAYRUN" state init --state "$tmp/s10b"
PAYRUN_CRASH_AT=committed "$PAYRUN" run --data "$demo" --out "$tmp/o10b" --state "$tmp/s10b" --run-date 2026-12-04 "$ts" 2> /dev/null
rm -f "$tmp/o10b/.paychecks.csv.tmp"
for k in 1 2; do
    "$PAYRUN" run --data "$demo" --out "$tmp/o10b" --state "$tmp/s10b" --run-date 2026-12-04 "$ts" 2> "$tmp/e10"
    rc=$?
    [ $rc = 4 ] && grep -q 'generation 1 is committed but its outputs could not be published' "$tmp/e10" &&
        ! grep -q 'finished publishing' "$tmp/e10" || break
done
[ $rc = 4 ] && [ $k = 2 ] && ok "a committed generation whose .paychecks.csv.tmp is gone: each start fails (exit 4, could not be published), never a silent success" ||
    fail "a missing committed output: exit $rc on attempt $k: $(cat "$tmp/e10")"

# ---- 12. a night with no timesheet files; a directory as the timesheet argument
mkdir "$tmp/none"
"$PAYRUN" state init --state "$tmp/s12"
"$PAYRUN" run --data "$demo" --out "$tmp/o12" --state "$tmp/s12" --run-date 2026-12-04 "$tmp/none" 2> "$tmp/e12"
rc=$?
if [ $rc = 0 ] && [ "$(wc -l < "$tmp/o12/paychecks.csv")" = 1 ] && grep -q '"rows_read": 0,' "$tmp/o12/summary.json" &&
   grep -q '"paid": 0,' "$tmp/o12/summary.json" && grep -q '"by_severity": {"reject": 0, "hold": 0, "partial": 0, "warning": 0}' "$tmp/o12/summary.json" &&
   [ "$(gens "$tmp/s12")" = 1 ]; then
    ok "an empty directory of timesheets: exit 0, paychecks.csv with its header only, counts zero, generation 1"
else
    fail "an empty night: exit $rc, $(gens "$tmp/s12") generations: $(cat "$tmp/e12")"
fi
# (the lock file too: nothing is written into it)
before=$(ls -A "$tmp"; snapshot "$tmp/s12"; snapshot "$tmp/o12")
said=$("$PAYRUN" run --data "$demo" --out "$tmp/o12" --state "$tmp/s12" --run-date 2026-12-04 "$tmp/none" 2>&1)
rc=$?
[ "$before" = "$(ls -A "$tmp"; snapshot "$tmp/s12"; snapshot "$tmp/o12")" ] && touched=no || touched=yes
[ $rc = 0 ] && [ -z "$said" ] && [ $touched = no ] &&
    ok "the same empty night again: exit 0, silent, nothing touched, the lock file included" ||
    fail "the same empty night again: exit $rc, touched: $touched, said: $said"
mkdir "$tmp/d12"
head -1 "$ts" > "$tmp/h12"
(cat "$tmp/h12"; sed -n 11,25p "$ts") | gzip > "$tmp/d12/b.csv.gz"
cp "$ts" "$tmp/d12/c.txt"
(cat "$tmp/h12"; sed -n 2,10p "$ts") > "$tmp/d12/a.csv"
"$PAYRUN" run --data "$demo" --out "$tmp/o12b" --run-date 2026-12-04 "$tmp/d12"
rc=$?
order=$(tail -n +2 "$tmp/o12b/exceptions.csv" | cut -d, -f2 | sed 's/:.*//' | uniq | tr '\n' ' ')
if [ $rc = 0 ] && [ "$order" = "$tmp/d12/a.csv $tmp/d12/b.csv.gz " ] && grep -q '"rows_read": 24,' "$tmp/o12b/summary.json" &&
   ! grep -q 'c\.txt' "$tmp/o12b/summary.json"; then
    ok "a directory with a.csv, b.csv.gz, c.txt: a.csv then b.csv.gz read (24 rows), c.txt not"
else
    fail "a directory of timesheets: exit $rc, exceptions from: $order"
fi

# ---- 13. a read-only state; a newline in --out; out of memory while loading a ledger
ro=$tmp/ro
mkdir "$ro" && cp -r "$tmp/sref" "$ro/s" && mkdir -m 700 "$ro/out"
as=""
if [ $root = 1 ]; then
    as="setpriv --reuid=65534 --regid=65534 --clear-groups"
    chmod 755 "$tmp" "$ro" && chown -R 65534:65534 "$ro/s" "$ro/out"
    $as test -x "$PAYRUN" && $as test -r "$demo/providers.csv" && $as test -r "$ts" ||
        { fail "user nobody cannot run $PAYRUN or read $demo"; as=none; }
fi
chmod -R a-w "$ro/s"
if [ "$as" != none ]; then
    before=$(snapshot "$ro/s")
    $as "$PAYRUN" state list --state "$ro/s" > "$tmp/l13" 2> "$tmp/e13"; r1=$?
    $as "$PAYRUN" state show --state "$ro/s" --provider P1001 > "$tmp/sh13" 2>> "$tmp/e13"; r2=$?
    $as "$PAYRUN" run --data "$demo" --out "$ro/out" --state "$ro/s" --from-generation 1 --run-date 2026-12-04 "$ts" 2>> "$tmp/e13"; r3=$?
    if [ $r1$r2$r3 = 000 ] && grep -q '^generation 1' "$tmp/l13" && grep -q 'provider P1001' "$tmp/sh13" &&
       [ "$(published "$ro/out")" = 3 ] && [ "$before" = "$(snapshot "$ro/s")" ]; then
        ok "a read-only state${as:+ as user nobody}: state list, state show, a reprocess without --commit all exit 0, the state unchanged"
    else
        fail "a read-only state: exits $r1 $r2 $r3: $(cat "$tmp/e13")"
    fi
fi
if [ $have_strace = 1 ]; then
    traced_env strace -f -y -e trace=openat,open,creat -o "$tmp/ro.log" "$PAYRUN" state list --state "$ro/s" > /dev/null
    reads=$(grep -cF "$ro/s" "$tmp/ro.log")
    writes=$(grep -F "$ro/s" "$tmp/ro.log" | grep -E 'O_WRONLY|O_RDWR|O_CREAT')
    [ "$reads" -gt 2 ] && [ -z "$writes" ] && ok "strace: state list opens $reads files under the state, none for writing" ||
        fail "state list opens under the state for writing: $writes ($reads opens)"
else
    skip "strace is not installed: the no-write-open test of state list did not run"
fi
nl='
'
"$PAYRUN" state init --state "$tmp/s13"
"$PAYRUN" run --data "$demo" --out "$tmp/n${nl}l0" --state "$tmp/s13" --run-date 2026-12-03 "$ts"
rc=$?
PAYRUN_CRASH_AT=committed "$PAYRUN" run --data "$demo" --out "$tmp/n${nl}l" --state "$tmp/s13" --run-date 2026-12-04 "$ts" 2> /dev/null
line=$("$PAYRUN" state list --state "$tmp/s13" | grep -c "^  out_dir $tmp/n\\\\x0al\$")
"$PAYRUN" run --data "$demo" --out "$tmp/o13" --state "$tmp/s13" --run-date 2026-12-05 "$ts" 2> /dev/null
rc2=$?
if [ $rc = 0 ] && [ "$(published "$tmp/n${nl}l0")" = 3 ] && [ "$line" = 1 ] && [ $rc2 = 0 ] &&
   [ "$(published "$tmp/n${nl}l")" = 3 ] && [ ! -e "$tmp/n" ] && [ ! -e "$tmp/l" ]; then
    ok "a newline in --out: the run works, state list shows out_dir escaped (\\x0a) on one line, the next start publishes into that very directory"
else
    fail "a newline in --out: exit $rc, $line escaped out_dir lines, next start exit $rc2, $(published "$tmp/n${nl}l") published there"
fi
if [ $asan = 1 ]; then
    echo "SKIP operate: out of memory under ulimit -v (a sanitizer build reserves terabytes of address space)"
else
    "$GEN" --out "$tmp/g" --providers 20000 --rows 100000 --seed 3 > /dev/null
    "$PAYRUN" state init --state "$tmp/sg"
    "$PAYRUN" run --data "$tmp/g/data" --out "$tmp/og" --state "$tmp/sg" --run-date 2026-12-04 "$tmp/g/timesheets.csv"
    pid=$(sed -n 2p "$tmp/og/paychecks.csv" | cut -d, -f3)
    zero=0 oom=0 bad=""
    for v in 400000 200000 100000 60000 50000 45000 40000 36000 32000 28000 24000 20000; do
        (ulimit -v $v; exec "$PAYRUN" state show --state "$tmp/sg" --provider "$pid") > /dev/null 2> "$tmp/e13"
        rc=$?
        if [ $rc = 0 ]; then zero=$((zero + 1))
        elif [ $rc = 4 ] && grep -q 'out of memory' "$tmp/e13" && ! grep -qi damaged "$tmp/e13"; then oom=$((oom + 1))
        else bad="$bad ${v}k:exit$rc:$(head -1 "$tmp/e13")"; fi
    done
    [ -z "$bad" ] && [ $oom -gt 0 ] && [ $zero -gt 0 ] &&
        ok "state show of a 100k-row ledger under ulimit -v 400000..20000 KiB: $zero exit 0, $oom exit 4 'out of memory', never 'damaged'" ||
        fail "state show under ulimit -v: $zero exit 0, $oom out of memory, wrong:$bad"
    # a whole run (masters, ledger, timesheets, engine) under the same limits: done, or
    # exit 4 "out of memory" with nothing committed; never exit 2 (bad data) for it
    zero=0 oom=0 bad=""
    for v in 400000 60000 40000 30000 20000 12000 10000 8000; do
        rm -rf "$tmp/sv" "$tmp/ov"
        "$PAYRUN" state init --state "$tmp/sv"
        (ulimit -v $v; exec "$PAYRUN" run --threads 1 --data "$tmp/g/data" --out "$tmp/ov" --state "$tmp/sv" \
            --run-date 2026-12-04 "$tmp/g/timesheets.csv") > /dev/null 2> "$tmp/e13"
        rc=$?
        if [ $rc = 0 ]; then zero=$((zero + 1))
        elif [ $rc = 4 ] && grep -q 'out of memory' "$tmp/e13" && [ "$(gens "$tmp/sv")" = 0 ]; then oom=$((oom + 1))
        else bad="$bad ${v}k:exit$rc:$(head -1 "$tmp/e13")"; fi
    done
    [ -z "$bad" ] && [ $oom -gt 0 ] &&
        ok "a 100k-row run under ulimit -v 400000..8000 KiB: $zero done, $oom exit 4 'out of memory' with nothing committed, never exit 2" ||
        fail "a run under ulimit -v: $zero done, $oom out of memory, wrong:$bad"
fi

# ---- summary.json: payrun_version, base and committed generation, reprocess, by_severity
sj() { grep -q "\"$2\": $3" "$1/summary.json"; }
"$PAYRUN" run --data "$demo" --out "$tmp/j2" --state "$tmp/s8" --run-date 2026-12-05 "$ts"          # generation 3
"$PAYRUN" run --data "$demo" --out "$tmp/j3" --state "$tmp/s8" --from-generation 1 --run-date 2026-12-05 "$ts"
"$PAYRUN" run --data "$demo" --out "$tmp/j4" --state "$tmp/s8" --from-generation 3 --commit --run-date 2026-12-06 "$ts"
bad=""
sj "$tmp/ref" payrun_version "\"$VERSION\"" || bad="$bad version"
sj "$tmp/ref" base_generation 0, && sj "$tmp/ref" committed_generation 1, && sj "$tmp/ref" reprocess false, || bad="$bad first-night"
sj "$tmp/j2" base_generation 2, && sj "$tmp/j2" committed_generation 3, && sj "$tmp/j2" reprocess false, || bad="$bad next-night"
sj "$tmp/j3" base_generation 1, && sj "$tmp/j3" committed_generation null, && sj "$tmp/j3" reprocess true, || bad="$bad reprocess"
sj "$tmp/j4" base_generation 3, && sj "$tmp/j4" committed_generation 4, && sj "$tmp/j4" reprocess true, || bad="$bad reprocess-commit"
sj "$tmp/o7a" base_generation 0, && sj "$tmp/o7a" committed_generation null, && sj "$tmp/o7a" reprocess false, || bad="$bad no-state"
for o in ref j2 j3; do
    want=""
    for s in reject hold partial warning; do
        want="$want${want:+, }\"$s\": $(grep -cE "^[^,]*,[^,]*,[A-Z_]+,$s,[0-9]+," "$tmp/$o/exceptions.csv")"
    done
    grep -qF "\"by_severity\": {$want}" "$tmp/$o/summary.json" || bad="$bad by_severity($o: exceptions.csv has $want)"
done
[ -z "$bad" ] && ok "summary.json: payrun_version $VERSION, base/committed generation, reprocess, by_severity = exceptions.csv rows by severity" ||
    fail "summary.json:$bad"

# ---- '-' is standard input: hashed as it is read, so the same night on standard input is
# found committed after the stream (exit 0, silent, its output directory removed again),
# and the same bytes given as a file are the same night; '-' twice is a usage error
"$PAYRUN" state init --state "$tmp/s14"
"$PAYRUN" run --data "$demo" --out "$tmp/o14a" --state "$tmp/s14" --run-date 2026-12-04 - < "$ts"
rc=$?
if [ $rc = 0 ] && grep -q "\"file\": \"-\", \"bytes\": $(stat -c %s "$ts"), \"crc32\": \"[0-9a-f]*\", \"sha256\": \"$(sha256sum < "$ts" | cut -c1-64)\"" "$tmp/o14a/summary.json" &&
   cmp -s "$tmp/o14a/paychecks.csv" "$tmp/ref/paychecks.csv"; then
    ok "- reads standard input: the demo's paychecks, and summary.json records '-' with the file's SHA-256"
else
    fail "- as standard input: exit $rc"
fi
said=$("$PAYRUN" run --data "$demo" --out "$tmp/o14b" --state "$tmp/s14" --run-date 2026-12-04 - < "$ts" 2>&1)
rc=$?
said2=$("$PAYRUN" run --data "$demo" --out "$tmp/o14c" --state "$tmp/s14" --run-date 2026-12-04 "$ts" 2>&1)
rc2=$?
[ $rc = 0 ] && [ -z "$said" ] && [ ! -e "$tmp/o14b" ] && [ $rc2 = 0 ] && [ -z "$said2" ] && [ ! -e "$tmp/o14c" ] && [ "$(gens "$tmp/s14")" = 1 ] &&
    ok "the same night again on standard input, or as the file: exit 0, silent, nothing left, one generation" ||
    fail "the same night again on stdin: exit $rc ($said), as the file: exit $rc2 ($said2), $(gens "$tmp/s14") generations"
"$PAYRUN" run --data "$demo" --out "$tmp/o14d" --run-date 2026-12-04 - - < "$ts" 2>"$tmp/e14"
rc=$?
[ $rc = 1 ] && grep -q "standard input (-) given twice" "$tmp/e14" && [ ! -e "$tmp/o14d" ] &&
    ok "- given twice: exit 1" || fail "- twice: exit $rc: $(cat "$tmp/e14")"

[ $fails = 0 ] && echo "operate: all passed" || { echo "operate: $fails failed"; exit 1; }
