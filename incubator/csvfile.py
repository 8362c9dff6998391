"""CSV downloads, one way everywhere: UTF-8 with a byte-order mark (Excel then
shows Chinese instead of mojibake), cells a spreadsheet would run as a formula
made inert, and a line at a time so a long export streams."""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from itertools import chain

from flask import Response

BOM = "\ufeff"
# What Excel and LibreOffice treat as the start of a formula (CSV injection):
# an applicant's "=HYPERLINK(...)" must reach staff as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(value) -> str:
    """One cell as text; text people typed that starts like a formula gets an
    apostrophe in front (numbers are left alone: -3 is a number, not a formula)."""
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _LineWriter:
    def __init__(self):
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer)

    def __call__(self, row: Sequence) -> str:
        self.writer.writerow([safe(value) for value in row])
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


def lines(header: Sequence, rows: Iterable[Sequence]) -> Iterator[str]:
    """The header (with the BOM) and the rows, a line at a time. The header is
    written now, while the request (and its language) is still there; rows are
    read as the response is sent, so they must be plain values by then."""
    line = _LineWriter()
    return chain([BOM + line(header)], (line(row) for row in rows))


def text(header: Sequence, rows: Iterable[Sequence]) -> str:
    return "".join(lines(header, rows))


def download(body: str | Iterable[str], filename: str) -> Response:
    """A CSV attachment; `body` is text or an iterable of lines (streamed)."""
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
