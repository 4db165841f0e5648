"""Load: the app on 127.0.0.1 and 8 concurrent gradio_client clients asking seed questions,
one request each (a bounded loop that ends by itself). Every request is answered, without
errors, with the same answer a single client gets; the model runs one call at a time. Eight
clients queue behind one model as twenty do, at 12 questions instead of 24 (CI's time); the
load itself is bench/throughput.py's."""

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from .conftest import running_app
from .test_api_local import CLIENTS, JOBS, QUESTIONS

pytestmark = pytest.mark.slow


def ask(url: str, question: str) -> tuple[str, float]:
    from gradio_client import Client

    t = time.perf_counter()
    chat, _, _ = Client(url, verbose=False).predict(question, [], "", "", "", "", api_name="/ask")
    return str(chat[-1]["content"]), time.perf_counter() - t


def test_concurrent_clients_get_a_single_clients_answers(tmp_path):
    with running_app(tmp_path) as url:
        single = {q: ask(url, q)[0] for q in QUESTIONS}
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            results = list(pool.map(lambda q: ask(url, q), JOBS, timeout=1800))
    assert len(results) == CLIENTS
    for q, (answer, _) in zip(JOBS, results):
        assert answer == single[q], (q, answer, single[q])
    lat = sorted(s for _, s in results)
    p95 = lat[int(0.95 * (len(lat) - 1))]
    print(f"\n{CLIENTS} concurrent clients: p50 {statistics.median(lat):.1f} s, p95 {p95:.1f} s")
