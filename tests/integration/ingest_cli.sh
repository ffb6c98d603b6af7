#!/usr/bin/env bash
# irrev ingest on real LFW images: one rank and three ranks give the same crops.h5, bit for bit.
source "$(dirname "$0")/lib.sh"
need_genders  # it reads LFW's gender lists
make_subset "$WORK/lfw" 20 2
n_images=$(find "$WORK/lfw" -name '*.jpg' | wc -l)

"$IRREV" --no-progress ingest --images "$WORK/lfw" --pairs "$WORK/lfw.pairs.txt" --genders "$LFW" \
  --out "$WORK/np1/crops.h5" --json > "$WORK/np1.json"
"$MPIEXEC" --oversubscribe -n 3 "$IRREV" --no-progress ingest --images "$WORK/lfw" \
  --pairs "$WORK/lfw.pairs.txt" --genders "$LFW" --out "$WORK/np3/crops.h5" --unit-size 7 --json > "$WORK/np3.json"

[ "$(json "$WORK/np1.json" "d['images']")" = "$n_images" ] || fail "images != $n_images"
[ "$(json "$WORK/np1.json" "d['crops']")" = "$n_images" ] || fail "not every real LFW face was found"
# The gender lists' own faults are reported; no pair line is rejected.
[ "$(json "$WORK/np1.json" "sum('pairs' in r['file'] for r in d['rejects'])")" = 0 ] || fail "pairs rejected"
cmp -s "$WORK/np1.json" "$WORK/np3.json" || fail "JSON summaries differ between 1 and 3 ranks"
h5diff "$WORK/np1/crops.h5" "$WORK/np3/crops.h5" || fail "crops.h5 differs between 1 and 3 ranks"

# The file carries what the schema promises.
h5ls -r "$WORK/np1/crops.h5" > "$WORK/ls.txt"
for d in /crops /landmarks5 /detection/score /detection/box /images/name /images/subject \
         /images/gender /pairs/a /pairs/b /pairs/fold /pairs/genuine /rejects/file /rejects/reason; do
  grep -q "^$d " "$WORK/ls.txt" || fail "crops.h5 lacks $d"
done
grep -Eq "^/crops .*\{$n_images(/Inf)?, 112, 112, 3\}" "$WORK/ls.txt" || fail "crops shape"
[ "$(h5dump -d /pairs/a -y -w 0 "$WORK/np1/crops.h5" | grep -c ',')" -ge 1 ] || fail "no pairs"
echo "ingest_cli: $n_images images, identical for 1 and 3 ranks"
