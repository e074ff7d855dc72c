#!/usr/bin/env python3
"""Every test README.md and docs/*.md name exists.

The docs cite tests as evidence ("checked by Diff.PunchHole",
`FileSystemTest.Attributes`, `CommitTest.*`, `preload_program_rsync`,
`tests/fuse/fuse_commit_test.cc`); a renamed or deleted test leaves the claim
without its check. This finds, in the text of the docs:
  - gtest and scenario names: Suite.Name, where Suite ends in Test or is a
    scenario suite (Diff, Shim); `*` matches anything ("CommitTest.*",
    "ModelTest.*/RandomAccess"), and a parameterized test's instantiation
    prefix ("Switch/") may be left out;
  - ctest names of the script tests (preload_program_*, integration_*,
    fuse_busybox, preload_exports, s3_*_test, ...);
  - test programs (worker_unit_tests), files under tests/ and test files
    by name (fuse_commit_test.cc);
and checks each against the ctest list of the build (ctest -N) and the
TEST()s of tests/ (for programs ctest runs whole), the test programs the
CMake files define, and the tree.

usage: docs_test_names.py <source dir> <build dir> [ctest]
"""
import glob
import os
import re
import subprocess
import sys

GTEST = re.compile(r"(?<![\w./-])((?:[\w*]+/)?(?:[A-Z]\w*Test|Diff|Shim)\.(?:\*|[A-Z]\w*)[\w*]*(?:/[\w*]+)?)")
# Names that look like ctest names of the script tests and test programs.
CTEST = re.compile(
    r"(?<![\w./-])((?:preload_program|preload|integration|fuse_busybox|fuse_mounts|s3|linked|preloaded)"
    r"(?:_[\w*]+)?|[a-z0-9]+_(?:unit|integration|mount|model)_tests?)(?![\w.*/-])")
TESTS_PATH = re.compile(r"(?<![\w./-])(tests/[\w./*-]+)")
TEST_FILE = re.compile(r"(?<![\w./-])(\w+_test\.(?:cc|sh|py))\b")


def wildcard(name):
    # An instantiation prefix and a parameter suffix ("Switch/", "/*") may be
    # left out.
    return re.compile(r"(?:^|/)" + ".*".join(re.escape(p) for p in name.split("*")) +
                      r"(?:/\S*)?$", re.M)


def main():
    src, build = sys.argv[1], sys.argv[2]
    ctest = sys.argv[3] if len(sys.argv) > 3 else "ctest"
    out = subprocess.run([ctest, "--test-dir", build, "-N"], check=True, capture_output=True,
                         text=True).stdout
    names = [m.group(1) for m in re.finditer(r"Test +#\d+: (\S+)", out)]
    if len(names) < 50:
        sys.exit(f"FAIL: ctest -N in {build} lists {len(names)} tests: not a full build")
    # Programs that ctest runs whole (the S3 tests) list their gtest names
    # only in their sources.
    for cc in glob.glob(os.path.join(src, "tests", "**", "*.cc"), recursive=True):
        text = open(cc, encoding="utf-8").read()
        names += [f"{a}.{b}" for a, b in re.findall(r"^TEST(?:_F|_P)?\((\w+), (\w+)\)", text, re.M)]
    listed = "\n".join(names) + "\n"
    programs = set()
    for cm in glob.glob(os.path.join(src, "tests", "**", "CMakeLists.txt"), recursive=True):
        programs.update(re.findall(r"add_executable\((\w+)", open(cm).read()))

    docs = [os.path.join(src, "README.md")] + sorted(glob.glob(os.path.join(src, "docs", "*.md")))
    missing = []
    checked = 0
    for doc in docs:
        rel = os.path.relpath(doc, src)
        for lineno, line in enumerate(open(doc, encoding="utf-8"), 1):
            for m in GTEST.finditer(line):
                name = m.group(1).rstrip(".")
                checked += 1
                if not wildcard(name).search(listed):
                    missing.append(f"{rel}:{lineno}: test {name}")
            for m in CTEST.finditer(line):
                name = m.group(1)
                if name in ("preload", "integration", "s3", "linked", "preloaded"):
                    continue  # the words, not test names
                checked += 1
                if name not in programs and not re.search(
                        r"^" + ".*".join(re.escape(p) for p in name.split("*")) + r"$", listed, re.M):
                    missing.append(f"{rel}:{lineno}: test {name}")
            for m in TESTS_PATH.finditer(line):
                path = m.group(1).rstrip(".,)")
                checked += 1
                if not glob.glob(os.path.join(src, path)):
                    missing.append(f"{rel}:{lineno}: file {path}")
            for m in TEST_FILE.finditer(line):
                checked += 1
                if not glob.glob(os.path.join(src, "tests", "**", m.group(1)), recursive=True):
                    missing.append(f"{rel}:{lineno}: file {m.group(1)}")
    if missing:
        print("FAIL: the docs name tests that do not exist:")
        print("\n".join("  " + m for m in missing))
        sys.exit(1)
    print(f"ok: {checked} test references in {len(docs)} docs, each one a test of this build")


if __name__ == "__main__":
    main()
