#!/usr/bin/env python3
"""Turns bench/run.sh's raw results into a markdown table and a PNG chart.

    report.py <results.jsonl> <meta.json> <out prefix>   -> <prefix>.md, <prefix>.png

Each JSON line is one driver run (alluxio-bench), one training run
(examples/train.py) or one measurement the script took (RSS, cache size).
Warm figures are the best of the passes after the first (the first pass
warms the caches); cold figures are the first pass of a process started on
empty caches. Ratios are "how many times faster than the reference": above
1 is faster, below 1 slower. Standard library only, plus matplotlib for the
chart (skipped with a note when it is missing).
"""

import json
import sys

PEERS = ("s3fs", "rclone")
WARM_CONTENDERS = ("native", "shim", "fuse-ro", "fuse-rw")
COLD_CONTENDERS = ("native", "shim", "fuse-ro", "s3fs", "rclone")
NAMES = {
    "native": "tmpfs",
    "shim": "shim",
    "fuse-ro": "FUSE ro",
    "fuse-rw": "FUSE rw",
    "s3fs": "s3fs",
    "rclone": "rclone mount",
    "workers": "shim via 2 workers",
    "direct": "shim, no workers",
}
CLUSTER_CONTENDERS = ("native", "workers", "direct")


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return rows


def find(rows, section, contender, row):
    return [r for r in rows if r.get("section") == section and r.get("contender") == contender
            and r.get("row") == row]


class Metric:
    """One table row: how to get a number from a record, and which way is better."""

    def __init__(self, key, label, row, kind, pick, section="warm"):
        self.key, self.label, self.row, self.kind, self.pick = key, label, row, kind, pick
        self.section = section

    def value(self, rows, contender):
        recs = find(rows, self.section, contender, self.row)
        if not recs:
            return None
        if any("error" in r for r in recs):
            return next(r["error"] for r in recs if "error" in r)
        return self.pick(recs)

    @property
    def lower_is_better(self):
        return self.kind in ("time", "seconds")


def per_op(passes):
    def pick(recs):
        r = recs[0]
        ps = r["pass_seconds"]
        chosen = ps[passes] if isinstance(passes, int) else min(ps[1:] or ps)
        return chosen / max(1, r["ops_per_pass"])
    return pick


def rate(passes):
    def pick(recs):
        r = recs[0]
        ps = r["pass_seconds"]
        chosen = ps[passes] if isinstance(passes, int) else min(ps[1:] or ps)
        return r["bytes_per_pass"] / chosen
    return pick


def epoch(i):
    def pick(recs):
        return min(r["train"]["epoch_seconds"][i] for r in recs)
    return pick


def metrics(meta):
    f, big = meta["files"], meta["big_mb"]
    sf, sbig = meta["s3_files"], meta["s3_big_mb"]
    size = f"{big // 1024} GiB" if big % 1024 == 0 else f"{big} MiB"
    warm = [
        Metric("stat_hot", "stat, one hot path", "stat_hot", "time", per_op(0)),
        Metric("stat_many", f"stat, {f} distinct paths", "stat_many", "time", per_op(None)),
        Metric("read128k", f"open+read+close, {f} files of 128 KiB", "read128k", "time",
               per_op(None)),
        Metric("read128k_first", "  same, first pass in a new process", "read128k", "time",
               per_op(0)),
        Metric("seq1m", f"sequential 1 MiB reads of a {size} file", "seq1m", "rate", rate(None)),
        Metric("seq1m_first", "  same, first pass in a new process", "seq1m", "rate", rate(0)),
        Metric("rand4k", "random 4 KiB preads", "rand4k", "time", per_op(0)),
        Metric("write", f"sequential write of {size} (to close)", "write", "rate", rate(0)),
        Metric("list", f"list a directory of {f} entries", "list", "time",
               lambda recs: min(recs[0]["pass_seconds"][1:] or recs[0]["pass_seconds"])),
        Metric("torch1", f"PyTorch epoch 1 ({meta['dataset_files']} files)", "torch", "seconds",
               epoch(0)),
        Metric("torch2", "PyTorch epoch 2", "torch", "seconds", epoch(1)),
    ]
    cold = [
        Metric("s3_read128k", f"open+read+close, {sf} files of 128 KiB, cold", "s3_read128k",
               "time", per_op(0), "cold"),
        Metric("s3_read128k_2", "  same, read again", "s3_read128k", "time", per_op(1), "cold"),
        Metric("s3_seq1m", f"sequential 1 MiB reads of a {sbig} MiB object, cold", "s3_seq1m",
               "rate", rate(0), "cold"),
        Metric("s3_seq1m_2", "  same, read again", "s3_seq1m", "rate", rate(1), "cold"),
        Metric("s3_torch1", f"PyTorch epoch 1 ({meta['s3_dataset_files']} files)", "torch",
               "seconds", epoch(0), "cold"),
        Metric("s3_torch2", "PyTorch epoch 2", "torch", "seconds", epoch(1), "cold"),
    ]
    return warm, cold


def cluster_metrics(meta):
    big = meta["big_mb"]
    size = f"{big // 1024} GiB" if big % 1024 == 0 else f"{big} MiB"
    cf = meta.get("cluster_files", 0)
    return [
        Metric("c_read128k_cold", f"open+read+close, {cf} files of 128 KiB, cold", "read128k",
               "time", per_op(0), "cluster"),
        Metric("c_read128k_warm", "  same, warm", "read128k", "time", per_op(None), "cluster"),
        Metric("c_seq1m_cold", f"sequential 1 MiB reads of a {size} file, cold", "seq1m", "rate",
               rate(0), "cluster"),
        Metric("c_seq1m_warm", "  same, warm", "seq1m", "rate", rate(None), "cluster"),
    ]


def fmt(v, kind):
    if v is None:
        return "–"
    if isinstance(v, str):
        return v
    if kind == "rate":
        return f"{v / 1e9:.2f} GB/s" if v >= 1e9 else f"{v / 1e6:.0f} MB/s"
    if kind == "seconds":
        return f"{v:.2f} s"
    if v < 1e-6:
        return f"{v * 1e9:.0f} ns"
    if v < 1e-3:
        return f"{v * 1e6:.1f} µs"
    if v < 1:
        return f"{v * 1e3:.2f} ms"
    return f"{v:.2f} s"


def ratio(m, v, ref):
    """How many times faster than ref (>1 faster)."""
    if not isinstance(v, (int, float)) or not isinstance(ref, (int, float)) or v <= 0 or ref <= 0:
        return None
    return ref / v if m.lower_is_better else v / ref


def fmt_ratio(r):
    if r is None:
        return ""
    return f"{r:.2f}x" if r < 10 else f"{r:.0f}x"


def best_peer(m, rows):
    vals = [m.value(rows, p) for p in PEERS]
    vals = [v for v in vals if isinstance(v, (int, float))]
    if not vals:
        return None
    return min(vals) if m.lower_is_better else max(vals)


def table(ms, rows, contenders, ref_of, ref_name):
    present = [c for c in contenders if any(find(rows, ms[0].section, c, m.row) for m in ms)]
    head = "| workload | " + " | ".join(NAMES[c] for c in present) + " |"
    out = [head, "|---|" + "---|" * len(present)]
    for m in ms:
        ref = ref_of(m)
        cells = []
        for c in present:
            v = m.value(rows, c)
            r = ratio(m, v, ref)
            cells.append(fmt(v, m.kind) + (f" ({fmt_ratio(r)})" if r is not None else ""))
        if all(c == "–" for c in cells):
            continue
        out.append(f"| {m.label} | " + " | ".join(cells) + " |")
    out.append("")
    out.append(f"Ratios in parentheses: times faster than {ref_name} (above 1 is faster).")
    return "\n".join(out), present


def rss_entries(rows, meta):
    """(process, [(when, kb)]) for every process whose peak RSS was taken."""
    out = []
    small = find(rows, "warm", "shim", "rss_small")
    full = find(rows, "warm", "shim", "read128k")
    pts = [(f"after {meta['files'] // 4} files", r["rss_hwm_kb"], r.get("rss_anon_kb", -1))
           for r in small if "rss_hwm_kb" in r]
    pts += [(f"after {meta['files']} files x 5 passes", r["rss_hwm_kb"], r.get("rss_anon_kb", -1))
            for r in full if "rss_hwm_kb" in r]
    if pts:
        out.append(("shim process (alluxio-bench, warm)", pts))
    for c in ("fuse-ro", "fuse-rw"):
        recs = find(rows, "warm", c, "rss")
        if recs:
            out.append((f"alluxio-fuse {c[5:]} daemon (warm)",
                        [(r["when"], r["rss_hwm_kb"], r.get("rss_anon_kb", -1)) for r in recs]))
    seq = find(rows, "cold", "shim", "s3_seq1m")
    if seq and "rss_hwm_kb" in seq[0]:
        out.append(("shim process (S3 sequential read)",
                    [("", seq[0]["rss_hwm_kb"], seq[0].get("rss_anon_kb", -1))]))
    for c in ("fuse-ro", "s3fs", "rclone"):
        recs = find(rows, "cold", c, "rss")
        if recs:
            name = "alluxio-fuse ro" if c == "fuse-ro" else NAMES[c]
            out.append((f"{name} daemon (S3)",
                        [(r["when"], r["rss_hwm_kb"], r.get("rss_anon_kb", -1)) for r in recs]))
    native = find(rows, "warm", "native", "read128k")
    if native and "rss_hwm_kb" in native[0]:
        out.append(("alluxio-bench natively (for scale)",
                    [("", native[0]["rss_hwm_kb"], native[0].get("rss_anon_kb", -1))]))
    return out


def rss_lines(rows, meta):
    entries = rss_entries(rows, meta)
    if not entries:
        return ""
    lines = ["| process | peak RSS (VmHWM) / private memory (RssAnon) |", "|---|---|"]

    def point(when, hwm, anon):
        a = f" / {anon / 1024:.0f} MiB" if anon >= 0 else ""
        return f"{hwm / 1024:.0f} MiB{a}{' ' + when if when else ''}"
    for name, pts in entries:
        lines.append(f"| {name} | " + "; ".join(point(*p) for p in pts) + " |")
    lines.append("")
    lines.append(f"The page cache's memory tier (`alluxio.user.client.cache.memory.size`, "
                 f"{meta.get('cache_memory') or '?'}) maps cached pages into the process; they "
                 "count in the peak RSS (as file/shared pages the kernel can reclaim), not in "
                 "RssAnon, the process's own heap and stacks. The run keeps `ALLUXIO_WORK_DIR` (and so the disk tier) on "
                 f"tmpfs; `alluxio.user.client.cache.size` is {meta.get('warm_cache', '?')} in the "
                 f"warm section (so the data fits) and the default {meta.get('cache_size') or '?'} "
                 "in the S3 section.")
    return "\n".join(lines)


def parse_bytes(s):
    units = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}
    s = s.strip().upper()
    for u in ("KB", "MB", "GB", "B"):
        if s.endswith(u):
            return int(float(s[: -len(u)]) * units[u])
    return int(s)


def targets(rows, warm, cold, meta):
    by = {m.key: m for m in warm + cold}
    out = ["| target (DESIGN.md / issues) | measured | verdict |", "|---|---|---|"]

    def vs_native(key, contender):
        m = by[key]
        return ratio(m, m.value(rows, contender), m.value(rows, "native"))

    def line(text, r, need, what="x tmpfs"):
        if r is None:
            out.append(f"| {text} | not measured | – |")
            return
        verdict = "met" if r >= need else f"missed by {(1 - r / need) * 100:.0f}%"
        out.append(f"| {text} | {r:.2f}{what} | {verdict} |")

    line("shim stat of a cached path >= 3x tmpfs", vs_native("stat_hot", "shim"), 3)
    line("shim warm 128 KiB open+read+close >= 1x tmpfs", vs_native("read128k", "shim"), 1)
    line("FUSE (ro) warm 128 KiB files >= 0.5x tmpfs", vs_native("read128k", "fuse-ro"), 0.5)
    line("FUSE (rw) warm 128 KiB files >= 0.5x tmpfs", vs_native("read128k", "fuse-rw"), 0.5)
    line("shim warm sequential 1 MiB reads >= 0.9x tmpfs", vs_native("seq1m", "shim"), 0.9)
    line("FUSE (ro, kernel_cache) warm sequential >= 0.8x tmpfs", vs_native("seq1m", "fuse-ro"), 0.8)
    for key, text in (("s3_seq1m", "cold sequential read from S3"),
                      ("s3_read128k", "cold 128 KiB files from S3")):
        m = by[key]
        peer = best_peer(m, rows)
        for c in ("shim", "fuse-ro"):
            line(f"{NAMES[c]} {text} >= 2x the better of s3fs/rclone",
                 ratio(m, m.value(rows, c), peer), 2, "x best peer")
    m = by["torch2"]
    for c in ("shim", "fuse-ro"):
        v, ref = m.value(rows, c), m.value(rows, "native")
        if isinstance(v, float) and isinstance(ref, float):
            slower = v / ref - 1
            verdict = "met" if slower <= 0.10 else f"missed by {(slower - 0.10) * 100:.0f} points"
            out.append(f"| {NAMES[c]} PyTorch epoch 2 within 10% of tmpfs | {slower * 100:+.0f}% "
                       f"({v:.2f} s vs {ref:.2f} s) | {verdict} |")
    m = by["s3_torch2"]
    ref = m.value(rows, "native")
    for c in ("shim", "fuse-ro"):
        v = m.value(rows, c)
        if isinstance(v, float) and isinstance(ref, float):
            slower = v / ref - 1
            verdict = "met" if slower <= 0.10 else f"missed by {(slower - 0.10) * 100:.0f} points"
            out.append(f"| {NAMES[c]} PyTorch epoch 2 from S3 (cached) within 10% of tmpfs | "
                       f"{slower * 100:+.0f}% ({v:.2f} s vs {ref:.2f} s) | {verdict} |")
    # Memory must not grow with the number of files read: compare after a
    # quarter of the files and after all of them (five passes). Private
    # memory (RssAnon) may grow by 16 MiB; the peak RSS, which includes the
    # cache pages the memory tier maps, is shown against the tier's size.
    for name, pts in rss_entries(rows, meta):
        if "warm" not in name or len(pts) < 2:
            continue
        (w0, h0, a0), (w1, h1, a1) = pts[0], pts[1]
        short = name.replace(" (warm)", "").replace(", warm", "")
        if a0 >= 0 and a1 >= 0:
            grow = (a1 - a0) / 1024
            out.append(f"| {short}: private memory (RssAnon) does not grow with files read | "
                       f"{a0 / 1024:.0f} MiB {w0} -> {a1 / 1024:.0f} MiB {w1} | "
                       f"{'met' if grow <= 16 else f'missed: +{grow:.0f} MiB'} |")
        grow = (h1 - h0) / 1024
        ok = grow <= 16
        out.append(f"| {short}: peak RSS (with mapped cache pages) does not grow with files read | "
                   f"{h0 / 1024:.0f} MiB {w0} -> {h1 / 1024:.0f} MiB {w1} | "
                   + ("met" if ok else f"missed: +{grow:.0f} MiB of mapped cache pages")
                   + " |")
    for r in rows:
        if r.get("section") == "bound" and r.get("row") == "cache_size":
            if r["cache_dir_bytes"] < 0:
                out.append(f"| page cache never above its size ({r['configured']}) | no cache "
                           "directory was written | not measured |")
            else:
                lim = parse_bytes(r["configured"])
                got = r["cache_dir_bytes"]
                out.append(f"| page cache never above its size ({r['configured']}, "
                           f"{r['read_bytes'] >> 20} MiB read) | {got / 2**20:.1f} MiB on disk | "
                           f"{'met' if got <= lim else 'missed'} |")
    dirs = [r for r in rows if r.get("section") == "bound" and r.get("row") == "cache_dir"]
    for group, size in (("warm", meta.get("warm_cache")), ("S3", meta.get("cache_size"))):
        mine = [r for r in dirs if r["contender"].startswith("s3-") == (group == "S3")]
        if not mine or not size:
            continue
        worst = max(mine, key=lambda r: r["cache_dir_bytes"])
        ok = worst["cache_dir_bytes"] <= parse_bytes(size)
        out.append(f"| {group} section: every cache directory within `cache.size` ({size}) | "
                   f"largest {worst['cache_dir_bytes'] / 2**20:.0f} MiB ({worst['contender']}) | "
                   f"{'met' if ok else 'missed'} |")
    return "\n".join(out)


def chart(path, warm, cold, rows, meta):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "(no chart: matplotlib is not installed)"
    panels = []
    for ms, contenders, ref_name, ref_of in (
            (warm, ("shim", "fuse-ro", "fuse-rw"), "tmpfs",
             lambda m: m.value(rows, "native")),
            (cold, ("shim", "fuse-ro", "s3fs", "rclone"), "best of s3fs/rclone",
             lambda m: best_peer(m, rows))):
        labels, series = [], {c: [] for c in contenders}
        for m in ms:
            ref = ref_of(m)
            vals = {c: ratio(m, m.value(rows, c), ref) for c in contenders}
            if all(v is None for v in vals.values()):
                continue
            labels.append(m.label.strip())
            for c in contenders:
                series[c].append(vals[c] or 0)
        if labels:
            panels.append((labels, series, ref_name))
    if not panels:
        return "(no chart: nothing measured)"
    fig, axes = plt.subplots(len(panels), 1, figsize=(11, 3 + 0.55 * sum(len(p[0]) for p in panels)),
                             squeeze=False)
    colors = {"shim": "#1f77b4", "fuse-ro": "#2ca02c", "fuse-rw": "#98df8a", "s3fs": "#d62728",
              "rclone": "#ff7f0e"}
    for ax, (labels, series, ref_name) in zip(axes[:, 0], panels):
        n = len(series)
        h = 0.8 / n
        for i, (c, vals) in enumerate(series.items()):
            ys = [y + (i - (n - 1) / 2) * h for y in range(len(labels))]
            ax.barh(ys, [v if v > 0 else float("nan") for v in vals], height=h, label=NAMES[c],
                    color=colors[c])
        ax.set_yticks(range(len(labels)))
        ax.set_yticklabels(labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.axvline(1, color="black", linewidth=1)
        ax.set_xlabel(f"times faster than {ref_name} (log scale; right of the line is faster)")
        ax.legend(fontsize=8, loc="lower right")
        ax.grid(axis="x", which="both", alpha=0.3)
    title = f"alluxio-posix bench {meta['date']} ({meta['commit']}, {meta['cores']} cores)"
    axes[0, 0].set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return None


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: report.py <results.jsonl> <meta.json> <out prefix>")
    rows = load(sys.argv[1])
    with open(sys.argv[2]) as f:
        meta = json.load(f)
    prefix = sys.argv[3]
    warm, cold = metrics(meta)
    md = [f"# alluxio-posix benchmark{' (quick mode)' if meta['quick'] else ''}", ""]
    md.append(f"{meta['date']}, commit {meta['commit']}{' + local changes' if meta['dirty'] else ''}; "
              f"{meta['cores']} cores ({meta['cpu']}), Linux {meta['kernel']}; data on tmpfs "
              f"({meta['tmpfs']}). Produced by `bench/run.sh{' --quick' if meta['quick'] else ''}`.")
    md.append("")
    md.append("## Warm: local UFS on tmpfs")
    md.append("")
    md.append("The same files read natively from tmpfs, through the LD_PRELOAD shim "
              "(`ALLUXIO_POSIX_PREFIXES`), and through `alluxio-fuse` mounted read-only with "
              "`-o ro,kernel_cache` and read-write with default options, all over a local UFS on "
              "the same tmpfs, with a page cache large enough for the data "
              f"(`alluxio.user.client.cache.size={meta.get('warm_cache', '?')}`). Warm: the best pass after a first, warming pass in the same "
              "process (PyTorch: best of "
              f"{meta['torch_reps']} run(s) of 2 epochs). C loops (`bench/alluxio_bench.cc`).")
    md.append("")
    t, _ = table(warm, rows, WARM_CONTENDERS, lambda m: m.value(rows, "native"), "tmpfs")
    md.append(t)
    md.append("")
    if any(r.get("section") == "cold" for r in rows):
        md.append("## Cold: S3 API on loopback (moto)")
        md.append("")
        md.append("Each contender starts with empty caches (a new mount, a new "
                  "`ALLUXIO_WORK_DIR`) against the same `moto_server` on 127.0.0.1, in that "
                  f"order. s3fs {meta['s3fs']} and rclone {meta['rclone']} run with default "
                  "options (`-o ro`, `--read-only`). Stock moto reads the whole object for each "
                  "ranged GET, so absolute speeds say little: compare contenders with each other. "
                  "tmpfs reads the same files locally, for reference.")
        md.append("")
        t, _ = table(cold, rows, COLD_CONTENDERS, lambda m: best_peer(m, rows),
                     "the better of s3fs and rclone")
        md.append(t)
        md.append("")
    if any(r.get("section") == "cluster" for r in rows):
        md.append("## Cluster: through two cache workers")
        md.append("")
        md.append("Two `alluxio-worker` processes on this machine over the local UFS on tmpfs; "
                  "the shim reads through them (`alluxio.user.worker.addresses`) with its own "
                  "page cache off, so every byte crosses a worker. Cold: the first pass, the "
                  "workers' caches empty; warm: the best later pass. \"shim, no workers\" is the "
                  "same client reading the UFS itself, also without a page cache; tmpfs reads "
                  "the files directly. Alluxio's own worker is not in the table: no Alluxio 3.x "
                  "worker can be fetched from Maven Central (docs/WORKER.md).")
        md.append("")
        t, _ = table(cluster_metrics(meta), rows, CLUSTER_CONTENDERS,
                     lambda m: m.value(rows, "native"), "reading tmpfs directly")
        md.append(t)
        md.append("")
    rss = rss_lines(rows, meta)
    if rss:
        md.append("## Memory")
        md.append("")
        md.append(rss)
        md.append("")
    md.append("## Targets")
    md.append("")
    md.append(targets(rows, warm, cold, meta))
    md.append("")
    failed = [r for r in rows if "error" in r]
    if failed:
        md.append("## Failures")
        md.append("")
        for r in failed:
            md.append(f"- {r['section']}/{r['contender']}/{r['row']}: {r['error']}")
        md.append("")
    note = chart(prefix + ".png", warm, cold, rows, meta)
    md.append(note or f"![chart]({prefix.rsplit('/', 1)[-1]}.png)")
    md.append("")
    with open(prefix + ".md", "w") as f:
        f.write("\n".join(md))


if __name__ == "__main__":
    main()
