#!/usr/bin/env python3
"""A real PyTorch training loop over an image-folder dataset, CPU only.

The data path is what production loaders do: the dataset lists the class
directories once (os.scandir), and each DataLoader worker (forked processes)
opens, reads and closes one file per sample with the builtin open(). Nothing
here knows about Alluxio: run it under the shim or on a FUSE mount and the
same code reads the cached namespace.

    python3 examples/make_dataset.py /tmp/ds
    python3 examples/train.py /tmp/ds --epochs 2
    LD_PRELOAD=build/preload/liballuxio_posix.so ALLUXIO_POSIX_PREFIXES=/data=/s3/ds \\
        python3 examples/train.py /data --epochs 2

Prints one line per epoch (wall time, files/s, loss, accuracy) and, last, a
line "RESULT {json}" with the epoch times, for scripts.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class RawImageFolder(Dataset):
    """<root>/<class>/<file>.raw, each 3 x size x size uint8 pixels."""

    def __init__(self, root, size):
        self.size = size
        classes = sorted(e.name for e in os.scandir(root) if e.is_dir())
        if not classes:
            raise SystemExit(f"train.py: no class directories in {root}")
        self.samples = []
        for label, name in enumerate(classes):
            class_dir = os.path.join(root, name)
            files = sorted(e.name for e in os.scandir(class_dir) if e.is_file())
            self.samples.extend((os.path.join(class_dir, f), label) for f in files)
        self.classes = classes

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        path, label = self.samples[index]
        with open(path, "rb") as f:
            data = f.read()
        expected = 3 * self.size * self.size
        if len(data) != expected:
            raise IOError(f"{path}: {len(data)} bytes, expected {expected}")
        pixels = np.frombuffer(data, dtype=np.uint8).reshape(3, self.size, self.size)
        image = torch.from_numpy(pixels.astype(np.float32) / 255.0 - 0.5)
        return image, label


def make_model(num_classes):
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(4), nn.Flatten(),
        nn.Linear(32 * 16, 64), nn.ReLU(),
        nn.Linear(64, num_classes),
    )


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("data", help="dataset root (class sub-directories)")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--workers", type=int, default=2, help="DataLoader worker processes (>= 2)")
    p.add_argument("--size", type=int, default=64, help="image side, as make_dataset.py --size")
    p.add_argument("--lr", type=float, default=0.002)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--label", default="", help="a name printed on every line")
    args = p.parse_args()

    torch.manual_seed(args.seed)
    prefix = f"[{args.label}] " if args.label else ""
    t0 = time.monotonic()
    dataset = RawImageFolder(args.data, args.size)
    list_s = time.monotonic() - t0
    print(f"{prefix}dataset: {len(dataset)} files, {len(dataset.classes)} classes, "
          f"listed in {list_s:.2f}s", flush=True)
    loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=True,
                        num_workers=args.workers,
                        multiprocessing_context="fork" if args.workers > 0 else None,
                        generator=torch.Generator().manual_seed(args.seed))
    model = make_model(len(dataset.classes))
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()

    epoch_times = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        start = time.monotonic()
        seen = correct = 0
        total_loss = 0.0
        for images, labels in loader:
            opt.zero_grad()
            out = model(images)
            loss = loss_fn(out, labels)
            loss.backward()
            opt.step()
            seen += labels.numel()
            total_loss += loss.item() * labels.numel()
            correct += (out.argmax(1) == labels).sum().item()
        elapsed = time.monotonic() - start
        epoch_times.append(elapsed)
        print(f"{prefix}epoch {epoch}: {elapsed:.2f}s, {seen / elapsed:.0f} files/s, "
              f"loss {total_loss / seen:.3f}, accuracy {correct / seen:.3f}", flush=True)
    print("RESULT " + json.dumps({"label": args.label, "files": len(dataset),
                                  "list_seconds": round(list_s, 4),
                                  "epoch_seconds": [round(t, 4) for t in epoch_times]}),
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
