"""Importing records from CSV files: which column is which field, and reading spreadsheet
dates and numbers (the groundwork of issue 5's importer)."""

from opportune.domain.imports.columns import SPECS, ColumnMapping, header_key, map_columns
from opportune.domain.imports.values import Formats, normalise, parse_date, parse_number

__all__ = [
    "SPECS",
    "ColumnMapping",
    "Formats",
    "header_key",
    "map_columns",
    "normalise",
    "parse_date",
    "parse_number",
]
