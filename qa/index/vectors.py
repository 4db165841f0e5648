"""The chunk vectors in Chroma: an embedded PersistentClient under the data dir, or a
`chroma run` server at settings.chroma_url; one collection per index key (chunking and
embedder), opened on first use. qa computes every vector itself: no embedding function is
stored with the collection."""

from __future__ import annotations

import threading
from pathlib import Path

from qa.config import Settings

__all__ = ["Vectors"]


class Vectors:
    def __init__(self, settings: Settings, data_dir: Path, key: str):
        self.settings, self.dir, self.key = settings, data_dir, key
        self._lock = threading.Lock()
        self._collection = None

    @property
    def collection(self):
        with self._lock:
            if self._collection is None:
                self._collection = self._open()
            return self._collection

    def _open(self):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if self.settings.chroma_url:
            from urllib.parse import urlparse

            u = urlparse(self.settings.chroma_url)
            client = chromadb.HttpClient(host=u.hostname or "127.0.0.1", port=u.port or 8000,
                                         ssl=u.scheme == "https", settings=chroma_settings)
        else:
            client = chromadb.PersistentClient(path=str(self.dir / "chroma"), settings=chroma_settings)
        return client.get_or_create_collection(
            f"qa_{self.key}", embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
