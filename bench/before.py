"""Run a measurement on an earlier commit of qa, in the same bench run, on the same machine.

Targets such as "time to the first shown sentence <= 0.5x today's" compare the pipeline with
the one the issue was filed against. Times only compare within one run (machines differ ~3x
from one session to the next), so a bench that states such a ratio runs the earlier commit
itself, here and now, with the same model file and inputs:

    rows = run("a500485", DRIVER, jobs)

`git archive` unpacks the commit's tree into a temporary folder (the repository is not
touched); DRIVER (Python source, written for that commit's API) runs there in a subprocess
of this interpreter, with the jobs as JSON on its standard input and one JSON object a line
on its standard output. Its store is a temporary folder of its own; the model file is this
checkout's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The commit issues 14 and 19 were filed against: the last one before work on them began.
FILED_AT = "a500485"


def unpack(rev: str, into: Path) -> Path:
    """The tree of commit rev, written below into; an unknown rev is an error naming it."""
    got = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", rev],
                         capture_output=True, check=False)
    if got.returncode:
        raise SystemExit(f"cannot read commit {rev!r}: {got.stderr.decode().strip()}")
    with tarfile.open(fileobj=BytesIO(got.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def run(rev: str, driver: str, jobs: list[dict], models_dir: Path) -> list[dict]:
    """The driver's output rows for the jobs, run on commit rev; a crash is an error with its
    standard error, not a silent empty result."""
    with tempfile.TemporaryDirectory(prefix=f"qa-{rev}-") as tmp:
        tree = unpack(rev, Path(tmp) / "tree")
        env = {**os.environ, "PYTHONPATH": str(tree), "QA_DATA_DIR": str(Path(tmp) / "data"),
               "QA_MODELS_DIR": str(models_dir)}
        got = subprocess.run([sys.executable, "-c", driver], input=json.dumps(jobs), text=True,
                             capture_output=True, cwd=tree, env=env, check=False)
        if got.returncode:
            raise SystemExit(f"the driver failed on commit {rev}:\n{got.stderr[-3000:]}")
        return [json.loads(line) for line in got.stdout.splitlines() if line.startswith("{")]
