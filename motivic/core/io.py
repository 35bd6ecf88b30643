"""Small file helpers shared by every stage: atomic writes and TSV/JSON I/O."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Iterator

__all__ = ["atomic_path", "write_json", "load_json"]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place on success.

    A job killed half-way never leaves a file that looks complete: the
    temporary file is removed on error and ``os.replace`` is atomic on POSIX.

    Parameters
    ----------
    path : str or path-like
        Final destination. Its parent directory is created if missing.

    Yields
    ------
    tmp : pathlib.Path
        Path to write to. It keeps ``path``'s suffix so libraries that infer
        the format from the extension (h5py, soundfile, matplotlib) still work.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{final.stem}.", suffix=f".tmp{final.suffix}", dir=final.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def write_json(obj, path: str | os.PathLike) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")


def load_json(path: str | os.PathLike):
    """Read a JSON file."""
    return json.loads(Path(path).read_text())
