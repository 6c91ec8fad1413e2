"""Unbounded research views: time to the first line, to the last, and peak memory.

    python bench/stream.py --index DIR [--timeout 600] [--head]

Runs each case of ``CASES`` (``kwic ... --limit 0``, ``cooccur ... --sample 0``)
as ``python -m searchkit`` against the index at --index, its output read a line
at a time from a pipe as a script reads it: how long until the first line came,
how long until the process ended and its CPU time, how many lines, and the peak
resident memory of the process (``ru_maxrss``, measured from outside it as
``memory.py`` does).
With ``--head`` the pipe is closed after the first line, as ``| head -1`` does,
and the time until the process then ended is reported too.  See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from memory import LAUNCHER

CASES = (
    ("kwic", "atleast1(pr* OR co* OR de* OR ma* OR re*)", "--limit", "0"),
    ("kwic", "de*", "--limit", "0"),
    ("kwic", "de*", "--limit", "0", "--jsonl"),
    ("cooccur", "pr*", "--sample", "0", "--limit", "0"),
)


def measure(args: list[str], timeout: float, head: bool) -> dict:
    """Runs ``python -m searchkit ARGS``; its timings, lines and peak memory."""
    with tempfile.TemporaryDirectory() as work:
        peak_file = Path(work) / "peak"
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, str(peak_file), sys.executable, "-m", "searchkit", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        first = closed = None
        lines = 0
        watchdog = threading.Timer(timeout, os.killpg, (proc.pid, signal.SIGKILL))  # the launcher and its child
        watchdog.start()
        for _ in proc.stdout:
            lines += 1
            if first is None:
                first = time.monotonic() - started
                if head:
                    proc.stdout.close()
                    closed = time.monotonic()
                    break
        proc.wait()
        ended = time.monotonic()
        watchdog.cancel()
        if ended - started >= timeout:
            return {"args": args, "timeout": True, "first": first, "lines": lines}
        peak, cpu = peak_file.read_text().split() if peak_file.exists() else (0, 0)
    return {
        "args": args,
        "first": first,
        "total": ended - started,
        "after_close": ended - closed if closed is not None else None,
        "lines": lines,
        "exit": proc.returncode,
        "cpu": float(cpu),
        "peak_mb": int(peak) / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--head", action="store_true", help="Close the pipe after the first line.")
    args = parser.parse_args()
    for case in CASES:
        found = measure([*case, "--index", str(args.index)], args.timeout, args.head)
        if found.get("timeout"):
            print(f"{' '.join(case)}: over {args.timeout:.0f} s (first line {found['first']}, {found['lines']} lines)")
            continue
        first = f"{found['first']:.2f} s" if found["first"] is not None else "none"
        closing = f", ended {found['after_close']:.2f} s after the pipe closed" if found["after_close"] else ""
        print(
            f"{' '.join(case)}: first line {first}, all {found['total']:.2f} s ({found['cpu']:.2f} s of CPU), "
            f"{found['lines']:,} lines, exit {found['exit']}, peak {found['peak_mb']:.0f} MB{closing}",
            flush=True,
        )
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average at the end (1, 5, 15 min): {load} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
