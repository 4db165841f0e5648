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
