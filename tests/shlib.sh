# shlib.sh — what every shell test shares: sourced after setting suite=NAME; gives top, PAYRUN, GEN, a scratch
# $tmp removed on exit (made writable first), fail/ok that count and print under the suite's name, and finish.
top=$(cd "$(dirname "$0")/.." && pwd)
PAYRUN=${PAYRUN:-$top/payrun}
GEN=${GEN:-$top/build/gen}
tmp=$(mktemp -d)
[ -n "${KEEP_TMP:-}" ] && echo "tmp: $tmp" || trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL $suite: $*"; fails=$((fails + 1)); }
ok() { echo "ok   $suite: $*"; }
# finish: the suite's last line and its exit status (1 when any check failed)
finish() { [ $fails = 0 ] && echo "$suite: all passed" || { echo "$suite: $fails failed"; exit 1; }; }
