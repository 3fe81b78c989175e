#!/bin/sh
# cron.sh — docs/payrun.cron is a valid /etc/cron.d file, and its command, run as cron runs it
# (env -i with cron's PATH, setsid, no terminal, stdin /dev/null), is silent and exits 0 on the
# demo, twice in a row: the second night is the same night, so nothing is touched.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
PAYRUN=${PAYRUN:-$top/payrun}
cronfile=$top/docs/payrun.cron
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL cron: $*"; fails=$((fails + 1)); }
ok() { echo "ok   cron: $*"; }

# 1. the file's shape: NAME=value lines, entries of 5 time fields + user + command, no
# continuation lines, absolute paths in the command, every % escaped (cron turns a bare %
# into a newline), PATH and MAILTO set
entries=$(grep -v '^[[:space:]]*#' "$cronfile" | grep -v '^[[:space:]]*$' | grep -v '^[A-Z_]*=')
[ "$(echo "$entries" | grep -c .)" = 1 ] && ok "one entry" || fail "expected one entry, got: $entries"
grep -q '\\$' "$cronfile" && fail "a line ends with a backslash (cron.d has no continuation lines)"
grep -q '^PATH=/' "$cronfile" && grep -q '^MAILTO=' "$cronfile" && ok "PATH and MAILTO are set" || fail "PATH or MAILTO missing"
set -f
# shellcheck disable=SC2086
set -- $entries
set +f
user=$6
[ $# -ge 7 ] && echo "$1 $2 $3 $4 $5" | grep -Eq '^[0-9*,/-]+ [0-9*,/-]+ [0-9*,/-]+ [0-9*,/-]+ [0-9*,/-]+$' &&
    echo "$user" | grep -Eq '^[a-z_][a-z0-9_-]*$' && ok "five time fields and a user field ($user)" ||
    fail "the entry is not: 5 time fields, a user, a command"
command=$(echo "$entries" | awk '{ $1 = $2 = $3 = $4 = $5 = $6 = ""; sub(/^ +/, ""); print }')
echo "$command" | sed 's/\\%//g' | grep -q '%' && fail "a % is not escaped as \\%"
# cron's PATH is not a login shell's: the command names payrun and every file by absolute path
echo "$command" | grep -q '&& /usr/local/bin/payrun run ' || fail "payrun is not called by its absolute path"
for opt in --data --state --out; do
    echo "$command" | grep -q -- "$opt /" || fail "$opt is not an absolute path"
done
echo "$command" | grep -q -- '--out [^ ]*\$(date +\\%F)' && ok "the command uses absolute paths and a dated output directory" ||
    fail "the output directory is not dated"

# 2. the command as cron runs it, on the demo: /srv/ihss and /usr/local/bin/payrun point
# into a scratch directory; \% becomes % as cron makes it
mkdir -p "$tmp/srv/ihss/out" "$tmp/bin"
cp -r "$top/fixtures/demo" "$tmp/srv/ihss/data"
rm -rf "$tmp/srv/ihss/data/expected"
ln -s "$PAYRUN" "$tmp/bin/payrun"
"$PAYRUN" state init --state "$tmp/srv/ihss/state"
day=$(date +%F)
mkdir -p "$tmp/srv/ihss/drop/$day"
mv "$tmp/srv/ihss/data/"timesheets-*.csv "$tmp/srv/ihss/drop/$day/"
cmd=$(echo "$command" | sed -e "s|/srv/ihss|$tmp/srv/ihss|g" -e "s|/usr/local/bin/payrun|$tmp/bin/payrun|g" -e 's/\\%/%/g')
cron_run() { env -i PATH=/usr/bin:/bin HOME="$tmp" setsid sh -c "$cmd" < /dev/null > "$tmp/mail$1" 2>&1; }
cron_run 1
rc=$?
if [ $rc = 0 ] && [ ! -s "$tmp/mail1" ] && [ -s "$tmp/srv/ihss/out/$day/paychecks.csv" ]; then
    ok "the first night: silent, exit 0, $(($(wc -l < "$tmp/srv/ihss/out/$day/paychecks.csv") - 1)) paychecks in out/$day"
else
    fail "the first night: exit $rc, mail: $(cat "$tmp/mail1")"
fi
find "$tmp/srv/ihss/out" "$tmp/srv/ihss/state" -printf '%p %s %T@\n' | sort > "$tmp/before"
cron_run 2
rc=$?
find "$tmp/srv/ihss/out" "$tmp/srv/ihss/state" -printf '%p %s %T@\n' | sort > "$tmp/after"
if [ $rc = 0 ] && [ ! -s "$tmp/mail2" ] && cmp -s "$tmp/before" "$tmp/after"; then
    ok "the same night again: silent, exit 0, nothing in out/ or the state touched"
else
    fail "the second night: exit $rc, mail: $(cat "$tmp/mail2")"; diff "$tmp/before" "$tmp/after" | head
fi
# 3. a night with no files dropped: mkdir -p makes an empty directory, a night of no rows
rm -rf "$tmp/srv/ihss/drop/$day" "$tmp/srv/ihss/out/$day"
"$PAYRUN" state init --state "$tmp/srv/ihss/state2"
cmd=$(echo "$cmd" | sed "s|$tmp/srv/ihss/state|$tmp/srv/ihss/state2|g")
cron_run 3
rc=$?
if [ $rc = 0 ] && [ ! -s "$tmp/mail3" ] && [ "$(wc -l < "$tmp/srv/ihss/out/$day/paychecks.csv")" = 1 ] &&
   grep -q '"rows_read": 0' "$tmp/srv/ihss/out/$day/summary.json"; then
    ok "a night with no timesheet files: silent, exit 0, no paychecks, zero counts"
else
    fail "a night with no timesheet files: exit $rc, mail: $(cat "$tmp/mail3")"
fi
[ $fails = 0 ] && echo "cron: all passed" || { echo "cron: $fails failed"; exit 1; }
