#!/usr/bin/env bash
# tidy.sh [BASE]: clang-tidy (the checks in .clang-tidy) over the C++ files changed since BASE,
# with every finding an error. BASE defaults to the commit in .ci/tidy-base: the last one whose
# whole tree was checked clean (`tidy.sh --all`, 16 minutes on 2 cores here, which is why CI
# checks only what changed since). A changed header is checked through the first translation
# unit that includes it. Needs the build's compile_commands.json ($IRREV_BUILD, default build/).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${IRREV_BUILD:-$root/build}"
cd "$root"
[ -f "$build/compile_commands.json" ] || { echo "tidy: $build/compile_commands.json is missing (build first)" >&2; exit 2; }
# clang-tidy reads a file's command from a compilation database. A unity build (IRREV_UNITY_BUILD)
# lists the generated unity_N_cxx.cxx files instead of the project's own; each file a unity source
# includes gets that source's command, in a database of our own beside the build's.
db="$build/tidy-db"
mkdir -p "$db"
# The project's C++ translation units (not the CUDA kernel, which clang-tidy cannot parse with nvcc's
# flags, nor the generated header checks under the build folder).
mapfile -t units < <(/usr/bin/python3 - "$build/compile_commands.json" "$root" "$db/compile_commands.json" <<'PY'
import json, re, sys
source, root, out = sys.argv[1], sys.argv[2], sys.argv[3]
build_dir = source.rsplit("/", 1)[0]
entries = []
for e in json.load(open(source)):
    f = e["file"]
    if re.search(r"/Unity/unity_\d+_cxx\.cxx$", f):
        for inc in re.findall(r'^#include "([^"]+)"', open(f).read(), re.M):
            entries.append(dict(e, file=inc, command=e["command"].replace(f, inc)))
    else:
        entries.append(e)
json.dump(entries, open(out, "w"), indent=1)
for f in sorted({e["file"] for e in entries}):
    if f.endswith(".cpp") and f.startswith(root + "/") and not f.startswith(build_dir + "/"):
        print(f)
PY
)
if [ "${1:-}" = "--all" ]; then
  files=("${units[@]}")
else
  base="${1:-$(cat .ci/tidy-base)}"
  git cat-file -e "$base^{commit}" 2>/dev/null || { echo "tidy: base commit '$base' is not in this clone" >&2; exit 2; }
  files=()
  while read -r changed; do
    [ -f "$changed" ] || continue
    case "$changed" in
      *.cpp) for u in "${units[@]}"; do [ "$u" = "$root/$changed" ] && files+=("$u"); done ;;
      *.hpp) name="$(basename "$changed")"
             for u in "${units[@]}"; do
               if grep -q "[/\"]$name\"" "$u"; then files+=("$u"); break; fi
             done ;;
    esac
  done < <(git diff --name-only "$base" -- '*.cpp' '*.hpp')
  mapfile -t files < <(printf '%s\n' "${files[@]}" | sort -u | sed '/^$/d')
  echo "tidy: ${#files[@]} translation unit(s) changed since $(git rev-parse --short "$base")"
fi
[ "${#files[@]}" -gt 0 ] || exit 0
printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -n 1 clang-tidy -p "$db" --quiet --warnings-as-errors='*' \
  2> >(grep -v -E "warnings generated|^Suppressed|Use -header-filter|NOLINT" >&2)
echo "tidy: no findings"
