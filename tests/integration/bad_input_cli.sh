#!/usr/bin/env bash
# Bad input: faulty images, pair lines and gender lines land in the rejects table and the run
# goes on; a missing folder, model or a malformed job stops before any work with a clear
# message, on one rank and on several (no rank hangs).
source "$(dirname "$0")/lib.sh"
D="$WORK/lfw"
mkdir -p "$D/Good_Face" "$D/Cut_Short" "$D/Empty_File" "$D/Grey_Wall" "$D/Plain_Text" "$WORK/genders"
good="$LFW_IMAGES/Aaron_Eckhart/Aaron_Eckhart_0001.jpg"
cp "$good" "$D/Good_Face/Good_Face_0001.jpg"
head -c 6000 "$good" > "$D/Cut_Short/Cut_Short_0001.jpg"
: > "$D/Empty_File/Empty_File_0001.jpg"
{ printf 'P6\n250 250\n255\n'; head -c $((250 * 250 * 3)) /dev/zero | tr '\0' '\200'; } > "$D/Grey_Wall/Grey_Wall_0001.jpg"
echo "not an image" > "$D/Plain_Text/Plain_Text_0001.jpg"
printf '1 1\nGood_Face 1 7\nGood_Face 1 Grey_Wall 1\n' > "$WORK/pairs.txt"
printf 'Good_Face_0001.jpg\nYasser_Arafat_0005.jpg-\n' > "$WORK/genders/female_names.txt"
printf 'Good_Face_0001.jpg\n' > "$WORK/genders/male_names.txt"

"$MPIEXEC" --oversubscribe -n 2 "$IRREV" --no-progress ingest --images "$D" --pairs "$WORK/pairs.txt" \
  --genders "$WORK/genders" --out "$WORK/crops.h5" --json > "$WORK/out.json"
[ "$(json "$WORK/out.json" "d['images']")" = 5 ] || fail "images"
[ "$(json "$WORK/out.json" "d['crops']")" = 1 ] || fail "only the good face has a crop"
reason() { json "$WORK/out.json" "[r['reason'] for r in d['rejects'] if '$1' in r['file']]"; }
reason Cut_Short | grep -q "truncated JPEG" || fail "truncated JPEG: $(reason Cut_Short)"
reason Empty_File | grep -q "empty file" || fail "empty file: $(reason Empty_File)"
reason Grey_Wall | grep -q "no face found" || fail "no face: $(reason Grey_Wall)"
reason Plain_Text | grep -q "not a readable image" || fail "text: $(reason Plain_Text)"
reason "pairs.txt:2" | grep -q "Good_Face_0007.jpg" || fail "missing pair image: $(reason pairs.txt:2)"
reason "pairs.txt:3" | grep -q "Grey_Wall_0001.jpg" || fail "pair with rejected image: $(reason pairs.txt:3)"
reason "female_names.txt:2" | grep -q "malformed gender line" || fail "gender line"
reason "Good_Face_0001.jpg" | grep -q "both female and male" || fail "gender conflict"
h5dump -d /rejects/reason "$WORK/crops.h5" | grep -q "truncated JPEG" || fail "rejects table in crops.h5"

expect_error 2 "image folder '$WORK/absent' does not exist" \
  "$IRREV" ingest --images "$WORK/absent" --out "$WORK/x.h5"
expect_error 2 "model file '$WORK/no_models/fr_detect.onnx' is missing" \
  "$IRREV" ingest --images "$D" --models "$WORK/no_models" --out "$WORK/x.h5"
# Several ranks: one error message, the whole job ends, nothing is written.
expect_error 2 "model file '$WORK/no_models/fr_detect.onnx' is missing" \
  "$MPIEXEC" --oversubscribe -n 3 "$IRREV" ingest --images "$D" --models "$WORK/no_models" --out "$WORK/x.h5"
[ ! -e "$WORK/x.h5" ] && [ ! -e "$WORK/x.h5.tmp" ] || fail "a failed ingest left a file"
expect_error 2 "not an HDF5 file" "$IRREV" embed --crops "$WORK/pairs.txt" --model x.pt --out "$WORK/t.h5"
printf '[data]\nimages = "%s"\nlimt = 3\n[[extractors]]\nname = "a"\nmodel = "b.pt"\n' "$D" > "$WORK/bad.toml"
expect_error 2 "bad.toml:3: unknown key 'data.limt'" "$IRREV" run "$WORK/bad.toml"
echo "bad_input_cli: every fault reported"
