# _lib.sh — helpers for tests/badinput.sh and the check.sh scripts of its cases (sourced).

# The timesheet header, and a row: ts_row ID PROVIDER RECIPIENT [DAYS...] — period 2026-11-01,
# regular, paper, signed 2026-11-15, received 2026-11-16, the days d01.. as given, no total.
TS_HEADER="timesheet_id,provider_id,recipient_id,period_start,kind,channel,provider_signed_on,recipient_signed_on,received_on,d01,d02,d03,d04,d05,d06,d07,d08,d09,d10,d11,d12,d13,d14,d15,d16,total"
ts_row() {
    id=$1 p=$2 r=$3
    shift 3
    row="$id,$p,$r,2026-11-01,regular,paper,2026-11-15,2026-11-15,2026-11-16"
    n=0
    for d in "$@"; do row="$row,$d"; n=$((n + 1)); done
    while [ $n -lt 17 ]; do row="$row,"; n=$((n + 1)); done
    printf '%s\n' "$row"
}

# csv_columns FILE COLUMN... — the named columns of every data row of a CSV file (RFC 4180:
# quoted fields, doubled quotes, line breaks inside quotes), joined by '|', a line break
# inside a field shown as \n. Plain awk, linear in the field sizes.
csv_columns() {
    file=$1
    shift
    want=$(echo "$*" | tr ' ' ',')
    awk -v want="$want" '
    function parse(rec,   n, pos, L, rest, q, f, cpos) {
        n = 0; L = length(rec); pos = 1
        while (1) {
            if (substr(rec, pos, 1) == "\"") {
                f = ""; pos++
                while (1) {
                    rest = substr(rec, pos); q = index(rest, "\"")
                    if (q == 0) { f = f rest; pos = L + 1; break }
                    f = f substr(rest, 1, q - 1); pos += q
                    if (substr(rec, pos, 1) == "\"") { f = f "\""; pos++ } else break
                }
                F[++n] = f
                if (pos > L) break
                pos++
            } else {
                rest = substr(rec, pos); cpos = index(rest, ",")
                if (cpos == 0) { F[++n] = rest; break }
                F[++n] = substr(rest, 1, cpos - 1); pos += cpos
            }
        }
        return n
    }
    BEGIN { nw = split(want, W, ",") }
    {
        rec = pending ? rec "\n" $0 : $0
        tmp = rec
        if (gsub(/"/, "", tmp) % 2) { pending = 1; next }
        pending = 0
        n = parse(rec)
        if (!hdr) { for (k = 1; k <= n; k++) H[F[k]] = k; hdr = 1; next }
        out = ""
        for (k = 1; k <= nw; k++) {
            v = (W[k] in H) ? F[H[W[k]]] : "?"
            gsub(/\n/, "\\n", v)
            out = out (k > 1 ? "|" : "") v
        }
        print out
        split("", F)
    }' "$file"
}

# generations STATE_DIR — the number of committed generations `payrun state list` shows.
generations() {
    "$PAYRUN" state list --state "$1" 2>/dev/null | grep -c '^generation'
}

# no_outputs DIR — true when DIR is absent or holds no file at all (not even a temporary one).
no_outputs() {
    [ ! -e "$1" ] || [ -z "$(ls -A "$1" 2>/dev/null)" ]
}

# The sanitizer reports of a stderr file, if any (for check.sh scripts).
sanitizer_report() {
    grep -l 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$@" 2>/dev/null
}
