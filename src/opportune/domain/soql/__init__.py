"""SOQL, the query language of the Salesforce-compatible API: a pure parser.

:func:`parse_soql` turns the text of a query into a :class:`Query` tree of frozen
dataclasses, or raises :class:`SoqlError` with the position of the problem;
:func:`resolve_date_literal` gives the days a date literal such as ``THIS_QUARTER``
covers. Checking names against objects and translating to SQL happen elsewhere.
"""

from opportune.domain.soql.dates import DATE_LITERALS, N_DATE_LITERALS, resolve_date_literal
from opportune.domain.soql.errors import SoqlError
from opportune.domain.soql.model import (
    AGGREGATE_FUNCTIONS,
    Aggregate,
    And,
    Comparison,
    Condition,
    DateLiteral,
    FieldRef,
    InList,
    Not,
    Operator,
    Or,
    OrderItem,
    Query,
    SelectItem,
    Value,
)
from opportune.domain.soql.parser import MAX_OFFSET, parse_soql

__all__ = [
    "AGGREGATE_FUNCTIONS",
    "DATE_LITERALS",
    "MAX_OFFSET",
    "N_DATE_LITERALS",
    "Aggregate",
    "And",
    "Comparison",
    "Condition",
    "DateLiteral",
    "FieldRef",
    "InList",
    "Not",
    "Operator",
    "Or",
    "OrderItem",
    "Query",
    "SelectItem",
    "SoqlError",
    "Value",
    "parse_soql",
    "resolve_date_literal",
]
