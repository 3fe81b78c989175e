. "$LIB"
"$PAYRUN" run --data data --out out --run-date 2026-11-20 "$(printf 'ts-\377.csv')" 2> err
rc=$?
[ $rc = 0 ] || { echo "exit $rc, expected 0"; cat err; exit 1; }
iconv -f UTF-8 -t UTF-8 out/summary.json > /dev/null 2>&1 || { echo "summary.json is not valid UTF-8 (the file name's FF byte is copied raw)"; exit 1; }
grep -qF '"file": "ts-\u00ff.csv"' out/summary.json || { echo "summary.json does not show the name as ts-\\u00ff.csv"; grep '"file"' out/summary.json; exit 1; }
