"""Where the prompt templates and the seed articles live.

In a source checkout they are the top-level `prompts/` and `seeds/` folders, the sources of
truth; a built wheel carries copies inside the package (`qa/_prompts/`, `qa/_seeds/`, mapped
at build time in pyproject.toml), so that an installed `qa` finds them too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

__all__ = ["PROMPTS_DIR", "SEEDS_DIR", "resource_dir"]
PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: Literal["prompts", "seeds"]) -> Path:
    """The wheel's copy when installed, else the checkout's top-level folder."""
    bundled = PACKAGE / f"_{name}"
    return bundled if bundled.is_dir() else PACKAGE.parent / name


PROMPTS_DIR = resource_dir("prompts")
SEEDS_DIR = resource_dir("seeds")
