"""Removing uploaded import files that nothing needs any more.

Uploads from the web UI and the API are stored under
``<data_dir>/imports/uploads/<user id>/<token>/<file name>``. An import reads its file only
while it is unfinished (pending, running or interrupted: it can still be resumed). A
finished one never reads it again: revert finds the records by their ``import_id``, and the
rejected rows are in the import's own error file (``<data_dir>/imports/``), which is kept
as long as the import is listed and is never touched here. So an upload that no unfinished
import reads is removed once it is older than ``import_upload_retention_hours``: files whose
mapping step was never finished, and the files of completed, failed and reverted imports.
Files outside the uploads folder (such as those ``opportune import`` reads where they are)
are never touched.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Set
from dataclasses import dataclass
from pathlib import Path

__all__ = ["UNFINISHED", "UploadCleanup", "remove_stale_uploads", "uploads_root"]

# Import states in which the import may still read its file.
UNFINISHED = ("pending", "running", "interrupted")


@dataclass(frozen=True, slots=True)
class UploadCleanup:
    """What a cleanup did: uploads removed, the bytes they held, and uploads kept (read by
    an unfinished import, or newer than the retention time)."""

    removed: int
    freed_bytes: int
    kept: int


def uploads_root(data_dir: Path) -> Path:
    """The folder every user's uploads are stored under."""
    return data_dir / "imports" / "uploads"


def remove_stale_uploads(root: Path, keep: Set[Path], cutoff: float) -> UploadCleanup:
    """Remove the upload folders under ``root`` last written before ``cutoff`` (a POSIX
    timestamp) that hold none of the files in ``keep`` (resolved paths)."""
    removed = freed = kept = 0
    for folder in _upload_folders(root):
        try:
            files = [p for p in folder.iterdir() if p.is_file()]
            if any(p.resolve() in keep for p in files) or _last_written(folder, files) >= cutoff:
                kept += 1
                continue
            size = sum(p.stat().st_size for p in files)
        except FileNotFoundError:  # removed meanwhile (an upload discarded by its request)
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed, freed = removed + 1, freed + size
    return UploadCleanup(removed, freed, kept)


def _upload_folders(root: Path) -> list[Path]:
    """Every ``<user id>/<token>`` folder under ``root``."""
    if not root.is_dir():
        return []
    users = [p for p in root.iterdir() if p.is_dir()]
    return [token for user in users for token in user.iterdir() if token.is_dir()]


def _last_written(folder: Path, files: Iterable[Path]) -> float:
    return max([folder.stat().st_mtime, *(p.stat().st_mtime for p in files)])
