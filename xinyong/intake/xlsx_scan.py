"""The true used range of an .xlsx worksheet, measured while its XML streams.

python-calamine allocates a worksheet's used range whole when it loads the sheet (about 70 bytes a cell), and that
range is where the cells really are, whatever the sheet's ``<dimension>`` claims. ``scan_used_range`` reads the
sheet XML in chunks and places every cell as python-calamine does: at its reference when it has one, else in the
column after the previous cell; rows at their reference, else one after another. It reports the range as it grows,
so that the caller can refuse a sheet the moment it passes a limit: memory stays that of one chunk, and
python-calamine never sees a sheet that is too large.

The range is an upper bound of python-calamine's: it starts at A1, and cells without a value count too (as they do
in the ``<dimension>`` Excel writes). Files as Excel, WPS and the common libraries write them (every row and cell
with its reference, in order) take a fast path that looks at whole chunks at C speed; files without references
take another; anything else is walked tag by tag. A comment, CDATA section or processing instruction cannot end
the rows early.

python-calamine also copies a shared string into every cell that uses it, so that one long string in many cells
makes a small file take gigabytes: the scan adds up that text too, from the sizes ``shared_string_lengths`` reads.
"""

from __future__ import annotations

import re
import time
from array import array
from collections.abc import Callable, Sequence
from operator import methodcaller
from typing import IO

__all__ = ["ScanTimeout", "TooManyStrings", "scan_used_range", "shared_string_lengths"]

CHUNK_BYTES = 256 * 1024
# A tag is never held back longer than this while waiting for its end: past it, the tag is dropped (one cell at
# most goes uncounted for every megabyte of XML, which cannot move the range much).
_MAX_CARRY = 1 << 20
# Attributes, with quoted values that may hold ">".
_ATTRS = rb"(?:[^>\"']+|\"[^\"]*\"|'[^']*')*"
_SHEET_DATA_START = re.compile(rb"<((?:[\w.-]+:)?)sheetData(?=[\s/>])(" + _ATTRS + rb")>")
_SHEET_DATA_END = re.compile(rb"</(?:[\w.-]+:)?sheetData[\s>]")
# Rows and cells, by local name (python-calamine ignores the namespace prefix), start and end tags.
_TAG = re.compile(rb"<(/?)(?:[\w.-]+:)?(row|c)(?=[\s/>])(" + _ATTRS + rb")>")
_R_ATTR = re.compile(rb"\sr\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ANY_R_ATTR = re.compile(rb"\sr\s*=")
_CELL_REF = re.compile(rb"([A-Za-z]+)(\d+)")
# The end of an entry: its end tag, or the entry written as one empty tag.
_SHARED_STRING_END = re.compile(rb"</(?:[\w.-]+:)?si\s*>|<(?:[\w.-]+:)?si(?:\s[^<>]*)?/>")
# A cell holding a shared string as Excel, WPS and the libraries write it; its index.
_SHARED_CELL = re.compile(rb't="s"><v>(\d{1,10})</v>')
_SHARED_TYPE = b't="s"'
# The type written otherwise (t='s', spaces around "="): such a cell counts as the longest string.
_SHARED_TYPE_ODD = re.compile(rb"t(?:\s*=\s*'s'|\s+=\s*[\"']s[\"']|=\s+[\"']s[\"'])")


class ScanTimeout(Exception):
    """The scan ran past its deadline (a sheet built to be slow to walk)."""


class TooManyStrings(Exception):
    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


def shared_string_lengths(
    fh: IO[bytes], *, max_entries: int, deadline: float | None = None
) -> tuple[array[int], bool]:
    """The size of each entry of a workbook's shared strings (its XML: at least the bytes of its text), in order,
    and whether the order is certain.

    python-calamine loads every entry when it opens the workbook, and copies an entry into every cell that uses
    it. ``TooManyStrings`` is raised as soon as there are more than ``max_entries``. The order is uncertain when
    a comment, CDATA section or processing instruction could hide or fake an entry: every entry then counts as the
    longest.
    """
    lengths: array[int] = array("I")
    pending = 0
    carry = b""
    hidden = False
    first = True
    while chunk := fh.read(CHUNK_BYTES):
        if deadline is not None and time.monotonic() > deadline:
            raise ScanTimeout
        data = carry + chunk
        if not hidden:
            hidden = _hides_markup(data, first=first)
        first = False
        cut = data.rfind(b"<")
        if cut < 0 or len(data) - cut > _MAX_CARRY:
            carry = b""
        else:
            data, carry = data[:cut], data[cut:]
        parts = _SHARED_STRING_END.split(data)
        if len(parts) > 1:
            lengths.append(min(pending + len(parts[0]), 0xFFFFFFFF))
            lengths.extend(map(len, parts[1:-1]))
            pending = len(parts[-1])
            if len(lengths) > max_entries:
                raise TooManyStrings(len(lengths))
        else:
            pending += len(parts[0])
    return lengths, not hidden


def scan_used_range(
    fh: IO[bytes],
    *,
    on_growth: Callable[[int, int, int, bool], None],
    deadline: float | None = None,
    shared_strings: Sequence[int] = (),
    shared_order_known: bool = True,
) -> tuple[int, int, int] | None:
    """The last row and column (0-based) holding a cell in a worksheet's XML, and the bytes of shared strings its
    cells use (each counted as often as it is used, from ``shared_strings``, the sizes ``shared_string_lengths``
    gives; each counts as the longest when their order is not known); None if it holds no cell.

    ``on_growth(last_row, last_column, text_bytes, final)`` is called after every chunk in which one of them grew,
    with ``final`` true once the whole sheet was read; it may raise to stop the scan. ``deadline`` is a
    ``time.monotonic()`` value past which ``ScanTimeout`` is raised.
    """
    scan: _Scan | None = None
    # A comment, CDATA section, DOCTYPE or processing instruction may hold what looks like the end of the sheet's
    # data (python-calamine skips it): once one is seen, only the end of the XML ends the scan.
    hidden = False
    carry = b""
    chunk = fh.read(CHUNK_BYTES)
    first = True
    # A read that fails (a damaged member, whose checksum is checked at its end) fails the scan only after the
    # chunk in hand is counted: python-calamine may read a member Python's zipfile refuses.
    failure: Exception | None = None
    while chunk:
        if deadline is not None and time.monotonic() > deadline:
            raise ScanTimeout
        try:
            following = fh.read(CHUNK_BYTES)
        except Exception as exc:
            failure, following = exc, b""
        data = carry + chunk
        if not hidden:
            hidden = _hides_markup(data, first=first)
        first = False
        ended = False
        if scan is None:
            start = _sheet_data_start(data, hidden)
            if start is None:
                carry = data[-256:]
                chunk = following
                continue
            if isinstance(start, bool):
                return None  # <sheetData/>
            scan = _Scan(start[0], shared_strings, shared_order_known)
            data = data[start[1] :]
        end = _SHEET_DATA_END.search(data) if not hidden and b"sheetData" in data else None
        if end is not None:
            data, ended = data[: end.start()], True
        elif following:
            cut = data.rfind(b"<")
            if cut < 0 or len(data) - cut > _MAX_CARRY:
                carry = b""
            else:
                data, carry = data[:cut], data[cut:]
        before = (scan.last_row, scan.last_col, scan.text)
        scan.feed(data)
        final = ended or not following
        if (scan.last_row, scan.last_col, scan.text) != before:
            on_growth(scan.last_row, scan.last_col, scan.text, final)
        if final:
            break
        chunk = following
    if failure is not None:
        raise failure
    if scan is None or scan.last_row < 0:
        return None
    return scan.last_row, scan.last_col, scan.text


def _hides_markup(data: bytes, *, first: bool) -> bool:
    """Whether the XML holds a comment, CDATA section, DOCTYPE or processing instruction (other than the XML
    declaration at its start). The one-byte tests first: they run at memory speed and are almost always false."""
    if b"!" in data and b"<!" in data:
        return True
    if b"?" not in data:
        return False
    if first:
        declaration = data.lstrip(b"\xef\xbb\xbf \t\r\n")
        if declaration.startswith(b"<?xml"):
            data = declaration[declaration.find(b"?>") + 2 :] if b"?>" in declaration else b""
    return b"<?" in data


def _sheet_data_start(data: bytes, hidden: bool) -> tuple[bytes, int] | bool | None:
    """(namespace prefix, where the rows start) of the sheetData element; False for an empty one; None if not in
    ``data``. After hidden markup, an empty one may be a decoy in a comment: it is passed over."""
    for match in _SHEET_DATA_START.finditer(data):
        if not match.group(2).rstrip().endswith(b"/"):
            return match.group(1), match.end()
        if not hidden:
            return False
    return None


class _Scan:
    """python-calamine's position while reading a sheet, and the range of the cells seen."""

    def __init__(self, prefix: bytes, shared_strings: Sequence[int] = (), order_known: bool = True) -> None:
        # The next cell goes to (row, col) when it has no reference of its own.
        self.row = 0
        self.col = 0
        self.last_row = -1
        self.last_col = -1
        self.shared = shared_strings if order_known else ()
        self.longest = max(shared_strings, default=0)
        self.text = 0
        escaped = re.escape(prefix)
        self.cell_open = b"<" + prefix + b"c"
        self.cell_ref = b"<" + prefix + b'c r="'
        self.row_ref = b"<" + prefix + b'row r="'
        self.row_close = b"</" + prefix + b"row"
        # A row or cell in another namespace prefix than the sheet's: only the tag-by-tag walk reads it right.
        if prefix:
            self.foreign = re.compile(rb"<(?!" + escaped + rb"(?:c|row)[\s/>])(?:[\w.-]+:)?(?:c|row)[\s/>]")
        else:
            self.foreign = re.compile(rb"<[\w.-]+:(?:c|row)[\s/>]")
        self.cell_open_pattern = re.escape(self.cell_open)
        # A cell whose tag does not start with its reference.
        self.irregular = re.compile(self.cell_open_pattern + rb'(?! r=")[\s/>]')
        self.empty_row = re.compile(rb"<" + escaped + rb"row(?=[\s/>])" + _ATTRS + rb"/>")
        self.ref_columns = re.compile(re.escape(self.cell_ref) + rb"([A-Za-z]+)\d")
        self.ref_rows = re.compile(re.escape(self.cell_ref) + rb"[A-Za-z]+(\d+)\"")

    def feed(self, data: bytes) -> None:
        if not data:
            return
        if self.longest:
            self._count_text(data)
        # The substring test first: prefixes are rare, and the pattern is slower.
        if b":" in data and self.foreign.search(data) is not None:
            self._walk(data)
            return
        last_cell = data.rfind(self.cell_ref)
        last_row_tag = data.rfind(self.row_ref)
        ref = _parse_ref(data, last_cell + len(self.cell_ref)) if last_cell >= 0 and last_row_tag >= 0 else None
        if ref is None:
            # No cell with its reference, or the middle of one very long row.
            if not self._positional(data):
                self._walk(data)
            return
        if self.irregular.search(data) is not None:
            self._walk(data)  # a cell without its reference first: its place depends on the cells before it
            return
        # Every cell is placed at its reference. Two searches find a reference right of the widest column so far,
        # or below the chunk's last one: ordinary chunks cost them and create no object per cell.
        last_row = ref[0]
        head = re.escape(self.cell_ref)
        if re.search(head + _wider_than(self.last_col) + rb"\d", data) is not None:
            columns = {letters.upper() for letters in self.ref_columns.findall(data)}
            self.last_col = max([self.last_col, *(_column_index(letters) for letters in columns)])
        if re.search(head + rb"[A-Za-z]+(?=0*" + _below(last_row) + rb'")', data) is not None:
            last_row = max([last_row + 1, *map(int, self.ref_rows.findall(data))]) - 1
        self.last_row = max(self.last_row, last_row)
        # The position after the chunk, from its last row: walked, it is a few hundred bytes.
        self._walk(data[last_row_tag:])

    def _count_text(self, data: bytes) -> None:
        """Add the bytes of the shared strings the chunk's cells use: python-calamine copies the string into each
        cell, so a few long strings used by many cells make a small file take gigabytes."""
        typed = data.count(_SHARED_TYPE)
        odd = len(_SHARED_TYPE_ODD.findall(data))
        if not typed and not odd:
            return
        shared, count = self.shared, len(self.shared)
        indexes = _SHARED_CELL.findall(data) if count else []
        self.text += sum(shared[i] if i < count else 0 for i in map(int, indexes))
        # A cell of that type written otherwise, or cut at the chunk's end, counts as the longest string.
        self.text += (typed - len(indexes) + odd) * self.longest

    def _positional(self, data: bytes) -> bool:
        """No reference anywhere: rows follow one another and cells fill their row from column A.

        False when the chunk holds a reference or a row written as one empty tag: it must be walked.
        """
        if b"=" in data and _ANY_R_ATTR.search(data) is not None:
            return False
        if b"/>" in data and self.empty_row.search(data) is not None:
            return False
        segments = data.split(self.row_close + b">")
        if data.count(self.row_close) != len(segments) - 1:
            return False  # an end tag written "</row >"
        # Counting "<c" also counts rich-text tags such as <color> in inline strings: an upper bound, never less.
        counts = list(map(methodcaller("count", self.cell_open), segments))
        first = counts[0]
        if first:
            self.last_row = max(self.last_row, self.row)
            self.last_col = max(self.last_col, self.col + first - 1)
        if len(counts) == 1:
            self.col += first
            return True
        widest = max(counts[1:])
        if widest:
            self.last_col = max(self.last_col, widest - 1)
            filled = len(counts) - 1
            while not counts[filled]:
                filled -= 1
            self.last_row = max(self.last_row, self.row + filled)
        self.row += len(counts) - 1
        self.col = counts[-1]
        return True

    def _walk(self, data: bytes) -> None:
        """Tag by tag, as python-calamine reads: the exact way, for whatever the fast paths do not take."""
        row, col = self.row, self.col
        last_row, last_col = self.last_row, self.last_col
        for close, name, attrs in _TAG.findall(data):
            if name == b"c":
                if close:
                    continue
                ref = _attr_ref(attrs) if b"r" in attrs else None
                if ref is not None:
                    cell_row, col = ref
                else:
                    cell_row = row
                last_row = max(last_row, cell_row)
                last_col = max(last_col, col)
                col += 1
            elif close:
                row, col = row + 1, 0
            else:
                if b"r" in attrs:
                    match = _R_ATTR.search(attrs)
                    value = match and (match.group(1) if match.group(1) is not None else match.group(2))
                    if value and value.strip().isdigit() and int(value) > 0:
                        row = int(value) - 1
                if attrs.rstrip().endswith(b"/"):
                    row, col = row + 1, 0
        self.row, self.col = row, col
        self.last_row, self.last_col = last_row, last_col


def _attr_ref(attrs: bytes) -> tuple[int, int] | None:
    match = _R_ATTR.search(attrs)
    if match is None:
        return None
    value = match.group(1) if match.group(1) is not None else match.group(2)
    ref = _CELL_REF.fullmatch(value.strip())
    if ref is None:
        return None  # python-calamine refuses the file
    return int(ref.group(2)) - 1, _column_index(ref.group(1).upper())


def _parse_ref(data: bytes, start: int) -> tuple[int, int] | None:
    end = data.find(b'"', start)
    ref = _CELL_REF.fullmatch(data[start:end]) if end > start else None
    if ref is None:
        return None
    return int(ref.group(2)) - 1, _column_index(ref.group(1).upper())


def _column_index(letters: bytes) -> int:
    index = 0
    for char in letters:
        index = index * 26 + char - 64
    return index - 1


def _column_letters(index: int) -> bytes:
    letters = b""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = bytes([65 + rest]) + letters
    return letters


def _wider_than(last_col: int) -> bytes:
    """Pattern of column letters right of ``last_col``, in either case (python-calamine reads both)."""
    if last_col < 0:
        return rb"[A-Za-z]"
    letters = _column_letters(last_col)
    options = [rb"[A-Za-z]{%d,}" % (len(letters) + 1)]
    for i, char in enumerate(letters):
        if char < ord("Z"):
            same = b"".join(rb"[%c%c]" % (c, c + 32) for c in letters[:i])
            higher = rb"[%c-Z%c-z]" % (char + 1, char + 33)
            options.append(same + higher + rb"[A-Za-z]{%d}" % (len(letters) - i - 1))
    return rb"(?:" + rb"|".join(options) + rb")"


def _below(last_row: int) -> bytes:
    """Pattern of row numbers below ``last_row`` (after any leading zeros, which python-calamine accepts)."""
    digits = str(last_row + 1).encode()
    options = [rb"[1-9]\d{%d,}" % len(digits)]
    for i, char in enumerate(digits):
        if char < ord("9"):
            options.append(digits[:i] + rb"[%c-9]" % (char + 1) + rb"\d{%d}" % (len(digits) - i - 1))
    return rb"(?:" + rb"|".join(options) + rb")"
