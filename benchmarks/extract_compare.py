"""Prove the lean extractor's facts equal the previous extractor's, file by file.

Extracts every `.py` file under the given folders with `forklint/extract.py` and with
the reference (`benchmarks/extract_reference.py`, the `CSTVisitor` + `PositionProvider`
extractor it replaced) and compares the facts with `==`. One known, intended
difference is reported on its own: the reference skipped `# noqa` comments that sit in
whitespace its visitor never entered (the lines above a `def`, a `class`, an
`if TYPE_CHECKING:` or a `try:`, inside a `def`'s opening bracket); the lean extractor
reads every comment token. Noqa lists are equal when the new one holds the old one's
entries plus only such comments.

    /work/venv/bin/python benchmarks/extract_compare.py fixtures examples \\
        benchmarks/.cache/ecosystem/src/* /work/eco-git/*

Exit status 1 when any file differs otherwise.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections import Counter
from dataclasses import replace
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forklint import extract  # noqa: E402
from forklint.facts import ModuleFacts  # noqa: E402

_SKIP_DIRS = {".git", ".hg", ".tox", ".venv", "venv", "node_modules", "__pycache__", ".forklint_cache"}


def load_reference():  # type: ignore[no-untyped-def]
    """The previous extractor, loaded from its file (it is not part of the package)."""
    spec = importlib.util.spec_from_file_location("extract_reference", ROOT / "benchmarks" / "extract_reference.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["extract_reference"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def python_files(roots: list[str]) -> list[Path]:
    found: list[Path] = []
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
            found.extend(Path(folder) / name for name in sorted(files) if name.endswith((".py", ".pyi")))
    return found


_REFERENCE = None
_FALLBACKS = 0


def _count_fallbacks() -> None:
    """Count the files whose positions came from `PositionProvider` (ast could not help)."""
    original = extract.MetadataPositions

    class Counted(original):  # type: ignore[misc,valid-type]
        def __init__(self, module):  # type: ignore[no-untyped-def]
            global _FALLBACKS
            _FALLBACKS += 1
            super().__init__(module)

    extract.MetadataPositions = Counted  # type: ignore[misc]


def compare_file(path: Path) -> tuple[str, str, str]:
    """(path, verdict, detail): verdict is equal, noqa-extra, differ or unreadable."""
    global _REFERENCE
    if _REFERENCE is None:
        _REFERENCE = load_reference()
        _count_fallbacks()
    try:
        source = path.read_bytes()
    except OSError as error:
        return str(path), "unreadable", str(error)
    if b"\0" in source:
        return str(path), "unreadable", "NUL bytes"
    before = _FALLBACKS
    old = _REFERENCE.parse_source(str(path), source)
    new = extract.parse_source(str(path), source)
    fallback = " (positions from PositionProvider)" if _FALLBACKS != before else ""
    if old == new:
        return str(path), "equal" + ("-fallback" if fallback else ""), ""
    if isinstance(old, ModuleFacts) and isinstance(new, ModuleFacts) and replace(new, noqa=old.noqa) == old:
        extra = [entry for entry in new.noqa if entry not in old.noqa]
        if all(entry in new.noqa for entry in old.noqa):
            return str(path), "noqa-extra", f"lines {[line for line, _ in extra]}"
    return str(path), "differ", first_difference(old, new) + fallback


def first_difference(old: object, new: object, where: str = "") -> str:
    """A short path to the first place two facts differ."""
    if type(old) is not type(new):
        return f"{where}: {type(old).__name__} != {type(new).__name__} ({old!r:.200} / {new!r:.200})"
    if isinstance(old, tuple):
        if len(old) != len(new):  # type: ignore[arg-type]
            return f"{where}: {len(old)} items != {len(new)}"  # type: ignore[arg-type]
        for index, (a, b) in enumerate(zip(old, new)):  # type: ignore[call-overload]
            if a != b:
                return first_difference(a, b, f"{where}[{index}]")
    if hasattr(old, "__dataclass_fields__"):
        for name in old.__dataclass_fields__:  # type: ignore[attr-defined]
            a, b = getattr(old, name), getattr(new, name)
            if a != b:
                return first_difference(a, b, f"{where}.{name}")
    return f"{where}: {old!r:.300} != {new!r:.300}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("roots", nargs="+")
    parser.add_argument("-j", "--jobs", type=int, default=1)
    parser.add_argument("--show", type=int, default=20, help="how many differing files to print")
    args = parser.parse_args()
    results: list[tuple[str, str, str]] = []
    pool = Pool(args.jobs) if args.jobs > 1 else None
    for root in args.roots:  # one line per folder as it finishes: the corpus takes a while
        files = python_files([root])
        found = pool.map(compare_file, files, chunksize=8) if pool else [compare_file(path) for path in files]
        results += found
        counts = Counter(verdict for _, verdict, _ in found)
        print(f"{root}: {len(files)} files: " + ", ".join(f"{n} {v}" for v, n in sorted(counts.items())), flush=True)
    if pool:
        pool.close()
    verdicts = Counter(verdict for _, verdict, _ in results)
    for path, verdict, detail in results:
        if verdict == "differ" and args.show > 0:
            args.show -= 1
            print(f"DIFFER {path}: {detail}")
    fallbacks = [path for path, verdict, _ in results if verdict.endswith("-fallback")]
    for path in fallbacks[:10]:
        print(f"positions from PositionProvider: {path}")
    noqa_extra = [(path, detail) for path, verdict, detail in results if verdict == "noqa-extra"]
    for path, detail in noqa_extra[:10]:
        print(f"noqa-extra {path}: {detail}")
    print(f"all: {len(results)} files: " + ", ".join(f"{count} {verdict}" for verdict, count in sorted(verdicts.items())))
    return 1 if verdicts.get("differ") else 0


if __name__ == "__main__":
    sys.exit(main())
