"""The two offline embedders: close vectors, separate indexes, switching re-indexes."""

import json

import numpy as np

from qa.index.embed import embed_batch
from qa.index.retrieve import search
from qa.index.store import Store
from qa.ingest.add import ingest

from .conftest import make_settings

TEXTS = ["The Metropolitan Police made more than 1,000 arrests using live facial recognition.",
         "Harbour reopens after the storm.", "", "word " * 400]  # empty and over-long texts too


def test_int8_vectors_are_close_to_fp32_and_normalised():
    a = embed_batch(TEXTS)
    b = embed_batch(TEXTS, embedder="minilm-int8")
    assert a.shape == b.shape == (4, 384)
    assert np.allclose(np.linalg.norm(b, axis=1), 1, atol=1e-5)
    assert (a * b).sum(1).min() > 0.99
    # and they still tell texts apart
    assert float(b[0] @ b[1]) < 0.5


def test_int8_batches_do_not_change_vectors():
    one = np.vstack([embed_batch([t], embedder="minilm-int8") for t in TEXTS])
    batched = embed_batch(TEXTS, batch_size=3, embedder="minilm-int8")
    assert np.allclose(one, batched, atol=1e-4)


def test_switching_embedder_reindexes_into_its_own_collection(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text(json.dumps({"title": "Storm closes harbour", "text": "A storm closed the harbour."}))
    fp32 = make_settings(tmp_path / "data")
    ingest([f], Store(fp32))
    int8 = fp32.model_copy(update={"embedder": "minilm-int8"})
    assert int8.index_key() != fp32.index_key()
    store = Store(int8)
    assert store.counts()["chunks"] == 0  # nothing indexed under the int8 key yet
    store.sync()
    assert store.counts()["chunks"] == 1 and store.chroma.collection.name == f"qa_{int8.index_key()}"
    (hit,) = search(store, "harbour storm", int8.retrieval, k=1)
    assert hit.title == "Storm closes harbour" and hit.similarity > 0.5
