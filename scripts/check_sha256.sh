#!/usr/bin/env bash
# check_sha256.sh FILE SHA256: refuse a file whose bytes are not the pinned ones.
set -euo pipefail
got="$(sha256sum "$1" | cut -d' ' -f1)"
if [ "$got" != "$2" ]; then
  echo "error: $1 has sha256 $got, expected $2; refusing it" >&2
  exit 1
fi
