"""Where a figure comes from: commit, model, settings, machine and the machine's own llama.cpp
rates, and the figure blocks that `--write` commands keep in docs/*.md.

Machines here differ ~3x in speed from one session to the next, so a time means nothing
without the rates of the machine that measured it: every written block carries them.

A figure block in a markdown file:

    <!-- figures: python bench/checker.py --write docs/checker.md -->
    _provenance: commit 1a2b3c4 · model ... · machine ..._
    ...tables...
    <!-- /figures -->

`write_block` replaces the block of the same command (or appends it); prose outside the
blocks is kept as it is. Rerunning the command reproduces its block.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import subprocess
import time
from pathlib import Path

from pydantic import BaseModel, Field

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"<!-- figures: (?P<cmd>.+?) -->\n(?P<body>.*?)<!-- /figures -->\n?", re.S)


class Rates(BaseModel):
    """The local model's own llama.cpp speed on this machine, measured now."""

    prompt_tps: float = Field(description="Prompt tokens read per second (cold cache).")
    gen_tps: float = Field(description="Tokens generated per second.")


class Provenance(BaseModel):
    commit: str
    lock: str = Field(description="sha256 prefix of requirements.lock (or of the installed versions).")
    model: str
    embedder: str
    settings: dict = Field(default_factory=dict, description="The settings that matter here.")
    machine: str
    rates: Rates | None = None
    date: str = Field(default_factory=lambda: time.strftime("%Y-%m-%d"))

    def line(self) -> str:
        rates = (f"llama.cpp {self.rates.prompt_tps:.1f} prompt tok/s, {self.rates.gen_tps:.1f} "
                 "gen tok/s" if self.rates else "llama.cpp rates not measured")
        sets = ", ".join(f"{k}={v}" for k, v in self.settings.items())
        return (f"_provenance: commit {self.commit} · lock {self.lock} · model {self.model} · "
                f"embedder {self.embedder}{' · ' + sets if sets else ''} · machine {self.machine}, "
                f"{rates} · {self.date}_")


CODE = ["qa", "bench", "app.py", "pyproject.toml", "requirements.lock"]  # what decides a figure


def commit() -> str:
    """The checkout's short commit, '+dirty' when the code differs from it (the figures and
    baselines that --write commands leave behind do not count)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short=7", "HEAD"], cwd=ROOT, text=True,
                              capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", *CODE],
                               cwd=ROOT, text=True, capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head + ("+dirty" if dirty else "")


def lock_hash() -> str:
    lock = ROOT / "requirements.lock"
    if lock.is_file():
        return hashlib.sha256(lock.read_bytes()).hexdigest()[:12]
    from importlib.metadata import distributions

    names = sorted(f"{d.metadata['Name']}=={d.version}" for d in distributions())
    return "installed:" + hashlib.sha256("\n".join(names).encode()).hexdigest()[:12]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for ln in Path("/proc/cpuinfo").read_text().splitlines():
            if ln.startswith("model name"):
                cpu = ln.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}"


def collect(settings, *, rates: bool = True, **extra) -> Provenance:
    """Provenance of a run with these settings; `rates` measures the local model's llama.cpp
    prompt and generation speed now (~20 s), for local/* models."""
    measured = None
    if rates and settings.model.startswith("local/"):
        from qa.llm import local_rates

        measured = Rates(**local_rates(settings))
    return Provenance(commit=commit(), lock=lock_hash(), model=settings.model,
                      embedder=settings.embedder, settings=extra, machine=machine(), rates=measured)


def write_block(path: Path, command: str, body: str, provenance: Provenance) -> None:
    """Put `body` into path as the figure block of `command`, replacing that command's
    earlier block; other blocks and prose stay."""
    path = Path(path)
    block = f"<!-- figures: {command} -->\n{provenance.line()}\n\n{body.strip()}\n<!-- /figures -->\n"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    for m in BLOCK.finditer(old):
        if m.group("cmd").strip() == command:
            new = old[:m.start()] + block + old[m.end():]
            break
    else:
        new = (old.rstrip() + "\n\n" if old.strip() else "") + block
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new, encoding="utf-8")


def blocks(text: str) -> list[tuple[str, str]]:
    """(command, body) of every figure block in a markdown text."""
    return [(m.group("cmd").strip(), m.group("body")) for m in BLOCK.finditer(text)]
