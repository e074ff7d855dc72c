#!/usr/bin/env python3
"""Alluxio's own Python client (fsspec's alluxiofs, from PyPI) against real
alluxio-worker processes: it lists, stats and reads files byte-exact through
the workers' REST API (one worker, and two it picks between by path), reads
byte ranges through the S3 API (fsspec's open() and cat_file()), and makes,
moves and removes files.

Usage: alluxiofs_test.py ALLUXIO_WORKER_BINARY (run by alluxiofs_test.sh)

The workers run on loopback over one local-directory UFS in a temporary
directory, on free ports (the S3 API on 29998, as alluxiofs insists, on a
loopback address of its own); the test starts them, and stops them (each by
its process) at the end, failing when one did not exit cleanly.
"""
import hashlib
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
WORKERS = []  # every Worker started, stopped by tearDownModule


def uri(rel):
    return "file://" + os.path.join(UFS, rel) if rel else "file://" + UFS


def local(rel):
    return os.path.join(UFS, rel)


class Worker:
    """One alluxio-worker process over UFS, on `host` with free gRPC, data
    and HTTP ports (and the S3 API on 29998 when `s3`). `proc` is None when
    it did not start; `log` then says why."""

    def __init__(self, name, host="127.0.0.1", s3=False):
        self.host = host
        self.http_port = None
        self.s3_port = None
        self.log_path = os.path.join(TMP, name + ".log")
        args = [WORKER, "--host", host, "--port", "0", "--data-port", "0", "--http-port", "0",
                "--conf", "alluxio.work.dir=" + os.path.join(TMP, "work-" + name),
                "--conf", "alluxio.master.mount.table.root.ufs=" + UFS]
        if s3:
            args += ["--conf", "alluxio.worker.s3.api.enabled=true"]
        env = dict(os.environ, ALLUXIO_CONF_DIR=os.path.join(TMP, "conf"))
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, env=env)
        # The listening lines come once every port is bound, or never (it
        # exits): reading them to the end is the wait for either.
        last = b"alluxio-worker s3 listening on " if s3 else b"alluxio-worker http listening on "
        for line in self.proc.stdout:
            port = int(line.strip().rsplit(b":", 1)[1]) if b" on " in line else None
            if line.startswith(b"alluxio-worker http listening on "):
                self.http_port = port
            if line.startswith(b"alluxio-worker s3 listening on "):
                self.s3_port = port
            if line.startswith(last):
                break
        self.proc.stdout.close()
        if (s3 and self.s3_port is None) or self.http_port is None:
            self.proc.wait()
            self.proc = None
        else:
            WORKERS.append(self)

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        """SIGTERM, and its exit status (0 for a clean shutdown)."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait()


def start_worker(name, **kw):
    w = Worker(name, **kw)
    if w.proc is None:
        raise RuntimeError(f"alluxio-worker {name} did not start: {w.log()}")
    return w


def setUpModule():
    global TMP, UFS, HTTP_PORT
    TMP = tempfile.mkdtemp(prefix="alluxiofs-test-")
    UFS = os.path.join(TMP, "ufs")
    rng = random.Random(15)
    os.makedirs(os.path.join(UFS, "data", "sub"))
    os.makedirs(os.path.join(TMP, "conf"))
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
    HTTP_PORT = start_worker("main").http_port


def tearDownModule():
    failed = []
    for w in WORKERS:
        code = w.stop()
        if code != 0:
            failed.append(f"alluxio-worker exited {code}: {w.log()}")
    if TMP is not None:
        shutil.rmtree(TMP, ignore_errors=True)
    if failed:
        raise RuntimeError("\n".join(failed))


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


READ_FILES = ["data/small.txt", "data/empty", "data/big.bin", "data/sub/one page.bin",
              "data/\u30c7\u30fc\u30bf.txt"]


class TwoWorkersTest(unittest.TestCase):
    """alluxiofs over two workers, picking one by the hash of the path and
    asking it /v1/node."""

    @classmethod
    def setUpClass(cls):
        cls.second = start_worker("second")
        cls.hosts = [("127.0.0.1", HTTP_PORT), ("127.0.0.1", cls.second.http_port)]
        cls.fs = AlluxioFileSystem(
            worker_hosts=",".join(f"{h}:{p}" for h, p in cls.hosts), logger=quiet_logger(),
            skip_instance_cache=True)

    def test_each_path_goes_to_the_worker_alluxiofs_picks(self):
        c = self.fs.alluxio
        for rel in READ_FILES:
            with self.subTest(rel=rel):
                picked = c.loadbalancer.get_worker(uri(rel))
                self.assertIn((picked.host, picked.http_server_port), self.hosts)
                self.assertEqual(c._get_preferred_worker_address(uri(rel)),
                                 (picked.host, picked.http_server_port))

    def test_reads_ls_and_info_are_exact(self):
        for rel in READ_FILES:
            with self.subTest(rel=rel):
                self.assertEqual(self.fs.read_bytes(uri(rel)), content(rel))
                self.assertEqual(self.fs.info(uri(rel))["size"], len(content(rel)))
        names = {os.path.basename(d["ufs_path"]) for d in self.fs.ls(uri("data"), detail=True)}
        self.assertEqual(names, set(os.listdir(local("data"))))
        with self.assertRaises(FileNotFoundError):
            self.fs.info(uri("data/missing"))


def start_s3_worker():
    """A worker with the S3 API, which alluxiofs reads ranges from on port
    29998 whatever the configuration: on a loopback address of its own
    (127.0.0.0/8 is all loopback), another one when 29998 is taken there."""
    rng = random.SystemRandom()
    for _ in range(20):
        host = "127.%d.%d.%d" % (rng.randint(1, 254), rng.randint(1, 254), rng.randint(1, 254))
        w = Worker("s3-" + host, host=host, s3=True)
        if w.proc is not None:
            return w
        if f"cannot listen for HTTP on {host}:29998" not in w.log():
            raise RuntimeError(f"alluxio-worker with the S3 API did not start: {w.log()}")
    raise RuntimeError("port 29998 was taken on 20 loopback addresses")


class RangeReadTest(unittest.TestCase):
    """fsspec's open() and cat_file(): alluxiofs reads byte ranges from the
    worker's S3 API (GET with Range on port 29998)."""

    @classmethod
    def setUpClass(cls):
        cls.worker = start_s3_worker()
        cls.fs = AlluxioFileSystem(worker_hosts=f"{cls.worker.host}:{cls.worker.http_port}",
                                   logger=quiet_logger(), skip_instance_cache=True)

    def test_the_s3_port_is_alluxios(self):
        self.assertEqual(self.worker.s3_port, 29998)

    def test_open_read_is_byte_exact(self):
        # Not "one page.bin": alluxiofs 1.1.17 puts the path into the URL as
        # it is, and libcurl refuses a space there ("URL rejected: Bad path").
        for rel in ["data/small.txt", "data/big.bin", "data/\u30c7\u30fc\u30bf.txt"]:
            with self.subTest(rel=rel):
                with self.fs.open(uri(rel), "rb") as f:
                    self.assertEqual(f.read(), content(rel))

    def test_seek_and_read_across_pages(self):
        data = content("data/big.bin")
        with self.fs.open(uri("data/big.bin"), "rb", block_size=64 * 1024) as f:
            for offset, length in [(1024 * 1024 - 5, 10), (100, 2 * 1024 * 1024 + 7),
                                   (len(data) - 3, 3), (len(data) - 3, 100), (0, 1)]:
                with self.subTest(offset=offset, length=length):
                    f.seek(offset)
                    self.assertEqual(f.read(length), data[offset:offset + length])

    def test_cat_file_ranges(self):
        data = content("data/big.bin")
        self.assertEqual(self.fs.cat_file(uri("data/big.bin"), start=100, end=2 * 1024 * 1024 + 7),
                         data[100:2 * 1024 * 1024 + 7])
        self.assertEqual(self.fs.cat_file(uri("data/big.bin")), data)

    def test_missing_file_is_an_error(self):
        with self.assertRaises(FileNotFoundError):
            self.fs.open(uri("data/missing"), "rb")

    def test_raw_range_answers(self):
        base = f"http://{self.worker.host}:29998"
        size = len(content("data/big.bin"))
        r = requests.get(base + "/data/big.bin", headers={"Range": "bytes=10-19"})
        self.assertEqual(r.status_code, 206)
        self.assertEqual(r.headers["Content-Range"], f"bytes 10-19/{size}")
        self.assertEqual(r.content, content("data/big.bin")[10:20])
        r = requests.get(base + "/data/big.bin", headers={"Range": "bytes=-7"})
        self.assertEqual(r.content, content("data/big.bin")[-7:])
        r = requests.get(base + "/data/big.bin", headers={"Range": f"bytes={size}-"})
        self.assertEqual(r.status_code, 416)
        self.assertEqual(r.headers["Content-Range"], f"bytes */{size}")
        r = requests.head(base + "/data/big.bin")
        self.assertEqual((r.status_code, int(r.headers["Content-Length"])), (200, size))
        r = requests.get(base + "/data/missing")
        self.assertEqual(r.status_code, 404)
        self.assertIn("<Code>NoSuchKey</Code>", r.text)
        self.assertEqual(requests.put(base + "/data/x", data=b"x").status_code, 405)


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
