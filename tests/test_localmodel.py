"""The packaged model file: assembled from its parts, hash-checked, stamped; a file that was
changed after its check is hashed again and, when it is not the pinned one, rebuilt."""

import hashlib

from qa import localmodel


def test_a_changed_model_file_is_caught_and_rebuilt(tmp_path, monkeypatch):
    part = tmp_path / "part.bin"
    good = b"GGUF" + bytes(range(256)) * 40
    part.write_bytes(good)
    pkg = tmp_path / "pkgs"
    pkg.mkdir()
    (pkg / "qa_test_part1.py").write_text(f"def get_part_path():\n    return {str(part)!r}\n")
    monkeypatch.syspath_prepend(str(pkg))
    spec = localmodel.PackagedModel(name="tiny.gguf", package_prefix="qa_test_part", parts=1,
                                    sha256=hashlib.sha256(good).hexdigest(), size=len(good),
                                    install_hint="-")
    monkeypatch.setitem(localmodel.PACKAGED, "tiny", spec)
    models = tmp_path / "models"
    path = localmodel.model_path("tiny", models)
    assert path.read_bytes() == good and (models / "tiny.gguf.verified").is_file()
    assert localmodel.model_path("tiny", models) == path  # stamped: no rebuild
    path.write_bytes(b"EVIL" + good[4:])  # same size, other bytes
    assert localmodel.model_path("tiny", models).read_bytes() == good


def test_the_app_loads_the_model_and_litellm_at_start_not_at_the_first_question(tmp_path):
    """Service.warm (called by `serve`) imports litellm and loads llama.cpp's model in the
    background, ~5 s a user's first question would otherwise wait for; in a fresh process,
    neither is loaded before it."""
    import subprocess
    import sys

    from .conftest import MODELS_DIR, ROOT

    code = f"""
import sys
from pathlib import Path
from qa.config import Settings
from qa.service.service import Service
service = Service.open(Settings(data_dir=Path({str(tmp_path)!r}), models_dir=Path({str(MODELS_DIR)!r})),
                       seed=False)
before = [m in sys.modules for m in ("litellm", "llama_cpp")]
service.warm().join()
print(before, [m in sys.modules for m in ("litellm", "llama_cpp")])
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[False, False] [True, True]", out.stdout
