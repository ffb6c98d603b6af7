#!/usr/bin/env python3
"""What gpu_run.sh reads from HDF5 files with h5py (the GPU machine may lack HDF5's tools):

  h5_check.py same A.h5 B.h5 DATASET...   exit 0 when every dataset is identical in both files
  h5_check.py units-done CHECKPOINT.h5     the finished units an attack checkpoint records"""
import json
import sys

import h5py
import numpy as np


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "same":
        a, b, names = args[0], args[1], args[2:]
        with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
            differ = [n for n in names if fa[n].shape != fb[n].shape or not np.array_equal(fa[n][()], fb[n][()])]
        for n in differ:
            print(f"{n}: {a} and {b} differ")
        sys.exit(1 if differ else 0)
    if cmd == "units-done":
        try:
            with h5py.File(args[0], "r") as f:
                progress = f.attrs["progress"]
            print(json.loads(progress if isinstance(progress, str) else progress.decode())["units_done"])
        except (OSError, KeyError, ValueError):
            print(0)  # not there yet, or being replaced
        return
    sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
