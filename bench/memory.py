"""Peak memory of a command, measured from outside it (the library reports none).

``os.wait4`` gives the rusage of a process and of the descendants it waited
for, so a parallel rebuild's writer processes count too: ``ru_maxrss`` is the
peak resident memory of the largest of them.  The command is started by a
tiny Python process: a child started by vfork counts its parent's resident
memory in its own peak, and the benchmark's own memory must not.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: Runs ``argv[2:]`` and writes to file ``argv[1]`` its peak resident memory in bytes and its CPU
#: seconds (user and system), which a loaded machine inflates much less than wall time.
LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
open(sys.argv[1], "w").write(f"{usage.ru_maxrss * 1024} {usage.ru_utime + usage.ru_stime}")  # KiB on Linux
sys.exit(os.waitstatus_to_exitcode(status))
"""


@dataclass(frozen=True)
class Measured:
    returncode: int
    stdout: str
    stderr: str
    peak_bytes: int  #: peak resident memory of the largest process of the run


def run_measured(args: list[str]) -> Measured:
    """Runs ``args`` to the end with no standard input; its output and peak memory."""
    with tempfile.TemporaryDirectory() as work:
        peak_file = Path(work) / "peak"
        done = subprocess.run(
            [sys.executable, "-c", LAUNCHER, str(peak_file), *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        peak = int(peak_file.read_text().split()[0]) if peak_file.exists() else 0
    return Measured(done.returncode, done.stdout, done.stderr, peak)
