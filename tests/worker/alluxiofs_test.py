#!/usr/bin/env python3
"""Alluxio's own Python client (fsspec's alluxiofs, from PyPI) against a real
alluxio-worker process: it lists, stats and reads files byte-exact through
the worker's REST API, and makes, moves and removes them.

Usage: alluxiofs_test.py ALLUXIO_WORKER_BINARY (run by alluxiofs_test.sh)

The worker runs on loopback over a local-directory UFS in a temporary
directory; the test starts it, and stops it (by its pid) at the end.
"""
import hashlib
import io
import logging
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import unittest

# The version ci/install-deps.sh installs, whose client code this test was
# written against.
ALLUXIOFS_VERSION = "1.1.17"

# alluxiofs_test.sh checks for alluxiofs (skipping or failing as
# tests/testing/require.sh says) before it runs this.
from importlib.metadata import version as installed_version  # noqa: E402

import requests  # noqa: E402
from alluxiofs import AlluxioClient, AlluxioFileSystem  # noqa: E402

WORKER = None
TMP = None
UFS = None
HTTP_PORT = None
WORKER_PROC = None


def uri(rel):
    return "file://" + os.path.join(UFS, rel) if rel else "file://" + UFS


def local(rel):
    return os.path.join(UFS, rel)


def setUpModule():
    global TMP, UFS, HTTP_PORT, WORKER_PROC
    TMP = tempfile.mkdtemp(prefix="alluxiofs-test-")
    UFS = os.path.join(TMP, "ufs")
    rng = random.Random(15)
    os.makedirs(os.path.join(UFS, "data", "sub"))
    files = {
        "data/small.txt": b"hello, alluxiofs\n",
        "data/empty": b"",
        # Not a whole number of 1 MiB pages.
        "data/big.bin": bytes(rng.getrandbits(8) for _ in range(3 * 1024 * 1024 + 4321)),
        "data/sub/one page.bin": bytes(rng.getrandbits(8) for _ in range(1024 * 1024)),
        "data/\u30c7\u30fc\u30bf.txt": "unicode name\n".encode(),
    }
    for rel, data in files.items():
        with open(local(rel), "wb") as f:
            f.write(data)
    conf_dir = os.path.join(TMP, "conf")
    os.makedirs(conf_dir)
    env = dict(os.environ, ALLUXIO_CONF_DIR=conf_dir)
    log = open(os.path.join(TMP, "worker.log"), "wb")
    WORKER_PROC = subprocess.Popen(
        [WORKER, "--port", "0", "--data-port", "0", "--http-port", "0", "--conf", "alluxio.work.dir=" + os.path.join(TMP, "work"),
         "--conf", "alluxio.master.mount.table.root.ufs=" + UFS],
        stdout=subprocess.PIPE, stderr=log, env=env)
    log.close()
    prefix = b"alluxio-worker http listening on "
    for line in WORKER_PROC.stdout:
        if line.startswith(prefix):
            HTTP_PORT = int(line[len(prefix):].strip().rsplit(b":", 1)[1])
            break
    WORKER_PROC.stdout.close()
    if HTTP_PORT is None:
        WORKER_PROC.wait()
        with open(os.path.join(TMP, "worker.log"), "rb") as f:
            raise RuntimeError("alluxio-worker did not start: " + f.read().decode(errors="replace"))


def tearDownModule():
    if WORKER_PROC is not None:
        WORKER_PROC.send_signal(signal.SIGTERM)
        code = WORKER_PROC.wait()
        if code != 0:
            print(f"alluxio-worker exited {code}", file=sys.stderr)
    if TMP is not None:
        shutil.rmtree(TMP, ignore_errors=True)


def quiet_logger():
    logger = logging.getLogger("alluxiofs-test")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False
    return logger


def content(rel):
    with open(local(rel), "rb") as f:
        return f.read()


class AlluxioClientTest(unittest.TestCase):
    """alluxiofs.AlluxioClient, the HTTP client under the fsspec layer."""

    @classmethod
    def setUpClass(cls):
        cls.client = AlluxioClient(worker_hosts=f"127.0.0.1:{HTTP_PORT}", logger=quiet_logger())

    def test_version_is_the_pinned_one(self):
        self.assertEqual(installed_version("alluxiofs"), ALLUXIOFS_VERSION)

    def test_listdir(self):
        entries = {os.path.basename(e.ufs_path): e for e in self.client.listdir(uri("data"))}
        self.assertEqual(sorted(entries), sorted(os.listdir(local("data"))))
        self.assertEqual(entries["sub"].type, "directory")
        self.assertEqual(entries["big.bin"].type, "file")
        self.assertEqual(entries["big.bin"].size, os.path.getsize(local("data/big.bin")))
        self.assertEqual(entries["big.bin"].ufs_path, uri("data/big.bin"))
        self.assertEqual(entries["empty"].size, 0)

    def test_get_file_status(self):
        st = self.client.get_file_status(uri("data/small.txt"))
        self.assertEqual(st.type, "file")
        self.assertEqual(st.size, len(b"hello, alluxiofs\n"))
        self.assertEqual(st.ufs_path, uri("data/small.txt"))
        self.assertEqual(st.mtime, int(os.stat(local("data/small.txt")).st_mtime_ns // 1000000))
        self.assertEqual(st.mode, stat.filemode(os.stat(local("data/small.txt")).st_mode))
        self.assertEqual(self.client.get_file_status(uri("data/sub")).type, "directory")

    def test_get_file_status_of_a_missing_file_is_file_not_found(self):
        with self.assertRaises(FileNotFoundError):
            self.client.get_file_status(uri("data/missing"))

    def test_read_is_byte_exact(self):
        for rel in ["data/small.txt", "data/empty", "data/big.bin", "data/sub/one page.bin",
                    "data/\u30c7\u30fc\u30bf.txt"]:
            with self.subTest(rel=rel):
                self.assertEqual(self.client.read(uri(rel)), content(rel))

    def test_read_chunked_with_small_chunks(self):
        got = self.client.read_chunked(uri("data/big.bin"), chunk_size=64 * 1024).read()
        self.assertEqual(got, content("data/big.bin"))

    def test_pages_whole_and_partial(self):
        # The page reader alluxiofs keeps for its page API: page by page,
        # and byte ranges across page boundaries.
        c = self.client
        # alluxiofs 1.1.17 reads config.page_size here but never sets it;
        # the worker's page size is Alluxio's default, 1 MiB.
        c.config.page_size = 1024 * 1024
        path = uri("data/big.bin")
        pid = c._get_path_hash(path)
        self.assertEqual(pid, hashlib.sha256(path.encode()).hexdigest())
        whole = b"".join(c._all_page_generator("127.0.0.1", HTTP_PORT, pid, path))
        data = content("data/big.bin")
        self.assertEqual(whole, data)
        for offset, length in [(0, 10), (1024 * 1024 - 5, 10), (100, 2 * 1024 * 1024 + 7),
                               (len(data) - 3, 3)]:
            with self.subTest(offset=offset, length=length):
                got = b"".join(c._range_page_generator("127.0.0.1", HTTP_PORT, pid, path,
                                                       offset, length))
                self.assertEqual(got, data[offset:offset + length])

    def test_node_names_this_worker(self):
        self.assertEqual(self.client._get_preferred_worker_address(uri("data/small.txt")),
                         ("127.0.0.1", HTTP_PORT))

    def test_write_mkdir_touch_mv_rm(self):
        c = self.client
        c.mkdir(uri("made/deeper"))
        self.assertTrue(os.path.isdir(local("made/deeper")))
        c.touch(uri("made/touched"))
        self.assertEqual(content("made/touched"), b"")
        payload = os.urandom(2 * 1024 * 1024 + 99)
        self.assertTrue(c.write_chunked(uri("made/written.bin"), payload, chunk_size=256 * 1024))
        self.assertEqual(content("made/written.bin"), payload)
        self.assertEqual(c.read(uri("made/written.bin")), payload)
        self.assertTrue(c.mv(uri("made/written.bin"), uri("made/moved.bin")))
        self.assertFalse(os.path.exists(local("made/written.bin")))
        self.assertEqual(content("made/moved.bin"), payload)

        class Recursive:
            def __init__(self):
                self.recursive = True

        self.assertTrue(c.rm(uri("made"), Recursive()))
        self.assertFalse(os.path.exists(local("made")))


class AlluxioFileSystemTest(unittest.TestCase):
    """The fsspec filesystem (protocol alluxiofs), with no UFS to fall back
    to: every answer comes from the worker."""

    @classmethod
    def setUpClass(cls):
        cls.fs = AlluxioFileSystem(worker_hosts=f"127.0.0.1:{HTTP_PORT}", logger=quiet_logger(),
                                   skip_instance_cache=True)

    def test_ls(self):
        # Only with detail: alluxiofs 1.1.17's ls(detail=False) reads an
        # attribute its AlluxioPathStatus does not have ("path").
        detail = {os.path.basename(d["ufs_path"]): d for d in self.fs.ls(uri("data"), detail=True)}
        self.assertEqual(sorted(detail), sorted(os.listdir(local("data"))))
        self.assertEqual(detail["big.bin"]["size"], os.path.getsize(local("data/big.bin")))
        self.assertEqual(detail["sub"]["type"], "directory")

    def test_info_exists_isdir(self):
        info = self.fs.info(uri("data/big.bin"))
        self.assertEqual(info["size"], os.path.getsize(local("data/big.bin")))
        self.assertEqual(info["type"], "file")
        self.assertTrue(self.fs.exists(uri("data/small.txt")))
        self.assertFalse(self.fs.exists(uri("data/nothing-here")))
        self.assertTrue(self.fs.isdir(uri("data/sub")))
        self.assertFalse(self.fs.isdir(uri("data/small.txt")))

    def test_read_bytes_is_byte_exact(self):
        for rel in ["data/big.bin", "data/empty", "data/\u30c7\u30fc\u30bf.txt"]:
            with self.subTest(rel=rel):
                self.assertEqual(self.fs.read_bytes(uri(rel)), content(rel))

    def test_write_bytes_then_read(self):
        payload = b"written through fsspec\n" * 1000
        self.fs.write_bytes(uri("fsspec-written.txt"), payload)
        self.assertEqual(content("fsspec-written.txt"), payload)
        self.assertEqual(self.fs.read_bytes(uri("fsspec-written.txt")), payload)
        self.fs.rm(uri("fsspec-written.txt"))
        self.assertFalse(os.path.exists(local("fsspec-written.txt")))


class RawRestTest(unittest.TestCase):
    """What alluxiofs does not exercise: errors and keep-alive."""

    def url(self, tail):
        return f"http://127.0.0.1:{HTTP_PORT}{tail}"

    def test_errors_name_the_problem(self):
        r = requests.get(self.url("/v1/nothing"))
        self.assertEqual(r.status_code, 404)
        self.assertIn("/v1/nothing", r.json()["message"])
        r = requests.get(self.url("/v1/chunk/x"), params={"ufsFullPath": uri("data/missing")})
        self.assertEqual(r.status_code, 404)
        self.assertEqual(r.json()["error"], "NotFound")
        r = requests.get(self.url("/v1/info"), params={"path": "s3://not-mounted/x"})
        self.assertEqual(r.status_code, 400)
        self.assertIn("under no UFS", r.json()["message"])
        r = requests.post(self.url("/v1/file/x/page/0"), params={"ufsFullPath": uri("p")},
                          data=b"x")
        self.assertEqual(r.status_code, 501)

    def test_one_connection_serves_many_requests(self):
        with requests.Session() as s:
            for _ in range(20):
                r = s.get(self.url("/v1/info"), params={"path": uri("data/small.txt")})
                self.assertEqual(r.status_code, 200)
                r = s.get(self.url("/v1/chunk/x"), params={"ufsFullPath": uri("data/small.txt")})
                self.assertEqual(r.content, content("data/small.txt"))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    WORKER = sys.argv.pop(1)
    unittest.main(verbosity=2)
