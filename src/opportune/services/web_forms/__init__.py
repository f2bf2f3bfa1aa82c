"""Web-to-lead forms: configurations, public submissions, limits and the overflow queue.

>>> form = core.web_forms.create(admin, {"name": "Contact us",
...     "allowed_redirect_hosts": ["www.example.com"]})  # doctest: +SKIP
>>> core.web_forms.submit(form.key, {"last_name": "Ng", "company": "Acme"},
...     ip="203.0.113.9")  # doctest: +SKIP
"""

from __future__ import annotations

from opportune.services.web_forms.service import (
    FormOverview,
    QueueRun,
    SubmissionPage,
    SubmissionResult,
    WebFormService,
)

__all__ = [
    "FormOverview",
    "QueueRun",
    "SubmissionPage",
    "SubmissionResult",
    "WebFormService",
]
