# withholding_in_force.awk — an independent check of SPEC-withholding A.1 on a night's outputs:
# no paycheck withholds federal_income_tax (state_income_tax) unless its provider has a
# withholding.csv row in force on the paycheck's pay_date (the row with the latest effective_from
# on or before it) whose fed_status (ca_status) is not `none`. Reads both files by column name;
# plain CSV only (no quoted commas: the generator's files).
#
# usage: awk -f withholding_in_force.awk DATA/withholding.csv OUT/paychecks.csv
# Prints each paycheck that breaks the rule (the first 10) and one line of counts:
#   withholding_in_force: ROWS rows of PROVIDERS providers; PAYCHECKS paychecks, FED with
#   federal_income_tax > 0, STATE with state_income_tax > 0 (WITHHELD providers); BAD without a row
# Exits 1 when a paycheck breaks the rule or a column is missing, else 0.
BEGIN { FS = ","; bad = 0 }
FNR == 1 {
    delete c
    for (i = 1; i <= NF; i++)
        c[$i] = i
    if (NR == FNR) {
        need = "provider_id effective_from fed_status ca_status"
    } else {
        need = "paycheck_id provider_id pay_date federal_income_tax state_income_tax"
    }
    n = split(need, names, " ")
    for (i = 1; i <= n; i++)
        if (!(names[i] in c)) {
            printf "withholding_in_force: %s: no column %s\n", FILENAME, names[i]
            missing = 1
            exit 1
        }
    next
}
NR == FNR {
    p = $c["provider_id"]
    k = ++nrows[p]
    if (k == 1)
        nprov++
    total++
    from[p, k] = $c["effective_from"]
    fed[p, k] = $c["fed_status"]
    ca[p, k] = $c["ca_status"]
    next
}
{
    p = $c["provider_id"]
    day = $c["pay_date"]
    best = ""
    f = "none"
    s = "none"
    for (k = 1; k <= nrows[p]; k++)
        if (from[p, k] <= day && from[p, k] > best) {
            best = from[p, k]
            f = fed[p, k]
            s = ca[p, k]
        }
    paychecks++
    fit = $c["federal_income_tax"] + 0
    sit = $c["state_income_tax"] + 0
    if (fit > 0)
        nfed++
    if (sit > 0)
        nstate++
    if (fit > 0 || sit > 0)
        if (!(p in withheld)) {
            withheld[p] = 1
            nwithheld++
        }
    if ((fit > 0 && f == "none") || (sit > 0 && s == "none")) {
        if (++bad <= 10)
            printf "withholding_in_force: paycheck %s (provider %s, paid %s) withholds %s federal, %s state; the row in force (%s) says fed_status %s, ca_status %s\n", \
                $c["paycheck_id"], p, day, $c["federal_income_tax"], $c["state_income_tax"], \
                best == "" ? "none" : "from " best, f, s
    }
}
END {
    if (missing)
        exit 1
    printf "withholding_in_force: %d rows of %d providers; %d paychecks, %d with federal_income_tax > 0, %d with state_income_tax > 0 (%d providers); %d without a row\n", \
        total, nprov, paychecks, nfed, nstate, nwithheld, bad
    exit (bad > 0 ? 1 : 0)
}
