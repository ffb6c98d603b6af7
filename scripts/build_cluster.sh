#!/usr/bin/env bash
# build_cluster.sh [--deps-only] [--tests] [BUILD_DIR=build-cluster] [-- CMAKE_ARGS...]: build irrev
# where there is no apt and no root: a cluster whose modules give a compiler, CMake, Open MPI, HDF5
# (and CUDA), with PyTorch from pip. Nothing is installed outside the checkout and BUILD_DIR.
#   LibTorch     the Python installation's (IRREV_PYTHON, default python3: `import torch`), or
#                IRREV_TORCH_PREFIX (a folder holding Torch/TorchConfig.cmake)
#   header-only  fmt, spdlog, nlohmann/json, toml++, CLI11 and Boost (headers and
#   libraries    Boost.Serialization's sources) from the release archives pinned with their SHA-256
#                in scripts/cluster_archives.tsv, laid out as IRREV_DEPS_DIR expects
#                (cmake/IrrevDependencies.cmake) in IRREV_CLUSTER_DEPS (default
#                .cache/cluster-deps/). Each archive is taken from IRREV_ARCHIVES (default
#                .cache/archives/, named NAME-VERSION.tar.gz or .tar.bz2 as the table's first two
#                columns) when it is there, else downloaded into it; it is used only when its
#                checksum matches. Or IRREV_DEPS_DIR: such a folder already made
#                (scripts/deps_from_debian.sh makes one from Debian's packages).
#   OpenSSL      libcrypto's headers from the system (openssl-devel; OPENSSL_ROOT_DIR elsewhere)
#   OpenCV       optional: the image stages (ingest, the gender SVM) are built where it is found
# --deps-only: fetch and lay out the dependencies, then stop (on a login node with network, before
# building on a compute node without). --tests: build the unit tests too (needs GoogleTest) and run
# them (ctest -L unit). IRREV_TARGETS: what to build (default irrev); IRREV_JOBS: parallel jobs;
# IRREV_CUDA_ARCH: CUDA architectures where nvcc is found (default "80;90").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { echo "[build_cluster] $*"; }
die() {
  echo "build_cluster: $*" >&2
  exit 1
}

deps_only=0 tests=0 build=""
while [ $# -gt 0 ]; do
  case "$1" in
    --deps-only) deps_only=1 ;;
    --tests) tests=1 ;;
    --) shift; break ;;
    -*) die "unknown option '$1' (usage: build_cluster.sh [--deps-only] [--tests] [BUILD_DIR] [-- CMAKE_ARGS...])" ;;
    *) build="$1" ;;
  esac
  shift
done
build="${build:-$root/build-cluster}"

# --- the dependencies: a folder given, or the pinned archives ------------------------------------
fetch() {  # URL FILE: FILE from IRREV_ARCHIVES, else downloaded there
  local url="$1" file="$2"
  local by_hand="download it elsewhere and put it at '$file' (IRREV_ARCHIVES names the folder)"
  [ -f "$file" ] && return 0
  say "downloading $url"
  if command -v curl > /dev/null; then
    curl -fsSL --retry 2 -o "$file.part" "$url" && mv "$file.part" "$file" && return 0
    rm -f "$file.part"
    die "could not download '$url' (curl says above). Without network here, $by_hand"
  elif command -v wget > /dev/null; then
    wget -q -O "$file.part" "$url" && mv "$file.part" "$file" && return 0
    rm -f "$file.part"
    die "could not download '$url' (wget failed). Without network here, $by_hand"
  fi
  die "neither curl nor wget to download '$url': $by_hand"
}
archive_file() {  # NAME VERSION URL: the archive's file name in IRREV_ARCHIVES
  local base="${3##*/}"
  echo "$1-$2.tar.${base##*.tar.}"
}
lay_out_deps() {  # DEPS_DIR: every row of cluster_archives.tsv fetched, checked and extracted
  local deps="$1" archives="${IRREV_ARCHIVES:-$root/.cache/archives}"
  local name version url sum member dest file top tmp
  mkdir -p "$archives" "$deps"
  while IFS=$'\t' read -r name version url sum member dest; do
    case "$name" in '' | '#'*) continue ;; esac
    # Laid out already from this very archive (a changed pin lays the folder out again).
    [ -e "$deps/$dest" ] && [ "$(cat "$deps/$dest.sha256" 2> /dev/null)" = "$sum" ] && continue
    rm -rf "${deps:?}/$dest" "$deps/$dest.sha256"
    file="$archives/$(archive_file "$name" "$version" "$url")"
    fetch "$url" "$file"
    "$root/scripts/check_sha256.sh" "$file" "$sum" \
      || die "$name $version (pinned in scripts/cluster_archives.tsv): a damaged or different archive; delete '$file' and fetch it again"
    say "$name $version: checksum matches; $member -> $dest"
    if [[ "$file" == *.bz2 ]] && ! command -v bzip2 > /dev/null; then
      die "'$file' is bzip2-compressed and there is no bzip2 on PATH: load a module that has it"
    fi
    top="$(tar -tf "$file" 2> /dev/null | head -1 | cut -d/ -f1 || true)"  # head ends tar early
    [ -n "$top" ] || die "tar cannot list '$file' (try: tar -tf '$file')"
    tmp="$(mktemp -d "$deps/.extract.XXXXXX")"
    tar -xf "$file" -C "$tmp" "$top/$member" || die "could not extract '$top/$member' from '$file' into '$deps' (tar says above)"
    mkdir -p "$(dirname "$deps/$dest")"
    mv "$tmp/$top/$member" "$deps/$dest"
    echo "$sum" > "$deps/$dest.sha256"
    rm -rf "$tmp"
  done < "$root/scripts/cluster_archives.tsv"
}

if [ -n "${IRREV_DEPS_DIR:-}" ]; then
  deps="$(cd "$IRREV_DEPS_DIR" && pwd)" || die "IRREV_DEPS_DIR '$IRREV_DEPS_DIR' is not a folder"
  say "dependencies from the folder given: $deps"
else
  deps="${IRREV_CLUSTER_DEPS:-$root/.cache/cluster-deps}"
  lay_out_deps "$deps"
  say "dependencies from the pinned archives: $deps"
fi
if [ "$deps_only" = 1 ]; then exit 0; fi

# --- the machine's tools (its modules) ------------------------------------------------------------
need() { command -v "$1" > /dev/null || die "'$1' is not on PATH: $2"; }
need cmake "load a CMake module (3.25 or newer), or pip install cmake"
need "${CXX:-c++}" "load a compiler module (C++17: GCC 9 or newer)"
# (A Cray's wrappers have no mpicxx: MPI_HOME or MPI_CXX_COMPILER tells CMake where MPI is.)
[ -n "${MPI_HOME:-}${MPI_CXX_COMPILER:-}" ] || need mpicxx "load an Open MPI module (or set MPI_HOME)"
cmake_version="$(cmake --version | awk 'NR == 1 {print $3}')"
printf '%s\n%s\n' 3.25 "$cmake_version" | sort -V -C || die "CMake $cmake_version is older than 3.25: load a newer module, or pip install cmake"
h5="$(command -v h5cc || command -v h5pcc || true)"  # a parallel HDF5 module has only h5pcc
if [ -z "$h5" ] && [ -z "${HDF5_ROOT:-}${HDF5_DIR:-}" ]; then
  die "no HDF5: load an HDF5 module (h5cc or h5pcc on PATH), or set HDF5_ROOT to its installation"
fi
python="${IRREV_PYTHON:-python3}"
if [ -n "${IRREV_TORCH_PREFIX:-}" ]; then
  torch_prefix="$IRREV_TORCH_PREFIX"
else
  torch_prefix="$("$python" -c 'import torch;print(torch.utils.cmake_prefix_path)' 2> /dev/null)" \
    || die "'$python' cannot import torch: pip install torch (or set IRREV_PYTHON, or IRREV_TORCH_PREFIX)"
fi
[ -f "$torch_prefix/Torch/TorchConfig.cmake" ] \
  || die "no LibTorch CMake config at '$torch_prefix/Torch/TorchConfig.cmake' (set IRREV_TORCH_PREFIX to the folder that holds Torch/)"
# A pip wheel before torch 2.7 uses the old C++ string ABI; LibTorch passes its flag only to the
# targets that link it, so the whole build takes it (else std::__cxx11 link errors between layers).
# A CUDA wheel's CMake config needs the CUDA toolkit even for the CPU paths.
torch_abi="$("$python" -c 'import torch;print(int(torch.compiled_with_cxx11_abi()))' 2> /dev/null || echo 1)"
torch_cuda="$("$python" -c 'import torch;print(torch.version.cuda or "")' 2> /dev/null || true)"
abi=()
if [ "$torch_abi" = 0 ]; then
  abi=(-DCMAKE_CXX_FLAGS=-D_GLIBCXX_USE_CXX11_ABI=0)
  say "this PyTorch uses the old C++ ABI: building everything with -D_GLIBCXX_USE_CXX11_ABI=0"
fi
if [ -n "$torch_cuda" ] && ! command -v nvcc > /dev/null; then
  die "this PyTorch is built for CUDA $torch_cuda and there is no nvcc on PATH: load the CUDA $torch_cuda module (or pip install a CPU build of torch)"
fi
say "LibTorch from $torch_prefix; MPI $(command -v mpicxx || echo "${MPI_HOME:-$MPI_CXX_COMPILER}"); HDF5 ${h5:-${HDF5_ROOT:-$HDF5_DIR}}"

# --- configure and build ------------------------------------------------------------------------
generator=()
command -v ninja > /dev/null && generator=(-G Ninja)
cuda=(-DIRREV_ENABLE_CUDA=OFF)
if command -v nvcc > /dev/null; then
  cuda=(-DIRREV_ENABLE_CUDA=ON -DCMAKE_CUDA_COMPILER="$(command -v nvcc)" -DCMAKE_CUDA_ARCHITECTURES="${IRREV_CUDA_ARCH:-80;90}")
  say "CUDA kernels: on ($(command -v nvcc), architectures ${IRREV_CUDA_ARCH:-80;90})"
else
  say "CUDA kernels: off (no nvcc on PATH: load a CUDA module for them)"
fi
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$torch_prefix" \
  -DIRREV_DEPS_DIR="$deps" -DIRREV_ENABLE_ONNX=OFF -DIRREV_BUILD_TESTS="$([ "$tests" = 1 ] && echo ON || echo OFF)" \
  "${cuda[@]}" "${abi[@]}" "$@"
read -r -a targets <<< "${IRREV_TARGETS:-irrev}"
if [ "$tests" = 1 ]; then targets+=(irrev_unit_tests irrev_torch_unit_tests); fi
# (nproc alone would follow OMP_NUM_THREADS, which a cluster's environment often sets to 1.)
cmake --build "$build" --parallel "${IRREV_JOBS:-$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)}" \
  --target "${targets[@]}"
say "built: $build/src/app/irrev"
if [ "$tests" = 1 ]; then
  # The unit tests of those two programs and of irrev; left to the full suite: the check that
  # compiles every public header alone, and the queue model's (bench/'s programs).
  ctest --test-dir "$build" -L unit -E 'headers_compile_alone|queue_model' --no-tests=error --output-on-failure
fi
