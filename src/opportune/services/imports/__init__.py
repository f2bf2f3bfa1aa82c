"""CSV imports of leads, accounts, contacts and opportunities (mapping, validation,
duplicates, assignment, resumable batches, error files, revert).

Layout: ``service`` is the library API (:class:`ImportService`), ``runner`` the batch
loop, ``batch`` what one batch does, ``setup`` reading a file's layout, ``source`` the
CSV stream, ``error_file`` the rejected rows, ``hooks`` the duplicate and assignment
services, ``model`` the dataclasses handed out, ``cleanup`` removing old uploads.
"""

from opportune.services.imports.cleanup import UploadCleanup
from opportune.services.imports.model import (
    ImportJob,
    ImportOptions,
    ImportPreview,
    ImportProgress,
    SavedMapping,
)
from opportune.services.imports.service import ImportList, ImportService

__all__ = [
    "ImportJob",
    "ImportList",
    "ImportOptions",
    "ImportPreview",
    "ImportProgress",
    "ImportService",
    "SavedMapping",
    "UploadCleanup",
]
