"""The one way forklint writes a file: atomically, and never over someone else's edit.

--fix, --add-noqa and the baseline all write through `write_atomically`: readers see
the old file or the new, never half of one.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from .plan import FixError


def write_atomically(path: Path, content: bytes, expected: bytes | None = None) -> None:
    """Replace `path` with `content` through a temporary file in its folder and `os.replace`.

    With `expected` (the bytes the run read), a file that changed on disk since is
    not overwritten (FixError). The temporary file is in the same folder so the rename
    stays on one filesystem; an existing file keeps its permission bits, a new one gets
    the umask's default.
    """
    if expected is not None and path.read_bytes() != expected:
        raise FixError(f"{path} changed on disk during the run; not overwritten")
    mode = _mode_for(path)
    handle, temp = tempfile.mkstemp(dir=path.absolute().parent, prefix=f".{path.name}.", suffix=".forklint")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def keep_in_cache(path: Path, content: bytes) -> bool:
    """Write a file of the cache folder (made if missing) atomically; False where it cannot
    be written (a read-only tree), so that the caller keeps its table for this run only."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, content)
    except OSError:
        return False
    return True


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)  # reading the umask means setting it; put it straight back
        os.umask(umask)
        return 0o666 & ~umask
