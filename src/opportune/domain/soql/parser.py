"""Parse SOQL text into a :class:`~opportune.domain.soql.model.Query`.

The grammar (``soql.lark`` next to this module) is parsed with Lark's LALR(1) parser and
contextual lexer, then a transformer builds the syntax tree and checks what the grammar
cannot: aggregate function names, one parent level at most, LIMIT and OFFSET ranges, and
that plain fields beside aggregates are grouped. Every failure is a :class:`SoqlError`
naming the line, column and character offset of the problem.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import Any, Literal, cast

from lark import Lark, Token, Transformer, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

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
)

__all__ = ["MAX_OFFSET", "parse_soql"]

MAX_OFFSET = 2000  # Salesforce's cap on OFFSET
# A WHERE clause may hold at most this many conditions, nested at most this deep: the
# tree is built and turned into SQL recursively, and SQLite refuses expressions deeper
# than 1,000 (a chain of ANDs is as deep as it is long).
MAX_CONDITIONS = 300
MAX_DEPTH = 50
_CONDITIONS = frozenset(("comparison", "like", "in_list", "not_in_list"))

# Salesforce's reserved words among the keywords here: never a name, even where the
# contextual lexer would otherwise read one as a name (ORDER, BY and OFFSET are not
# reserved: Order is an object).
_RESERVED = {
    word: ("" if word in ("ASC", "DESC", "FIRST", "LAST") else "_") + word
    for word in (
        "AND", "ASC", "DESC", "FIRST", "FROM", "GROUP", "IN", "LAST", "LIKE", "LIMIT", "NOT",
        "NULL", "NULLS", "OR", "SELECT", "WHERE",
    )
}  # fmt: skip
_ESCAPES = {"'": "'", '"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}
_HEX = frozenset("0123456789abcdefABCDEF")

# How the terminals of the grammar read in "expected ..." messages.
_VALUE_KINDS = {"STRING", "SIGNED_NUMBER", "DATE", "DATETIME", "DATE_LITERAL"}
_READABLE = {
    "LPAR": "'('",
    "RPAR": "')'",
    "COMMA": "','",
    "DOT": "'.'",
    "OPERATOR": "an operator",
    "NAME": "a name",
    "STRING": "a string",
    "INTEGER": "an integer",
    "$END": "the end of the query",
}


def parse_soql(text: str) -> Query:
    """Parse one SOQL query; raise :class:`SoqlError` if it is malformed."""
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as e:
        raise _syntax_error(text, e) from None
    _check_size(text, tree)
    try:
        return _Builder(text).transform(tree)
    except VisitError as e:
        if isinstance(e.orig_exc, SoqlError):
            raise e.orig_exc from None
        raise


def _check_size(text: str, tree: Tree[Token]) -> None:
    """Refuse a query with too many conditions or nested too deeply (walked without
    recursion, so any depth is safe to measure)."""
    stack: list[tuple[Tree[Token], int]] = [(tree, 1)]
    conditions = 0
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _error(text, 0, f"the query is nested more than {MAX_DEPTH} levels deep")
        conditions += node.data in _CONDITIONS
        if conditions > MAX_CONDITIONS:
            raise _error(text, 0, f"the query has more than {MAX_CONDITIONS} conditions")
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tree))


@cache
def _parser() -> Lark:
    grammar = files(__package__).joinpath("soql.lark").read_text(encoding="utf-8")
    return Lark(
        grammar, parser="lalr", lexer="contextual", maybe_placeholders=True,
        lexer_callbacks={"NAME": _reserve},
    )  # fmt: skip


def _reserve(token: Token) -> Token:
    """Turn a reserved word read as a name back into its keyword, which the parser rejects."""
    keyword = _RESERVED.get(token.value.upper())
    return token if keyword is None else Token.new_borrow_pos(keyword, token.value, token)


def _position(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _error(
    text: str, offset: int, what: str, *, expected: str = "", code: str = "MALFORMED_QUERY"
) -> SoqlError:
    line, column = _position(text, offset)
    message = f"{what} at line {line}, column {column} (offset {offset})"
    if expected:
        message += f"; expected {expected}"
    return SoqlError(message, line=line, column=column, offset=offset, code=code)


def _expected(names: set[str]) -> str:
    """The terminals a parser state accepts, as words, keywords in upper case."""
    values = names & _VALUE_KINDS
    readable = set()
    for name in names:
        if len(values) > 1 and (name in values or name in ("_NULL", "_TRUE", "_FALSE")):
            readable.add("a value")
        else:
            readable.add(_READABLE.get(name, name.lstrip("_")))
    # Symbols and keywords first, then the descriptions ("a name", "a value").
    words = sorted(readable, key=lambda w: (w[0].islower(), w))
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _syntax_error(text: str, e: UnexpectedInput) -> SoqlError:
    if isinstance(e, UnexpectedToken):
        if e.token.type == "$END":
            what, offset = "unexpected end of query", len(text)
        else:
            what, offset = f"unexpected {e.token.value!r}", e.token.start_pos or 0
        return _error(text, offset, what, expected=_expected(set(e.expected)))
    if isinstance(e, UnexpectedCharacters):
        at = e.pos_in_stream or 0
        return _error(
            text, at, f"unexpected character {text[at]!r}",
            expected=_expected(set(e.allowed or ())),
        )  # fmt: skip
    return _error(text, e.pos_in_stream or len(text), "malformed query")


def _key(ref: FieldRef) -> tuple[str, ...]:
    return tuple(part.casefold() for part in ref.path)


class _Builder(Transformer[Token, Query]):
    """Builds the syntax tree bottom-up, remembering where each select item began."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.offsets: dict[int, int] = {}  # id() of a FieldRef or Aggregate -> offset

    def _fail(self, at: Token | int, what: str, code: str = "MALFORMED_QUERY") -> SoqlError:
        offset = at if isinstance(at, int) else at.start_pos or 0
        return _error(self.text, offset, what, code=code)

    # SELECT

    def start(self, children: list[Any]) -> Query:
        select, obj, where, group_by, order_by, limit, offset = children
        query = Query(
            select=select, object=str(obj), where=where, group_by=group_by or (),
            order_by=order_by or (), limit=limit, offset=offset,
        )  # fmt: skip
        self._check_grouping(query)
        return query

    def _check_grouping(self, query: Query) -> None:
        aggregates = [item for item in query.select if isinstance(item, Aggregate)]
        for item in aggregates:
            if item.field is None and len(query.select) > 1:
                raise self._fail(
                    self.offsets[id(item)], "COUNT() must be the only item in the SELECT list"
                )
        if not (aggregates or query.group_by):
            return
        grouped = {_key(ref) for ref in query.group_by}
        plain = [item for item in query.select if isinstance(item, FieldRef)]
        for ref in plain + [order.field for order in query.order_by]:
            if _key(ref) not in grouped:
                raise self._fail(self.offsets[id(ref)], f"'{ref}' must be grouped or aggregated")

    def select_list(self, children: list[SelectItem]) -> tuple[SelectItem, ...]:
        return tuple(children)

    def field_ref(self, children: list[Token]) -> FieldRef:
        ref = FieldRef(tuple(str(name) for name in children))
        if len(ref.path) > 2:
            raise self._fail(
                children[0], f"'{ref}' goes more than one parent level deep", "INVALID_FIELD"
            )
        self.offsets[id(ref)] = children[0].start_pos or 0
        return ref

    def aggregate(self, children: list[Any]) -> Aggregate:
        name, field, alias = children
        function = str(name).upper()
        if function not in AGGREGATE_FUNCTIONS:
            raise self._fail(name, f"unknown function '{name}'")
        if field is None and function != "COUNT":
            raise self._fail(name, f"{function}() needs a field")
        item = Aggregate(function, field, None if alias is None else str(alias))
        self.offsets[id(item)] = name.start_pos or 0
        return item

    # WHERE

    def where(self, children: list[Condition]) -> Condition:
        return children[0]

    def or_cond(self, children: list[Condition]) -> Or:
        return Or(tuple(children))

    def and_cond(self, children: list[Condition]) -> And:
        return And(tuple(children))

    def negation(self, children: list[Condition]) -> Not:
        return Not(children[0])

    def comparison(self, children: list[Any]) -> Comparison:
        field, operator, value = children
        op = "!=" if operator == "<>" else str(operator)
        return Comparison(field, cast(Operator, op), value)

    def like(self, children: list[Any]) -> Comparison:
        field, pattern = children
        return Comparison(field, "LIKE", self._string(pattern, like=True))

    def in_list(self, children: list[Any]) -> InList:
        return InList(children[0], tuple(children[1:]))

    def not_in_list(self, children: list[Any]) -> InList:
        return InList(children[0], tuple(children[1:]), negated=True)

    # Values

    def string(self, children: list[Token]) -> str:
        return self._string(children[0])

    def _string(self, token: Token, *, like: bool = False) -> str:
        """Undo SOQL escapes; in a LIKE pattern keep ``\\%``, ``\\_`` and ``\\\\``."""
        body, out, i = str(token)[1:-1], [], 0
        while i < len(body):
            char = body[i]
            if char != "\\":
                out.append(char)
                i += 1
                continue
            at = (token.start_pos or 0) + 1 + i
            escaped = body[i + 1]  # the grammar ends no string on a lone backslash
            if like and escaped in "%_\\":
                out.append("\\" + escaped)
            elif escaped in _ESCAPES:
                out.append(_ESCAPES[escaped])
            elif (
                escaped == "u"
                and len(digits := body[i + 2 : i + 6]) == 4
                and _HEX.issuperset(digits)
            ):
                out.append(chr(int(digits, 16)))
                i += 4
            else:
                raise self._fail(at, f"invalid escape sequence '\\{escaped}'")
            i += 2
        return "".join(out)

    def number(self, children: list[Token]) -> int | Decimal:
        text = str(children[0])
        return Decimal(text) if "." in text else int(text)

    def date_value(self, children: list[Token]) -> date:
        try:
            return date.fromisoformat(str(children[0]))
        except ValueError:
            raise self._fail(children[0], f"invalid date '{children[0]}'") from None

    def datetime_value(self, children: list[Token]) -> datetime:
        try:
            return datetime.fromisoformat(str(children[0]))
        except ValueError:
            raise self._fail(children[0], f"invalid datetime '{children[0]}'") from None

    def date_literal(self, children: list[Token]) -> DateLiteral:
        name, _, n = str(children[0]).upper().partition(":")
        return DateLiteral(name, int(n) if n else None)

    def null(self, children: list[Token]) -> None:
        return None

    def true(self, children: list[Token]) -> bool:
        return True

    def false(self, children: list[Token]) -> bool:
        return False

    # GROUP BY, ORDER BY, LIMIT, OFFSET

    def group_by(self, children: list[FieldRef]) -> tuple[FieldRef, ...]:
        return tuple(children)

    def order_by(self, children: list[OrderItem]) -> tuple[OrderItem, ...]:
        return tuple(children)

    def order_item(self, children: list[Any]) -> OrderItem:
        field, direction, nulls = children
        return OrderItem(
            field,
            cast(Literal["ASC", "DESC"], "ASC" if direction is None else direction.upper()),
            None if nulls is None else cast(Literal["FIRST", "LAST"], nulls.upper()),
        )

    def limit(self, children: list[Token]) -> int:
        return self._count(children[0], "LIMIT", None)

    def offset(self, children: list[Token]) -> int:
        return self._count(children[0], "OFFSET", MAX_OFFSET)

    def _count(self, token: Token, clause: str, maximum: int | None) -> int:
        value = int(token)
        if value < 0:
            raise self._fail(token, f"{clause} must not be negative")
        if maximum is not None and value > maximum:
            raise self._fail(token, f"{clause} must be at most {maximum:,}")
        return value
