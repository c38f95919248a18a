"""Reading rows out of the spreadsheets clerks upload: .xlsx, .xls and .csv.

This module knows files, not the catalog: it finds out what a file is, streams its rows with the row numbers
a clerk sees when the file is open in Excel or WPS, and locates the header row among the title rows that
government templates put above it. Every failure is a ``XinyongError`` with a Chinese message that says what
to do.

Memory does not grow with the file for CSV (read line by line). For .xlsx/.xls, python-calamine holds one
worksheet in compact native memory and hands rows to Python one at a time; an .xlsx is inspected before it
is opened so that a zip bomb is refused without being unpacked.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import itertools
import re
import struct
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
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

__all__ = [
    "FileFormat",
    "HeaderMatch",
    "RawRow",
    "detect_format",
    "find_header",
    "is_note_row",
    "iter_rows",
    "normalize_header",
]

FileFormat = Literal["xlsx", "xls", "csv"]

_MIB = 1024 * 1024
_DEFAULT_MAX_BYTES = 200 * _MIB
_DEFAULT_MAX_ROWS = 2_000_000
_DEFAULT_MAX_UNPACKED_BYTES = 1024 * _MIB
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


def _ole2_entry_names(fh: IO[bytes], size: int) -> list[str]:
    """Names of the streams and storages in an OLE2 compound file (MS-CFB), read from its directory.

    Only the directory chain is followed, so this reads a few sectors, not the file. Raises ValueError on
    any inconsistency.
    """
    fh.seek(0)
    header = fh.read(512)
    if len(header) < 512:
        raise ValueError("short header")
    (shift,) = struct.unpack_from("<H", header, 0x1E)
    if shift not in (9, 12):
        raise ValueError("bad sector shift")
    sector_size = 1 << shift
    per_sector = sector_size // 4
    first_dir, _mini_cutoff, _first_mini, _n_mini, first_difat, n_difat = struct.unpack_from(
        "<6I", header, 0x30
    )
    difat = [sid for sid in struct.unpack_from("<109I", header, 0x4C)]
    fat_cache: dict[int, tuple[int, ...]] = {}

    def read_sector(sid: int) -> bytes:
        offset = (sid + 1) * sector_size
        if sid > _OLE_MAX_REG_SECTOR or offset + sector_size > size + sector_size:
            raise ValueError("sector out of range")
        fh.seek(offset)
        data = fh.read(sector_size)
        if len(data) < 128:
            raise ValueError("short sector")
        return data.ljust(sector_size, b"\0")

    next_difat, difat_left = first_difat, n_difat

    def fat_entry(sid: int) -> int:
        nonlocal next_difat, difat_left
        index = sid // per_sector
        while index >= len(difat) and difat_left > 0 and next_difat <= _OLE_MAX_REG_SECTOR:
            entries = struct.unpack(f"<{per_sector}I", read_sector(next_difat))
            difat.extend(entries[:-1])
            next_difat = entries[-1]
            difat_left -= 1
        if index >= len(difat):
            raise ValueError("FAT index out of range")
        fat_sid = difat[index]
        if fat_sid not in fat_cache:
            fat_cache[fat_sid] = struct.unpack(f"<{per_sector}I", read_sector(fat_sid))
        return fat_cache[fat_sid][sid % per_sector]

    names: list[str] = []
    sid = first_dir
    for _ in range(_OLE_MAX_CHAIN):
        if sid > _OLE_MAX_REG_SECTOR:
            return names
        data = read_sector(sid)
        for offset in range(0, sector_size, 128):
            (name_len,) = struct.unpack_from("<H", data, offset + 0x40)
            entry_type = data[offset + 0x42]
            if entry_type in (1, 2, 5) and 2 <= name_len <= 64:
                names.append(data[offset : offset + name_len - 2].decode("utf-16-le", "replace"))
        sid = fat_entry(sid)
    raise ValueError("directory chain too long")


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
    """
    path = Path(path)
    max_bytes = _setting("XINYONG_IMPORT_MAX_BYTES", _DEFAULT_MAX_BYTES)
    limit_rows = max_rows if max_rows is not None else _setting("XINYONG_IMPORT_MAX_ROWS", _DEFAULT_MAX_ROWS)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _unreadable(f"无法读取文件：{exc.strerror or exc}") from exc
    if size > max_bytes:
        raise XinyongError(
            ErrorCode.FILE_TOO_LARGE,
            f"文件大小为 {_megabytes(size)} MB，超过上限 {_megabytes(max_bytes)} MB，请拆分后分批上传",
        )
    kind = fmt or detect_format(path, original_name)
    if kind == "csv":
        return _csv_rows(path, limit_rows)
    if kind in ("xlsx", "xls"):
        if kind == "xlsx":
            _check_zip_bomb(path)
        return _excel_rows(path, kind, sheet, limit_rows)
    raise ValueError(f"unknown file format {kind!r}")


def _megabytes(size: int) -> str:
    return f"{size / _MIB:.1f}".removesuffix(".0")


def _too_many_rows(limit: int) -> XinyongError:
    return XinyongError(
        ErrorCode.FILE_TOO_LARGE, f"文件的数据行数超过上限（最多 {limit:,} 行），请拆分后分批上传"
    )


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
        raise XinyongError(
            ErrorCode.FILE_TOO_LARGE,
            f"文件解压后的内容为 {_megabytes(total)} MB，超过上限 {_megabytes(limit)} MB，请拆分后分批上传",
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


def _load_sheet(workbook: CalamineWorkbook, selector: str | int) -> CalamineSheet:
    try:
        if isinstance(selector, int):
            return workbook.get_sheet_by_index(selector)
        return workbook.get_sheet_by_name(selector)
    except PasswordError as exc:
        raise _encrypted() from exc
    except CalamineError as exc:
        raise _unreadable(f"工作表“{selector}”已损坏，无法读取。{_RESAVE}") from exc
    except Exception as exc:  # see _calamine_open
        raise _unreadable(f"工作表“{selector}”已损坏，无法读取。{_RESAVE}") from exc


def _select_sheet(workbook: CalamineWorkbook, sheet: str | int | None) -> CalamineSheet:
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
        return _load_sheet(workbook, sheet)
    hidden_with_data = False
    for index, meta in enumerate(workbook.sheets_metadata):
        if meta.typ != SheetTypeEnum.WorkSheet:
            continue
        loaded = _load_sheet(workbook, index)
        if loaded.start is None:
            continue
        if meta.visible == SheetVisibleEnum.Visible:
            return loaded
        hidden_with_data = True
    if hidden_with_data:
        raise XinyongError(
            ErrorCode.FILE_EMPTY,
            "文件中没有含数据的可见工作表（隐藏的工作表不会被读取），请取消隐藏后重新上传",
        )
    raise XinyongError(ErrorCode.FILE_EMPTY, "文件中没有任何数据，请检查后重新上传")


def _excel_rows(path: Path, kind: str, sheet: str | int | None, max_rows: int) -> Iterator[RawRow]:
    workbook = _open_workbook(path, kind)
    try:
        selected = _select_sheet(workbook, sheet)
        start, end = selected.start, selected.end
        rows = selected.iter_rows()
        first = next(rows, None)
    except BaseException:
        _close(workbook)
        raise
    if first is None or start is None or end is None:
        _close(workbook)
        return iter(())
    # python-calamine yields rows from the top of the sheet but columns from the first used column; pin both
    # to absolute positions (row 1, column A) so row numbers and column indexes are what the clerk sees.
    # Each guess is checked against what was actually yielded, in case a future version changes either.
    row_offset = 0
    if start[0] > 0 and any(not _blank(cell) for cell in first):
        row_offset = start[0]
    col_pad = start[1] if start[1] > 0 and len(first) == end[1] - start[1] + 1 else 0
    return _excel_row_stream(workbook, itertools.chain((first,), rows), row_offset, col_pad, max_rows)


def _close(workbook: CalamineWorkbook) -> None:
    with contextlib.suppress(CalamineError):
        workbook.close()


def _blank(cell: object) -> bool:
    return cell == "" or cell is None or (type(cell) is str and cell.isspace())


def _excel_row_stream(
    workbook: CalamineWorkbook,
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
        _close(workbook)


_MAX_EXACT_FLOAT_INT = 2.0**53


class _DecodeFailure(Exception):
    pass


class _LineTooLong(Exception):
    pass


class _BinaryLine(Exception):
    pass


def _csv_rows(path: Path, max_rows: int) -> Iterator[RawRow]:
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise _unreadable(f"无法读取文件：{exc.strerror or exc}") from exc
    try:
        head = fh.read(_SNIFF_BYTES)
        if not head:
            raise XinyongError(ErrorCode.FILE_EMPTY, "文件是空的（0 字节），请检查后重新上传")
        encoding = _sniff_encoding(head)
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
    return _csv_row_stream(fh, encoding, delimiter, max_rows)


def _csv_lines(fh: IO[bytes], encoding: str) -> Iterator[str]:
    if encoding == "utf-16":
        # UTF-16 cannot be split on the byte b'\n'; its files come from Excel and are small, so let the
        # codec stream them. A decoding error then names no line, which is acceptable for this rare case.
        reader = codecs.getreader("utf-16")(fh)
        while True:
            try:
                line = reader.readline(_MAX_LINE_BYTES)
            except UnicodeDecodeError:
                raise _DecodeFailure from None
            if not line:
                return
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
        if len(raw) == _MAX_LINE_BYTES and not raw.endswith(b"\n"):
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
                raise _DecodeFailure from None
            encoding = "gb18030"
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                raise _DecodeFailure from None
        undecided = False
        yield text


def _csv_row_stream(fh: IO[bytes], encoding: str, delimiter: str, max_rows: int) -> Iterator[RawRow]:
    number = 0
    count = 0
    try:
        reader = csv.reader(_csv_lines(fh, encoding), delimiter=delimiter)
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except _DecodeFailure:
                raise _unreadable(
                    f"第{number + 1}行含有无法识别的字符：这一行的编码与文件前面各行不一致。"
                    "请用 Excel 或 WPS 打开后“另存为” CSV UTF-8 格式再上传"
                ) from None
            except _BinaryLine:
                raise _binary_junk(number + 1) from None
            except _LineTooLong:
                raise _unreadable(
                    f"第{number + 1}行过长（超过 {_MAX_LINE_BYTES // _MIB} MB），文件不是有效的 CSV 表格"
                ) from None
            except csv.Error:
                raise _unreadable(
                    f"第{number + 1}行附近的内容无法解析（可能是引号不配对，或单元格内容过长）。{_RESAVE}"
                ) from None
            # One record is one row in Excel/WPS, even when a quoted cell spans several physical lines.
            number += 1
            end = len(record)
            while end and (not record[end - 1] or record[end - 1].isspace()):
                end -= 1
            if not end:
                continue
            count += 1
            if count > max_rows:
                raise _too_many_rows(max_rows)
            yield RawRow(number, [cell if cell and not cell.isspace() else None for cell in record[:end]])
    finally:
        fh.close()


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

    def __post_init__(self) -> None:
        if not self.last_row_number:
            object.__setattr__(self, "last_row_number", self.row_number)


def _alias_lookup(aliases: Mapping[str, Sequence[str]]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, names in aliases.items():
        for name in names:
            key = normalize_header(name)
            if key:
                # The first field to claim a header name keeps it: the catalog lists the current layout
                # first.
                lookup.setdefault(key, code)
    return lookup


def _match_text(text: str, lookup: Mapping[str, str]) -> str | None:
    """Field code for a normalised header text: exact, then without its bracketed part, then the bracketed
    part.
    """
    if not text:
        return None
    code = lookup.get(text)
    if code is not None or "(" not in text:
        return code
    base = _BRACKETED.sub("", text)
    code = lookup.get(base)
    if code is not None:
        return code
    for inner in _BRACKETED.findall(text):
        code = lookup.get(inner)
        if code is not None:
            return code
    return None


def _match_row(cells: Sequence[object], lookup: Mapping[str, str]) -> dict[int, str]:
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
    header: RawRow, below: RawRow, columns: dict[int, str], lookup: Mapping[str, str]
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
    """
    lookup = _alias_lookup(aliases)
    source = iter(rows)
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
        raise XinyongError(
            ErrorCode.HEADER_NOT_FOUND,
            _header_not_found(scan_rows, aliases, buffered, best_index, best_columns),
        )
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
    )
    return match, itertools.chain(buffered[last_index + 1 :], source)


def _header_display(cell: object) -> str:
    if cell is None:
        return ""
    return _HEADER_WS.sub(" ", unicodedata.normalize("NFKC", str(cell))).strip()


def _header_not_found(
    scan_rows: int,
    aliases: Mapping[str, Sequence[str]],
    buffered: Sequence[RawRow],
    best_index: int,
    best_columns: Mapping[int, str],
) -> str:
    examples = "、".join(names[0] for names in itertools.islice(aliases.values(), 6) if names)
    message = (
        f"未找到表头：前{scan_rows}行中没有与该信息类别模板相符的列名"
        + (f"（应包含如：{examples} 等列）" if examples else "")
        + "。请确认文件是否选对了信息类别，或下载模板对照。"
    )
    if best_columns:
        row = buffered[best_index]
        seen = "、".join(_header_display(row.cells[i]) for i in sorted(best_columns))
        message += f"第{row.number}行只识别出：{seen}。"
    return message


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
