"""Figures in README and docs/ come from committed commands: each docs/*.md figure block names
the command that wrote it (a script in the repository with a --write option, or `qa eval`)
and carries a provenance line; no measured figure stands outside a block."""

import re

import pytest

from qa.provenance import BLOCK, blocks

from .conftest import ROOT

DOCS = sorted((ROOT / "docs").glob("*.md"))
MEASURED = re.compile(r"\d[\d,.]*\s?(s|ms|sec|seconds|min|minutes|tok/s|tokens/s|chunks/s|x)\b")


def test_every_doc_has_figure_blocks():
    assert DOCS
    for doc in DOCS:
        assert blocks(doc.read_text()), f"{doc.name} has no figure block"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_each_block_names_its_command_and_provenance(doc):
    for command, body in blocks(doc.read_text()):
        assert f"--write docs/{doc.name}" in command, command
        words = command.split()
        if words[:2] == ["qa", "eval"]:
            pass
        else:
            assert words[0] == "python" and (ROOT / words[1]).is_file(), command
            assert "--write" in (ROOT / words[1]).read_text(), f"{words[1]} takes no --write"
        prov = body.strip().splitlines()[0]
        assert re.match(r"_provenance: commit [0-9a-f]{7}", prov), prov
        assert "machine " in prov and "cores" in prov, prov
        assert re.search(r"llama\.cpp [\d.]+ prompt tok/s, [\d.]+ gen tok/s", prov) or \
            "llama.cpp rates not measured" in prov, prov


@pytest.mark.parametrize("path", [*DOCS, ROOT / "README.md"], ids=lambda p: p.name)
def test_no_measured_figure_outside_a_block(path):
    outside = BLOCK.sub("", path.read_text())
    for line in outside.splitlines():
        if line.startswith("|") and path.parent.name == "docs":
            assert not re.search(r"\d", line), f"{path.name}: a table row outside a figure block: {line}"
        assert not MEASURED.search(line), f"{path.name}: a measured figure outside a block: {line}"
