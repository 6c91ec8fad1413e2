"""What verifying checksums costs: fresh commands with and without, and ``searchkit check``.

    python bench/checksums.py --index DIR [--runs N]

A column file or table of contents is verified whole the first time a process
opens it (``searchkit/engine/whoosh_checksums.py``).  This runs each command
as a fresh process on the index, and on a copy whose build facts hold no
checksums (hard links: the same files, nothing verified), alternating, and
prints the medians side by side; then the bytes each kind of file weighs, and
the time of ``check`` and ``check --deep``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

COMMANDS = [
    ["search", "Zelensky"],
    ["search", "France OR pays", "--sort", "date"],
    ["search", "ukrain*", "--since", "2022-03"],
    ["timeline", "Poutine", "--by", "month"],
    ["stats"],
    ["kwic", "Macron NEAR/s Poutine", "--limit", "5"],
]


def timed(args: list[str], index_dir: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "searchkit", *args, "--index", str(index_dir)],
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{args} failed: {done.stderr.decode()}")
    return elapsed


def without_checksums(index_dir: Path, into: Path) -> Path:
    """A copy of the index (hard links) whose live build facts hold no checksums."""
    copy = into / "index"
    shutil.copytree(index_dir, copy, copy_function=os.link)
    generation = copy / (copy / "CURRENT").read_text().strip()
    meta_path = generation / "searchkit.json"
    meta = json.loads(meta_path.read_text())
    meta.pop("checksums", None)
    meta_path.unlink()  # a new file, not the linked one
    meta_path.write_text(json.dumps(meta))
    return copy


def file_kinds(index_dir: Path) -> dict[str, int]:
    generation = index_dir / (index_dir / "CURRENT").read_text().strip()
    meta = json.loads((generation / "searchkit.json").read_text())
    kinds: dict[str, int] = {}
    for name, size in meta["files"].items():
        kind = ".".join(name.split(".")[-2:]) if name.endswith(".col") else name.rsplit(".")[-1]
        kinds[kind] = kinds.get(kind, 0) + size
    return kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory() as scratch:
        plain = without_checksums(args.index, Path(scratch))
        table = Table(title=f"fresh commands, median of {args.runs} (load {os.getloadavg()[0]:.1f})")
        for column in ("command", "verified (ms)", "not verified (ms)", "ratio"):
            table.add_column(column, justify="left" if column == "command" else "right")
        for command in COMMANDS:
            timed(command, args.index)  # the page cache warm for both
            pairs = [(timed(command, args.index), timed(command, plain)) for _ in range(args.runs)]
            verified = statistics.median(p[0] for p in pairs) * 1000
            unverified = statistics.median(p[1] for p in pairs) * 1000
            table.add_row(" ".join(command), f"{verified:.0f}", f"{unverified:.0f}", f"{verified / unverified:.2f}x")
        console.print(table)
    kinds = Table(title="bytes by kind of file")
    kinds.add_column("kind")
    kinds.add_column("MB", justify="right")
    kinds.add_column("verified on open")
    for kind, size in sorted(file_kinds(args.index).items(), key=lambda item: -item[1]):
        on_open = (kind.endswith(".col") and kind != "_stored.col") or kind == "toc"
        kinds.add_row(kind, f"{size / 1e6:.1f}", "yes" if on_open else "by check")
    console.print(kinds)
    checks = Table(title="searchkit check")
    checks.add_column("command")
    checks.add_column("seconds", justify="right")
    for command in (["check"], ["check", "--deep"]):
        checks.add_row(" ".join(command), f"{timed(command, args.index):.1f}")
    console.print(checks)


if __name__ == "__main__":
    main()
