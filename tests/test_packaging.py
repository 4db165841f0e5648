"""`pip install .` (a wheel, not the editable install) gives a working `qa`: prompts, the
seed article, the eval suites and the MultiHop-RAG data come inside the package (the top-level
prompts/ and seeds/ mapped into it at build time)."""

import os
import shutil
import subprocess
import sys

import pytest

from .conftest import MODELS_DIR, ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"  # a copy: building in the checkout would leave build/ there
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", ".qa", ".git", "runs", "build",
                                                            "*.egg-info", "__pycache__", ".*_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp), str(src)],
                   check=True, capture_output=True)
    (wheel,) = tmp.glob("qa-*.whl")
    target = tmp / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                    str(wheel)], check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(target), "QA_DATA_DIR": str(tmp / "data"),
           "QA_MODELS_DIR": str(MODELS_DIR)}
    return target, env, tmp


def test_the_wheel_carries_what_qa_reads(installed):
    target, env, tmp = installed
    code = ("import qa, qa.prompts as p, qa.resources as r; from qa.evals.cases import load_suite\n"
            f"assert qa.__file__.startswith({str(target)!r}), qa.__file__\n"
            "assert p.load('answer') and p.load('system')\n"
            "assert (r.SEEDS_DIR / 'met-police-facial-recognition.txt').is_file()\n"
            f"assert str(r.PROMPTS_DIR).startswith({str(target)!r}), r.PROMPTS_DIR  # the wheel's own copy\n"
            f"assert str(r.SEEDS_DIR).startswith({str(target)!r}), r.SEEDS_DIR\n"
            "for name in ('seed', 'multihop', 'multihop40'):\n"
            "    s = load_suite(name); assert s.cases and all(x.exists() for x in s.corpus_paths())\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


@pytest.mark.slow
def test_qa_eval_runs_from_the_wheel(installed):
    target, env, tmp = installed
    out = subprocess.run([sys.executable, "-m", "qa.cli", "eval", "seed", "--limit", "2", "--out",
                          str(tmp / "run.json")], env=env, cwd=tmp, capture_output=True, text=True,
                         timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "pass_rate" in out.stdout and (tmp / "run.json").is_file()


def test_qa_serve_from_the_wheel_serves_the_seed_article(installed):
    """`qa serve` from the installed wheel (no checkout beside it): the app answers at / and the
    API's health counts the seed article, read from the wheel's own seeds."""
    import json
    import time
    import urllib.request

    from .conftest import free_port

    target, env, tmp = installed
    port = free_port()
    log = (tmp / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve"], cwd=tmp, stdout=log,
                            stderr=subprocess.STDOUT, env={**env, "QA_PORT": str(port),
                                                          "QA_DATA_DIR": str(tmp / "serve-data")})
    try:
        health, t = None, time.perf_counter()
        while health is None and time.perf_counter() - t < 300:
            assert proc.poll() is None, (tmp / "serve.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/health", timeout=5) as r:
                    health = json.load(r)
            except OSError:
                time.sleep(1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as page:
            assert page.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert health and health["articles"] == 1 and health["chunks"] > 0, health
