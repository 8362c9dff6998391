"""CSV downloads, one way everywhere: UTF-8 with a byte-order mark (Excel then
shows Chinese instead of mojibake), cells a spreadsheet would run as a formula
made inert, and sent in pieces so a long export streams."""

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from itertools import chain

from flask import Response

BOM = "\ufeff"
# What Excel and LibreOffice treat as the start of a formula (CSV injection):
# an applicant's "=HYPERLINK(...)" must reach staff as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
# Lines gathered before a piece of the download is sent: one send per row
# would be a hundred thousand small writes for a year of a district's bookings.
PIECE_CHARS = 16_384


def safe(value) -> str:
    """One cell as text; text that starts like a formula gets an apostrophe in
    front. A plain number ("-12.50", "+8613900000000") is left alone: it is
    not a formula."""
    if value.__class__ is str:  # most cells: looked at first, a long export has millions
        if value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
            return "'" + value
        return value
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class _Writer:
    def __init__(self):
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer)

    def take(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text

    def line(self, row: Sequence) -> str:
        self.writer.writerow([safe(value) for value in row])
        return self.take()

    def pieces(self, rows: Iterable[Sequence], made_safe: bool) -> Iterator[str]:
        write, buffer = self.writer.writerow, self.buffer
        for row in rows:
            write(row if made_safe else [safe(value) for value in row])
            if buffer.tell() >= PIECE_CHARS:
                yield self.take()
        rest = self.take()
        if rest:
            yield rest


def lines(header: Sequence, rows: Iterable[Sequence], *, made_safe: bool = False) -> Iterator[str]:
    """The header (with the BOM), then the rows in pieces of about 16 KB. The
    header is written now, while the request (and its language) is still
    there; rows are read as the response is sent, so they must be plain
    values by then (and a query among them needs an app context of its own).

    `made_safe`: the caller has passed through safe() every cell that people
    typed (names, purposes) and the rest are numbers, None or text of its own
    making, so no cell is looked at again: a year of a district's bookings is
    1.2 million cells, and most are times and statuses."""
    writer = _Writer()
    return chain([BOM + writer.line(header)], writer.pieces(rows, made_safe))


def text(header: Sequence, rows: Iterable[Sequence]) -> str:
    return "".join(lines(header, rows))


def download(body: str | Iterable[str], filename: str) -> Response:
    """A CSV attachment; `body` is text or an iterable of lines (streamed)."""
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
