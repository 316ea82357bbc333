"""Real applications' source trees, as their sdists publish them: one way to get them for
every benchmark (ecosystem.py, realworld.py).

An sdist is downloaded once into ``benchmarks/.cache/sdists`` with ``pip download --no-deps
--no-binary :all:``. pip prepares the sdist's metadata, which fails when its build
requirements do not build here (a Cython backend, pins that do not resolve); then the build
runs once more without isolation, and last the file is taken from the index's own listing
(PEP 691 JSON), checked against its sha256.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path

SDISTS = Path(__file__).resolve().parent / ".cache" / "sdists"
_ARCHIVES = (".tar.gz", ".zip", ".tar.bz2")


def _normal(name: str) -> str:
    """PEP 503 names, with the underscores sdist file names use."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _is_sdist_of(filename: str, name: str, version: str) -> bool:
    """`mayan_edms-4.12.2.tar.gz` and `mayan-edms-4.12.2.zip` are both mayan-edms 4.12.2's."""
    for extension in _ARCHIVES:
        if filename.endswith(extension):
            project, _, release = filename[: -len(extension)].rpartition("-")
            return _normal(project) == _normal(name) and release == version
    return False


def cached(name: str, version: str) -> Path | None:
    """The sdist of name==version already downloaded, if any."""
    for path in sorted(SDISTS.iterdir()) if SDISTS.is_dir() else []:
        if _is_sdist_of(path.name, name, version):
            return path
    return None


def download(name: str, version: str) -> Path | None:
    """The sdist of name==version, downloaded once; None (and why on stderr) if it can't be had."""
    found = cached(name, version)
    if found:
        return found
    SDISTS.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
               "-d", str(SDISTS), f"{name}=={version}"]
    done = None
    for extra in ([], ["--no-build-isolation"]):
        done = subprocess.run(command + extra, capture_output=True, text=True, timeout=900)
        found = cached(name, version)
        if found:
            return found
    print(f"sdists: pip download {name}=={version} failed ({done.stderr.strip()[-200:] if done else ''}); "
          "taking the file from the index's listing", file=sys.stderr)
    _from_index(name, version)
    return cached(name, version)


def _from_index(name: str, version: str) -> None:
    """Download the sdist named in the index's JSON listing (PEP 691), checked against its
    sha256; the index is pip's (PIP_INDEX_URL, else pip's default)."""
    from pip._internal.models.index import PyPI  # pip's default index, as pip itself uses it

    index = os.environ.get("PIP_INDEX_URL", PyPI.simple_url).rstrip("/")
    project = re.sub(r"[-_.]+", "-", name).lower()
    request = urllib.request.Request(f"{index}/{project}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            listing = json.load(response)
        for entry in listing.get("files", []):
            filename = entry["filename"]
            if _is_sdist_of(filename, name, version):
                with urllib.request.urlopen(entry["url"], timeout=600) as response:
                    data = response.read()
                if hashlib.sha256(data).hexdigest() != entry.get("hashes", {}).get("sha256"):
                    print(f"sdists: {filename}: sha256 does not match the index", file=sys.stderr)
                    return
                (SDISTS / filename).write_bytes(data)
                return
    except (OSError, ValueError, KeyError) as error:
        print(f"sdists: {name}=={version}: {error}", file=sys.stderr)


def unpack(archive: Path, dest: Path) -> None:
    """Unpack an sdist so its top folder's contents land directly in ``dest`` (replaced
    whole: a half-unpacked tree is never left behind)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as zipped:
                zipped.extractall(tmp)
        else:
            with tarfile.open(archive) as tarred:
                tarred.extractall(tmp, filter="data")
        top = list(Path(tmp).iterdir())
        source = top[0] if len(top) == 1 and top[0].is_dir() else Path(tmp)
        if dest.exists():
            shutil.rmtree(dest)
        shutil.move(str(source), str(dest))
