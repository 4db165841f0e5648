"""Start the qa browser app: `python app.py` (QA_HOST / QA_PORT to change where it listens)."""

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from qa.config import Settings  # noqa: E402
from qa.ui import launch  # noqa: E402

if __name__ == "__main__":
    launch(Settings())
