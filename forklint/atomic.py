"""Replace a file's content atomically: readers see the old file or the new, never half."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def write_atomically(file: Path, data: bytes) -> None:
    """Write `data` to a temporary file in `file`'s folder, then `os.replace` it into place.

    The temporary file is in the same folder so the rename stays on one filesystem.
    An existing file keeps its permission bits; a new one gets the umask's default.
    """
    folder = file.absolute().parent
    handle, temporary = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, _mode_for(file))
        os.replace(temporary, file)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _mode_for(file: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(file).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)  # reading the umask means setting it; put it straight back
        os.umask(umask)
        return 0o666 & ~umask
