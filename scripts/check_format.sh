#!/usr/bin/env bash
# Every tracked C++ file as .clang-format lays it out; names the files that are not
# (fix with: git ls-files '*.cpp' '*.hpp' '*.cu' '*.cuh' | xargs clang-format -i).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v clang-format > /dev/null; then
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q && DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q clang-format
fi
bad=()
while IFS= read -r f; do
  clang-format --dry-run --Werror "$f" > /dev/null 2>&1 || bad+=("$f")
done < <(git ls-files '*.cpp' '*.hpp' '*.cu' '*.cuh')
if ((${#bad[@]})); then
  echo "check_format: ${#bad[@]} file(s) differ from .clang-format: ${bad[*]}" >&2
  exit 1
fi
echo "check_format: $(git ls-files '*.cpp' '*.hpp' '*.cu' '*.cuh' | wc -l) files formatted" >&2
