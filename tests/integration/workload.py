"""A Python workload on a root directory, printing what it sees.

The integration tests run it on a local directory and on the path under test
(the shim's prefix, a FUSE mount) and compare the output, so it prints
nothing that legitimately differs (times, inode numbers, directory sizes) and
writes the root as ROOT.

usage: workload.py <root>
"""
import errno
import hashlib
import os
import shutil
import sys

root = sys.argv[1]


def p(*parts):
    return os.path.join(root, *parts)


def show(label, fn):
    try:
        result = fn()
    except OSError as e:
        print(f"{label}: {errno.errorcode.get(e.errno, e.errno)}")
        return None
    print(f"{label}: {result!r}".replace(root, "ROOT"))
    return result


def data(n, seed):
    out = bytearray()
    block = hashlib.sha256(str(seed).encode()).digest()
    while len(out) < n:
        out += block
        block = hashlib.sha256(block).digest()
    return bytes(out[:n])


def write(path, content, mode="wb"):
    with open(path, mode) as f:
        return f.write(content)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def md5(path):
    return hashlib.md5(read(path)).hexdigest()


show("makedirs", lambda: os.makedirs(p("ds", "train", "0")))
show("makedirs exist_ok", lambda: os.makedirs(p("ds", "train", "0"), exist_ok=True))
show("makedirs again", lambda: os.makedirs(p("ds", "train", "0")))
for i in range(5):
    show(f"write sample {i}", lambda i=i: write(p("ds", "train", "0", f"s{i}.bin"), data(1000 * i + 7, i)))
show("write big", lambda: write(p("ds", "big.bin"), data(2_500_000, 99)))
show("write text", lambda: write(p("ds", "labels.txt"), "cat\ndog\nunicode ü\n", "w"))
show("listdir", lambda: sorted(os.listdir(p("ds", "train", "0"))))
show("walk", lambda: [(d.replace(root, "ROOT"), sorted(s), sorted(f)) for d, s, f in sorted(os.walk(root))])
show("scandir", lambda: sorted((e.name, e.is_dir(), e.is_file()) for e in os.scandir(p("ds"))))
show("md5 big", lambda: md5(p("ds", "big.bin")))
show("size big", lambda: os.stat(p("ds", "big.bin")).st_size)
show("isfile", lambda: (os.path.isfile(p("ds", "big.bin")), os.path.isdir(p("ds")), os.path.exists(p("nope"))))
show("read text", lambda: open(p("ds", "labels.txt"), encoding="utf-8").read())
show("readlines", lambda: open(p("ds", "labels.txt"), encoding="utf-8").readlines())


def seek_read():
    with open(p("ds", "big.bin"), "rb") as f:
        f.seek(1_000_000)
        a = f.read(16)
        f.seek(-10, os.SEEK_END)
        b = f.read()
        return a.hex(), b.hex(), f.tell()


show("seek read", seek_read)
show("open missing", lambda: open(p("ds", "missing"), "rb"))
show("open dir", lambda: open(p("ds"), "rb"))
show("copy", lambda: shutil.copy(p("ds", "big.bin"), p("ds", "copy.bin")) and None)
show("md5 copy", lambda: md5(p("ds", "copy.bin")))
show("copytree", lambda: shutil.copytree(p("ds", "train"), p("ds", "train2")) and None)
show("rename", lambda: os.rename(p("ds", "copy.bin"), p("ds", "renamed.bin")))
show("replace", lambda: os.replace(p("ds", "labels.txt"), p("ds", "renamed.bin")))
show("read replaced", lambda: read(p("ds", "renamed.bin")))
show("append", lambda: write(p("ds", "renamed.bin"), b"more\n", "ab"))
show("read appended", lambda: read(p("ds", "renamed.bin")))
show("chmod", lambda: os.chmod(p("ds", "renamed.bin"), 0o600))
show("mode", lambda: oct(os.stat(p("ds", "renamed.bin")).st_mode))
show("remove", lambda: os.remove(p("ds", "train2", "0", "s1.bin")))
show("rmdir non-empty", lambda: os.rmdir(p("ds", "train2")))
show("rmtree", lambda: shutil.rmtree(p("ds", "train2")))
show("exists after rmtree", lambda: os.path.exists(p("ds", "train2")))
show("final walk", lambda: [(d.replace(root, "ROOT"), sorted(s), sorted(f)) for d, s, f in sorted(os.walk(root))])
show("final md5s", lambda: sorted((os.path.relpath(os.path.join(d, n), root), md5(os.path.join(d, n)))
                                  for d, _, fs in os.walk(root) for n in fs))
