#!/usr/bin/env python3
"""The PyTorch peer of the attack: the same inverter and extractor, run the way a PyTorch user
would run them (an eager nn.Module generator with its batch norms in eval mode, the extractor's
TorchScript file through torch.jit.load), on the same templates under one complexity-8
permutation; prints attacked samples/s per configuration, one line each, like attack_throughput.

  pytorch_peer.py --inverter inverter.pt --extractor fr_feature.pt --templates templates.h5
                  [--device cpu|cuda] [--batch 32 [1024 ...]] [--threads 2] [--seconds 10]
                  [--modes fp32 channels-last bf16 compile-bf16]

Needs PyTorch and h5py: on the CPU machine Debian's python3-torch (scripts/setup_peer.sh), on the
GPU machine its PyTorch 2. Each configuration (mode x batch) is timed over about --seconds after
warm-up batches. compile-bf16 is what a tuned PyTorch user runs on a GPU: torch.compile of the
whole attack, bf16 autocast, channels-last; it needs PyTorch 2 and is reported as skipped before.
"""
import argparse
import json
import time

import h5py
import torch
from torch import nn


class Residual(nn.Module):
    def __init__(self, channels, convs):
        super().__init__()
        layers = []
        for _ in range(convs):
            layers += [nn.Conv2d(channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels),
                       nn.ReLU(inplace=True)]
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return x if len(self.body) == 0 else x + self.body(x)


class Generator(nn.Module):
    """models/generator.cpp's network, module for module, so that the inverter file's parameter
    names load as they are."""

    def __init__(self, dim, cfg):
        super().__init__()
        sizes, channels, convs = cfg["stage_sizes"], cfg["channels"], cfg["residual_convs"]
        self.resize = cfg["upsample"] == "resize"
        self.dim, self.c0, self.s0 = dim, channels[0], sizes[0]
        if self.resize:
            self.to_first = nn.Linear(dim, self.c0 * self.s0 * self.s0)
        else:
            self.first_up = nn.ConvTranspose2d(dim, self.c0, self.s0, bias=False)
        self.first_bn = nn.BatchNorm2d(self.c0)
        self.residual0 = Residual(self.c0, convs)
        self.stages = len(sizes) - 1
        for i in range(1, len(sizes)):
            cin, cout = channels[i - 1], channels[i]
            if self.resize:
                up = [nn.Upsample(size=(sizes[i], sizes[i]), mode="nearest"),
                      nn.Conv2d(cin, cout, 3, padding=1, bias=False)]
            else:
                pad = (2 * (sizes[i - 1] - 1) + 4 - sizes[i]) // 2
                up = [nn.ConvTranspose2d(cin, cout, 4, stride=2, padding=pad, bias=False)]
            setattr(self, f"up{i}", nn.Sequential(*up, nn.BatchNorm2d(cout), nn.ReLU(inplace=True)))
            setattr(self, f"residual{i}", Residual(cout, convs))
        self.to_rgb = nn.Conv2d(channels[-1], 3, 3, padding=1)

    def forward(self, z):
        if self.resize:
            x = self.to_first(z).view(z.size(0), self.c0, self.s0, self.s0)
        else:
            x = self.first_up(z.view(z.size(0), self.dim, 1, 1))
        x = self.residual0(torch.relu(self.first_bn(x)))
        for i in range(1, self.stages + 1):
            x = getattr(self, f"residual{i}")(getattr(self, f"up{i}")(x))
        return torch.sigmoid(self.to_rgb(x))


def load_inverter(path):
    archive = torch.jit.load(path, map_location="cpu")
    meta = json.loads(archive.irrev_meta)
    gen = Generator(meta["template_dim"], meta["config"]["generator"])
    state = dict(archive.named_parameters())
    state.update(dict(archive.named_buffers()))
    missing, unexpected = gen.load_state_dict(state, strict=False)
    # num_batches_tracked is a training counter; anything else missing would be a wrong network.
    missing = [m for m in missing if not m.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise SystemExit(f"{path}: the inverter's parameters do not match the generator "
                         f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
    return gen.eval()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--inverter", required=True)
    ap.add_argument("--extractor", required=True)
    ap.add_argument("--templates", required=True)
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--batch", type=int, nargs="+", default=[32], help="batch sizes, each timed per mode")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--modes", nargs="+", default=["fp32", "channels-last", "bf16"],
                    choices=["fp32", "channels-last", "bf16", "compile-bf16"])
    ap.add_argument("--order", nargs=8, type=int, default=[1, 2, 3, 4, 5, 6, 7, 0],
                    help="the 8 blocks' arrangement (default: every block moved, complexity 8)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dev = torch.device(a.device)

    with h5py.File(a.templates, "r") as f:
        info = json.loads(f.attrs["extractor"])
        templates = torch.from_numpy(f["templates"][: 4 * max(a.batch)]).float()
    # Four batches of distinct rows where the file has them; a small file's rows are repeated.
    templates = templates.repeat(-(-4 * max(a.batch) // templates.shape[0]), 1)[: 4 * max(a.batch)].to(dev)
    dim = templates.shape[1]
    blocks, b = 8, dim // 8
    order = a.order
    cols = torch.tensor([order[i] * b + j for i in range(blocks) for j in range(b)], device=dev)
    gen = load_inverter(a.inverter).to(dev)
    ext = torch.jit.load(a.extractor, map_location=dev).eval()
    mean = torch.tensor(info["mean"], device=dev).view(1, 3, 1, 1)
    std = torch.tensor(info["std"], device=dev).view(1, 3, 1, 1)
    size = (info["input_height"], info["input_width"])
    bgr = info["channel_order"] == "bgr"

    def attack(z):
        rgb = gen(z[:, cols])
        if rgb.shape[-2:] != size:
            rgb = nn.functional.interpolate(rgb, size=size, mode="bilinear", align_corners=False)
        x = rgb * 255.0
        if bgr:
            x = x.flip(1)
        emb = ext((x - mean) / std).reshape(z.size(0), -1).float()
        emb = emb / emb.norm(dim=1, keepdim=True)
        return (emb * z).sum(1)

    for mode in a.modes:
        if mode == "compile-bf16" and not hasattr(torch, "compile"):
            print(f"attack path=pytorch-peer torch={torch.__version__} mode={mode} skipped: torch.compile needs "
                  "PyTorch 2", flush=True)
            continue
        channels_last = mode in ("channels-last", "compile-bf16")
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        gen.to(memory_format=fmt)
        step = torch.compile(attack) if mode == "compile-bf16" else attack
        bf16 = mode in ("bf16", "compile-bf16")
        for batch in a.batch:
            with torch.no_grad(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
                # Warm-up (compilation, cuDNN plans); the mean type-I score of the first batch: a
                # wrongly loaded network scores near 0.
                mean_score = step(templates[:batch]).mean().item()
                for k in range(1, 4):
                    step(templates[k * batch:(k + 1) * batch]).sum().item()
                done, t0, k = 0, time.perf_counter(), 0
                while True:
                    z = templates[k * batch:(k + 1) * batch]
                    step(z).sum().item()  # .item() waits for the device: every batch is finished
                    done += batch
                    k = (k + 1) % 4
                    elapsed = time.perf_counter() - t0
                    if elapsed >= a.seconds:
                        break
            print(f"attack path=pytorch-peer torch={torch.__version__} device={a.device} mode={mode} batch={batch} "
                  f"threads={a.threads} samples_per_s={done / elapsed:.1f} mean_type1_score={mean_score:.4f}",
                  flush=True)


if __name__ == "__main__":
    main()
