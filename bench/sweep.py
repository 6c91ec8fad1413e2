"""A hostile reliability sweep: damage an index every way we can think of, run the real CLI, judge each answer.

    python bench/sweep.py [--quick] [--workers 2] [--keep] [--only CATEGORY,...] [--seed 20]

It builds a small index (generated articles with names and dates, the bundled
samples and seed article; two generations, two commits in the live one, a
watchlist), then, for each case, copies the index to a temporary folder,
applies the damage and runs real ``python -m searchkit`` subprocesses.  The
same steps run once on an undamaged copy first: that is the reference.

A case *holds* when every command either answers exactly as on the undamaged
index (``--json`` outputs, paths and timings masked), or exits with a
documented code (4: damaged or unavailable) with one stderr line starting
``searchkit:``; never 70 or a traceback, never a wrong answer with exit 0,
never a hang; writers never change, create or delete anything outside the
index; ``check`` never calls whole a file whose recorded checksum no longer
matches; after ``index --rebuild`` the index answers as the reference.  It
prints a table (category, cases, held, broke), then one line per broken
case: what was done, the command, its exit code and first stderr line.

Categories: same-size damage, truncation/zeroing/deletion, hand edits,
links, signals, resource limits, output.  Permissions are not tested: the
sweep runs as root, which chmod does not stop, and the interpreter lives
under /root, which another user cannot run.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 30.0  #: a command that takes longer hangs (a FIFO read, a lock never released); 2 s is typical
QUERY = "Poutine"
MARKER = "zorglubix"  #: only in the articles a signal run adds, so "before" and "after" differ
#: JSON keys whose values differ between two copies of one index without anything being wrong.
VOLATILE = {"seconds", "docs_per_second", "index_bytes", "bytes", "write_seconds", "learning_seconds"}
#: Keys that a rebuild changes on a whole index too (a new generation, one segment, new build times).
REBUILT = {"generation", "segments", "created", "updated", "commit", "skipped"}


# ---------------------------------------------------------------- the corpus and the reference index

NAMES = ["Poutine", "Putin", "Macron", "Zelensky", "Choïgou", "Shoigu", "Kiev", "Kyiv", "Biden", "Merkel", "Borne"]
WORDS = (
    "gouvernement ministre président assemblée élection réforme budget économie croissance inflation entreprise "
    "salariés syndicat grève transport énergie électricité nucléaire climat sécheresse agriculture région commune "
    "maire conseil projet école université hôpital médecin santé vaccin police justice tribunal procès enquête "
    "frontière armée guerre paix négociation diplomatie sommet européen marché banque dette impôt retraite "
    "le la les de des du un une et à en dans pour sur avec par qui que"
).split()


def generated_articles(count: int, seed: int, prefix: str = "s", extra_word: str = "") -> list[dict]:
    """Deterministic French-like articles naming people in several spellings, dated over five years,
    so that every view (timeline, kwic, cooccur, names) has something to say."""
    rng = random.Random(seed)
    articles = []
    for i in range(count):
        words = [rng.choice(WORDS) for _ in range(120)]
        for _ in range(4):
            words.insert(rng.randrange(len(words)), rng.choice(NAMES))
        if extra_word:
            words.insert(rng.randrange(len(words)), extra_word)
        body = " ".join(words[:60]) + ".\n" + " ".join(words[60:]) + "."
        articles.append(
            {
                "id": f"{prefix}{i:05d}",
                "title": " ".join(rng.choice(WORDS + NAMES) for _ in range(6)).capitalize(),
                "body": body,
                "date": f"{2019 + i % 5}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "source": ("Le Monde", "Libération", "Wikinews")[i % 3],
            }
        )
    return articles


def write_jsonl(path: Path, articles: list[dict]) -> Path:
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    return path


# ---------------------------------------------------------------- running the CLI


@dataclass
class Run:
    """One finished command: what was run, how it ended."""

    args: list[str]
    rc: int
    stdout: str
    stderr: str
    seconds: float
    sid: int = 0  #: the session it ran in (a signalled writer's, to find what survived it)

    @property
    def first_stderr(self) -> str:
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return lines[0][:200] if lines else ""

    @property
    def shown(self) -> str:
        return "searchkit " + " ".join(self.args)


def limits(nofile: int | None = None, address: int | None = None, fsize: int | None = None, sigint=True):
    """A ``preexec_fn``: restores Ctrl-C (the sweep may run under nohup, where SIGINT is ignored and
    children inherit that), no core files (SIGQUIT), and the resource limits asked for."""

    def apply() -> None:
        if sigint:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        for kind, value in ((resource.RLIMIT_NOFILE, nofile), (resource.RLIMIT_AS, address)):
            if value is not None:
                resource.setrlimit(kind, (value, value))
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return apply


def cli(args: list[str], cwd: Path, preexec=None, stdin=subprocess.DEVNULL, stdout=None, stderr=None) -> Run:
    """``python -m searchkit ARGS`` as a real subprocess in its own session (so a hang is killed whole)."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "searchkit", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", "COLUMNS": "120"},
        stdin=stdin,
        stdout=subprocess.PIPE if stdout is None else stdout,
        stderr=subprocess.PIPE if stderr is None else stderr,
        text=True,
        preexec_fn=preexec or limits(),
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        kill_session(proc.pid)
        out, err = proc.communicate()
        rc, err = -999, f"(hung: killed after {TIMEOUT:g}s) {err or ''}"
    return Run(args, rc, out or "", err or "", time.monotonic() - started)


def session_members(sid: int) -> list[int]:
    """The processes of session ``sid`` still alive (from /proc): what a killed writer left running."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = entry.joinpath("stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def kill_session(sid: int) -> None:
    for pid in session_members(sid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


# ---------------------------------------------------------------- comparing answers


def normalise(text: str, paths: list[Path], drop: set[str]) -> object:
    """An output as something to compare: JSON parsed, the case's own paths masked, volatile keys gone."""
    for path in sorted(paths, key=lambda p: -len(str(p))):
        text = text.replace(str(path), "<INDEX>")
    try:
        value = json.loads(text)
    except ValueError:
        try:  # --jsonl and friends: one document a line
            value = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError:
            return text

    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in drop}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return strip(value)


def error_shape(run: Run, stdout_allowed: bool = False) -> str | None:
    """Why an error exit is not one documented error line (None when it is)."""
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    if len(lines) > 1 or (lines and not lines[0].startswith("searchkit:")):
        return "stderr is not one `searchkit:` line"
    if not lines and not stdout_allowed:
        return "no error line"
    if run.stdout.strip() and not stdout_allowed:
        return "printed on stdout and failed"
    return None


def fault(run: Run) -> str | None:
    """What is wrong with a run whatever the case: a traceback, a bug exit, a hang."""
    if run.rc == -999:
        return "hang"
    if "Traceback" in run.stderr:
        return "traceback"
    if run.rc == 70:
        return "internal error (70)"
    return None


# ---------------------------------------------------------------- one case


@dataclass
class Case:
    """A damage to apply to a copy of the index, and what the commands may do about it."""

    category: str
    name: str
    damage: Callable[[Path, Path], None]  #: (index folder, outside folder)
    check_must_fail: bool = False  #: bytes of a file the commit checksummed were changed
    rebuild_may_refuse: bool = False  #: a documented refusal (a foreign lock): rebuild may exit 4
    tier: str = "full"  #: which commands run: full, medium or light (see ``Sweep.commands_for``)
    index_link: bool = False  #: run against a symbolic link to the index folder
    may_differ: tuple[str, ...] = ()  #: commands whose answer the edit legitimately changes (a rollback, no watchlist)


@dataclass
class Verdict:
    case: Case
    problems: list[tuple[str, Run]] = field(default_factory=list)  #: (what broke, the run)
    note: str = ""
    runs: dict[str, Run] = field(default_factory=dict)

    @property
    def held(self) -> bool:
        return not self.problems


def reader_commands() -> list[tuple[str, list[str]]]:
    """The read-only commands every damage case runs, each with --json, in the order a user might."""
    return [
        ("search", ["search", QUERY, "--limit", "20", "--json"]),
        ("stats", ["stats", "--json"]),
        ("timeline", ["timeline", QUERY, "--by", "year", "--json"]),
        ("kwic", ["kwic", QUERY, "--limit", "30", "--json"]),
        ("cooccur", ["cooccur", QUERY, "--json"]),
        ("names", ["names", QUERY, "--json"]),
        ("alerts-replay", ["alerts", "--since", "2000", "--json"]),
        ("check", ["check", "--json"]),
        ("check-deep", ["check", "--deep", "--json"]),
    ]


def writer_commands(corpus: Path) -> list[tuple[str, list[str]]]:
    """The commands that write (the watchlist, then the index), in order; the update and rebuild each
    followed by a search, so that what they committed is judged too."""
    return [
        ("alerts", ["alerts", "--json"]),
        ("watchlist-add", ["watchlist", "add", "kyiv", "Kyiv", "--json"]),
        ("index", ["index", str(corpus), "--wait", "0", "--json"]),
        ("search-after-index", ["search", QUERY, "--limit", "20", "--json"]),
        ("rebuild", ["index", str(corpus), "--rebuild", "--wait", "0", "--json"]),
        ("search-after-rebuild", ["search", QUERY, "--limit", "20", "--json"]),
        ("stats-after-rebuild", ["stats", "--json"]),
        ("check-after-rebuild", ["check", "--json"]),
    ]


def snapshot(folder: Path) -> dict[str, str]:
    """Every path under ``folder`` (links not followed) with what it is: a file's sha1, a link's target."""
    seen = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root, name)
            rel = str(path.relative_to(folder))
            if rel.startswith("moved-gen-"):  # a generation the user moved out and linked back: the index's own
                continue
            if path.is_symlink():
                seen[rel] = "link " + os.readlink(path)
            elif path.is_dir():
                seen[rel] = "dir"
            else:
                try:
                    seen[rel] = hashlib.sha1(path.read_bytes()).hexdigest()
                except OSError as error:
                    seen[rel] = f"unreadable {error.errno}"
    return seen


#: The commands of each tier, by name: a full run of every command costs about 15 CLI starts (a second
#: each), so the many variants of one damage (offsets, truncations, link targets) run fewer of them.
TIERS = {
    "medium": ("search", "stats", "alerts-replay", "check", "alerts", "watchlist-add", "index", "rebuild"),
    "light": ("search", "kwic", "check-deep", "rebuild"),
}


class Sweep:
    """The reference index, its reference answers, and the runs of every case."""

    def __init__(self, work: Path, quick: bool, seed: int) -> None:
        self.work, self.quick, self.rng = work, quick, random.Random(seed)
        self.corpus = work / "corpus"
        self.extra = work / "extra.jsonl"
        self.base = work / "base" / "index"
        self.reference: dict[str, Run] = {}

    # -- building

    def build(self) -> None:
        """The reference index: gen-000001 and gen-000002 (a rebuild), two commits in the live one (an
        update added a file), a watchlist with marks; and the reference answers of every step."""
        self.corpus.mkdir(parents=True)
        write_jsonl(self.corpus / "generated.jsonl", generated_articles(300, 1))
        shutil.copy(REPO / "corpus" / "samples.jsonl", self.corpus / "samples.jsonl")
        shutil.copy(REPO / "corpus" / "347229279346511.txt", self.corpus / "347229279346511.txt")
        write_jsonl(self.extra, generated_articles(60, 2, prefix="x", extra_word=MARKER))
        base = self.base.parent
        base.mkdir()
        steps = [
            ["index", str(self.corpus), "--index", str(self.base), "--quiet"],
            ["index", str(self.corpus), "--index", str(self.base), "--rebuild", "--quiet"],
        ]
        for args in steps:
            self.must(cli(args, base))
        write_jsonl(self.corpus / "later.jsonl", generated_articles(40, 3, prefix="l"))
        for args in (
            ["index", str(self.corpus), "--quiet"],
            ["watchlist", "add", "poutine", QUERY],
            ["watchlist", "add", "kiev", "Kiev", "--since", "2020"],
            ["alerts", "--json"],
        ):
            self.must(cli([*args, "--index", str(self.base)], base), ok=(0, 1))
        copy = self.copy_index("reference")
        self.reference_paths = [copy, copy.parent]
        for name, args in reader_commands() + writer_commands(self.corpus):
            self.reference[name] = cli([*args, "--index", str(copy)], copy.parent)
            self.must(self.reference[name], ok=(0, 1))

    @staticmethod
    def must(run: Run, ok: tuple[int, ...] = (0,)) -> Run:
        if run.rc not in ok:
            sys.exit(f"sweep: the undamaged index failed: {run.shown} exit {run.rc}: {run.stderr.strip()[:500]}")
        return run

    def copy_index(self, name: str) -> Path:
        """A fresh copy of the reference index in its own folder, with an ``outside`` folder beside it."""
        folder = Path(tempfile.mkdtemp(prefix=f"{name[:40].replace('/', '_')}-", dir=self.work))
        shutil.copytree(self.base, folder / "index", symlinks=True)
        outside = folder / "outside"
        outside.mkdir()
        (outside / "precious.txt").write_text("a file of the user's, outside the index\n" * 100)
        (outside / "folder").mkdir()
        (outside / "folder" / "inside.txt").write_text("another\n")
        return folder / "index"

    @property
    def live(self) -> str:
        return (self.base / "CURRENT").read_text().strip()

    # -- judging one case

    def run_case(self, case: Case) -> Verdict:
        index = self.copy_index(case.name)
        folder, outside = index.parent, index.parent / "outside"
        verdict = Verdict(case)
        try:
            case.damage(index, outside)
        except Exception as error:  # a damage the sweep cannot make (e.g. nothing to damage): say so
            verdict.note = f"not applied: {error}"
            return verdict
        target = index
        if case.index_link:
            target = folder / "link"
            target.symlink_to(index)
        before_outside = snapshot(outside)
        paths = [index, target, folder]
        commands = self.commands_for(case)
        rebuilt = False
        for name, args in commands:
            if name == "search-after-index" and self.last_rc(verdict, "index") != 0:
                continue
            if name.endswith("after-rebuild") and not rebuilt:
                continue
            run = cli([*args, "--index", str(target)], folder)
            problem = self.judge(case, name, run, paths)
            if name == "rebuild":
                rebuilt = run.rc == 0
                if run.rc != 0 and not case.rebuild_may_refuse and problem is None:
                    problem = "rebuild did not repair the index"
            if problem:
                verdict.problems.append((f"{name}: {problem}", run))
            verdict.runs[name] = run
            if problem == "hang":  # the next commands would hang too: one is enough to report
                break
        if snapshot(outside) != before_outside:
            changed = sorted(set(snapshot(outside).items()) ^ set(before_outside.items()))
            verdict.problems.append(("outside the index changed: " + str(changed[:3]), Run(["(all)"], 0, "", "", 0)))
        return verdict

    def commands_for(self, case: Case) -> list[tuple[str, list[str]]]:
        """Every reader then every writer (full), or the tier's; always the search after a rebuild."""
        commands = reader_commands() + writer_commands(self.corpus)
        if case.tier == "full":
            watchlist = "watchlist" in case.name or case.category.startswith(("3", "4"))
            return [c for c in commands if watchlist or c[0] not in ("alerts", "watchlist-add")]
        keep = (*TIERS[case.tier], "search-after-rebuild")
        return [c for c in commands if c[0] in keep]

    @staticmethod
    def last_rc(verdict: Verdict, name: str) -> int | None:
        run = verdict.runs.get(name)
        return None if run is None else run.rc

    def judge(self, case: Case, name: str, run: Run, paths: list[Path]) -> str | None:
        """Why ``run`` broke the guarantees, or None when it answered as the reference or as documented."""
        if bad := fault(run):
            return bad
        reference = self.reference[name]
        drop = VOLATILE | (REBUILT if "rebuild" in name or name == "index" else set())
        drop |= {"created", "checked"} if name.startswith("watchlist") else set()
        same_answer = run.rc == reference.rc and normalise(run.stdout, paths, drop) == normalise(
            reference.stdout, self.reference_paths, drop
        )
        is_check = name.startswith("check") and "after" not in name
        if is_check and case.check_must_fail and run.rc == 0:
            return "check called whole an index whose checksummed bytes changed"
        if same_answer:
            return None
        if name in case.may_differ and run.rc in (0, 1):
            return None if run.rc == 0 or not run.stderr.strip() else error_shape(run, stdout_allowed=True)
        if run.rc == 4:
            return error_shape(run, stdout_allowed=name.startswith("check"))
        if run.rc == 0 or run.rc == reference.rc:
            return f"wrong answer with exit {run.rc} (differs from the undamaged index)"
        return f"exit {run.rc} (undamaged: {reference.rc})"


# ---------------------------------------------------------------- the damages


def live_files(index: Path) -> dict[str, Path]:
    """The files to damage, by kind: one of each segment file kind (of the newest segment), the table of
    contents (live and previous), the build facts, the file record, the two tables, CURRENT, watchlist."""
    generation = index / (index / "CURRENT").read_text().strip()
    meta = json.loads((generation / "searchkit.json").read_text())
    tocs = sorted(p for p in meta["files"] if p.endswith(".toc"))
    kinds: dict[str, Path] = {}
    for name in sorted(meta["files"], key=lambda n: -(generation / n).stat().st_mtime):
        if not name.endswith(".toc"):  # MAIN_<segment>.<kind>: the newest segment's file of each kind
            kinds.setdefault("segment ." + name.split(".", 1)[1], generation / name)
    kinds["toc (live)"] = generation / tocs[-1]
    previous = sorted(p.name for p in generation.glob("_MAIN_*.toc") if p.name not in meta["files"])
    if previous:
        kinds["toc (previous commit)"] = generation / previous[-1]
    for name in ("searchkit.json", "files.json", "variants.sqlite", "vocabulary.sqlite"):
        kinds[name] = generation / name
    kinds["CURRENT"] = index / "CURRENT"
    kinds["watchlist.json"] = index / "watchlist.json"
    return kinds


def checksummed(index: Path, path: Path) -> bool:
    """Whether the live commit recorded a checksum of ``path``: check must then find any change to it."""
    generation = index / (index / "CURRENT").read_text().strip()
    return path.parent == generation and path.name in json.loads((generation / "searchkit.json").read_text())["files"]


def flip(kind: str, where: str) -> Callable[[Path, Path], None]:
    """Same-size damage: 16 bytes (fewer in a small file) at the start, middle or end, each one changed."""

    def damage(index: Path, outside: Path) -> None:
        path = live_files(index)[kind]
        data = bytearray(path.read_bytes())
        width = min(16, len(data))
        start = {"start": 0, "middle": (len(data) - width) // 2, "end": len(data) - width}[where]
        rng = random.Random(f"{kind}{where}")
        for i in range(start, start + width):
            data[i] ^= rng.randrange(1, 256)
        path.write_bytes(bytes(data))

    return damage


def cut(kind: str, how: str) -> Callable[[Path, Path], None]:
    """Truncation to half or to nothing, zeroing in place (same size), deletion."""

    def damage(index: Path, outside: Path) -> None:
        path = live_files(index)[kind]
        size = path.stat().st_size
        if how == "delete":
            path.unlink()
        elif how == "zero":
            path.write_bytes(bytes(size))
        else:
            with open(path, "r+b") as handle:
                handle.truncate(size // 2 if how == "half" else 0)

    return damage


def file_cases(kinds: list[str], quick: bool, index: Path) -> list[Case]:
    """Categories 1 and 2: every kind of file, same-size damage at three offsets, truncations, deletion."""
    files = live_files(index)
    cases = []
    for kind in kinds:
        summed = checksummed(index, files[kind])
        for where in ("middle",) if quick else ("start", "middle", "end"):
            tier = "full" if where == "middle" else "light"
            name = f"{kind}: random bytes at the {where}"
            cases.append(Case("1 same-size damage", name, flip(kind, where), summed, tier=tier))
        for how in ("delete",) if quick else ("half", "empty", "zero", "delete"):
            tier = "medium" if how == "delete" else "light"
            case = Case("2 truncate/zero/delete", f"{kind}: {how}", cut(kind, how), summed, tier=tier)
            if kind == "watchlist.json" and how == "delete":  # no saved searches: alerts says so, exit 1
                case.may_differ = ("alerts", "alerts-replay")
            cases.append(case)
    return cases


def edit_meta(change: Callable[[dict], object]) -> Callable[[Path, Path], None]:
    """A hand edit of the live generation's searchkit.json (``change`` mutates the dict or returns a new
    document)."""

    def damage(index: Path, outside: Path) -> None:
        path = index / (index / "CURRENT").read_text().strip() / "searchkit.json"
        meta = json.loads(path.read_text())
        result = change(meta)  # a str or list is a new document; anything else, meta was changed in place
        document = result if isinstance(result, (str, list)) else meta
        path.write_text(document if isinstance(document, str) else json.dumps(document, indent=2))

    return damage


def write(name: str, content: str | bytes) -> Callable[[Path, Path], None]:
    """Writes ``content`` to a file of the index folder (``{gen}`` is the live generation's name)."""

    def damage(index: Path, outside: Path) -> None:
        live = (index / "CURRENT").read_text().strip()
        path = index / name.format(gen=live)
        text = content.replace("{gen}", live).replace("{index}", str(index)) if isinstance(content, str) else ""
        data = text.encode() if isinstance(content, str) else content
        path.write_bytes(data)

    return damage


def first_checksum(meta: dict) -> None:
    name = next(iter(meta["checksums"]))
    meta["checksums"][name] ^= 1


def other_generation(index: Path, outside: Path) -> None:
    """CURRENT naming the previous generation (complete, older): it answers as that one."""
    previous = sorted(p.name for p in index.glob("gen-*"))[0]
    (index / "CURRENT").write_text(previous)


def extra_generation(content: str) -> Callable[[Path, Path], None]:
    def damage(index: Path, outside: Path) -> None:
        folder = index / "gen-000099"
        if content == "copy":
            shutil.copytree(index / (index / "CURRENT").read_text().strip(), folder)
        elif content == "file":
            folder.write_text("not a generation")
        else:
            folder.mkdir()
            if content == "garbage":
                (folder / "searchkit.json").write_text("{garbage")

    return damage


def generation_as_file(index: Path, outside: Path) -> None:
    live = index / (index / "CURRENT").read_text().strip()
    shutil.rmtree(live)
    live.write_text("a file where the live generation was")


def fifo(name: str) -> Callable[[Path, Path], None]:
    def damage(index: Path, outside: Path) -> None:
        path = index / name.format(gen=(index / "CURRENT").read_text().strip())
        path.unlink(missing_ok=True)
        os.mkfifo(path)

    return damage


def folder_in_place(name: str) -> Callable[[Path, Path], None]:
    def damage(index: Path, outside: Path) -> None:
        path = index / name.format(gen=(index / "CURRENT").read_text().strip())
        path.unlink(missing_ok=True)
        path.mkdir()

    return damage


def hand_edit_cases() -> list[Case]:
    """Category 3: searchkit.json, CURRENT, generations, stray files, watchlist.json of the wrong shape."""
    meta = "3 hand edits"
    edits: list[tuple[str, Callable[[Path, Path], None], bool]] = [
        ("searchkit.json: commit as a string", edit_meta(lambda m: m.update(commit=str(m["commit"]))), False),
        ("searchkit.json: commit huge", edit_meta(lambda m: m.update(commit=10**30)), False),
        ("searchkit.json: commit negative", edit_meta(lambda m: m.update(commit=-1)), False),
        ("searchkit.json: files as a list", edit_meta(lambda m: m.update(files=list(m["files"]))), False),
        ("searchkit.json: files missing", edit_meta(lambda m: m.pop("files")), False),
        (
            "searchkit.json: a file size huge",
            edit_meta(lambda m: m["files"].update({next(iter(m["files"])): 10**30})),
            False,
        ),
        (
            "searchkit.json: a file size a string",
            edit_meta(lambda m: m["files"].update({next(iter(m["files"])): "12"})),
            False,
        ),
        ("searchkit.json: checksums missing", edit_meta(lambda m: m.pop("checksums")), False),
        (
            "searchkit.json: checksums a list",
            edit_meta(lambda m: m.update(checksums=list(m["checksums"].values()))),
            False,
        ),
        ("searchkit.json: a checksum garbled", edit_meta(first_checksum), True),
        (
            "searchkit.json: a checksum huge",
            edit_meta(lambda m: m["checksums"].update({next(iter(m["checksums"])): 2**70})),
            True,
        ),
        (
            "searchkit.json: a checksum a string",
            edit_meta(lambda m: m["checksums"].update({next(iter(m["checksums"])): "x"})),
            True,
        ),
        (
            "searchkit.json: a checksum dropped",
            edit_meta(lambda m: m["checksums"].pop(next(iter(m["checksums"])))),
            False,
        ),
        ("searchkit.json: analysis_version a string", edit_meta(lambda m: m.update(analysis_version="5")), False),
        ("searchkit.json: newest_indexed a string", edit_meta(lambda m: m.update(newest_indexed="x")), False),
        ("searchkit.json: created garbled", edit_meta(lambda m: m.update(created="yesterday")), False),
        ("searchkit.json: corpus a number", edit_meta(lambda m: m.update(corpus=5)), False),
        ("searchkit.json: a list", edit_meta(lambda m: [m]), False),
        ("searchkit.json: null", edit_meta(lambda m: "null"), False),
        (
            "searchkit.json: NaN commit",
            edit_meta(lambda m: json.dumps(m).replace('"commit": ', '"commit": NaN, "x": ')),
            False,
        ),
        ("searchkit.json: a BOM first", edit_meta(lambda m: "\ufeff" + json.dumps(m)), False),
        ("searchkit.json: unknown keys added", edit_meta(lambda m: m.update(future={"a": 1})), False),
        ("searchkit.json: not UTF-8", write("{gen}/searchkit.json", b"\xff\xfe{"), False),
        ("CURRENT: a trailing newline", write("CURRENT", "{gen}\n"), False),
        ("CURRENT: spaces and CRLF", write("CURRENT", "  {gen} \r\n"), False),
        ("CURRENT: two lines", write("CURRENT", "{gen}\ngen-000001\n"), False),
        ("CURRENT: empty", write("CURRENT", ""), False),
        ("CURRENT: a missing generation", write("CURRENT", "gen-000777"), False),
        ("CURRENT: the previous generation", other_generation, False),
        ("CURRENT: an absolute path", write("CURRENT", "{index}/{gen}"), False),
        ("CURRENT: ../x", write("CURRENT", "../x"), False),
        ("CURRENT: gen/../gen", write("CURRENT", "{gen}/../{gen}"), False),
        ("CURRENT: NUL bytes", write("CURRENT", b"gen-000002\x00\x00"), False),
        ("CURRENT: 1 MB", write("CURRENT", "gen-000002" + " " * 1_000_000), False),
        ("CURRENT: not UTF-8", write("CURRENT", b"\xffgen-000002"), False),
        ("CURRENT: a folder", folder_in_place("CURRENT"), False),
        ("CURRENT: a FIFO", fifo("CURRENT"), False),
        ("an extra empty generation gen-000099", extra_generation("empty"), False),
        ("an extra generation with garbage facts", extra_generation("garbage"), False),
        ("an extra complete generation above the live one", extra_generation("copy"), False),
        ("a file named gen-000099", extra_generation("file"), False),
        ("the live generation replaced by a file", generation_as_file, False),
        ("a stray file in the generation", write("{gen}/notes.txt", "mine"), False),
        ("a stray .CURRENT.tmp", write(".CURRENT.tmp", "gen-000777"), False),
        ("a stray .searchkit.json.tmp", write("{gen}/.searchkit.json.tmp", "{"), False),
        ("a stray next table of contents _MAIN_3.toc", write("{gen}/_MAIN_3.toc", "garbage"), False),
        ("a foreign .lock (another program's file)", write(".lock", "my own data, not a lock\n" * 20), False),
        ("files.json: a list", write("{gen}/files.json", "[]"), False),
        ("files.json: wrong commit", write("{gen}/files.json", '{"commit": 99, "files": {}}'), False),
        ("watchlist.json: a list", write("watchlist.json", "[]"), False),
        ("watchlist.json: entries a number", write("watchlist.json", '{"version": 1, "entries": 5}'), False),
        ("watchlist.json: empty", write("watchlist.json", ""), False),
        ("watchlist.json: not UTF-8", write("watchlist.json", b"\xff\xfe"), False),
        ("watchlist.json: a folder", folder_in_place("watchlist.json"), False),
        ("watchlist.json: a FIFO", fifo("watchlist.json"), False),
        ("the .lock a FIFO", fifo(".lock"), False),
        ("the .lock a folder", folder_in_place(".lock"), False),
    ]
    cases = [Case(meta, name, damage, summed, tier="medium") for name, damage, summed in edits]
    readers = tuple(name for name, _ in reader_commands())
    for case in cases:
        case.rebuild_may_refuse = ".lock" in case.name or "CURRENT: a folder" in case.name
        if "previous generation" in case.name:  # a rollback by hand: it answers as that generation
            case.may_differ = (*readers, "alerts", "index")
        elif "analysis_version" in case.name:  # another version's index: an update rebuilds it (documented)
            case.may_differ = ("index",)
        elif "created garbled" in case.name or "corpus a number" in case.name:
            case.may_differ = ("stats",)  # stats shows the build facts as written
    cases += watchlist_shape_cases()
    return cases


def watchlist_shape_cases() -> list[Case]:
    """The watchlist's entries edited by hand: a mark of the wrong type, a bad name, a query that no
    longer parses (alerts reports it in ``error`` and keeps the mark)."""

    def entries(change: Callable[[dict], None]) -> Callable[[Path, Path], None]:
        def damage(index: Path, outside: Path) -> None:
            path = index / "watchlist.json"
            document = json.loads(path.read_text())
            change(document)
            path.write_text(json.dumps(document))

        return damage

    def first(document: dict) -> dict:
        return document["entries"][0]

    def each(key: str, value: object) -> Callable[[dict], None]:
        return lambda d: first(d).update({key: value})

    cases = [
        ("watchlist.json: a mark a string", each("mark", "x")),
        ("watchlist.json: a query a number", each("query", 5)),
        ("watchlist.json: a query that no longer parses", each("query", '"unclosed')),
        ("watchlist.json: a name with a slash", each("name", "a/b")),
        ("watchlist.json: an unknown key", each("colour", "red")),
    ]
    alerts = ("alerts", "alerts-replay")  # a saved query that no longer runs is reported in its `error`
    return [Case("3 hand edits", name, entries(change), tier="medium", may_differ=alerts) for name, change in cases]


# -- links


def link_to(name: str, target: str) -> Callable[[Path, Path], None]:
    """``name`` (in the index folder, ``{gen}`` the live generation) replaced by a symbolic link to a file
    outside, a missing file outside, or a folder outside."""

    def damage(index: Path, outside: Path) -> None:
        path = index / name.format(gen=(index / "CURRENT").read_text().strip())
        destination = {"file": outside / "precious.txt", "missing": outside / "missing", "folder": outside / "folder"}
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
        path.symlink_to(destination[target])

    return damage


def link_copy(name: str) -> Callable[[Path, Path], None]:
    """A file of the index moved outside and linked back: its contents are whole, it is only a link."""

    def damage(index: Path, outside: Path) -> None:
        path = index / name.format(gen=(index / "CURRENT").read_text().strip())
        moved = outside / ("moved-" + path.name)
        shutil.move(path, moved)
        path.symlink_to(moved)

    return damage


def link_cases(quick: bool) -> list[Case]:
    """Category 4: every file the index writes (and the names its next writes will take) as a link."""
    names = [
        "CURRENT",
        ".CURRENT.tmp",
        ".lock",
        "watchlist.json",
        ".watchlist.json.tmp",
        "{gen}/searchkit.json",
        "{gen}/.searchkit.json.tmp",
        "{gen}/files.json",
        "{gen}/.files.json.tmp",
        "{gen}/variants.sqlite",
        "{gen}/.variants.sqlite.tmp",
        "{gen}/vocabulary.sqlite",
        "{gen}/.vocabulary.sqlite.tmp",
        "{gen}/MAIN_WRITELOCK",
        "{gen}/_MAIN_3.toc",
        "gen-000003",
    ]
    if quick:
        names = ["CURRENT", ".lock", "watchlist.json", "{gen}/.vocabulary.sqlite.tmp", "{gen}/MAIN_WRITELOCK"]
    cases = []
    for name in names:
        for target in ("file",) if quick else ("file", "missing", "folder"):
            case = Case("4 links", f"{name} -> {target} outside", link_to(name, target), tier="medium")
            case.rebuild_may_refuse = name in (".lock", "CURRENT")
            cases.append(case)
    for name in ("{gen}", "{gen}/searchkit.json", "watchlist.json") if not quick else ("{gen}",):
        cases.append(Case("4 links", f"{name} moved outside and linked back", link_copy(name), tier="medium"))
    cases.append(Case("4 links", "the index folder itself a link (allowed)", lambda i, o: None, index_link=True))
    return cases


# ---------------------------------------------------------------- signals


@dataclass
class SignalCase:
    mode: str  #: update or rebuild
    signum: int
    delay: float


class SignalSweep:
    """Category 5: a signal to ``index`` at a random instant; then the index answers as before the run or
    as after it, the exit code says which, the next run succeeds, no process survives.

    Modes: an update and a rebuild adding 60 articles to the small index, and a rebuild of 2,100
    articles (``parallel``), which Whoosh writes with two writer processes that must die with it."""

    def __init__(self, sweep: Sweep) -> None:
        self.sweep = sweep
        self.after: dict[str, object] = {}
        self.durations: dict[str, float] = {}
        self.big = sweep.work / "big.jsonl"
        self.before = self.state(sweep.base, sweep.base.parent)

    def args(self, mode: str, index: Path) -> list[str]:
        paths = [str(self.big)] if mode == "parallel" else [str(self.sweep.corpus), str(self.sweep.extra)]
        flags = ["--rebuild"] if mode != "update" else []
        return ["index", *paths, *flags, "--wait", "0", "--quiet", "--index", str(index)]

    def state(self, index: Path, cwd: Path) -> object:
        """What the index answers, as counts (a rebuild may lay segments out differently): its articles,
        and those holding the marker word, which only a completed run adds."""
        stats = cli(["stats", "--json", "--index", str(index)], cwd)
        found = cli(["search", MARKER, "--all", "--limit", "1", "--json", "--index", str(index)], cwd)
        if stats.rc != 0 or found.rc not in (0, 1) or fault(found):
            return ("error", stats.rc, found.rc, stats.first_stderr or found.first_stderr)
        total = json.loads(found.stdout)["total"] if found.rc == 0 else 0
        return json.loads(stats.stdout)["documents"], total

    def prepare(self, modes: list[str]) -> None:
        """The answer after each mode ran to its end, and how long each takes (to pick delays)."""
        if "parallel" in modes:
            write_jsonl(self.big, generated_articles(2100, 4, prefix="b", extra_word=MARKER))
        for mode in modes:
            index = self.sweep.copy_index(f"signal-ref-{mode}")
            run = cli(self.args(mode, index), index.parent)
            self.sweep.must(run)
            self.durations[mode] = run.seconds
            self.after[mode] = self.state(index, index.parent)

    def cases(self, per_signal: dict[str, int], rng: random.Random) -> list[SignalCase]:
        signals = [signal.SIGINT, signal.SIGTERM, signal.SIGKILL, signal.SIGHUP, signal.SIGQUIT, signal.SIGPIPE]
        return [
            SignalCase(mode, signum, rng.uniform(0.05, self.durations[mode] * 1.05))
            for mode, count in per_signal.items()
            for signum in signals
            for _ in range(count)
        ]

    def run(self, case: SignalCase) -> Verdict:
        name = f"{case.mode}: {signal.Signals(case.signum).name} after {case.delay:.2f}s"
        verdict = Verdict(Case("5 signals", name, lambda i, o: None))
        index = self.sweep.copy_index(f"signal-{case.mode}")
        run = self.signalled(self.args(case.mode, index), index.parent, case)
        time.sleep(0.5)
        if survivors := session_members(run.sid):
            verdict.problems.append((f"processes survived: {survivors}", run))
            kill_session(run.sid)
        self.judge_signal(verdict, run, self.state(index, index.parent), case.mode)
        again = cli(self.args(case.mode, index), index.parent)
        if again.rc != 0 or fault(again):
            verdict.problems.append((f"the next `index --wait 0` failed (exit {again.rc})", again))
        elif (state := self.state(index, index.parent)) != self.after[case.mode]:
            verdict.problems.append(
                (f"after the next run, the index answers {state}, not {self.after[case.mode]}", again)
            )
        return verdict

    @staticmethod
    def signalled(args: list[str], cwd: Path, case: SignalCase) -> Run:
        """Starts ``index`` in its own session, sends the signal after the delay, waits for the end."""
        proc = subprocess.Popen(
            [sys.executable, "-m", "searchkit", *args],
            cwd=cwd,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=limits(),
            start_new_session=True,
        )
        time.sleep(case.delay)
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, case.signum)
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            kill_session(proc.pid)
            out, err = proc.communicate()
            err = f"(hung: killed after {TIMEOUT:g}s) {err}"
        run = Run(args, proc.returncode, out, err, case.delay, sid=proc.pid)
        return run

    def judge_signal(self, verdict: Verdict, run: Run, state: object, mode: str) -> None:
        """The exit code must say what the index holds: 0 after, 130/143 before, killed either."""
        where = "before" if state == self.before else "after" if state == self.after[mode] else None
        if where is None:
            verdict.problems.append((f"the index answers neither as before nor as after: {state}", run))
        elif run.rc == 0 and where != "after":
            verdict.problems.append(("exit 0 but the index is as before the run", run))
        elif run.rc in (130, 143) and where != "before":
            verdict.problems.append((f"exit {run.rc} but the index holds the run's articles", run))
        elif run.rc not in (0, 130, 143) and run.rc >= 0:
            verdict.problems.append((f"exit {run.rc}", run))
        if "Traceback" in run.stderr:
            verdict.problems.append(("traceback", run))
        verdict.note = f"exit {run.rc}, index {where}"


# ---------------------------------------------------------------- resource limits and output


def limited_cases(sweep: Sweep, quick: bool) -> list[Callable[[], Verdict]]:
    """Category 6: few descriptors, little memory, small files, for index (update and rebuild), search
    and check --deep; then, without the limit, the index answers as the reference."""
    mb = 1024 * 1024
    commands = {
        "search": ["search", QUERY, "--limit", "20", "--json"],
        "check-deep": ["check", "--deep", "--json"],
        "index": ["index", str(sweep.corpus), str(sweep.extra), "--wait", "0", "--json"],
        "rebuild": ["index", str(sweep.corpus), "--rebuild", "--wait", "0", "--json"],
    }
    plans = [("nofile", n) for n in ((12, 24) if quick else (8, 12, 16, 24, 32, 48))]
    plans += [("address", n * mb) for n in ((250,) if quick else (100, 250, 400, 600))]
    plans += [("fsize", n) for n in ((65536,) if quick else (1, 4096, 65536, mb))]
    jobs = []
    for kind, value in plans:
        for name, args in commands.items():
            if kind == "fsize" and not name.startswith(("index", "rebuild")):
                continue
            jobs.append(lambda kind=kind, value=value, name=name, args=args: limited(sweep, kind, value, name, args))
    return jobs


def limited(sweep: Sweep, kind: str, value: int, name: str, args: list[str]) -> Verdict:
    verdict = Verdict(Case("6 resource limits", f"{name} with {kind}={value:,}", lambda i, o: None))
    index = sweep.copy_index(f"limit-{name}")
    run = cli([*args, "--index", str(index)], index.parent, preexec=limits(**{kind: value}))
    verdict.note = f"exit {run.rc}"
    if bad := fault(run):
        verdict.problems.append((bad, run))
    elif run.rc == 4:
        if shape := error_shape(run, stdout_allowed=name == "check-deep"):
            verdict.problems.append((shape, run))
        elif "is damaged" in run.stderr or "--rebuild" in run.stderr:
            verdict.problems.append(("a resource shortage called damage", run))
    elif run.rc < 0:
        verdict.problems.append((f"killed by signal {-run.rc}", run))
    elif name in sweep.reference and run.rc != sweep.reference[name].rc:
        verdict.problems.append((f"exit {run.rc}", run))
    for check_name, check_args in (("search", commands_search()), ("check", ["check", "--json"])):
        after = cli([*check_args, "--index", str(index)], index.parent)
        if after.rc != 0:
            verdict.problems.append((f"without the limit, {check_name} fails afterwards (exit {after.rc})", after))
    return verdict


def commands_search() -> list[str]:
    return ["search", QUERY, "--limit", "20", "--json"]


def output_cases(sweep: Sweep, quick: bool) -> list[Callable[[], Verdict]]:
    """Category 7: stdout to /dev/full, closed, a pipe whose reader left; stderr closed or full; stdin
    closed; for every command, --json and text."""
    commands = {
        "search": ["search", QUERY, "--limit", "20"],
        "stats": ["stats"],
        "timeline": ["timeline", QUERY, "--by", "year"],
        "kwic": ["kwic", QUERY, "--limit", "30"],
        "cooccur": ["cooccur", QUERY],
        "names": ["names", QUERY],
        "alerts-replay": ["alerts", "--since", "2000"],
        "check": ["check"],
        "check-deep": ["check", "--deep"],
        "index": ["index", str(sweep.corpus), "--wait", "0"],
        "rebuild": ["index", str(sweep.corpus), "--rebuild", "--wait", "0"],
        "alerts": ["alerts"],
        "watchlist-add": ["watchlist", "add", "kyiv", "Kyiv"],
        "show": ["show", "1001"],
        "similar": ["similar", "1001"],
        "watchlist-list": ["watchlist", "list"],
    }
    modes = ["stdout /dev/full", "stdout closed", "stdout reader gone", "stderr closed", "stdin closed"]
    modes += [] if quick else ["stderr /dev/full", "stdout and stderr /dev/full"]
    if quick:
        commands = {k: commands[k] for k in ("search", "stats", "index", "check")}
    jobs = []
    for name, args in commands.items():
        for mode in modes:
            text_too = not quick and mode in ("stdout /dev/full", "stdout closed")
            for full in ([*args, "--json"], args) if text_too else ([*args, "--json"],):
                jobs.append(lambda n=name, a=full, m=mode: output_case(sweep, n, a, m))
    return jobs


def output_case(sweep: Sweep, name: str, args: list[str], mode: str) -> Verdict:
    """One command with its output broken one way, beside the same command on another copy with its output
    whole: the exit code must be the same, or 4 with `cannot write the output` when stdout was lost."""
    shown = " ".join(args[:1] + [a for a in args[1:] if a.startswith("--") and a != "--wait"])
    verdict = Verdict(Case("7 output", f"{shown}: {mode}", lambda i, o: None))
    whole, reference = delivered(sweep, tuple(args))
    index = sweep.copy_index(f"out-{name}")
    run = broken_output_run(args, index, mode)
    verdict.note = f"exit {run.rc}"
    if bad := fault(run):
        verdict.problems.append((bad, run))
        return verdict
    stdout_lost = mode in ("stdout /dev/full", "stdout closed", "stdout and stderr /dev/full")
    if stdout_lost and reference.stdout.strip():
        if run.rc != 4:
            verdict.problems.append((f"exit {run.rc}, not 4 (cannot write the output)", run))
        elif "stderr" not in mode and (error_shape(run) or "cannot write the output" not in run.stderr):
            verdict.problems.append(("exit 4 without one `searchkit: ... cannot write the output` line", run))
    elif run.rc != reference.rc:
        verdict.problems.append((f"exit {run.rc} (with its output delivered: {reference.rc})", run))
    elif mode in ("stderr closed", "stdin closed", "stderr /dev/full"):
        drop = VOLATILE | REBUILT
        answer = normalise(run.stdout, [index, index.parent], drop)
        if answer != normalise(reference.stdout, [whole, whole.parent], drop):
            verdict.problems.append(("a different answer", run))
    return verdict


_DELIVERED: dict[tuple[str, ...], tuple[Path, Run]] = {}


def delivered(sweep: Sweep, args: tuple[str, ...]) -> tuple[Path, Run]:
    """The command run once on its own copy with its output whole: what the broken runs are held to."""
    if args not in _DELIVERED:
        whole = sweep.copy_index("out-reference")
        _DELIVERED[args] = whole, cli([*args, "--index", str(whole)], whole.parent)
    return _DELIVERED[args]


def broken_output_run(args: list[str], index: Path, mode: str) -> Run:
    """Runs ``args`` with one of its standard streams closed, full (/dev/full) or a pipe nobody reads."""
    close = {"stdout closed": 1, "stderr closed": 2, "stdin closed": 0}.get(mode)
    base = limits()

    def preexec() -> None:
        base()
        if close is not None:
            os.close(close)

    command = [*args, "--index", str(index)]
    with open("/dev/full", "w") as full:
        if mode == "stdout reader gone":
            read, write_end = os.pipe()
            os.close(read)
            with os.fdopen(write_end, "w") as pipe:
                return cli(command, index.parent, preexec=preexec, stdout=pipe)
        stdout = full if mode in ("stdout /dev/full", "stdout and stderr /dev/full") else None
        stderr = full if mode in ("stderr /dev/full", "stdout and stderr /dev/full") else None
        return cli(command, index.parent, preexec=preexec, stdout=stdout, stderr=stderr)


# ---------------------------------------------------------------- the whole run


def damage_cases(sweep: Sweep, quick: bool) -> list[Case]:
    files = live_files(sweep.base)
    kinds = list(files)
    if quick:
        kinds = [k for k in kinds if k.endswith((".pst", "_stored.col", "date.col", "toc (live)"))]
        kinds += ["searchkit.json", "vocabulary.sqlite", "CURRENT", "watchlist.json"]
    cases = file_cases(kinds, quick, sweep.base)
    edits = hand_edit_cases()
    if quick:
        keep = ("commit as a string", "files as a list", "checksums missing", "garbled", "CURRENT: an absolute")
        keep += ("CURRENT: ../x", "CURRENT: a FIFO", "replaced by a file", "foreign .lock", "watchlist.json: a list")
        edits = [case for case in edits if any(k in case.name for k in keep)]
    return cases + edits + link_cases(quick)


def report(verdicts: list[Verdict], seconds: float, quick: bool) -> None:
    """The table, then a line per broken case."""
    categories = sorted({v.case.category for v in verdicts})
    print(f"\n{'category':<26} {'cases':>6} {'held':>6} {'broke':>6}")
    for category in categories:
        mine = [v for v in verdicts if v.case.category == category]
        broke = sum(not v.held for v in mine)
        print(f"{category:<26} {len(mine):>6} {len(mine) - broke:>6} {broke:>6}")
    total_broke = sum(not v.held for v in verdicts)
    print(f"{'all':<26} {len(verdicts):>6} {len(verdicts) - total_broke:>6} {total_broke:>6}")
    print(f"\n{'quick' if quick else 'full'} sweep: {seconds:.0f} s, {os.cpu_count()} CPUs\n")
    for verdict in verdicts:
        for what, run in verdict.problems:
            print(
                f"BROKE [{verdict.case.category}] {verdict.case.name} | {what} | {run.shown} | exit {run.rc} | "
                f"{run.first_stderr}"
            )
    for verdict in verdicts:
        if verdict.note.startswith("not applied"):
            print(f"SKIPPED [{verdict.case.category}] {verdict.case.name}: {verdict.note}")


Job = tuple[str, Callable[[], Verdict]]  #: (category number, the case to run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a subset, about 3 minutes")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--only", default="", help="categories to run, by number: 1,2,5")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (its path is printed)")
    parser.add_argument("--json", type=Path, help="also write every verdict to this file")
    options = parser.parse_args()
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="searchkit-sweep-"))
    only = set(options.only.split(",")) - {""}
    try:
        sweep = Sweep(work, options.quick, options.seed)
        sweep.build()
        print(f"reference index built in {time.monotonic() - started:.0f} s ({work})", file=sys.stderr)
        jobs = [job for job in all_jobs(sweep, options.quick, only) if not only or job[0] in only]
        verdicts = run_jobs(jobs, options.workers)
        report(verdicts, time.monotonic() - started, options.quick)
        if options.json:
            options.json.write_text(json.dumps([as_dict(v) for v in verdicts], indent=1, ensure_ascii=False))
    finally:
        if options.keep:
            print(f"work folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def all_jobs(sweep: Sweep, quick: bool, only: set[str]) -> list[Job]:
    """Every case of the run, each with its category's number (signals are prepared only when asked)."""
    jobs: list[Job] = [
        (case.category.split()[0], lambda c=case: sweep.run_case(c)) for case in damage_cases(sweep, quick)
    ]
    if not only or "5" in only:
        signals = SignalSweep(sweep)
        per_signal = {"update": 1, "rebuild": 1} if quick else {"update": 2, "rebuild": 2, "parallel": 1}
        signals.prepare(list(per_signal))
        jobs += [("5", lambda c=case: signals.run(c)) for case in signals.cases(per_signal, sweep.rng)]
    jobs += [("6", job) for job in limited_cases(sweep, quick)]
    jobs += [("7", job) for job in output_cases(sweep, quick)]
    return jobs


def run_jobs(jobs: list[Job], workers: int) -> list[Verdict]:
    """Runs the cases ``workers`` at a time (each is a chain of subprocesses), saying how far it is."""
    verdicts = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for n, verdict in enumerate(pool.map(lambda job: job[1](), jobs), 1):
            verdicts.append(verdict)
            mark = "ok" if verdict.held else "BROKE"
            print(f"[{n}/{len(jobs)}] {mark:5} {verdict.case.category}: {verdict.case.name}", file=sys.stderr)
    return verdicts


def as_dict(verdict: Verdict) -> dict:
    return {
        "category": verdict.case.category,
        "case": verdict.case.name,
        "held": verdict.held,
        "note": verdict.note,
        "problems": [
            {"what": what, "command": run.shown, "exit": run.rc, "stderr": run.stderr[-2000:]}
            for what, run in verdict.problems
        ],
    }


if __name__ == "__main__":
    main()
