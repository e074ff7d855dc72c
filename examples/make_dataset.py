#!/usr/bin/env python3
"""Generates the image-folder dataset examples/train.py trains on.

Layout (what torchvision's ImageFolder expects, with raw pixels instead of
JPEG so that decoding costs nothing and the loader measures file access):

    <out>/<class name>/<index>.raw     3 x SIZE x SIZE bytes, uint8, CHW order

Each class has a fixed random prototype image; a sample is its class
prototype blended with noise, so a small network learns the task within an
epoch or two. Deterministic for a given --seed. Standard library and numpy.

    python3 examples/make_dataset.py /tmp/dataset --classes 10 --per-class 300
"""

import argparse
import os
import sys
import time

import numpy as np


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", help="directory to create (must not exist, or be empty)")
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--per-class", type=int, default=300, help="files per class")
    p.add_argument("--size", type=int, default=64, help="image side in pixels")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    if os.path.isdir(args.out) and os.listdir(args.out):
        sys.exit(f"make_dataset: {args.out} exists and is not empty")
    start = time.monotonic()
    rng = np.random.default_rng(args.seed)
    shape = (3, args.size, args.size)
    prototypes = rng.integers(0, 256, size=(args.classes,) + shape, dtype=np.uint8)
    total = 0
    for c in range(args.classes):
        class_dir = os.path.join(args.out, f"class_{c:02d}")
        os.makedirs(class_dir, exist_ok=True)
        noise = rng.integers(0, 256, size=(args.per_class,) + shape, dtype=np.uint8)
        # Blend: 60% prototype, 40% noise (integer arithmetic, stays uint8).
        samples = (prototypes[c].astype(np.uint16) * 3 + noise.astype(np.uint16) * 2) // 5
        samples = samples.astype(np.uint8)
        for i in range(args.per_class):
            with open(os.path.join(class_dir, f"{i:05d}.raw"), "wb") as f:
                f.write(samples[i].tobytes())
            total += samples[i].nbytes
    n = args.classes * args.per_class
    print(f"make_dataset: {n} files ({total / 2**20:.1f} MiB) in {args.classes} classes "
          f"at {args.out} in {time.monotonic() - start:.1f}s")


if __name__ == "__main__":
    main()
