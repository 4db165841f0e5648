"""Uploads, deletes and questions at the same time, from several gradio_client clients
against the real app (real model, real Chroma): no error, no article lost or stored twice,
and every answer equal to the one a single client gets. Questions are filtered to the seed
outlet, so the articles uploaded meanwhile cannot change what they retrieve."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from qa.index.store import Store
from qa.ingest.add import ingest

from .conftest import SEEDS, make_settings, running_app

pytestmark = pytest.mark.slow
SEED_OUTLET = "OpenVoiceNews U.K."
QUESTIONS = ["How many arrests has live facial recognition led to?",
             "How big is the Met's funding shortfall?"]
TOWNS = ["Ashford", "Brackley", "Carmel", "Dunmore", "Elstow", "Fairlie", "Garstang", "Hexham",
         "Ilkley", "Jarrow"]


def story(town: str, lanes: int) -> str:
    return (f"Local Herald\n{town} opens new swimming pool\nMay 3, 2024\n\n"
            f"The town of {town} opened a new swimming pool on Saturday, the council said. "
            f"The pool has {lanes} lanes and will open every day at 7am, according to the mayor.\n")


def test_uploads_deletes_and_questions_at_once(tmp_path):
    from gradio_client import Client, handle_file

    files = tmp_path / "files"
    files.mkdir()
    for i, town in enumerate(TOWNS):
        (files / f"{town}.txt").write_text(story(town, 20 + i))
    victims = TOWNS[:4]  # stored before the app starts, deleted while questions run
    store = Store(make_settings(tmp_path / "data"))
    ingest([SEEDS, *(files / f"{t}.txt" for t in victims)], store)
    rows = {r["title"]: r for r in store.list_articles()}
    store.db.close()

    with running_app(tmp_path) as url:
        def ask(q: str) -> str:
            chat, _, _ = Client(url, verbose=False).predict(q, [], "", SEED_OUTLET, "", "", api_name="/ask")
            return str(chat[-1]["content"])

        def upload(name: str, text: str) -> str:
            f = tmp_path / "up" / uuid.uuid4().hex / name  # as a browser upload: own folder, same name
            f.parent.mkdir(parents=True)
            f.write_text(text)
            return str(Client(url, verbose=False).predict([handle_file(str(f))], api_name="/upload")[0])

        def delete(town: str) -> str:
            r = rows[f"{town} opens new swimming pool"]
            return str(Client(url, verbose=False).predict(f"{r['title'][:80]} · {r['id']}",
                                                          api_name="/delete")[0])

        assert "added" in upload("Keswick.txt", story("Keswick", 99))  # replaced below
        single = {q: ask(q) for q in QUESTIONS}
        jobs = ([(ask, q) for q in QUESTIONS * 3]
                + [(upload, f"{t}.txt", (files / f"{t}.txt").read_text()) for t in TOWNS[4:]]
                + [(upload, "Keswick.txt", story("Keswick", 31))]
                + [(delete, t) for t in victims])
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            futures = [pool.submit(fn, *args) for fn, *args in jobs]
            results = [f.result(timeout=1800) for f in futures]

    for (fn, *args), out in zip(jobs, results):
        if fn is ask:
            assert out == single[args[0]], (args[0], out, single[args[0]])
        elif fn is upload:
            assert ("replaced" if args[0] == "Keswick.txt" else "added") in out, (args, out)
        else:
            assert out.startswith("Deleted"), out
    after = Store(make_settings(tmp_path / "data"))
    titles = [r["title"] for r in after.list_articles()]
    expected = {"Met Police to Expand Facial Recognition Use as Part of Wider Crime Strategy",
                *(f"{t} opens new swimming pool" for t in [*TOWNS[4:], "Keswick"])}
    assert sorted(titles) == sorted(expected)  # nothing lost, nothing twice, victims gone
    assert after.chroma.collection.count() == after.counts()["chunks"]
    keswick = next(r for r in after.list_articles() if r["title"].startswith("Keswick"))
    assert "31 lanes" in after.text(keswick["id"])


LOADERS_AT_ONCE = """
import threading
from qa.config import Settings
from qa.index.embed import get_model
from qa.llm import _litellm

got, errors = {"embed": [], "litellm": []}, []
settings = Settings().model_dump_json()
def load():
    try:
        got["embed"].append(get_model("minilm"))
        got["litellm"].append(_litellm(settings))
    except Exception as e:
        errors.append(repr(e))
threads = [threading.Thread(target=load) for _ in range(4)]
[t.start() for t in threads]
[t.join() for t in threads]
assert not errors, errors
assert all(len({id(m) for m in ms}) == 1 and len(ms) == 4 for ms in got.values()), got
print("one load each")
"""


def test_the_warm_up_and_a_first_question_loading_the_embedder_and_litellm_at_once_load_each_once():
    """The app warms up in a thread while the first question may already load the same things:
    in a fresh process (nothing imported yet), four threads at once get one embedder and one
    litellm, and no half-imported module."""
    import os
    import subprocess
    import sys

    from .conftest import ROOT

    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}  # no network at import
    run = subprocess.run([sys.executable, "-c", LOADERS_AT_ONCE], cwd=ROOT, capture_output=True,
                         text=True, timeout=600, env=env)
    assert run.returncode == 0 and "one load each" in run.stdout, run.stderr[-3000:]
