"""Logging for the server and the job worker: one line per record, JSON in production or plain
text in development, each carrying the id of the request being served (``-`` outside one).

``configure_logging(settings)`` sets up this process's root logger (the ``opportune worker``
command calls it); ``uvicorn_log_config(settings)`` is the same set-up as the dictConfig
``uvicorn.run(log_config=...)`` applies in every server process it starts.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from typing import Any, Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from opportune.settings import Settings

__all__ = [
    "RequestIdFilter",
    "configure_logging",
    "current_request_id",
    "log_format",
    "make_formatter",
    "set_request_id",
    "uvicorn_log_config",
]

LogFormat = Literal["json", "text"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = ("levelname", "name", "message")
NO_REQUEST = "-"
_HANDLER_NAME = "opportune"
# Alembic announces its dialect at INFO each time /readyz reads the schema revision.
QUIET_LOGGERS = {"alembic": "WARNING"}

_request_id: ContextVar[str | None] = ContextVar("opportune_request_id", default=None)


def set_request_id(request_id: str | None) -> None:
    """Name the request the current context serves (the web middleware calls this)."""
    _request_id.set(request_id)


def current_request_id() -> str | None:
    """The id of the request being served, or None outside a request."""
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record, so that all lines of one request can be found
    together. It sits on the handler, where it sees the records of every logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Stamp the record; never drop it."""
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or NO_REQUEST
        return True


def log_format(settings: Settings) -> LogFormat:
    """The ``log_format`` setting, or when unset: JSON in production, text elsewhere."""
    if settings.log_format is not None:
        return settings.log_format
    return "json" if settings.env == "prod" else "text"


def make_formatter(
    log_format: LogFormat = "text", use_colors: bool | None = None
) -> logging.Formatter:
    """The formatter of one log line: a JSON object with an ISO timestamp, the level, the
    logger, the message, the request id and any ``extra`` fields; or a line of text.
    (``use_colors`` is accepted because uvicorn may pass it, and ignored: these lines are
    meant for log collectors, not terminals.)"""
    if log_format == "json":
        return JsonFormatter(
            list(JSON_FIELDS),
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp=True,
            # uvicorn's "color_message" repeats the message with terminal colour codes.
            reserved_attrs=[*RESERVED_ATTRS, "color_message"],
        )
    return logging.Formatter(TEXT_FORMAT)


def configure_logging(settings: Settings) -> None:
    """Send this process's logs to stderr in the configured format and level. Calling it
    again replaces its own handler rather than adding a second one."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(make_formatter(log_format(settings)))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)


def uvicorn_log_config(settings: Settings) -> dict[str, Any]:
    """uvicorn's ``log_config``: its own and the application's records through one handler
    with the formatter above. uvicorn's access log is off (``access_log=False`` too): the
    application logs each request itself, with its request id and route."""
    formatter = {"()": make_formatter, "log_format": log_format(settings)}
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "default",
        "filters": ["request_id"],
    }
    level = settings.log_level
    return {
        "version": 1,
        "disable_existing_loggers": False,  # module loggers exist before uvicorn starts
        # uvicorn sets use_colors on formatters named "default" and "access" when asked.
        "formatters": {"default": formatter, "access": dict(formatter)},
        "filters": {"request_id": {"()": RequestIdFilter}},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            **{name: {"level": level} for name, level in QUIET_LOGGERS.items()},
        },
        "root": {"handlers": ["default"], "level": level},
    }
