"""CSV uploads streamed straight to disk, with a size limit and a harmless file name.

A multipart request is parsed as it arrives (python-multipart's streaming parser): the
file part goes chunk by chunk into ``<data_dir>/imports/uploads/<user id>/<token>/``, never
into memory nor a temporary copy, and an upload over ``OPPORTUNE_IMPORT_MAX_BYTES`` is cut
off with 413 as soon as it crosses the limit. The name people gave the file is kept for
display only, reduced to a plain base name: it never decides where anything is written.
"""

from __future__ import annotations

import re
import secrets
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from opportune.api.body_errors import size_in_words
from opportune.api.body_limit import lift_body_limit
from opportune.errors import ValidationError
from opportune.services.imports.cleanup import uploads_root

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

FILE_FIELD = "file"
MAX_FIELD_BYTES = 1024 * 1024  # mapping JSON and options: small
MAX_FIELDS = 50
MULTIPART_SLACK = 64 * 1024  # boundaries and form fields around the file
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
_UNSAFE = re.compile(r"[^\w.\- ()]+")


def safe_file_name(name: str | None) -> str:
    """The base name of an uploaded file, safe to show and to write: no directories, no
    control characters, no leading dots, at most 120 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base) if c.isprintable())
    base = _UNSAFE.sub("_", base).strip(" .")
    if len(base) > 120:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 120 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else base[:120]
    return base or "upload.csv"


def uploads_dir(data_dir: Path, user_id: int) -> Path:
    """Where ``user_id``'s uploads are kept (until the clean-up removes them, see
    :mod:`opportune.services.imports.cleanup`)."""
    return uploads_root(data_dir) / str(user_id)


def stored_upload(data_dir: Path, user_id: int, token: str) -> Path:
    """The file ``user_id`` uploaded under ``token`` (from an earlier :func:`receive_upload`)."""
    if not _TOKEN.match(token):
        raise ValidationError.single(
            "upload", "INVALID_FIELD", "Unknown upload; upload the file again"
        )
    folder = uploads_dir(data_dir, user_id) / token
    files = [p for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []
    if len(files) != 1:
        raise ValidationError.single(
            "upload", "INVALID_FIELD", "Unknown upload; upload the file again"
        )
    return files[0]


def discard_upload(path: Path) -> None:
    """Remove an uploaded file and its folder."""
    shutil.rmtree(path.parent, ignore_errors=True)


def is_stored_for(job: Any, path: Path) -> bool:
    """True when the import ``job`` reads this uploaded file (not an earlier copy)."""
    return bool(job.stored_path) and Path(job.stored_path).resolve() == path.resolve()


def too_large(max_bytes: int) -> HTTPException:
    """The 413 error for a file over the limit, saying what the limit is."""
    return HTTPException(
        413,
        f"The file is larger than the {size_in_words(max_bytes)} an import accepts "
        "(OPPORTUNE_IMPORT_MAX_BYTES)",
    )


@dataclass
class Upload:
    """A received upload: the stored file, the name it was sent with, its form fields."""

    path: Path
    file_name: str
    size: int
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def token(self) -> str:
        """What names this upload in later requests of the same user."""
        return self.path.parent.name


async def receive_upload(request: Request, data_dir: Path, user_id: int, max_bytes: int) -> Upload:
    """Stream the ``file`` part of a multipart request to disk and collect the other fields.

    Raises 413 when the request says or turns out to be over ``max_bytes``, and
    :class:`ValidationError` when it holds no file or an empty one.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdecimal() and int(declared) > max_bytes + MULTIPART_SLACK:
        raise too_large(max_bytes)
    lift_body_limit(request)  # the application-wide limit: this one applies instead
    boundary = _boundary(request.headers.get("content-type", ""))
    receiver = _Receiver(uploads_dir(data_dir, user_id) / secrets.token_hex(16), max_bytes)
    try:
        parser = MultipartParser(boundary, receiver.callbacks())
        async for chunk in request.stream():
            parser.write(chunk)
            await run_in_threadpool(receiver.flush)
        parser.finalize()
        await run_in_threadpool(receiver.flush)
        return receiver.result()
    except MultipartParseError as exc:
        receiver.abandon()
        message = f"The upload is not a valid multipart/form-data body: {exc}"
        raise ValidationError.single(FILE_FIELD, "INVALID_TYPE", message) from None
    except BaseException:
        receiver.abandon()
        raise
    finally:
        receiver.close()


def _boundary(content_type: str) -> bytes:
    kind, params = parse_options_header(content_type)
    if kind != b"multipart/form-data" or b"boundary" not in params:
        raise ValidationError.single(
            FILE_FIELD, "INVALID_TYPE", "Send the file as multipart/form-data (a form upload)"
        )
    return params[b"boundary"]


class _Receiver:
    """The parser's callbacks: file data to disk (in :meth:`flush`), fields to memory."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.fields: dict[str, str] = {}
        self.path: Path | None = None
        self.file_name = ""
        self.size = 0
        self._handle: IO[bytes] | None = None
        self._pending: list[bytes] = []
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._part_name = ""
        self._is_file = False
        self._data = bytearray()

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_data,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
        }

    def _part_begin(self) -> None:
        self._disposition, self._data, self._is_file = b"", bytearray(), False

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name, self._header_value = b"", b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        self._part_name = options.get(b"name", b"").decode("utf-8", "replace")
        self._is_file = b"filename" in options and self._part_name == FILE_FIELD
        if self._is_file:
            if self.path is not None:
                raise ValidationError.single(FILE_FIELD, "INVALID_FIELD", "Send one file only")
            self.file_name = safe_file_name(options[b"filename"].decode("utf-8", "replace"))
            self.folder.mkdir(parents=True, exist_ok=True)
            self.path = self.folder / self.file_name
            self._handle = self.path.open("wb")
        elif len(self.fields) >= MAX_FIELDS:
            raise ValidationError.single("body", "INVALID_FIELD", "Too many form fields")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._is_file:
            self.size += len(chunk)
            if self.size > self.max_bytes:
                raise too_large(self.max_bytes)
            self._pending.append(chunk)
        else:
            self._data += chunk
            if len(self._data) > MAX_FIELD_BYTES:
                raise ValidationError.single(self._part_name, "STRING_TOO_LONG", "Too long")

    def _part_end(self) -> None:
        if not self._is_file and self._part_name:
            self.fields[self._part_name] = self._data.decode("utf-8", "replace")

    def flush(self) -> None:
        """Write the file data received so far (run off the event loop)."""
        if self._handle is not None and self._pending:
            self._handle.write(b"".join(self._pending))
        self._pending.clear()

    def result(self) -> Upload:
        if self.path is None:
            raise ValidationError.single(FILE_FIELD, "REQUIRED_FIELD_MISSING", "Choose a CSV file")
        if self.size == 0:
            raise ValidationError.single(FILE_FIELD, "INVALID_FIELD", "The file is empty")
        return Upload(self.path, self.file_name, self.size, self.fields)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def abandon(self) -> None:
        self.close()
        shutil.rmtree(self.folder, ignore_errors=True)
