"""CSV that spreadsheets open safely: a UTF-8 BOM, the separator Excel expects in the reader's
language, cells that would run as formulas neutralised, streamed in chunks (memory stays flat)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

BOM = "\ufeff"
SEPARATORS = {"en": ",", "sv": ";"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_BYTES = 64 * 1024


def language_of(language: str | None) -> str:
    code = str(language or "en").split("_")[0].split("-")[0].lower()
    return code if code in SEPARATORS else "en"


def neutralise(value) -> str:
    """A cell a spreadsheet would read as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unneutralise(text: str) -> str:
    """What ``neutralise`` wrote, read back: a leading apostrophe is dropped only before a formula start."""
    return text[1:] if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS else text


def stream_csv(header: Iterable, rows: Iterable[Iterable], *, language: str | None) -> Iterator[bytes]:
    """Yield UTF-8 chunks: BOM and header first, then the rows as they come."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=SEPARATORS[language_of(language)], lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([neutralise(h) for h in header])
    yield buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")
