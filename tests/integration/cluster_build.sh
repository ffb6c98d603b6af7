#!/usr/bin/env bash
# The build on a cluster without root (scripts/build_cluster.sh), as far as this machine allows:
#   1. an archive whose checksum is not the pinned one is refused, naming the file and both sums;
#   2. as user nobody, in a mount namespace where the system's copies of the header-only libraries
#      and Boost are hidden (an empty folder bound over each), with those packages' files in a
#      prefix instead (scripts/deps_from_debian.sh --boost-headers: Debian's .debs unpacked, no
#      installation) given as IRREV_DEPS_DIR: the script configures, builds the engine and the
#      unit tests without OpenCV (and without bench/), and the unit tests pass. A header taken
#      from the system instead of the prefix fails the build.
# The compiler, CMake, Open MPI, HDF5, GoogleTest and LibTorch stay the system's: on a cluster they
# are its modules and pip's PyTorch. Needs root (the namespace and the change of user) and apt's
# network (the .debs); skipped (77) without root.
source "$(dirname "$0")/lib.sh"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (a mount namespace and a change of user)" >&2; exit 77; }
for t in unshare setpriv mount; do command -v "$t" > /dev/null || fail "'$t' is missing"; done
# Root without CAP_SYS_ADMIN (an unprivileged container) cannot make a mount namespace.
unshare --mount true 2> /dev/null || { echo "SKIP: no mount namespace here (unshare --mount refused)" >&2; exit 77; }

# 1. A damaged archive: refused before anything is extracted.
fmt_row="$(grep -m1 '^fmt	' "$ROOT/scripts/cluster_archives.tsv")"
fmt_file="$WORK/archives/fmt-$(cut -f2 <<< "$fmt_row").tar.gz"
mkdir -p "$WORK/archives"
echo "not the fmt release" > "$fmt_file"
expect_error 1 "$fmt_file has sha256 $(sha256sum "$fmt_file" | cut -c1-64), expected $(cut -f4 <<< "$fmt_row")" \
  env IRREV_ARCHIVES="$WORK/archives" IRREV_CLUSTER_DEPS="$WORK/cluster-deps" bash "$ROOT/scripts/build_cluster.sh" --deps-only
[ -z "$(ls -A "$WORK/cluster-deps" 2> /dev/null)" ] || fail "a refused archive left files: $(ls -A "$WORK/cluster-deps")"

# 2. The prefix, then the build as nobody with the system's copies hidden. nobody may not be
# able to reach the checkout, the build folder or the data (CI's folders may be root's alone): in
# the namespace they are bound into a staging folder of its own under /tmp (removed at the end),
# each seen there with its own permissions.
prefix="$WORK/prefix"
IRREV_DEPS_CACHE="$WORK/debs" bash "$ROOT/scripts/deps_from_debian.sh" "$prefix" --boost-headers > "$WORK/deps.log" 2>&1 \
  || fail "deps_from_debian.sh: $(tail -20 "$WORK/deps.log")"
mkdir -p "$WORK/build" "$WORK/home" "$WORK/empty"
chown nobody "$WORK/build" "$WORK/home"
chmod -R a+rX "$prefix"
stage="$(mktemp -d /tmp/irrev-cluster-build.XXXXXX)"
trap 'rm -rf "$stage"' EXIT
chmod 755 "$stage"
lfw="${IRREV_TEST_LFW:-$SHARED/datasets/lfw}"
[ -d "$lfw" ] || fail "no LFW at '$lfw' for the unit tests"
binds=("$ROOT" src "$prefix" prefix "$WORK/build" build "$WORK/home" home "$lfw" lfw)
if [ -d "$SHARED" ]; then binds+=("$SHARED" shared); fi
for ((i = 1; i < ${#binds[@]}; i += 2)); do mkdir -p "$stage/${binds[i]}"; done
hidden=()  # the system's copy of every folder the prefix provides
for d in "$prefix"/include/*/; do
  d="/usr/include/$(basename "$d")"
  if [ -d "$d" ]; then hidden+=("$d"); fi
done
jobs="$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)"  # every core (ctest's OMP_NUM_THREADS=1 aside)
# Debian's python3-torch has no CMake config; libtorch-dev's is the one pip's wheel would give.
unshare --mount --propagation private bash -c '
  set -e
  stage="$1" empty="$2" n_binds="$3"; shift 3
  for ((i = 0; i < n_binds; i += 2)); do mount --bind "${@:i+1:1}" "$stage/${@:i+2:1}"; done
  shift "$n_binds"
  while [ "$1" != -- ]; do mount --bind "$empty" "$1"; shift; done
  shift
  [ -z "$(ls -A /usr/include/boost 2> /dev/null)" ] || { echo "the system Boost is still visible" >&2; exit 1; }
  exec setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"
' hide "$stage" "$WORK/empty" "${#binds[@]}" "${binds[@]}" "${hidden[@]}" -- \
  env -i PATH="$PATH" HOME="$stage/home" LANG=C.UTF-8 OMP_NUM_THREADS=1 IRREV_DEPS_DIR="$stage/prefix" \
  IRREV_TORCH_PREFIX=/usr/lib/x86_64-linux-gnu/cmake IRREV_JOBS="$jobs" \
  bash "$stage/src/scripts/build_cluster.sh" --tests "$stage/build" -- -DIRREV_WITH_OPENCV=OFF -DIRREV_BUILD_BENCH=OFF \
  -DIRREV_SHARED_DIR="$stage/shared" -DIRREV_TEST_LFW="$stage/lfw" > "$WORK/build.log" 2>&1 \
  || fail "the unprivileged build or its unit tests: $(grep -E 'error|FAILED|Failed|build_cluster' "$WORK/build.log" | tail -30)
$(tail -15 "$WORK/build.log")"

grep -q "dependencies from the folder given: $stage/prefix" "$WORK/build.log" || fail "the prefix was not used"
grep -q "100% tests passed" "$WORK/build.log" || fail "the unit tests: $(tail -20 "$WORK/build.log")"
# Everything the build made belongs to nobody: nothing of it ran as root.
[ -z "$(find "$WORK/build" ! -user nobody -print -quit)" ] \
  || fail "files not nobody's: $(find "$WORK/build" ! -user nobody | head)"
# The compiler read the prefix's headers, never the system's (ninja records every header read).
# (Into a file first: grep -q would end ninja early, and pipefail would call that a failure.)
ninja -C "$WORK/build" -t deps > "$WORK/ninja_deps.txt"
grep -q "$stage/prefix/include/boost/" "$WORK/ninja_deps.txt" || fail "no Boost header came from the prefix"
grep -E "tests passed|Total Test time" "$WORK/build.log"
echo "cluster build: passed"
