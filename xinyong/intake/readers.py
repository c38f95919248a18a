"""Reading rows out of the spreadsheets clerks upload: .xlsx, .xls and .csv.

This module knows files, not the catalog: it finds out what a file is, streams its rows with the row numbers
a clerk sees when the file is open in Excel or WPS, and locates the header row among the title rows that
government templates put above it. Every failure is a ``XinyongError`` with a Chinese message that says what
to do.

Memory does not grow with the file for CSV (read line by line, a row at most 4 MB and 500 columns). For
.xlsx/.xls, python-calamine holds one worksheet in compact native memory and hands rows to Python one at a
time; an .xlsx is inspected before it is opened so that a zip bomb is refused without being unpacked, and a
worksheet's used range is measured from its cells as they stream, whatever the sheet claims, and refused before
it is loaded, since python-calamine allocates all of it (one stray cell at XFD1048576 would abort the process).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import html
import itertools
import posixpath
import re
import struct
import tempfile
import time
import unicodedata
import zipfile
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO, Any, Literal

from python_calamine import (
    CalamineError,
    CalamineSheet,
    CalamineWorkbook,
    PasswordError,
    SheetTypeEnum,
    SheetVisibleEnum,
)

from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.intake.xlsx_scan import ScanTimeout, TooManyStrings, scan_used_range, shared_string_lengths

__all__ = [
    "FileFormat",
    "HeaderMatch",
    "RawRow",
    "detect_format",
    "find_header",
    "human_size",
    "is_note_row",
    "iter_rows",
    "iter_rows_with_header",
    "normalize_header",
]

FileFormat = Literal["xlsx", "xls", "csv"]

_MIB = 1024 * 1024
_DEFAULT_MAX_BYTES = 200 * _MIB
_DEFAULT_MAX_ROWS = 2_000_000
_DEFAULT_MAX_UNPACKED_BYTES = 1024 * _MIB
# The used range of a worksheet (where its cells are, whatever its <dimension> claims) is what python-calamine
# allocates, about 70 bytes a cell at the peak of loading, however few cells hold values: one stray cell far below
# or to the right of the table makes it huge. 5 million cells (about 200,000 rows of the 25 columns of 双公示) take
# about 400 MB to read; a larger table is split, or sent as CSV, which is read line by line.
_DEFAULT_MAX_COLUMNS = 500
_DEFAULT_MAX_CELLS = 5_000_000
# A range this large whose sheet XML (or BIFF substream) has less than one byte for every few of its cells is
# almost all empty: stray cells far from the table, not data.
_SPARSE_MIN_CELLS = 4_000_000
_SPARSE_CELLS_PER_BYTE = 4
# A real worksheet compresses 5–50 times; hundreds of times means a member built to explode on unpacking.
_MAX_COMPRESSION_RATIO = 200
# Small members (styles, shared strings of a tiny file) can compress very well and are harmless whatever
# their ratio: only members that unpack to more than this are judged by it.
_RATIO_CHECK_MIN_BYTES = 1 * _MIB
_SNIFF_BYTES = 64 * 1024
# A physical CSV line longer than this is not a spreadsheet row; refusing it bounds memory for files without
# line breaks.
_MAX_LINE_BYTES = 4 * _MIB
_ACCEPTED = "请上传 .xlsx、.xls 或 .csv 文件"
_RESAVE = "请用 Excel 或 WPS 打开后“另存为” .xlsx 文件再上传"


def _setting(name: str, default: int) -> int:
    # Readers also run outside Django (scripts, benchmarks): fall back to the default when settings are
    # absent.
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        return int(getattr(settings, name, default))
    except ImproperlyConfigured:
        return default


def human_size(size: int) -> str:
    """A file size as a clerk reads it: '100 字节', '1.5 KB', '200 MB', '1.2 GB' (units of 1024)."""
    if size < 1024:
        return f"{size} 字节"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if round(value, 1) < 1024 or unit == "GB":
            return f"{value:.1f}".removesuffix(".0") + f" {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def _sizes(size: int, limit: int) -> tuple[str, str]:
    """Two sizes for one message, exact to the byte when rounding would make them look equal."""
    shown, shown_limit = human_size(size), human_size(limit)
    if shown == shown_limit:
        return f"{size:,} 字节", f"{limit:,} 字节"
    return shown, shown_limit


def _unreadable(message: str) -> XinyongError:
    return XinyongError(ErrorCode.FILE_UNREADABLE, message)


def _encrypted() -> XinyongError:
    return XinyongError(ErrorCode.FILE_ENCRYPTED, "文件已加密，请取消密码保护后重新上传")


def _not_a_spreadsheet(kind: str, advice: str = _ACCEPTED) -> XinyongError:
    return _unreadable(f"该文件不是电子表格（看起来是{kind}），{advice}")


@dataclass(frozen=True)
class RawRow:
    """One non-empty row as read from the file.

    ``number`` is the row number the clerk sees in Excel/WPS (1-based, title and blank rows counted).
    ``cells`` is indexed by absolute column (0 = column A); empty cells are ``None`` and trailing empty
    cells are trimmed.
    """

    number: int
    cells: list[object]


# ----------------------------------------------------------------------------------------------------------
# Format detection

_OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
# Files people upload by mistake, recognised by their first bytes.
_OTHER_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "PDF文件"),
    (b"\x89PNG", "PNG图片"),
    (b"\xff\xd8\xff", "JPEG图片"),
    (b"GIF87a", "GIF图片"),
    (b"GIF89a", "GIF图片"),
    (b"II*\x00", "TIFF图片"),
    (b"MM\x00*", "TIFF图片"),
    (b"BM", "BMP图片"),
    (b"Rar!", "RAR压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z压缩包"),
    (b"\x1f\x8b", "gzip压缩包"),
    (b"{\\rtf", "RTF文档"),
    (b"MZ", "可执行程序"),
    (b"\x7fELF", "可执行程序"),
)


def detect_format(path: Path, original_name: str | None = None) -> FileFormat:
    """Tell what a file is from its content first, its name second.

    ``original_name`` is the name the clerk uploaded (the stored file may have a temporary name); it only
    shapes the messages, because clerks rename files freely (a CSV saved as .xls is common and is read as
    CSV).
    """
    path = Path(path)
    ext = Path(original_name or path.name).suffix.lower()
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
            if size == 0:
                raise XinyongError(ErrorCode.FILE_EMPTY, "文件是空的（0 字节），请检查后重新上传")
            if head.startswith(_ZIP_MAGICS):
                return _detect_zip(path, ext)
            if head.startswith(_OLE2_MAGIC):
                return _detect_ole2(fh, size)
    except OSError as exc:
        raise _unreadable(f"无法读取文件：{exc.strerror or exc}") from exc
    for magic, kind in _OTHER_MAGICS:
        # Two-byte signatures (BM, MZ) can also begin a text file; believe them only for non-text content.
        if head.startswith(magic) and not (len(magic) <= 2 and _decodes_as_text(head)):
            raise _not_a_spreadsheet(kind)
    encoding = _sniff_encoding(head)
    if encoding in (None, "gb18030"):
        _reject_undecodable_line(head, complete=len(head) < _SNIFF_BYTES)
    if encoding is not None:
        sample = _decode_sample(head, encoding)
        _reject_markup(sample)
        bad_line = _binary_line(sample)
        if bad_line is None:
            return "csv"
        if ext in (".csv", ".txt", ".tsv"):
            raise _binary_junk(bad_line)
    elif ext in (".csv", ".txt", ".tsv"):
        raise _binary_junk(_first_junk_line(head))
    if ext in (".xlsx", ".xlsm", ".xls", ".et"):
        raise _unreadable(f"文件扩展名是 {ext}，但内容不是有效的 Excel 文件，可能已损坏。{_RESAVE}")
    raise _unreadable(f"无法识别该文件的格式，{_ACCEPTED}")


def _decodes_as_text(head: bytes) -> bool:
    encoding = _sniff_encoding(head)
    return encoding is not None and _binary_line(_decode_sample(head, encoding)) is None


def _detect_zip(path: Path, ext: str) -> FileFormat:
    try:
        with zipfile.ZipFile(path) as zf:
            names = {name.lower() for name in zf.namelist()}
            mimetype = zf.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, KeyError, RuntimeError) as exc:
        raise _unreadable(f"文件已损坏或不完整（可能上传中断），无法打开。{_RESAVE}") from exc
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        raise _unreadable(f"该文件是 Excel 二进制工作簿（.xlsb），暂不支持。{_RESAVE}")
    if "word/document.xml" in names:
        raise _not_a_spreadsheet("Word文档")
    if "ppt/presentation.xml" in names:
        raise _not_a_spreadsheet("PowerPoint演示文稿")
    if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        raise _unreadable(f"该文件是 OpenDocument 表格（.ods），暂不支持。{_RESAVE}")
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        raise _not_a_spreadsheet("OpenDocument文档")
    if "ofd.xml" in names:
        raise _not_a_spreadsheet("OFD版式文件")
    if ext in (".xlsx", ".xlsm"):
        raise _unreadable(f"文件扩展名是 {ext}，但内容不是有效的 Excel 文件，可能已损坏。{_RESAVE}")
    raise _not_a_spreadsheet("ZIP压缩包", "请解压后上传其中的 .xlsx、.xls 或 .csv 文件")


def _detect_ole2(fh: IO[bytes], size: int) -> FileFormat:
    try:
        names = {name.lower() for name in _ole2_entry_names(fh, size)}
    except (ValueError, struct.error, OSError):
        # A damaged directory: look for the tell-tale names in the first part of the file instead, and
        # otherwise let the spreadsheet reader try (and report) it.
        fh.seek(0)
        blob = fh.read(4 * _MIB)
        names = {n.lower() for n in ("EncryptedPackage", "WordDocument") if n.encode("utf-16-le") in blob}
    if "encryptedpackage" in names or "encryptioninfo" in names:
        # An .xlsx with a password to open is stored as an OLE2 container around the encrypted package.
        raise _encrypted()
    if "workbook" in names or "book" in names:
        return "xls"
    if "worddocument" in names:
        raise _not_a_spreadsheet("Word文档（.doc）")
    if "powerpoint document" in names:
        raise _not_a_spreadsheet("PowerPoint演示文稿（.ppt）")
    return "xls"


_OLE_MAX_REG_SECTOR = 0xFFFFFFFA
_OLE_MAX_CHAIN = 1 << 20
_OLE_MINI_SECTOR = 64


@dataclass(frozen=True)
class _OleEntry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    start: int
    size: int


class _Ole2:
    """Just enough of an OLE2 compound file (MS-CFB) to list its entries and read parts of a stream.

    Reads the sectors it needs, not the file. Raises ValueError (or struct.error) on any inconsistency.
    """

    def __init__(self, fh: IO[bytes], size: int) -> None:
        fh.seek(0)
        header = fh.read(512)
        if len(header) < 512:
            raise ValueError("short header")
        (shift,) = struct.unpack_from("<H", header, 0x1E)
        if shift not in (9, 12):
            raise ValueError("bad sector shift")
        self.fh = fh
        self.file_size = size
        self.sector_size = 1 << shift
        self.per_sector = self.sector_size // 4
        (self.first_dir,) = struct.unpack_from("<I", header, 0x30)
        # 0x34 is a transaction signature, unused.
        (
            self.mini_cutoff,
            self.first_minifat,
            self.minifat_sectors,
            self._next_difat,
            self._difat_left,
        ) = struct.unpack_from("<5I", header, 0x38)
        self.difat = list(struct.unpack_from("<109I", header, 0x4C))
        self._fat_cache: dict[int, tuple[int, ...]] = {}
        self._root: _OleEntry | None = None
        self._ministream: _OleStream | None = None
        self._minifat: _OleStream | None = None

    def read_sector(self, sid: int) -> bytes:
        size = self.sector_size
        offset = (sid + 1) * size
        if sid > _OLE_MAX_REG_SECTOR or offset + size > self.file_size + size:
            raise ValueError("sector out of range")
        self.fh.seek(offset)
        data = self.fh.read(size)
        if len(data) < 128:
            raise ValueError("short sector")
        return data.ljust(size, b"\0")

    def next_sector(self, sid: int) -> int:
        index = sid // self.per_sector
        difat = self.difat
        while index >= len(difat) and self._difat_left > 0 and self._next_difat <= _OLE_MAX_REG_SECTOR:
            entries = struct.unpack(f"<{self.per_sector}I", self.read_sector(self._next_difat))
            difat.extend(entries[:-1])
            self._next_difat = entries[-1]
            self._difat_left -= 1
        if index >= len(difat):
            raise ValueError("FAT index out of range")
        fat_sid = difat[index]
        if fat_sid not in self._fat_cache:
            self._fat_cache[fat_sid] = struct.unpack(f"<{self.per_sector}I", self.read_sector(fat_sid))
        return self._fat_cache[fat_sid][sid % self.per_sector]

    def next_mini_sector(self, sid: int) -> int:
        if self._minifat is None:
            size = self.minifat_sectors * self.sector_size
            self._minifat = _OleStream(self, self.first_minifat, size, mini=False)
        (next_sid,) = struct.unpack("<I", self._minifat.read(sid * 4, 4))
        return int(next_sid)

    def read_mini_sector(self, sid: int) -> bytes:
        if self._ministream is None:
            root = self.entries()[0] if self._root is None else self._root
            self._ministream = _OleStream(self, root.start, root.size, mini=False)
        return self._ministream.read(sid * _OLE_MINI_SECTOR, _OLE_MINI_SECTOR)

    def entries(self) -> list[_OleEntry]:
        """The directory: streams, storages and the root entry (first), as the file lists them."""
        v3 = self.sector_size == 512
        entries: list[_OleEntry] = []
        sid = self.first_dir
        for _ in range(_OLE_MAX_CHAIN):
            if sid > _OLE_MAX_REG_SECTOR:
                if entries and entries[0].kind == 5:
                    self._root = entries[0]
                return entries
            data = self.read_sector(sid)
            for offset in range(0, self.sector_size, 128):
                (name_len,) = struct.unpack_from("<H", data, offset + 0x40)
                entry_type = data[offset + 0x42]
                if entry_type in (1, 2, 5) and 2 <= name_len <= 64:
                    (start,) = struct.unpack_from("<I", data, offset + 0x74)
                    (size,) = struct.unpack_from("<I" if v3 else "<Q", data, offset + 0x78)
                    name = data[offset : offset + name_len - 2].decode("utf-16-le", "replace")
                    entries.append(_OleEntry(name, entry_type, start, size))
            sid = self.next_sector(sid)
        raise ValueError("directory chain too long")

    def stream(self, entry: _OleEntry) -> _OleStream:
        mini = entry.kind == 2 and entry.size < self.mini_cutoff
        return _OleStream(self, entry.start, entry.size, mini=mini)


class _OleStream:
    """Random access to one stream of an OLE2 file, following its sector chain only as far as it is read."""

    def __init__(self, ole: _Ole2, start: int, size: int, *, mini: bool) -> None:
        self.ole = ole
        self.size = size
        self.mini = mini
        self.unit = _OLE_MINI_SECTOR if mini else ole.sector_size
        self._chain = [start]
        self._last: tuple[int, bytes] = (-1, b"")

    def _sector(self, index: int) -> int:
        chain = self._chain
        while len(chain) <= index:
            if len(chain) >= _OLE_MAX_CHAIN:
                raise ValueError("sector chain too long")
            following = self.ole.next_mini_sector(chain[-1]) if self.mini else self.ole.next_sector(chain[-1])
            if following > _OLE_MAX_REG_SECTOR:
                raise ValueError("sector chain ends early")
            chain.append(following)
        return chain[index]

    def read(self, offset: int, count: int) -> bytes:
        """``count`` bytes from ``offset``; ValueError if the stream ends first."""
        if offset < 0 or offset + count > self.size:
            raise ValueError("read past the end of the stream")
        out = bytearray()
        while count > 0:
            index, within = divmod(offset, self.unit)
            sid = self._sector(index)
            if self._last[0] != sid:
                data = self.ole.read_mini_sector(sid) if self.mini else self.ole.read_sector(sid)
                self._last = (sid, data)
            piece = self._last[1][within : within + count]
            if not piece:
                raise ValueError("empty sector")
            out += piece
            offset += len(piece)
            count -= len(piece)
        return bytes(out)


def _ole2_entry_names(fh: IO[bytes], size: int) -> list[str]:
    """Names of the streams and storages in an OLE2 compound file, read from its directory.

    Only the directory chain is followed, so this reads a few sectors, not the file. Raises ValueError on
    any inconsistency.
    """
    return [entry.name for entry in _Ole2(fh, size).entries()]


# ----------------------------------------------------------------------------------------------------------
# Text detection shared by format detection and the CSV reader

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters that never occur in a CSV a person made (tab, line breaks and form feed do). Bytes that do
# not decode are not counted here: in a file whose BOM fixes the encoding they are an encoding mistake, reported
# with its line by the row reader.
_JUNK_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
_JUNK_OR_UNDECODABLE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
_MAX_JUNK_RATIO = 0.01


def _sniff_encoding(head: bytes) -> str | None:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel "Unicode text"), else GB18030; None if binary."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    if b"\x00" in head:
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            # final=False: the sample may end in the middle of a multi-byte character.
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def _decode_sample(head: bytes, encoding: str) -> str:
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)


def _binary_line(sample: str) -> int | None:
    """The line number where a decoded sample shows binary content, or None if it reads as text.

    A stray control character or two (an old DOS end-of-file mark, a vertical tab pasted from a text box)
    does not make a file binary; NUL bytes or a noticeable share of control characters do.
    """
    junk = _JUNK_CHARS.findall(sample)
    if not junk or ("\x00" not in junk and len(junk) <= max(2, _MAX_JUNK_RATIO * len(sample))):
        return None
    match = _JUNK_CHARS.search(sample)
    assert match is not None
    return sample.count("\n", 0, match.start()) + 1


def _first_junk_line(head: bytes) -> int:
    """Line of the first byte that makes a sample binary (a NUL, or bytes that no encoding accepts)."""
    index = head.find(b"\x00")
    if index >= 0:
        return head.count(b"\n", 0, index) + 1
    match = _JUNK_OR_UNDECODABLE.search(_decode_sample(head, "gb18030"))
    return 1 if match is None else match.string.count("\n", 0, match.start()) + 1


_ENCODING_LABELS = {"utf-8": "UTF-8", "gb18030": "GBK"}


def _reject_undecodable_line(head: bytes, *, complete: bool) -> None:
    """Name the row of a text file that has a line its encoding cannot read: a line pasted in from a file in the
    other encoding (a GBK line in a UTF-8 file, or the reverse), or bytes that are text in neither.

    The file's encoding is the one most of its non-ASCII lines are written in: a UTF-8 file with one bad line is
    UTF-8 even when GB18030, which accepts most byte pairs, would read the whole sample (as gibberish). The row is
    the one the clerk sees in Excel or WPS (a quoted cell over several lines is one row). The last line of an
    incomplete sample may be cut in the middle of a character and is left out. Returns quietly when the sample
    reads in one encoding, or is binary content rather than text with a bad line.
    """
    if b"\x00" in head:
        return
    lines = head.split(b"\n")
    if not complete and len(lines) > 1:
        lines.pop()
    readable = {encoding: [_decodes(line, encoding) for line in lines] for encoding in _ENCODING_LABELS}
    foreign = [i for i, line in enumerate(lines) if not line.isascii()]
    in_utf8 = sum(readable["utf-8"][i] for i in foreign)
    in_gbk = sum(readable["gb18030"][i] for i in foreign)
    encoding = "utf-8" if in_utf8 * 2 > len(foreign) or in_utf8 > in_gbk else "gb18030"
    bad = next((i for i in foreign if not readable[encoding][i]), None)
    if bad is None:
        return
    other = next(e for e in _ENCODING_LABELS if e != encoding)
    text = [
        line.decode(encoding)
        if readable[encoding][i]
        else line.decode(other)
        if readable[other][i]
        else line.decode(encoding, "replace")
        for i, line in enumerate(lines)
    ]
    sample = "\n".join(text)
    junk = len(_JUNK_OR_UNDECODABLE.findall(sample))
    if junk > max(2, _MAX_JUNK_RATIO * len(sample)):
        return  # binary content, not text with a bad line
    row = _row_of_line(text, bad)
    raise _undecodable(row, lines[bad], encoding)


def _decodes(line: bytes, encoding: str) -> bool:
    try:
        line.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _row_of_line(lines: list[str], index: int) -> int:
    """The row (1-based, as Excel or WPS shows the CSV) that holds physical line ``index``."""
    before = lines[:index]
    try:
        records = sum(1 for _ in csv.reader(before, delimiter=_sniff_delimiter("\n".join(lines))))
    except csv.Error:
        return index + 1
    # A line inside a quoted cell that spans lines belongs to the row still open: csv.reader has not counted it.
    return records + 1


def _undecodable(row: int, line: bytes, encoding: str) -> XinyongError:
    other = next(e for e in _ENCODING_LABELS if e != encoding)
    if _decodes(line, other):
        reason = (
            f"这一行的编码与文件其他各行不一致（文件是 {_ENCODING_LABELS[encoding]} 编码，这一行像是 "
            f"{_ENCODING_LABELS[other]} 编码，可能是从别的文件复制过来的）"
        )
    else:
        reason = (
            f"这一行有既不是 UTF-8 也不是 GBK 编码的内容（文件是 {_ENCODING_LABELS[encoding]} 编码），"
            "可能是文件损坏或混入了乱码"
        )
    return _unreadable(f"第{row}行含有无法识别的字符：{reason}。请用 Excel 或 WPS 打开后“另存为” CSV UTF-8 格式再上传")


def _binary_junk(line: int) -> XinyongError:
    return _unreadable(
        f"文件中含有无法识别的二进制内容（第{line}行），不是有效的 CSV 文本文件。{_ACCEPTED}，"
        "CSV 请用 Excel 或 WPS “另存为” CSV 格式生成"
    )


def _reject_markup(sample: str) -> None:
    # Many departmental systems "export to Excel" by writing an HTML table or an Excel 2003 XML file under
    # an .xls name. Reading those as CSV would produce nonsense rows, so say what they are.
    start = sample.lstrip("\ufeff \t\r\n")[:2048].lower()
    if not start.startswith("<"):
        return
    if "urn:schemas-microsoft-com:office:spreadsheet" in sample[:8192].lower():
        raise _unreadable(f"该文件是 Excel 2003 XML 表格，暂不支持。{_RESAVE}")
    if "<html" in start or "<!doctype html" in start or "<table" in start:
        raise _not_a_spreadsheet(
            "网页（HTML）文件",
            f"业务系统“导出Excel”时常生成网页格式的文件，{_RESAVE}",
        )
    if start.startswith("<?xml"):
        raise _not_a_spreadsheet("XML文件")


# ----------------------------------------------------------------------------------------------------------
# Row iteration


def iter_rows(
    path: Path,
    *,
    fmt: str | None = None,
    sheet: str | int | None = None,
    max_rows: int | None = None,
    original_name: str | None = None,
) -> Iterator[RawRow]:
    """Stream the non-empty rows of a spreadsheet.

    Checks that can fail before any row is read (size, format, zip bomb, encryption, sheet) run when this is
    called, not on the first ``next()``; failures later in the file (a bad line in a CSV, too many rows)
    raise while iterating.

    ``sheet`` picks a worksheet by name or 0-based index; by default the first visible worksheet with data.
    ``max_rows`` caps the number of non-empty rows (default ``XINYONG_IMPORT_MAX_ROWS``).

    Merged cells in the data area are filled in by ``find_header`` (which knows where the data starts) when
    it is given these rows.
    """
    path = Path(path)
    kind, limit_rows = _prepare(path, fmt, original_name, max_rows)
    if kind == "csv":
        return _csv_rows(path, limit_rows)
    return _excel_rows(path, kind, sheet, limit_rows)


def iter_rows_with_header(
    path: Path,
    aliases: Mapping[str, Sequence[str]],
    *,
    fmt: str | None = None,
    max_rows: int | None = None,
    original_name: str | None = None,
    scan_rows: int = 20,
    min_matches: int = 2,
) -> tuple[HeaderMatch, Iterator[RawRow], str]:
    """Find the header and stream the data rows after it, looking at each visible worksheet in turn.

    Government templates often put a 填报说明 sheet before the data: the first visible worksheet whose first
    ``scan_rows`` rows hold a header (see ``find_header``) is read. Returns the header, the data rows and the
    name of the worksheet read ('' for a CSV file). When no worksheet has a header, the error names the
    worksheets looked at.
    """
    path = Path(path)
    kind, limit_rows = _prepare(path, fmt, original_name, max_rows)
    if kind == "csv":
        header, data = find_header(
            _csv_rows(path, limit_rows), aliases, scan_rows=scan_rows, min_matches=min_matches
        )
        return header, data, ""
    workbook = _open_workbook(path, kind)
    try:
        guard = _SheetGuard(path, kind, workbook)
        tried: list[str] = []
        partial: list[str] = []
        hidden: list[int] = []
        # A sheet refused for its used range (stray cells on a 填报说明 sheet) does not stop the search, but
        # is reported if no other sheet has the header.
        refused: XinyongError | None = None
        for index, meta in enumerate(workbook.sheets_metadata):
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue
            if meta.visible != SheetVisibleEnum.Visible:
                hidden.append(index)
                continue
            try:
                loaded = _load_guarded(workbook, index, guard)
            except XinyongError as exc:
                if exc.code != ErrorCode.FILE_TOO_LARGE:
                    raise
                refused = refused or exc
                continue
            if loaded.start is None:
                continue
            rows = _sheet_rows(workbook, loaded, limit_rows, owns_workbook=False)
            tried.append(meta.name)
            try:
                header, data = find_header(rows, aliases, scan_rows=scan_rows, min_matches=min_matches)
            except XinyongError as exc:
                if exc.code not in (ErrorCode.HEADER_NOT_FOUND, ErrorCode.FILE_EMPTY):
                    raise
                if isinstance(exc, _HeaderNotFound) and exc.partial:
                    partial.append(f"工作表“{meta.name}”{exc.partial}")
                rows.close()
                continue
            return header, _closing(data, workbook), meta.name
        hidden_with_data = any(_hidden_has_data(workbook, index, guard) for index in hidden)
    except BaseException:
        _close(workbook)
        raise
    _close(workbook)
    if refused is not None:
        raise refused
    if not tried:
        raise _no_visible_data(hidden_with_data)
    sheets = "、".join(f"“{name}”" for name in tried)
    raise XinyongError(
        ErrorCode.HEADER_NOT_FOUND,
        f"未找到表头：已查看工作表{sheets}，前{scan_rows}行中都没有与该信息类别模板相符的列名"
        + _expected_columns(aliases)
        + "。请确认文件是否选对了信息类别，或下载模板对照。"
        + "".join(partial)
        + ("隐藏的工作表不会被读取。" if hidden_with_data else ""),
    )


def _prepare(path: Path, fmt: str | None, original_name: str | None, max_rows: int | None) -> tuple[str, int]:
    """The checks before any row is read: size, format, zip bomb. Returns the format and the row limit."""
    max_bytes = _setting("XINYONG_IMPORT_MAX_BYTES", _DEFAULT_MAX_BYTES)
    limit_rows = max_rows if max_rows is not None else _setting("XINYONG_IMPORT_MAX_ROWS", _DEFAULT_MAX_ROWS)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _unreadable(f"无法读取文件：{exc.strerror or exc}") from exc
    if size > max_bytes:
        shown, shown_limit = _sizes(size, max_bytes)
        raise XinyongError(
            ErrorCode.FILE_TOO_LARGE, f"文件大小为 {shown}，超过上限 {shown_limit}，请拆分后分批上传"
        )
    kind = fmt or detect_format(path, original_name)
    if kind not in ("csv", "xlsx", "xls"):
        raise ValueError(f"unknown file format {kind!r}")
    if kind == "xlsx":
        _check_zip_bomb(path)
        _xlsx_shared_strings(path, _setting("XINYONG_IMPORT_MAX_CELLS", _DEFAULT_MAX_CELLS))
    return kind, limit_rows


def _closing(rows: Iterator[RawRow], workbook: CalamineWorkbook) -> Iterator[RawRow]:
    try:
        yield from rows
    finally:
        _close(workbook)


def _too_many_rows(limit: int) -> XinyongError:
    return XinyongError(
        ErrorCode.FILE_TOO_LARGE, f"文件的数据行数超过上限（最多 {limit:,} 行），请拆分后分批上传"
    )


def _xlsx_shared_strings(path: Path, max_entries: int) -> tuple[Sequence[int], bool]:
    """The size of each shared string of an .xlsx and whether their order is certain (see ``xlsx_scan``); refuses a
    workbook with more of them than a sheet may have cells, before python-calamine loads them all on opening it."""
    with zipfile.ZipFile(path) as zf:
        info = next(
            (i for i in zf.infolist() if i.filename.replace("\\", "/").lower() == "xl/sharedstrings.xml"), None
        )
        if info is None:
            return (), True
        try:
            with zf.open(info) as fh:
                return shared_string_lengths(
                    fh, max_entries=max_entries, deadline=time.monotonic() + _SCAN_SECONDS
                )
        except (ValueError, OSError, EOFError, zlib.error, zipfile.BadZipFile, zipfile.LargeZipFile):
            # Damaged: every string a cell uses counts as long as the whole part, so that the sheet's check stands.
            return array("I", [min(info.file_size, 0xFFFFFFFF)]), False
        except TooManyStrings as exc:
            raise XinyongError(
                ErrorCode.FILE_TOO_LARGE,
                f"文件中的共享文字超过 {max_entries:,} 条（一个工作表最多 {max_entries:,} 个单元格，用不到这么多），"
                f"疑似恶意构造的文件，已拒绝读取。如果这是正常的表格文件，{_RESAVE}",
            ) from exc
        except ScanTimeout:
            raise XinyongError(
                ErrorCode.FILE_TOO_LARGE,
                f"文件中的共享文字结构异常：核对超过 {_SCAN_SECONDS:.0f} 秒仍未完成（疑似恶意构造的文件），"
                f"已拒绝读取。{_RESAVE}",
            ) from None


def _check_zip_bomb(path: Path) -> None:
    """Refuse an .xlsx whose members would unpack to far more than a real workbook (zip directory only)."""
    limit = _setting("XINYONG_IMPORT_MAX_UNPACKED_BYTES", _DEFAULT_MAX_UNPACKED_BYTES)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise _unreadable(f"文件已损坏或不完整（可能上传中断），无法打开。{_RESAVE}") from exc
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > _RATIO_CHECK_MIN_BYTES and (
            info.compress_size == 0 or info.file_size / info.compress_size > _MAX_COMPRESSION_RATIO
        ):
            raise _unreadable(
                "文件结构异常：其中的内容压缩比异常高（疑似恶意构造的文件），已拒绝读取。"
                f"如果这是正常的表格文件，{_RESAVE}"
            )
    if total > limit:
        shown, shown_limit = _sizes(total, limit)
        raise XinyongError(
            ErrorCode.FILE_TOO_LARGE, f"文件解压后的内容为 {shown}，超过上限 {shown_limit}，请拆分后分批上传"
        )


_SUFFIXES = {"xlsx": (".xlsx", ".xlsm"), "xls": (".xls",)}


def _open_workbook(path: Path, kind: str) -> CalamineWorkbook:
    if path.suffix.lower() in _SUFFIXES[kind]:
        return _calamine_open(path)
    # calamine chooses its parser by the file name, so a workbook under a temporary upload name or a wrong
    # extension (an .xlsx renamed .xls, which clerks do) is opened through a correctly named link. The open
    # workbook keeps its own file handle, so the link can go at once. Without symlinks, read from memory.
    with tempfile.TemporaryDirectory(prefix="xinyong-read-") as tmp:
        link = Path(tmp) / f"workbook.{kind}"
        try:
            link.symlink_to(path.resolve())
        except OSError:
            return _calamine_open(path, in_memory=True)
        return _calamine_open(link)


def _calamine_open(path: Path, *, in_memory: bool = False) -> CalamineWorkbook:
    try:
        if in_memory:
            with path.open("rb") as fh:
                return CalamineWorkbook.from_filelike(fh)
        return CalamineWorkbook.from_path(str(path))
    except PasswordError as exc:
        raise _encrypted() from exc
    except CalamineError as exc:
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise _encrypted() from exc
        raise _unreadable(f"文件已损坏或格式不正确，无法读取。{_RESAVE}") from exc
    except Exception as exc:  # calamine reports some malformed files with plain Python exceptions
        raise _unreadable(f"文件已损坏或格式不正确，无法读取。{_RESAVE}") from exc


def _load_sheet(workbook: CalamineWorkbook, index: int) -> CalamineSheet:
    try:
        return workbook.get_sheet_by_index(index)
    except PasswordError as exc:
        raise _encrypted() from exc
    except CalamineError as exc:
        raise _unreadable(f"工作表“{_sheet_name(workbook, index)}”已损坏，无法读取。{_RESAVE}") from exc
    except Exception as exc:  # see _calamine_open
        raise _unreadable(f"工作表“{_sheet_name(workbook, index)}”已损坏，无法读取。{_RESAVE}") from exc


def _sheet_name(workbook: CalamineWorkbook, index: int) -> str:
    names = workbook.sheet_names
    return names[index] if 0 <= index < len(names) else str(index + 1)


def _load_guarded(workbook: CalamineWorkbook, index: int, guard: _SheetGuard) -> CalamineSheet:
    """Load a worksheet, refusing it before python-calamine allocates its used range if that is absurd."""
    guard.before_load(index)
    loaded = _load_sheet(workbook, index)
    guard.after_load(index, loaded)
    return loaded


def _no_visible_data(hidden_with_data: bool) -> XinyongError:
    if hidden_with_data:
        return XinyongError(
            ErrorCode.FILE_EMPTY,
            "文件中没有含数据的可见工作表（隐藏的工作表不会被读取），请取消隐藏后重新上传",
        )
    return XinyongError(ErrorCode.FILE_EMPTY, "文件中没有任何数据，请检查后重新上传")


def _select_sheet(
    workbook: CalamineWorkbook, sheet: str | int | None, guard: _SheetGuard
) -> tuple[CalamineSheet, list[str]]:
    """The worksheet to read, and the other visible worksheets (when it was chosen automatically)."""
    names = workbook.sheet_names
    if not names:
        # Every workbook Excel or WPS saves has at least one sheet.
        raise _unreadable(f"文件已损坏或格式不正确（其中没有工作表），无法读取。{_RESAVE}")
    if sheet is not None:
        if (isinstance(sheet, int) and not 0 <= sheet < len(names)) or (
            isinstance(sheet, str) and sheet not in names
        ):
            label = f"第{sheet + 1}个" if isinstance(sheet, int) else f"“{sheet}”"
            raise XinyongError(
                ErrorCode.SHEET_NOT_FOUND,
                f"文件中没有{label}工作表。文件中的工作表：{'、'.join(names) or '（无）'}",
            )
        return _load_guarded(workbook, sheet if isinstance(sheet, int) else names.index(sheet), guard), []
    hidden: list[int] = []
    metadata = workbook.sheets_metadata
    for index, meta in enumerate(metadata):
        if meta.typ != SheetTypeEnum.WorkSheet:
            continue
        if meta.visible != SheetVisibleEnum.Visible:
            hidden.append(index)
            continue
        loaded = _load_guarded(workbook, index, guard)
        if loaded.start is None:
            continue
        others = [
            m.name
            for m in metadata[index + 1 :]
            if m.typ == SheetTypeEnum.WorkSheet and m.visible == SheetVisibleEnum.Visible
        ]
        return loaded, others
    raise _no_visible_data(any(_hidden_has_data(workbook, index, guard) for index in hidden))


def _hidden_has_data(workbook: CalamineWorkbook, index: int, guard: _SheetGuard) -> bool:
    # A hidden sheet is never read; it is looked at only to tell the clerk that the data is there.
    try:
        return _load_guarded(workbook, index, guard).start is not None
    except XinyongError as exc:
        if exc.code == ErrorCode.FILE_TOO_LARGE:
            return True  # its used range is absurd, but it is not empty
        raise


def _excel_rows(path: Path, kind: str, sheet: str | int | None, max_rows: int) -> Iterator[RawRow]:
    workbook = _open_workbook(path, kind)
    try:
        selected, others = _select_sheet(workbook, sheet, _SheetGuard(path, kind, workbook))
        rows = _sheet_rows(workbook, selected, max_rows, owns_workbook=True)
    except BaseException:
        _close(workbook)
        raise
    rows.other_sheets = others
    return rows


class _SheetRows(Iterator[RawRow]):
    """The rows of one worksheet, with what ``find_header`` needs to know about the sheet besides its rows:
    its name, its merged cells and the other visible worksheets of the file.
    """

    def __init__(self, rows: Iterator[RawRow], sheet_name: str, merged: list[tuple[int, int, int]]) -> None:
        self.stream = rows
        self.sheet_name = sheet_name
        # Merged ranges spanning several rows, as (first row number, column index, last row number).
        self.merged = merged
        self.other_sheets: list[str] = []

    def __iter__(self) -> _SheetRows:
        return self

    def __next__(self) -> RawRow:
        return next(self.stream)

    def close(self) -> None:
        close = getattr(self.stream, "close", None)
        if close is not None:
            close()


def _sheet_rows(
    workbook: CalamineWorkbook, sheet: CalamineSheet, max_rows: int, *, owns_workbook: bool
) -> _SheetRows:
    owner = workbook if owns_workbook else None
    start, end = sheet.start, sheet.end
    rows = sheet.iter_rows()
    first = next(rows, None)
    if first is None or start is None or end is None:
        if owner is not None:
            _close(owner)
        return _SheetRows(iter(()), sheet.name, [])
    # python-calamine yields rows from the top of the sheet but columns from the first used column; pin both
    # to absolute positions (row 1, column A) so row numbers and column indexes are what the clerk sees.
    # Each guess is checked against what was actually yielded, in case a future version changes either.
    row_offset = 0
    if start[0] > 0 and any(not _blank(cell) for cell in first):
        row_offset = start[0]
    col_pad = start[1] if start[1] > 0 and len(first) == end[1] - start[1] + 1 else 0
    stream = _excel_row_stream(owner, itertools.chain((first,), rows), row_offset, col_pad, max_rows)
    return _SheetRows(stream, sheet.name, _vertical_merges(sheet))


def _vertical_merges(sheet: CalamineSheet) -> list[tuple[int, int, int]]:
    """Merged ranges that span several rows, as (first row number, column index, last row number)."""
    try:
        ranges = sheet.merged_cell_ranges or []
    except Exception:  # an older python-calamine, or a format without merged cells
        return []
    merged: list[tuple[int, int, int]] = []
    for (first_row, first_col), (last_row, _last_col) in ranges:
        if last_row > first_row:
            merged.append((first_row + 1, first_col, last_row + 1))
    return sorted(merged)


def _close(workbook: CalamineWorkbook) -> None:
    with contextlib.suppress(CalamineError):
        workbook.close()


def _blank(cell: object) -> bool:
    return cell == "" or cell is None or (type(cell) is str and cell.isspace())


def _excel_row_stream(
    workbook: CalamineWorkbook | None,
    rows: Iterable[list[Any]],
    row_offset: int,
    col_pad: int,
    max_rows: int,
) -> Iterator[RawRow]:
    padding: list[object] = [None] * col_pad
    count = 0
    limit = _MAX_EXACT_FLOAT_INT
    try:
        for number, cells in enumerate(rows, start=row_offset + 1):
            # This loop runs once per cell of files with millions of cells: it is written inline, without a
            # helper call per cell, and edits the fresh list calamine hands over instead of building another.
            end = len(cells)
            while end and _blank(cells[end - 1]):
                end -= 1
            if not end:
                continue
            del cells[end:]
            for i in range(end):
                cell = cells[i]
                kind = type(cell)
                if kind is str:
                    if not cell or cell.isspace():
                        cells[i] = None
                elif kind is float:
                    # Excel stores every number as a float; whole numbers come back as int so that a code
                    # typed as a number (12345) is not read as '12345.0'.
                    if cell.is_integer() and -limit < cell < limit:
                        cells[i] = int(cell)
                elif kind is timedelta:
                    # Duration cells ([h]:mm) are no value a catalog field takes; keep their text for the
                    # error message.
                    cells[i] = str(cell)
            count += 1
            if count > max_rows:
                raise _too_many_rows(max_rows)
            yield RawRow(number, padding + cells if col_pad else cells)
    finally:
        if workbook is not None:
            _close(workbook)


_MAX_EXACT_FLOAT_INT = 2.0**53


# ----------------------------------------------------------------------------------------------------------
# The used range of a worksheet, checked before python-calamine allocates it


@dataclass(frozen=True)
class _Extent:
    """The used range of a worksheet (0-based, inclusive), the size of the XML or BIFF data behind it and the text
    its cells take from the shared strings."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int
    source_bytes: int | None
    # The bytes of shared strings its cells use, each counted as often as it is used (python-calamine copies it
    # into every cell).
    text_bytes: int = 0

    @property
    def width(self) -> int:
        return self.last_col - self.first_col + 1

    @property
    def height(self) -> int:
        return self.last_row - self.first_row + 1

    def ref(self) -> str:
        return (
            f"{_column_letters(self.first_col)}{self.first_row + 1}:"
            f"{_column_letters(self.last_col)}{self.last_row + 1}"
        )


def _column_letters(index: int) -> str:
    """Excel's name for a 0-based column index: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    """0-based column index of Excel's column name: A → 0, AA → 26."""
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - ord("A") + 1
    return index - 1


class _SheetGuard:
    """Refuses a worksheet whose used range python-calamine would allocate in full (about 70 bytes a cell at the
    peak of loading): one stray cell at XFD1048576 would take hundreds of gigabytes and abort the process.

    The used range is measured before the sheet is loaded, where the cells are, whatever the sheet claims: for
    .xlsx by reading the sheet's XML as it streams and placing each cell as python-calamine will (``xlsx_scan``),
    for .xls from the sheet's cell records. The sheet is refused the moment the range passes a limit, so memory
    stays that of one chunk; a range the sheet itself states as too large (``<dimension>``, the DIMENSIONS
    record) is refused without reading further. It is checked again, from what python-calamine reports, once the
    sheet is loaded and before any row is handed to Python.
    """

    def __init__(self, path: Path, kind: str, workbook: CalamineWorkbook) -> None:
        self.path = path
        self.kind = kind
        self.names: list[str] = list(workbook.sheet_names)
        self.max_columns = _setting("XINYONG_IMPORT_MAX_COLUMNS", _DEFAULT_MAX_COLUMNS)
        self.max_cells = _setting("XINYONG_IMPORT_MAX_CELLS", _DEFAULT_MAX_CELLS)
        self.max_text = _setting("XINYONG_IMPORT_MAX_UNPACKED_BYTES", _DEFAULT_MAX_UNPACKED_BYTES)
        self._extents: dict[int, _Extent | None] = {}
        self._shared: tuple[Sequence[int], bool] | None = None

    def extent(self, index: int) -> _Extent | None:
        """The used range of a sheet's cells, or None if empty or unknown (a damaged file: python-calamine reports
        it)."""
        if index not in self._extents:
            try:
                if self.kind == "xlsx":
                    if self._shared is None:
                        self._shared = _xlsx_shared_strings(self.path, self.max_cells)
                    self._extents[index] = _xlsx_extent(
                        self.path,
                        self.names[index],
                        lambda extent, partial: self._check(index, extent, partial=partial),
                        self._shared,
                    )
                else:
                    self._extents[index] = _xls_extent(
                        self.path,
                        index,
                        len(self.names),
                        lambda extent, partial: self._check(index, extent, partial=partial),
                    )
            except (
                ValueError,
                IndexError,
                KeyError,
                struct.error,
                OSError,
                EOFError,
                zlib.error,
                RuntimeError,
                NotImplementedError,
                zipfile.BadZipFile,
                zipfile.LargeZipFile,
            ):
                # A damaged or unusual file: python-calamine reports it, or the check after loading applies.
                self._extents[index] = None
            except ScanTimeout:
                raise XinyongError(
                    ErrorCode.FILE_TOO_LARGE,
                    f"{self._where(index)}的结构异常：核对其单元格位置超过 {_SCAN_SECONDS:.0f} 秒仍未完成"
                    f"（疑似恶意构造的文件），已拒绝读取。{_RESAVE}",
                ) from None
        return self._extents[index]

    def before_load(self, index: int) -> None:
        extent = self.extent(index)
        if extent is not None:
            self._check(index, extent)

    def after_load(self, index: int, sheet: CalamineSheet) -> None:
        start, end = sheet.start, sheet.end
        if start is None or end is None:
            return
        stated = self.extent(index)
        self._check(
            index, _Extent(start[0], start[1], end[0], end[1], stated.source_bytes if stated else None)
        )

    def _where(self, index: int) -> str:
        return f"工作表“{self.names[index]}”" if 0 <= index < len(self.names) else "表格"

    def _check(self, index: int, extent: _Extent, *, partial: bool = False) -> None:
        """Refuse a used range past the limits; ``partial``: the sheet is still being read (it is larger yet)."""
        width, height = extent.width, extent.height
        cells = width * height
        sparse = (
            extent.source_bytes is not None
            and cells >= _SPARSE_MIN_CELLS
            and extent.source_bytes * _SPARSE_CELLS_PER_BYTE < cells
        )
        where = self._where(index)
        size = f"{extent.ref()}（{width}列×{height}行{'，尚未读完' if partial else ''}）"
        if width > self.max_columns or sparse:
            raise XinyongError(
                ErrorCode.FILE_TOO_LARGE,
                f"{where}的使用范围异常：{size}，可能有远处的零散单元格。"
                "请删除多余的行列后另存再上传（在 Excel 或 WPS 中按 Ctrl+End 可定位到表格的最后一个单元格）。",
            )
        if extent.text_bytes > self.max_text:
            shown, shown_limit = _sizes(extent.text_bytes, self.max_text)
            raise XinyongError(
                ErrorCode.FILE_TOO_LARGE,
                f"{where}的单元格引用的共享文字展开后{'已' if partial else ''}达 {shown}，超过上限 {shown_limit}"
                "（少量长文字被大量单元格重复引用，疑似恶意构造的文件），已拒绝读取。"
                "如果这是正常的表格文件，请拆分后分批上传。",
            )
        if cells > self.max_cells:
            raise XinyongError(
                ErrorCode.FILE_TOO_LARGE,
                f"{where}过大：{size}，{'已有' if partial else '共'} {cells:,} 个单元格，超过上限 {self.max_cells:,} 个。"
                "请删除多余的行列，或拆分后分批上传（也可另存为 CSV 文件上传）。",
            )


# .xlsx: find the sheet's part through the workbook and its relationships, then read the start of the part.

_XML_LIMIT = 16 * _MIB
_SHEET_HEAD_BYTES = 16 * 1024
# Placing a sheet's cells takes about a second per 100 MB of XML on the paths ordinary files take; a sheet built to
# be walked tag by tag (or an .xls of millions of empty records) is refused rather than read for minutes.
_SCAN_SECONDS = 60.0
_XML_ATTR = re.compile(rb"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_SHEET_TAG = re.compile(rb"<(?:[\w.-]+:)?sheet\s([^>]*)>")
_REL_TAG = re.compile(rb"<(?:[\w.-]+:)?Relationship\s([^>]*)>")
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\s[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_CELL_REF = re.compile(r"\$?([A-Z]{1,3})\$?(\d{1,7})")


def _xml_attrs(blob: bytes) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for match in _XML_ATTR.finditer(blob):
        value = match.group(2) if match.group(2) is not None else match.group(3)
        attrs[match.group(1).decode("utf-8", "replace")] = html.unescape(value.decode("utf-8", "replace"))
    return attrs


def _read_small(zf: zipfile.ZipFile, members: Mapping[str, zipfile.ZipInfo], name: str) -> bytes:
    info = members.get(name.lower())
    if info is None or info.file_size > _XML_LIMIT:
        raise ValueError(f"no usable {name}")
    with zf.open(info) as fh:
        return fh.read(_XML_LIMIT)


def _xlsx_extent(
    path: Path, sheet_name: str, check: Callable[[_Extent, bool], None], shared: tuple[Sequence[int], bool]
) -> _Extent | None:
    with zipfile.ZipFile(path) as zf:
        members = {info.filename.lower(): info for info in zf.infolist()}
        targets: dict[str, str] = {}
        for match in _REL_TAG.finditer(_read_small(zf, members, "xl/_rels/workbook.xml.rels")):
            attrs = _xml_attrs(match.group(1))
            if "Id" in attrs and "Target" in attrs:
                targets[attrs["Id"]] = attrs["Target"]
        for match in _SHEET_TAG.finditer(_read_small(zf, members, "xl/workbook.xml")):
            attrs = _xml_attrs(match.group(1))
            if attrs.get("name") != sheet_name:
                continue
            rel = next((v for k, v in attrs.items() if k.endswith(":id")), "")
            target = targets.get(rel, "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            info = members.get(part.lower())
            return None if info is None else _sheet_part_extent(zf, info, check, shared)
    return None


def _sheet_part_extent(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    check: Callable[[_Extent, bool], None],
    shared: tuple[Sequence[int], bool],
) -> _Extent | None:
    """The used range of a sheet's cells, read from its XML; ``check(extent, partial)`` refuses it as it grows.

    A range the sheet states as too large in its ``<dimension>`` is refused without reading further. A smaller
    one proves nothing (a sheet may claim A1:B2 and hold millions of rows), so the cells are always counted.
    """
    with zf.open(info) as fh:
        head = fh.read(_SHEET_HEAD_BYTES)
    match = _DIMENSION.search(head)
    sheet_data = head.find(b"sheetData")
    if match is not None and (sheet_data < 0 or match.start() < sheet_data):
        refs = _CELL_REF.findall(match.group(1).decode("ascii", "replace").upper())
        if refs:
            cols = [_column_index(letters) for letters, _ in refs]
            rows = [int(number) - 1 for _, number in refs]
            check(_Extent(min(rows), min(cols), max(rows), max(cols), info.file_size), False)
    size = info.file_size

    def grown(last_row: int, last_col: int, text: int, final: bool) -> None:
        check(_Extent(0, 0, last_row, last_col, size, text), not final)

    lengths, order_known = shared
    with zf.open(info) as fh:
        found = scan_used_range(
            fh,
            on_growth=grown,
            deadline=time.monotonic() + _SCAN_SECONDS,
            shared_strings=lengths,
            shared_order_known=order_known,
        )
    return None if found is None else _Extent(0, 0, found[0], found[1], size, found[2])


# .xls: the BOUNDSHEET records of the workbook globals give each sheet's offset in the Workbook stream, the
# DIMENSIONS record near the start of each sheet the range it claims, and its cell records where its cells are.

_BIFF_BOF = 0x0809
_BIFF_EOF = 0x000A
_BIFF_FILEPASS = 0x002F
_BIFF_BOUNDSHEET = 0x0085
_BIFF_DIMENSIONS = 0x0200
_BIFF_MAX_RECORDS = 100_000
_BIFF_MAX_SHEET_HEAD_RECORDS = 200
# Records of one cell, starting with its row and column: FORMULA, LABELSST, BLANK, NUMBER, LABEL, BOOLERR, RK,
# RSTRING; and of a run of cells in one row, ending with the last column: MULRK, MULBLANK.
_BIFF_CELL = frozenset({0x0006, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00D6})
_BIFF_CELL_RUN = frozenset({0x00BD, 0x00BE})
_BIFF_BLOCK = 256 * 1024


def _xls_sheet_offsets(fh: IO[bytes], size: int) -> tuple[_OleStream, list[int]] | None:
    """The Workbook stream and each sheet's offset in it; None when there is none or it is encrypted."""
    ole = _Ole2(fh, size)
    entry = next((e for e in ole.entries() if e.kind == 2 and e.name.lower() in ("workbook", "book")), None)
    if entry is None:
        return None
    stream = ole.stream(entry)
    offsets: list[int] = []
    position = 0
    for _ in range(_BIFF_MAX_RECORDS):
        record_type, length = struct.unpack("<HH", stream.read(position, 4))
        if record_type == _BIFF_FILEPASS:
            return None  # encrypted: python-calamine asks for the password
        if record_type == _BIFF_BOUNDSHEET:
            (offset,) = struct.unpack("<I", stream.read(position + 4, 4))
            offsets.append(offset)
        elif offsets or record_type == _BIFF_EOF:
            break  # the BOUNDSHEET records stand together near the start of the globals
        position += 4 + length
    return stream, offsets


def _xls_extent(
    path: Path, index: int, sheet_count: int, check: Callable[[_Extent, bool], None]
) -> _Extent | None:
    """The used range of a sheet's cells, from its cell records; ``check(extent, partial)`` refuses it as it
    grows. A range the DIMENSIONS record states as too large is refused without reading further; a smaller one
    proves nothing (python-calamine allocates where the cells are), so the cells are always counted."""
    with path.open("rb") as fh:
        found = _xls_sheet_offsets(fh, path.stat().st_size)
        if found is None or len(found[1]) != sheet_count:
            return None
        stream, offsets = found
        offset = offsets[index]
        following = min((o for o in (*offsets, stream.size) if o > offset), default=stream.size)
        stated = _biff_dimensions(stream, offset, following - offset)
        if stated is not None:
            check(stated, False)
        return _biff_cells_extent(stream, offset, following - offset, check)


def _biff_cells_extent(
    stream: _OleStream, offset: int, size: int, check: Callable[[_Extent, bool], None]
) -> _Extent | None:
    """The range of the cell records from a sheet's BOF to its first EOF (where python-calamine stops too),
    read in blocks; the range is checked after each block, so a sheet too large stops being read at once."""
    first_row = first_col = 1 << 32
    last_row = last_col = -1
    grown = False
    position, end = offset, stream.size
    buffer, base = b"", offset
    deadline = time.monotonic() + _SCAN_SECONDS
    while position + 4 <= end:
        if position + 4 > base + len(buffer):
            if grown:
                check(_Extent(first_row, first_col, last_row, last_col, size), True)
                grown = False
            if time.monotonic() > deadline:
                raise ScanTimeout
            buffer, base = stream.read(position, min(_BIFF_BLOCK, end - position)), position
        at = position - base
        record_type, length = struct.unpack_from("<HH", buffer, at)
        if record_type == _BIFF_EOF:
            break
        if record_type in _BIFF_CELL or record_type in _BIFF_CELL_RUN:
            if position + 4 + length > base + len(buffer):
                buffer, base = stream.read(position, min(max(_BIFF_BLOCK, 4 + length), end - position)), position
                at = 0
            if length >= 4:
                row, col = struct.unpack_from("<HH", buffer, at + 4)
                last = col
                if record_type in _BIFF_CELL_RUN and length >= 6:
                    (last,) = struct.unpack_from("<H", buffer, at + 2 + length)
                if row > last_row or last > last_col or row < first_row or col < first_col:
                    last_row, last_col = max(last_row, row), max(last_col, col, last)
                    first_row, first_col = min(first_row, row), min(first_col, col)
                    grown = True
        position += 4 + length
    if last_row < 0:
        return None
    return _Extent(first_row, first_col, last_row, last_col, size)


def _biff_dimensions(stream: _OleStream, offset: int, size: int) -> _Extent | None:
    record_type, length = struct.unpack("<HH", stream.read(offset, 4))
    if record_type != _BIFF_BOF:
        return None
    position = offset
    for _ in range(_BIFF_MAX_SHEET_HEAD_RECORDS):
        position += 4 + length
        record_type, length = struct.unpack("<HH", stream.read(position, 4))
        if record_type == _BIFF_DIMENSIONS:
            data = stream.read(position + 4, length)
            if length >= 14:  # BIFF8: 32-bit rows
                first_row, row_end, first_col, col_end = struct.unpack_from("<IIHH", data)
            else:
                first_row, row_end, first_col, col_end = struct.unpack_from("<HHHH", data)
            if row_end <= first_row or col_end <= first_col:
                return None  # an empty sheet
            return _Extent(first_row, first_col, row_end - 1, col_end - 1, size)
        if record_type in (_BIFF_EOF, _BIFF_BOF):
            return None
    return None


class _DecodeFailure(Exception):
    def __init__(self, line: bytes, encoding: str) -> None:
        super().__init__()
        self.line = line
        self.encoding = encoding


class _RecordSize:
    """Bytes read for the CSV record being parsed: a quoted cell can carry a record over many lines."""

    bytes = 0


class _LineTooLong(Exception):
    pass


class _BinaryLine(Exception):
    pass


def _csv_rows(path: Path, max_rows: int) -> Iterator[RawRow]:
    max_columns = _setting("XINYONG_IMPORT_MAX_COLUMNS", _DEFAULT_MAX_COLUMNS)
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise _unreadable(f"无法读取文件：{exc.strerror or exc}") from exc
    try:
        head = fh.read(_SNIFF_BYTES)
        if not head:
            raise XinyongError(ErrorCode.FILE_EMPTY, "文件是空的（0 字节），请检查后重新上传")
        encoding = _sniff_encoding(head)
        if encoding in (None, "gb18030"):
            _reject_undecodable_line(head, complete=len(head) < _SNIFF_BYTES)
        if encoding is None:
            raise _binary_junk(_first_junk_line(head))
        sample = _decode_sample(head, encoding)
        bad_line = _binary_line(sample)
        if bad_line is not None:
            raise _binary_junk(bad_line)
        delimiter = _sniff_delimiter(sample)
        fh.seek(0)
    except BaseException:
        fh.close()
        raise
    return _csv_row_stream(fh, encoding, delimiter, max_rows, max_columns)


def _csv_lines(fh: IO[bytes], encoding: str, size: _RecordSize) -> Iterator[str]:
    if encoding == "utf-16":
        # UTF-16 cannot be split on the byte b'\n'; its files come from Excel and are small, so let the
        # codec stream them. A decoding error may then be found a line early, which is acceptable for this rare
        # case.
        reader = codecs.getreader("utf-16")(fh)
        while True:
            try:
                line = reader.readline(_MAX_LINE_BYTES)
            except UnicodeDecodeError:
                raise _DecodeFailure(b"", encoding) from None
            if not line:
                return
            size.bytes += 2 * len(line)
            if size.bytes > _MAX_LINE_BYTES:
                raise _LineTooLong
            yield line
    # Without a BOM the encoding was guessed from the first 64 KB. If that part was plain ASCII, "UTF-8" was
    # only a default: the first line that is not ASCII then decides, instead of failing.
    undecided = encoding == "utf-8"
    if encoding == "utf-8-sig":
        fh.read(len(codecs.BOM_UTF8))
        encoding = "utf-8"
    while True:
        # Split on the byte b'\n', which never occurs inside a UTF-8 or GB18030 multi-byte character, and
        # decode line by line so that a decoding failure can name its line.
        raw = fh.readline(_MAX_LINE_BYTES)
        if not raw:
            return
        # One row may run over several lines (a quoted cell with line breaks): the limit is on the row.
        size.bytes += len(raw)
        if size.bytes > _MAX_LINE_BYTES or (len(raw) == _MAX_LINE_BYTES and not raw.endswith(b"\n")):
            raise _LineTooLong
        # NUL never occurs in text; the csv module stopped rejecting it in Python 3.11, so check here.
        if b"\x00" in raw:
            raise _BinaryLine
        if undecided and raw.isascii():
            yield raw.decode("ascii")
            continue
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            if not undecided:
                raise _DecodeFailure(raw, encoding) from None
            try:
                text = raw.decode("gb18030")
            except UnicodeDecodeError:
                raise _DecodeFailure(raw, encoding) from None
            encoding = "gb18030"
        undecided = False
        yield text


def _csv_row_stream(
    fh: IO[bytes], encoding: str, delimiter: str, max_rows: int, max_columns: int
) -> Iterator[RawRow]:
    number = 0
    count = 0
    size = _RecordSize()
    try:
        reader = csv.reader(_csv_lines(fh, encoding, size), delimiter=delimiter)
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except _DecodeFailure as exc:
                if exc.encoding == "utf-16":
                    raise _unreadable(
                        f"第{number + 1}行含有无法识别的字符（不是有效的 Unicode 文字）。"
                        "请用 Excel 或 WPS 打开后“另存为” CSV UTF-8 格式再上传"
                    ) from None
                raise _undecodable(number + 1, exc.line, exc.encoding) from None
            except _BinaryLine:
                raise _binary_junk(number + 1) from None
            except _LineTooLong:
                raise _unreadable(
                    f"第{number + 1}行过长（超过 {human_size(_MAX_LINE_BYTES)}），文件不是有效的 CSV 表格"
                ) from None
            except csv.Error:
                raise _unreadable(
                    f"第{number + 1}行附近的内容无法解析（可能是引号不配对，或单元格内容过长）。{_RESAVE}"
                ) from None
            size.bytes = 0
            # One record is one row in Excel/WPS, even when a quoted cell spans several physical lines.
            number += 1
            end = len(record)
            while end and (not record[end - 1] or record[end - 1].isspace()):
                end -= 1
            if not end:
                continue
            if end > max_columns:
                raise _too_many_columns(number, end, max_columns)
            count += 1
            if count > max_rows:
                raise _too_many_rows(max_rows)
            yield RawRow(number, [cell if cell and not cell.isspace() else None for cell in record[:end]])
    finally:
        fh.close()


def _too_many_columns(row: int, columns: int, limit: int) -> XinyongError:
    return XinyongError(
        ErrorCode.FILE_TOO_LARGE,
        f"第{row}行有 {columns:,} 列，超过上限 {limit:,} 列，可能有多余的分隔符或远处的零散单元格。"
        "请删除多余的列后另存再上传。",
    )


_DELIMITERS = (",", ";", "\t", "|")


def _sniff_delimiter(sample: str) -> str:
    """Pick the delimiter that splits the sample's lines into the most consistent number of fields (>1).

    Quote-aware (it parses with the csv module); the last line of the sample is dropped as it may be cut
    off. Title rows above the header have one field whatever the delimiter, so consistency is judged on the
    most common field count, not on every line.
    """
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1:
        lines = lines[:-1]
    lines = lines[:200]
    best, best_score = ",", (0, 0)
    for delimiter in _DELIMITERS:
        try:
            widths = [len(rec) for rec in csv.reader(lines, delimiter=delimiter) if len(rec) > 1]
        except csv.Error:
            continue
        if not widths:
            continue
        common = max(set(widths), key=lambda w: (widths.count(w), w))
        score = (widths.count(common), common)
        if score > best_score:
            best, best_score = delimiter, score
    return best


# ----------------------------------------------------------------------------------------------------------
# Header detection

_BRACKETS = str.maketrans(
    {
        "【": "(",
        "】": ")",
        "[": "(",
        "]": ")",
        "〔": "(",
        "〕": ")",
        "{": "(",
        "}": ")",
        "〖": "(",
        "〗": ")",
        "［": "(",
        "］": ")",
    }
)
_HEADER_WS = re.compile(r"\s+")
_REQUIRED_MARKERS = re.compile(
    r"^[*※]+|[*※]+$|\((?:必填|必填项|必填字段|选填|选填项|非必填|可选|可选填|可不填|可为空|不可为空)\)$|[:]$"
)
_BRACKETED = re.compile(r"\(([^()]*)\)")


def normalize_header(text: object) -> str:
    """Canonical form of a header cell: NFKC, no whitespace, () for all brackets, no 必填 markers, lower case.

    '行政相对人代码_1\\n（统一社会信用代码）' and '行政相对人代码_1(统一社会信用代码)' normalise
    identically.
    """
    if text is None:
        return ""
    value = unicodedata.normalize("NFKC", str(text)).translate(_BRACKETS)
    value = _HEADER_WS.sub("", value).replace("\u200b", "").replace("\ufeff", "")
    while True:
        stripped = _REQUIRED_MARKERS.sub("", value)
        if stripped == value:
            break
        value = stripped
    return value.lower()


@dataclass(frozen=True)
class HeaderMatch:
    """Where the header is and what each column means.

    ``row_number`` is the (first) header row; ``last_row_number`` the last one when a two-row header (a
    merged group title over sub-columns) or a restated header row (field codes) follows it. Data starts
    after it. ``columns`` may map several columns to one field (处罚类别1, 处罚类别2 → 处罚类别).
    """

    row_number: int
    columns: dict[int, str]
    unknown: list[tuple[int, str]]
    missing: list[str]
    last_row_number: int = field(default=0)
    # Every header cell as the clerk wrote it, by column (a layout is sometimes known by one of its names).
    texts: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.last_row_number:
            object.__setattr__(self, "last_row_number", self.row_number)


# A bracketed part that states a unit of money, as normalised: (元) (万元) (人民币元) (元/人民币) (单位:万元) …
_UNIT = re.compile(
    r"(?:单位:?)?(?:人民币|rmb|cny)?/?(亿元|千万元|百万元|十万元|万元|千元|百元|元|万)/?(?:人民币|rmb|cny)?"
)


def _unit(inner: str) -> str | None:
    match = _UNIT.fullmatch(inner)
    if match is None:
        return None
    unit = match.group(1)
    return "万元" if unit == "万" else unit


def _units(text: str) -> frozenset[str]:
    """The units of money stated in the bracketed parts of a normalised header text."""
    return frozenset(unit for inner in _BRACKETED.findall(text) if (unit := _unit(inner)))


class _Lookup(dict[str, str]):
    """Normalised header name → field code, and the units of money each field's own names state."""

    def __init__(self) -> None:
        super().__init__()
        self.units: dict[str, frozenset[str]] = {}


def _alias_lookup(aliases: Mapping[str, Sequence[str]]) -> _Lookup:
    lookup = _Lookup()
    for code, names in aliases.items():
        units: set[str] = set()
        for name in names:
            key = normalize_header(name)
            if key:
                # The first field to claim a header name keeps it: the catalog lists the current layout
                # first.
                lookup.setdefault(key, code)
                units.update(_units(key))
        if units:
            lookup.units[code] = frozenset(units)
    return lookup


def _match_text(text: str, lookup: _Lookup) -> str | None:
    """Field code for a normalised header text: exact, then without its bracketed part, then the bracketed
    part.

    The bracketed part is not dropped when it names a unit of money other than the field's own: 罚款金额（元）
    is not the field 罚款金额（万元）, and taking it as such would store amounts ten thousand times too large.
    """
    if not text:
        return None
    code = lookup.get(text)
    if code is not None or "(" not in text:
        return code
    base = _BRACKETED.sub("", text)
    code = lookup.get(base)
    if code is not None:
        field_units = lookup.units.get(code)
        if field_units:
            stated = _units(text)
            if stated and not stated <= field_units:
                return None
        return code
    for inner in _BRACKETED.findall(text):
        code = lookup.get(inner)
        if code is not None:
            return code
    return None


def _match_row(cells: Sequence[object], lookup: _Lookup) -> dict[int, str]:
    # Several columns may name one field (the older layout's 处罚类别1 and 处罚类别2): all are kept, and the
    # caller decides how to combine them.
    columns: dict[int, str] = {}
    for index, cell in enumerate(cells):
        if isinstance(cell, str):
            code = _match_text(normalize_header(cell), lookup)
            if code is not None:
                columns[index] = code
    return columns


def _sub_header(
    header: RawRow, below: RawRow, columns: dict[int, str], lookup: _Lookup
) -> dict[int, str] | None:
    """Columns named by a second header row (sub-columns under a merged group title), or None if it is data.

    Government templates group e.g. 统一社会信用代码 / 工商注册号 / … under one merged 行政相对人代码 cell.
    The merged title's value sits in its leftmost cell only, so a sub-column's group is the nearest title to
    its left.
    """
    texts = [(i, c) for i, c in enumerate(below.cells) if c is not None]
    if not texts or not all(isinstance(c, str) for _, c in texts):
        return None
    found: dict[int, str] = {}
    parent = ""
    head_cells = header.cells
    for index, cell in texts:
        for j in range(min(index, len(head_cells) - 1), -1, -1):
            above = head_cells[j]
            if isinstance(above, str) and above.strip():
                parent = normalize_header(above)
                break
        child = normalize_header(cell)
        code = _match_text(parent + child, lookup) or _match_text(child, lookup)
        if code is not None:
            found[index] = code
    # A data row can hold a value that happens to equal a header name, but not in half of its cells.
    if not found or len(found) * 2 < len(texts):
        return None
    if all(columns.get(i) == code for i, code in found.items()):
        # The row restates the header (a row of field codes under the names): skip it, keep the mapping.
        return dict(columns)
    return {**columns, **found}


def find_header(
    rows: Iterable[RawRow],
    aliases: Mapping[str, Sequence[str]],
    *,
    scan_rows: int = 20,
    min_matches: int = 2,
) -> tuple[HeaderMatch, Iterator[RawRow]]:
    """Find the header among the first ``scan_rows`` non-empty rows and return it with the data rows after it.

    The row naming the most fields wins (title rows above it are skipped); the returned iterator starts with
    the rows that were read ahead while scanning.

    Given the rows of a worksheet (``iter_rows``), a value merged down over several data rows (a 处罚机关
    shared by the rows of one decision) is filled into each of those rows, as the clerk sees it.
    """
    lookup = _alias_lookup(aliases)
    sheet = rows if isinstance(rows, _SheetRows) else None
    # The rows of a worksheet are taken straight from its stream: no wrapper call per row.
    source = sheet.stream if sheet is not None else iter(rows)
    buffered = list(itertools.islice(source, scan_rows))
    if not buffered:
        raise XinyongError(ErrorCode.FILE_EMPTY, "文件中没有任何数据，请检查后重新上传")
    best_index, best_columns, best_score = 0, dict[int, str](), 0
    for index, row in enumerate(buffered):
        columns = _match_row(row.cells, lookup)
        score = len(set(columns.values()))
        if score > best_score:
            best_index, best_columns, best_score = index, columns, score
    if best_score < min_matches:
        partial = _partial_header(buffered, best_index, best_columns)
        message = (
            f"未找到表头：前{scan_rows}行中没有与该信息类别模板相符的列名{_expected_columns(aliases)}。"
            f"请确认文件是否选对了信息类别，或下载模板对照。{partial}"
        )
        if sheet is not None and sheet.other_sheets:
            others = "、".join(f"“{name}”" for name in sheet.other_sheets)
            message += (
                f"只读取了第一个含数据的可见工作表“{sheet.sheet_name}”，文件中还有工作表{others}："
                "如数据在其他工作表，请将其移到第一个工作表后重新上传。"
            )
        raise _HeaderNotFound(message, partial)
    header = buffered[best_index]
    last_index = best_index
    header_cells: list[object] = list(header.cells)
    if best_index + 1 < len(buffered):
        below = buffered[best_index + 1]
        merged = _sub_header(header, below, best_columns, lookup)
        if merged is not None:
            last_index += 1
            if merged != best_columns:
                best_columns = merged
                # Unknown sub-columns are reported by their own text rather than the group title above them.
                header_cells.extend([None] * (len(below.cells) - len(header_cells)))
                for i, cell in enumerate(below.cells):
                    if cell is not None:
                        header_cells[i] = cell
    unknown = [
        (i, clean)
        for i, cell in enumerate(header_cells)
        if i not in best_columns and (clean := _header_display(cell))
    ]
    found_codes = set(best_columns.values())
    match = HeaderMatch(
        row_number=header.number,
        columns=best_columns,
        unknown=unknown,
        missing=[code for code in aliases if code not in found_codes],
        last_row_number=buffered[last_index].number,
        texts={i: clean for i, cell in enumerate(header_cells) if (clean := _header_display(cell))},
    )
    data: Iterator[RawRow] = itertools.chain(buffered[last_index + 1 :], source)
    if sheet is not None:
        spans = [span for span in sheet.merged if span[0] > match.last_row_number]
        if spans:
            data = _fill_merged(data, spans)
    return match, data


def _fill_merged(rows: Iterator[RawRow], merged: list[tuple[int, int, int]]) -> Iterator[RawRow]:
    """Repeat the value of each merged range down the rows it covers.

    A merged range keeps its value in its top-left cell only; Excel shows it over the whole range. Only the
    range's first column is filled: the columns a value is merged across belong to other fields. ``merged``
    holds (first row number, column index, last row number), sorted.
    """
    pending = iter(merged)
    upcoming = next(pending, None)
    # (column, last row number, value) of the ranges that cover the rows now being read
    active: list[tuple[int, int, object]] = []
    for row in rows:
        number = row.number
        if active:
            active = [span for span in active if span[1] >= number]
            cells = row.cells
            for column, _, value in active:
                if column >= len(cells):
                    cells.extend([None] * (column + 1 - len(cells)))
                cells[column] = value
        while upcoming is not None and upcoming[0] <= number:
            first, column, last = upcoming
            # A range whose top row was empty (and so never read) has no value to repeat.
            if first == number and column < len(row.cells) and row.cells[column] is not None:
                active.append((column, last, row.cells[column]))
            upcoming = next(pending, None)
        yield row


def _header_display(cell: object) -> str:
    if cell is None:
        return ""
    return _HEADER_WS.sub(" ", unicodedata.normalize("NFKC", str(cell))).strip()


class _HeaderNotFound(XinyongError):
    def __init__(self, message: str, partial: str) -> None:
        super().__init__(ErrorCode.HEADER_NOT_FOUND, message)
        # What the best row did name ("第3行只识别出：…。"), for a message about several worksheets.
        self.partial = partial


def _expected_columns(aliases: Mapping[str, Sequence[str]]) -> str:
    examples = "、".join(names[0] for names in itertools.islice(aliases.values(), 6) if names)
    return f"（应包含如：{examples} 等列）" if examples else ""


def _partial_header(buffered: Sequence[RawRow], best_index: int, best_columns: Mapping[int, str]) -> str:
    if not best_columns:
        return ""
    row = buffered[best_index]
    seen = "、".join(_header_display(row.cells[i]) for i in sorted(best_columns))
    return f"第{row.number}行只识别出：{seen}。"


# ----------------------------------------------------------------------------------------------------------
# Notes under the table

# A lone cell that starts with one of these is an explanation, not a record.
_NOTE_START = re.compile(
    r"(?:注|注意|附注|说明|备注|填报说明|填表说明|填写说明|注意事项)\s*(?:[:、.)]|\d|$)"
    r"|(?:填报说明|填表说明|填写说明|注意事项)"
)
# A signature line ("填表人：张三    审核人：李四") may spread over several cells.
_SIGNATURE_START = re.compile(
    r"(?:填表人|填报人|审核人|制表人|制表|填报单位|填报日期|制表日期|单位负责人|负责人|联系人|联系电话|统计人|审核)\s*:"
)


def is_note_row(row: RawRow, header: HeaderMatch) -> bool:
    """True for the notes and signature lines that government templates put under the table."""
    first_column = min(header.columns, default=0)
    non_empty = [(i, c) for i, c in enumerate(row.cells) if c is not None]
    if not non_empty:
        return False
    index, cell = non_empty[0]
    if index > first_column or not isinstance(cell, str):
        return False
    text = unicodedata.normalize("NFKC", cell).lstrip()
    if _SIGNATURE_START.match(text):
        return True
    return len(non_empty) == 1 and _NOTE_START.match(text) is not None
