"""qa: answers and summaries about news articles, every sentence cited and checked."""

from qa.config import Settings
from qa.errors import BadInput, ModelError, NotFound, QAError
from qa.models import Answer, Article, Chunk, Citation, IngestReport, Passage, Sentence

__all__ = ["Answer", "Article", "BadInput", "Chunk", "Citation", "IngestReport", "ModelError",
           "NotFound", "Passage", "QAError", "Sentence", "Settings"]
