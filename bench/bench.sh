#!/bin/sh
# bench.sh — `make bench`: payrun run against cat, gzip -dc and a bare libcsv parse on the same files; writes bench/results.md.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/build
dir=${BENCH_DIR:-$B/bench-data}
sizes=${BENCH_ROWS:-"1000000 5000000"}
providers=${BENCH_PROVIDERS:-200000}
mkdir -p "$dir"
out=$top/bench/results.md
tmpres=$(mktemp)
measure() {  # label command... -> "label ms kib"
    label=$1
    shift
    r=$("$B/measure" "$@" 2>&1 >/dev/null | tail -1)
    echo "$label $r"
}
{
    echo "# payrun benchmark"
    echo
    echo "Machine: $(uname -m), $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo);"
    echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')."
    echo "Date: $(date -u +%Y-%m-%d). Data: bench/gen.c, $providers providers, seed 1; run date 2026-12-04;"
    echo "\`payrun run\` with all rules, both outputs and the ledger saved (\`--state\`). Times are wall clock"
    echo "(best of 3; one run above 1M rows), RSS is the peak resident set. Produced by \`make bench\`."
    echo
    echo "| rows | input | MB | command | seconds | rows/s | MB/s | peak RSS MB | × libcsv parse |"
    echo "|---:|---|---:|---|---:|---:|---:|---:|---:|"
} > "$tmpres"
for rows in $sizes; do
    g=$dir/g$rows
    if [ ! -f "$g/timesheets.csv" ]; then
        mkdir -p "$dir"
        "$B/gen" --out "$g" --providers "$providers" --rows "$rows" --seed 1
        gzip -1 -c "$g/timesheets.csv" > "$g/timesheets.csv.gz"
    fi
    for kind in plain gzip; do
        f=$g/timesheets.csv
        [ $kind = gzip ] && f=$g/timesheets.csv.gz
        bytes=$(stat -c %s "$g/timesheets.csv")
        mb=$(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1e6 }')
        repeat=3
        [ "$rows" -gt 1000000 ] && repeat=1
        best() {  # best of $repeat: "ms kib"
            b=""
            for i in $(seq "$repeat"); do
                r=$(measure x "$@" | cut -d' ' -f2-3)
                if [ -z "$b" ] || [ "${r%% *}" -lt "${b%% *}" ]; then b=$r; fi
            done
            echo "$b"
        }
        if [ $kind = plain ]; then base_cmd="cat $f"; else base_cmd="gzip -dc $f"; fi
        # shellcheck disable=SC2086
        c=$(best $base_cmd)
        p=$(best "$B/csvparse" "$f")
        rm -rf "$g/state" "$g/out"
        r=$(best sh -c "rm -rf '$g/state' '$g/out'; '$top/payrun' state init --state '$g/state' && exec '$top/payrun' run --data '$g/data' --state '$g/state' --out '$g/out' --run-date 2026-12-04 '$f'")
        pms=${p%% *}
        for line in "$(echo "$base_cmd" | cut -d' ' -f1-2 | sed "s|$g/||")|$c" "libcsv parse (bench/csvparse.c)|$p" "payrun run|$r"; do
            name=${line%%|*}
            v=${line#*|}
            ms=${v%% *}
            kib=${v#* }
            awk -v rows="$rows" -v kind="$kind" -v mb="$mb" -v name="$name" -v ms="$ms" -v kib="$kib" -v pms="$pms" \
                'BEGIN { s = ms / 1000; if (s <= 0) s = 0.001;
                         printf "| %d | %s | %s | %s | %.2f | %.0f | %.0f | %.0f | %.2f |\n", rows, kind, mb, name, s, rows / s, mb / s, kib / 1024, ms / pms }' >> "$tmpres"
        done
        if [ $kind = plain ]; then
            # the next night: 1,000 new rows against the state this run committed (the
            # ledger read back, the rows paid, a new generation written); renamed and made
            # special transactions, so they are not duplicates of the periods just paid
            next=$g/next-night.csv
            { head -1 "$g/timesheets.csv"; tail -1000 "$g/timesheets.csv" | sed 's/^T/N/; s/,regular,/,special,/'; } > "$next"
            b=""
            for i in $(seq "$repeat"); do
                rm -rf "$g/state2" "$g/out2"
                cp -r "$g/state" "$g/state2"
                v=$(measure x "$top/payrun" run --data "$g/data" --state "$g/state2" --out "$g/out2" \
                    --run-date 2026-12-05 "$next" | cut -d' ' -f2-3)
                if [ -z "$b" ] || [ "${v%% *}" -lt "${b%% *}" ]; then b=$v; fi
            done
            rm -rf "$g/state2" "$g/out2"
            awk -v rows="$rows" -v ms="${b%% *}" -v kib="${b#* }" \
                'BEGIN { printf "| %d | plain | - | payrun run, next night: 1000 new rows on that state | %.2f | - | - | %.0f | - |\n",
                         rows, ms / 1000, kib / 1024 }' >> "$tmpres"
        fi
    done
done
{
    echo
    echo "The next-night line pays 1,000 timesheets (the file's last rows, renamed N... and made"
    echo "special) against the state the row above committed: it reads that ledger generation"
    echo "back and writes the next one."
    echo
    echo "Targets (issue 7): payrun within 1.5x the libcsv parse of the same plain file (1.2x using the"
    echo "second core), gzip within 1.2x the libcsv+zlib parse, peak RSS <= 150 MB for 1M rows. Not met:"
    echo "the masters (0.4 s) and the ledger generation (0.4-0.6 s) alone exceed 1.5x the parse; see"
    echo "bench/profile.md for the phases, what dominates each and what would close the gap."
} >> "$tmpres"
mv "$tmpres" "$out"
cat "$out"
