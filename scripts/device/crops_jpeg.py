#!/usr/bin/env python3
"""Carry crops.h5 to a machine that cannot make it (the lent GPU machine has no OpenCV C++ and no
copy of LFW), within the 64 MiB that travel: the 112x112 crops as JPEG, every other dataset and
attribute as it is.

  crops_jpeg.py pack crops.h5 packed.h5 [--quality 85]
  crops_jpeg.py unpack packed.h5 crops.h5

The unpacked file has crops.h5's layout, so every stage reads it as usual; its pixels are the
JPEG's (a lossy copy), which is why the GPU run embeds them again instead of reusing templates."""
import argparse
import io
import sys

import h5py
import numpy as np
from PIL import Image


def copy_all_but_crops(src, dst):
    for k, v in src.attrs.items():
        dst.attrs[k] = v
    def visit(name, obj):
        if name == "crops" or name.startswith("jpeg") or not isinstance(obj, h5py.Dataset):
            return
        d = dst.create_dataset(name, data=obj[()], dtype=obj.dtype)
        for k, v in obj.attrs.items():
            d.attrs[k] = v
    src.visititems(visit)


def pack(a):
    with h5py.File(a.crops, "r") as src, h5py.File(a.out, "w") as dst:
        crops = src["crops"]
        n = crops.shape[0]
        # One byte string and offsets: HDF5's variable-length rows cost ~0.5 KB each on top.
        parts, offsets = [], [0]
        for i in range(n):
            rgb = np.ascontiguousarray(crops[i][:, :, ::-1])  # crops are BGR
            buf = io.BytesIO()
            Image.fromarray(rgb).save(buf, "JPEG", quality=a.quality)
            parts.append(np.frombuffer(buf.getvalue(), dtype=np.uint8))
            offsets.append(offsets[-1] + parts[-1].size)
        jpeg = dst.create_dataset("jpeg/bytes", data=np.concatenate(parts))
        dst.create_dataset("jpeg/offsets", data=np.array(offsets, dtype=np.int64))
        jpeg.attrs["shape"] = np.array(crops.shape[1:], dtype=np.int64)
        jpeg.attrs["quality"] = a.quality
        total = offsets[-1]
        copy_all_but_crops(src, dst)
    print(f"packed {n} crops as JPEG (quality {a.quality}): {total / 2**20:.1f} MiB", file=sys.stderr)


def unpack(a):
    with h5py.File(a.packed, "r") as src, h5py.File(a.out, "w") as dst:
        data = src["jpeg/bytes"][()]
        offsets = src["jpeg/offsets"][()]
        shape = tuple(int(x) for x in src["jpeg/bytes"].attrs["shape"])
        n = offsets.size - 1
        crops = dst.create_dataset("crops", (n,) + shape, dtype=np.uint8)
        for i in range(n):
            raw = data[offsets[i]:offsets[i + 1]].tobytes()
            rgb = np.asarray(Image.open(io.BytesIO(raw)).convert("RGB"))
            if rgb.shape != shape:
                sys.exit(f"unpack: JPEG {i} of '{a.packed}' is {rgb.shape}, expected {shape}")
            crops[i] = rgb[:, :, ::-1]
        copy_all_but_crops(src, dst)
    print(f"unpacked {n} crops into '{a.out}'", file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    pk = sub.add_parser("pack")
    pk.add_argument("crops")
    pk.add_argument("out")
    pk.add_argument("--quality", type=int, default=85)
    up = sub.add_parser("unpack")
    up.add_argument("packed")
    up.add_argument("out")
    a = p.parse_args()
    pack(a) if a.cmd == "pack" else unpack(a)


if __name__ == "__main__":
    main()
