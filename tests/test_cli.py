"""The `qa` command as a user runs it (subprocesses, real store and embedder)."""

import json
import os
import subprocess
import sys

from .conftest import MODELS_DIR, ROOT, SEEDS


def run(args, data_dir, check=True):
    env = {**os.environ, "QA_DATA_DIR": str(data_dir), "QA_MODELS_DIR": str(MODELS_DIR)}
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, check=check)


def test_help_is_fast_and_loads_no_heavy_library(tmp_path):
    code = ("import sys, time; t=time.perf_counter(); sys.argv=['qa','--help']\n"
            "from qa.cli.main import app\n"
            "try: app()\nexcept SystemExit: pass\n"
            "heavy=[m for m in ('torch','chromadb','litellm','gradio','sentence_transformers')"
            " if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "HEAVY []" in out.stdout
    assert "ingest" in out.stdout and "ask" in out.stdout


def test_list_on_empty_store_says_how_to_add(tmp_path):
    assert "qa ingest" in run(["list"], tmp_path).stdout
    assert json.loads(run(["list", "--json"], tmp_path).stdout) == {"articles": []}


def test_ingest_search_list_json(tmp_path):
    out = run(["ingest", str(SEEDS), "--json"], tmp_path)
    assert len(json.loads(out.stdout)["added"]) == 1
    res = json.loads(run(["search", "How many arrests?", "--k", "3", "--json"], tmp_path).stdout)
    assert len(res["results"]) == 3
    top = res["results"][0]
    assert {"text", "score", "article_id", "title", "start", "end"} <= top.keys()
    assert "1,000 arrests" in " ".join(r["text"] for r in res["results"])
    (art,) = json.loads(run(["list", "--json"], tmp_path).stdout)["articles"]
    assert art["source"] == "OpenVoiceNews U.K." and art["chunks"] >= 2


def test_search_batch_prints_one_json_line_per_query(tmp_path):
    run(["ingest", str(SEEDS)], tmp_path)
    qfile = tmp_path / "q.txt"
    qfile.write_text("arrests\nprotests\n\nWest End\n")
    lines = run(["search", "--batch", str(qfile), "--k", "2", "--json"], tmp_path).stdout.splitlines()
    assert [json.loads(x)["query"] for x in lines] == ["arrests", "protests", "West End"]


def test_bad_input_exit_codes(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "x"}\n')
    out = run(["ingest", str(bad)], tmp_path, check=False)
    assert out.returncode == 2 and "bad.jsonl:1: missing field(s) text" in out.stderr
    out = run(["ingest", str(tmp_path / "nope")], tmp_path, check=False)
    assert out.returncode == 1 and "no such file" in out.stderr
    out = run(["delete", "nothere"], tmp_path, check=False)
    assert out.returncode == 1 and "qa list" in out.stderr


def test_a_bad_setting_is_an_error_naming_it_not_a_traceback(tmp_path):
    env = {**os.environ, "QA_DATA_DIR": str(tmp_path), "QA_MODEL_API_BASE": "http://127.0.0.1:9/v1"}
    for args in (["-m", "qa.cli", "list"], ["-m", "qa.cli", "ask", "hi"], ["app.py"]):
        out = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=ROOT)
        assert out.returncode == 1, (args, out.stderr[-500:])
        assert "settings:" in out.stderr and "QA_MODEL=openai/NAME" in out.stderr, out.stderr[-500:]
        assert "Traceback" not in out.stderr
