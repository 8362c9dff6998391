"""The gzip copies of the static files, which WhiteNoise sends to browsers
that accept gzip (incubator/setup.py, init_static).

They are written when the application starts, for each file whose copy is
missing or older than the file itself, so an edited stylesheet never goes
out as its stale copy. Several workers start at once: each copy is written
to a temporary file and moved into place, so none ever reads half a copy.
"""

import gzip
import logging
import os
import tempfile
from pathlib import Path

COMPRESSIBLE = {".css", ".js", ".svg", ".txt"}
# Not worth a second file when gzip saves less than this share.
MIN_SAVING = 0.05

log = logging.getLogger(__name__)


def write_gzip_copies(folder: str | Path) -> None:
    for path in Path(folder).rglob("*"):
        if path.suffix in COMPRESSIBLE and path.is_file():
            copy = path.with_name(path.name + ".gz")
            if not copy.exists() or copy.stat().st_mtime < path.stat().st_mtime:
                try:
                    _write_copy(path, copy)
                except OSError as error:  # a read-only installation: sent as they are
                    log.warning("no gzip copy of %s: %s", path, error)


def _write_copy(path: Path, copy: Path) -> None:
    original = path.read_bytes()
    packed = gzip.compress(original, compresslevel=9, mtime=0)
    if len(packed) > len(original) * (1 - MIN_SAVING):
        return
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".gz.tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(packed)
        os.replace(temporary, copy)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
