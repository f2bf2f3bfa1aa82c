"""A declarative field-cleaning engine: each kind of record states its input fields once.

A :class:`RecordSpec` lists a record's input fields (each a :class:`FieldSpec`) and the
fields that input may never set (:class:`ReadOnly`). :func:`clean_fields` turns raw input
(JSON, a form, CLI options) into clean Python values plus one :class:`FieldError` per bad
field, so that every interface can report all the problems of a request at once;
:func:`clean` raises them as one :class:`ValidationError`.

What cleaning does, by kind: text is trimmed (blank becomes ``None``), refused with
control characters and checked against its length; email is also validated and its
domain lower-cased; choices are matched case-insensitively and returned in their
canonical spelling; booleans accept ``true/false``, ``yes/no``, ``1/0``, ``on/off``;
numbers accept numbers or numeric strings (thousands commas allowed), never negative;
dates accept a ``date`` or ``YYYY-MM-DD``; moments a ``datetime`` or ISO 8601 text
(naive means UTC); ids are whole numbers; labels are trimmed text that the record's
module resolves against a configurable list (see :func:`resolve_labels`).

The package also holds the few rules every record shares: creation and update stamps and
the list of changed fields (:func:`stamp_new`, :func:`finish_update`).

Layout: ``spec`` declares fields and records, ``cleaning`` cleans input against them,
``records`` stamps records; import everything from this package.
"""

from opportune.domain.fields.cleaning import (
    clean,
    clean_fields,
    clean_value,
    has_error,
    resolve_label,
    resolve_labels,
)
from opportune.domain.fields.records import Stamped, changed_fields, finish_update, stamp_new
from opportune.domain.fields.spec import (
    MAX_DECIMAL,
    MAX_ID,
    MAX_INT,
    READ_ONLY_CODE,
    STAMP_FIELDS,
    FieldSpec,
    Kind,
    ReadOnly,
    RecordSpec,
    address,
    choice,
    day,
    decimal,
    email,
    flag,
    integer,
    label,
    moment,
    ref,
    text,
)

__all__ = [
    "MAX_DECIMAL",
    "MAX_ID",
    "MAX_INT",
    "READ_ONLY_CODE",
    "STAMP_FIELDS",
    "FieldSpec",
    "Kind",
    "ReadOnly",
    "RecordSpec",
    "Stamped",
    "address",
    "changed_fields",
    "choice",
    "clean",
    "clean_fields",
    "clean_value",
    "day",
    "decimal",
    "email",
    "finish_update",
    "flag",
    "has_error",
    "integer",
    "label",
    "moment",
    "ref",
    "resolve_label",
    "resolve_labels",
    "stamp_new",
    "text",
]
