# mutants.awk — lists the one-operator mutants of C source files (used by tests/mutants.sh).
#
#   awk -f tests/mutants.awk engine/deduct.c engine/money.c ...
#
# prints one mutant a line, tab-separated:
#   file  line  column  length  replacement  original-fragment  mutant-fragment
# (column from 1: the bytes column..column+length-1 of that line are replaced; the
# fragments show the change in its context). Operators:
#   relational   < <= > >= == != swapped to their neighbour (< <=, > >=, == !=)
#   logical      && ||
#   constant     every decimal integer constant + 1 and - 1
#   assignment   x += y and x -= y -> x = y, and the whole statement removed
#   min/max      the branches of a simple ternary swapped (a < b ? a : b -> ... ? b : a),
#                which turns a min into a max; calls named min*/max* swapped when both exist
# Not mutated: comments, string and character literals, preprocessor lines other than
# #define, the sizes of char buffers (char x[32]), and the code that only writes the
# explanation of `payrun explain` (rules_tracef and RULES_TRACE calls, blocks under
# `if (e->tracing ...)` without ||, functions named trace_*, RULES_TRACE_FN ones included): their lines are counted
# and reported by mutants.sh as trace-only, not mutated.

function emit(col, len, repl,    a, b, lo, hi, orig_frag, mut_frag) {
    lo = col - 28; if (lo < 1) lo = 1
    hi = col + len + 28
    orig_frag = substr(raw, lo, hi - lo)
    mut_frag = substr(raw, lo, col - lo) repl substr(raw, col + len, hi - col - len + (length(repl) - len))
    gsub(/^[ \t]+|[ \t]+$/, "", orig_frag)
    gsub(/^[ \t]+|[ \t]+$/, "", mut_frag)
    printf "%s\t%d\t%d\t%d\t%s\t%s\t%s\n", FILENAME, FNR, col, len, repl, orig_frag, mut_frag
    nmut++
}

# decimal string + 1 / - 1 (exact for any length: awk numbers lose digits past 2^53)
function dec_inc(s,    i, d, out, carry) {
    out = ""; carry = 1
    for (i = length(s); i >= 1; i--) {
        d = substr(s, i, 1) + carry
        carry = d >= 10
        out = (d % 10) out
    }
    return carry ? "1" out : out
}
function dec_dec(s,    i, d, out, borrow) {
    if (s == "0") return "-1"
    out = ""; borrow = 1
    for (i = length(s); i >= 1; i--) {
        d = substr(s, i, 1) - borrow
        borrow = d < 0
        if (d < 0) d += 10
        out = d out
    }
    sub(/^0+/, "", out)
    return out == "" ? "0" : out
}

# The line with comments, strings and character literals blanked (same length).
function mask(s,    i, c, c2, out) {
    out = ""
    for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1); c2 = substr(s, i, 2)
        if (in_comment) {
            if (c2 == "*/") { in_comment = 0; out = out "  "; i++ } else out = out " "
        } else if (in_str) {
            if (c == "\\") { out = out "  "; i++ }
            else if (c == quote) { in_str = 0; out = out c }
            else out = out " "
        } else if (c2 == "/*") { in_comment = 1; out = out "  "; i++ }
        else if (c2 == "//") { while (i <= length(s)) { out = out " "; i++ } }
        else if (c == "\"" || c == "'") { in_str = 1; quote = c; out = out c }
        else out = out c
    }
    in_str = 0   # no string continues on the next line in this code
    return out
}

function count(s, ch,    n, t) { t = s; n = gsub(ch, "", t); return n }

FNR == 1 {
    in_comment = 0; depth = 0; trace_depth = -1; trace_stmt = 0; trace_parens = 0; trace_fn = -1
    has_min = 0; has_max = 0
    # min/max function names present in the file (for the call swap)
    while ((getline l < FILENAME) > 0) {
        if (l ~ /(^|[^A-Za-z0-9_])min2\(/) has_min = 1
        if (l ~ /(^|[^A-Za-z0-9_])max2\(/) has_max = 1
    }
    close(FILENAME)
}

{
    raw = $0
    m = mask(raw)
    opens = count(m, "{"); closes = count(m, "}")
    trace = 0
    # ---- lines that only write the explanation ----
    if (trace_fn >= 0 || trace_depth >= 0 || trace_stmt || trace_parens > 0) trace = 1
    if (depth == 0 && m ~ /^((static )?[a-z_ ]*[ *]|RULES_TRACE_FN )(trace_[a-z_]*|rules_tracef)\(/ && m !~ /;[ \t]*$/) {
        trace = 1; trace_fn = 0
    }
    if (trace_depth < 0 && trace_fn < 0 && m ~ /if \(([a-z]+->)?e->tracing( && [^|]*)?\)/ && m !~ /\|\|/) {
        trace = 1
        if (m ~ /\{[ \t]*$/) trace_depth = depth - (m ~ /^[ \t]*\}/ ? 1 : 0)
        else if (m ~ /\)[ \t]*$/) trace_stmt = 1    # the next statement
    } else if (trace_stmt && m ~ /;[ \t]*$/ && !(m ~ /if \(([a-z]+->)?e->tracing/)) {
        trace_stmt = -1
    }
    if (m ~ /(rules_tracef|RULES_TRACE)\(/) {
        trace = 1
        p = index(m, "rules_tracef(") ? index(m, "rules_tracef(") : index(m, "RULES_TRACE(")
        rest = substr(m, p)
        trace_parens = count(rest, "\\(") - count(rest, "\\)")
    } else if (trace_parens > 0) {
        trace_parens += count(m, "\\(") - count(m, "\\)")
    }
    depth += opens - closes
    if (trace_depth >= 0 && depth <= trace_depth) trace_depth = -1
    if (trace_fn >= 0 && depth == 0 && closes > 0) trace_fn = -1
    if (trace_stmt == -1) trace_stmt = 0

    if (m ~ /^[ \t]*#/ && m !~ /^[ \t]*#[ \t]*define/) next
    if (trace) { ntrace++; next }

    # ---- operators ----
    n = length(m)
    for (i = 1; i <= n; i++) {
        c = substr(m, i, 1); c2 = substr(m, i, 2); prev = i > 1 ? substr(m, i - 1, 1) : " "
        if (c2 == "&&") { emit(i, 2, "||"); i++; continue }
        if (c2 == "||") { emit(i, 2, "&&"); i++; continue }
        if (c2 == "<<" || c2 == ">>" || c2 == "->" || c2 == "++" || c2 == "--") {
            i++; if (substr(m, i + 1, 1) == "=") i++
            continue
        }
        if (c2 == "<=") { emit(i, 2, "<"); i++; continue }
        if (c2 == ">=") { emit(i, 2, ">"); i++; continue }
        if (c2 == "==") { emit(i, 2, "!="); i++; continue }
        if (c2 == "!=") { emit(i, 2, "=="); i++; continue }
        if (c2 == "+=" || c2 == "-=") {
            emit(i, 2, "=")
            # the whole statement removed, when it is the line's only statement
            if (m ~ /^[ \t]*[^;{}()]*[+-]= [^;{}]*;[ \t]*$/ && count(m, ";") == 1) {
                s0 = match(m, /[^ \t]/)
                emit(s0, length(m) - s0 + 1, ";")
            }
            i++; continue
        }
        if (c == "<" && prev != "<") { emit(i, 1, "<="); continue }
        if (c == ">" && prev != ">" && prev != "-") { emit(i, 1, ">="); continue }
        if (c ~ /[0-9]/ && prev !~ /[A-Za-z0-9_.]/) {
            j = i
            while (j <= n && substr(m, j, 1) ~ /[0-9]/) j++
            digits = substr(m, i, j - i)
            nxt = substr(m, j, 1)
            if (nxt ~ /[xXbB.]/ || (digits ~ /^0[0-9]/)) { i = j; continue }   # hex, binary, float, octal
            k = j
            while (k <= n && substr(m, k, 1) ~ /[uUlL]/) k++
            if (substr(m, k, 1) ~ /[A-Za-z_]/) { i = k; continue }
            suffix = substr(m, j, k - j)
            # a char buffer's size: char x[32]
            if (prev == "[" && substr(m, k, 1) == "]" && m ~ /(^|[^A-Za-z0-9_])char [a-z_0-9]+\[/) { i = k - 1; continue }
            emit(i, j - i, dec_inc(digits))
            down = dec_dec(digits)
            if (down ~ /^-/) emit(i, k - i, "(" down suffix ")")
            else emit(i, j - i, down)
            i = k - 1
            continue
        }
    }
    # ---- min/max: simple ternaries with their branches swapped, min/max calls swapped ----
    rest = m; off = 0
    while (match(rest, /\? [A-Za-z0-9_>.*\[\]-]+ : [A-Za-z0-9_>.*\[\]-]+/)) {
        frag = substr(rest, RSTART, RLENGTH)
        split(substr(frag, 3), parts, " : ")
        if (parts[1] != parts[2] && parts[2] !~ /[-]$/)
            emit(off + RSTART, RLENGTH, "? " parts[2] " : " parts[1])
        off += RSTART + RLENGTH - 1
        rest = substr(rest, RSTART + RLENGTH)
    }
    if (has_min && has_max) {
        rest = m; off = 0
        while (match(rest, /(^|[^A-Za-z0-9_])(min2|max2)\(/)) {
            p = RSTART + (substr(rest, RSTART, 1) ~ /[A-Za-z0-9_(]/ ? 0 : 1)
            name = substr(rest, p, 4)
            if (substr(m, off + p - 12 > 0 ? off + p - 12 : 1, 12) !~ /money_cents [ ]*$/)
                emit(off + p, 4, name == "min2" ? "max2" : "min2")
            off += p + 3
            rest = substr(rest, p + 4)
        }
    }
}

END { printf "%d mutants, %d trace-only lines not mutated\n", nmut, ntrace > "/dev/stderr" }
