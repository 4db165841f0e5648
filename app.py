"""Start qa: `python app.py` serves the browser app at / and the HTTP API at /v1 on one port
(QA_HOST / QA_PORT to change where it listens). The same as `qa serve`."""

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from pydantic import ValidationError  # noqa: E402

from qa.api.server import serve  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.errors import QAError, explain  # noqa: E402

if __name__ == "__main__":
    try:
        serve(Settings())
    except ValidationError as e:
        raise SystemExit(f"error: settings: {explain(e)}") from None
    except QAError as e:
        raise SystemExit(f"error: {e}") from None
