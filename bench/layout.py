"""The code's layout in figures: each folder of qa/ (a stage, or the core), its modules and
their lines, beside the limits tests/test_layout.py holds them to.

    python bench/layout.py [--write docs/architecture.md]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.config import Settings  # noqa: E402
from tests.test_layout import LAYERS, MAX_MODULE_LINES  # noqa: E402


def rows() -> list[str]:
    out = ["| layer | folder | modules | lines | largest module (lines) |", "|---|---|---|---|---|"]
    for name in LAYERS:
        folder = ROOT / "qa" if name == "core" else ROOT / "qa" / name
        files = sorted(folder.glob("*.py"))
        if name == "core":
            files = [f for f in files if f.name != "__init__.py"]
        sizes = {f.relative_to(ROOT).as_posix(): len(f.read_text(encoding="utf-8").splitlines())
                 for f in files}
        sizes = {k: v for k, v in sizes.items() if name == "config" or not k.endswith("__init__.py")}
        big = max(sizes, key=sizes.__getitem__)
        shown = "qa/ (top level)" if name == "core" else f"qa/{name}/"
        out.append(f"| {name} | {shown} | {len(sizes)} | {sum(sizes.values())} | {big} ({sizes[big]}) |")
    out.append(f"\nNo module is over {MAX_MODULE_LINES} lines (tests/test_layout.py).")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", help="write the table as this command's figure block in a markdown file")
    args = ap.parse_args()
    body = "\n".join(rows())
    print(body)
    if args.write:
        from qa.provenance import collect, write_block

        write_block(Path(args.write), " ".join(["python", "bench/layout.py", *sys.argv[1:]]), body,
                    collect(Settings(), rates=False))


if __name__ == "__main__":
    main()
