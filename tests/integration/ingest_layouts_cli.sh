#!/usr/bin/env bash
# irrev ingest of layouts other than LFW's, on real LFW images: a flat folder (any file names,
# subfolders, every image its own subject) and a CSV list (path, subject, gender), against the
# LFW-layout ingest of the same images: the same crops, landmarks and detection scores, the
# subjects and genders each layout gives, bad entries in the rejects table with their line, and
# the same file from 1 and 3 ranks.
source "$(dirname "$0")/lib.sh"
need_genders  # it reads LFW's gender lists
make_subset "$WORK/lfw" 5 1
n_images=$(find "$WORK/lfw" -name '*.jpg' | wc -l)
"$IRREV" --no-progress ingest --images "$WORK/lfw" --genders "$LFW" --out "$WORK/lfw.h5" > /dev/null

same_faces() {  # a.h5 b.h5: the same crops, landmarks and detection scores, row for row
  for d in /crops /landmarks5 /detection/score /detection/box; do
    h5diff "$1" "$2" "$d" > /dev/null || fail "$2 differs from $1 in $d"
  done
}
strings_of() { h5dump -d "$2" -y -w 0 "$1" | sed -n '/DATA {/,/}/p' | grep -o '"[^"]*"' | tr -d '"'; }
genders_of() { h5dump -d /images/gender -y -w 0 "$1" | sed -n '/DATA {/,/}/p' | grep -o -- '-\?[0-9]\+'; }

# A flat folder: the same images under other names (in LFW's order, the last three in a
# subfolder, one with an upper-case extension), and a file that is not an image.
python3 - "$WORK/lfw" "$WORK/flat" <<'PY'
import os, sys
src, out = sys.argv[1:]
files = sorted((p, f) for p in os.listdir(src) for f in os.listdir(os.path.join(src, p)))
files.sort(key=lambda x: (x[0], int(x[1][-8:-4])))
os.makedirs(os.path.join(out, "more"))
for k, (p, f) in enumerate(files):
    name = f"face_{k:05d}" + (".JPG" if k == 1 else ".jpeg")
    if k >= len(files) - 3: name = os.path.join("more", name)
    os.symlink(os.path.realpath(os.path.join(src, p, f)), os.path.join(out, name))
open(os.path.join(out, "notes.txt"), "w").write("not a face\n")
PY
"$IRREV" --no-progress ingest --images "$WORK/flat" --layout flat --out "$WORK/flat1.h5" --json > "$WORK/flat1.json"
"$MPIEXEC" --oversubscribe -n 3 "$IRREV" --no-progress ingest --images "$WORK/flat" --layout flat \
  --out "$WORK/flat3.h5" --unit 4 > /dev/null
h5diff "$WORK/flat1.h5" "$WORK/flat3.h5" || fail "the flat layout's crops.h5 differs between 1 and 3 ranks"
[ "$(json "$WORK/flat1.json" "d['crops']")" = "$n_images" ] || fail "flat: $(cat "$WORK/flat1.json")"
[ "$(json "$WORK/flat1.json" "[r['file'] for r in d['rejects']]")" = "['notes.txt']" ] || fail "flat rejects: $(cat "$WORK/flat1.json")"
same_faces "$WORK/lfw.h5" "$WORK/flat1.h5"
[ "$(strings_of "$WORK/flat1.h5" /images/subject | sort -u | wc -l)" = "$n_images" ] || fail "flat: not one subject per image"
strings_of "$WORK/flat1.h5" /images/subject | grep -qx "more/face_[0-9]*.jpeg" || fail "flat: subfolder paths"
[ "$(genders_of "$WORK/flat1.h5" | sort -u)" = "-1" ] || fail "flat: a gender that no one gave"

# A list: pseudonyms in LFW's subject order, genders from LFW's lists, paths relative to the
# real image folder, and four bad lines (a malformed line, a missing image, an unknown gender,
# a repeated image: the last keeps its image with the gender left unknown).
python3 - "$WORK/lfw" "$LFW" "$WORK/list.csv" <<'PY'
import os, sys
src, lfw, out = sys.argv[1:]
gender = {}
for f, g in (("female_names.txt", "female"), ("male_names.txt", "male")):
    for line in open(os.path.join(lfw, f)):
        gender.setdefault(line.strip(), g)
people = sorted(os.listdir(src))
lines = ["path,subject,gender"]
for k, p in enumerate(people):
    for f in sorted(os.listdir(os.path.join(src, p))):
        lines.append(f"{p}/{f},subject {k:04d},{gender.get(f, '')}")
lines.insert(3, "only-one-field")
lines.insert(5, "Nobody/Nobody_0001.jpg,subject 9999,male")
lines.insert(7, lines[1])
lines[9] = lines[9].rsplit(",", 1)[0] + ",x"
open(out, "w").write("\n".join(lines) + "\n")
PY
"$IRREV" --no-progress ingest --layout list --list "$WORK/list.csv" --images "$LFW_IMAGES" \
  --out "$WORK/list.h5" --json > "$WORK/list.json"
[ "$(json "$WORK/list.json" "d['crops']")" = "$n_images" ] || fail "list: $(cat "$WORK/list.json")"
json "$WORK/list.json" "'\n'.join(r['file'] + ' ' + r['reason'] for r in d['rejects'])" > "$WORK/list_rejects.txt"
for expect in "list.csv:4 expected 'path,subject\[,gender\]', got 'only-one-field'" \
              "list.csv:6 image '.*Nobody/Nobody_0001.jpg' does not exist" \
              "list.csv:8 image '.*' is listed already on line 2" \
              "list.csv:10 gender 'x' is neither female nor male"; do
  grep -q "$expect" "$WORK/list_rejects.txt" || fail "list rejects lack '$expect': $(cat "$WORK/list_rejects.txt")"
done
[ "$(wc -l < "$WORK/list_rejects.txt")" = 4 ] || fail "list: other rejects: $(cat "$WORK/list_rejects.txt")"
same_faces "$WORK/lfw.h5" "$WORK/list.h5"
[ "$(strings_of "$WORK/list.h5" /images/subject | head -1)" = "subject 0000" ] || fail "list: subjects"
genders_of "$WORK/lfw.h5" > "$WORK/g_lfw.txt"
genders_of "$WORK/list.h5" > "$WORK/g_list.txt"
python3 - "$WORK/g_lfw.txt" "$WORK/g_list.txt" <<'PY' || fail "list: genders differ from LFW's lists beyond the one set to 'x'"
import sys
a, b = ([int(x) for x in open(f).read().split()] for f in sys.argv[1:])
diff = [k for k in range(len(a)) if a[k] != b[k]]
assert len(a) == len(b) and len(diff) <= 1 and all(b[k] == -1 for k in diff) and sum(x >= 0 for x in b) > 0, (a, b)
PY

# Mistakes in the options are refused before any work.
expect_error 2 "\-\-layout list needs \-\-list FILE" "$IRREV" ingest --layout list --out "$WORK/x.h5"
expect_error 2 "\-\-list is read with \-\-layout list only" "$IRREV" ingest --images "$WORK/flat" --list "$WORK/list.csv" --out "$WORK/x.h5"
expect_error 2 "with the flat layout, give genders through a list" "$IRREV" ingest --images "$WORK/flat" --layout flat \
  --genders "$LFW" --out "$WORK/x.h5"
expect_error 2 "image list '.*missing.csv' does not exist" "$IRREV" ingest --layout list --list "$WORK/missing.csv" --out "$WORK/x.h5"
echo "ingest_layouts_cli: $n_images images; flat and list layouts give LFW's crops, 1 rank = 3 ranks"
