"""Stable error codes shared by the platform, with the Chinese message a clerk reads.

Codes are part of the public contract (CLI JSON, API, error spreadsheets): never renumber, only add.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # generic values
    REQUIRED = "E_REQUIRED"
    IMPORT_WORKER_FAILED = "E_IMPORT_WORKER_FAILED"
    TOO_LONG = "E_TOO_LONG"
    BAD_DATE = "E_BAD_DATE"
    FUTURE_DATE = "E_FUTURE_DATE"
    BAD_NUMBER = "E_BAD_NUMBER"
    NEGATIVE_NUMBER = "E_NEGATIVE_NUMBER"
    BAD_CHOICE = "E_BAD_CHOICE"
    BAD_FORMAT = "E_BAD_FORMAT"
    DATE_ORDER = "E_DATE_ORDER"
    # a query parameter of a page or of the API that is malformed or out of range
    BAD_PARAMETER = "E_BAD_PARAMETER"
    # identifiers
    USCC_LENGTH = "E_USCC_LENGTH"
    USCC_CHARS = "E_USCC_CHARS"
    USCC_ORG_CODE = "E_USCC_ORG_CODE"
    USCC_CHECKSUM = "E_USCC_CHECKSUM"
    USCC_PREFIX = "E_USCC_PREFIX"
    ID_LENGTH = "E_ID_LENGTH"
    ID_CHARS = "E_ID_CHARS"
    ID_AREA = "E_ID_AREA"
    ID_BIRTH_DATE = "E_ID_BIRTH_DATE"
    ID_FUTURE_BIRTH = "E_ID_FUTURE_BIRTH"
    ID_CHECKSUM = "E_ID_CHECKSUM"
    ID_TYPE = "E_ID_TYPE"
    # consistency between fields
    PARTY_CODE_MISMATCH = "E_PARTY_CODE_MISMATCH"
    FINE_AMOUNT_REQUIRED = "E_FINE_AMOUNT_REQUIRED"
    REQUIRED_WHEN = "E_REQUIRED_WHEN"
    PARTY_CATEGORY_UNKNOWN = "E_PARTY_CATEGORY_UNKNOWN"
    DUPLICATE_IN_FILE = "E_DUPLICATE_IN_FILE"
    # files and categories
    FILE_UNREADABLE = "E_FILE_UNREADABLE"
    FILE_EMPTY = "E_FILE_EMPTY"
    FILE_TOO_LARGE = "E_FILE_TOO_LARGE"
    FILE_ENCRYPTED = "E_FILE_ENCRYPTED"
    SHEET_NOT_FOUND = "E_SHEET_NOT_FOUND"
    HEADER_NOT_FOUND = "E_HEADER_NOT_FOUND"
    UNKNOWN_CATEGORY = "E_UNKNOWN_CATEGORY"
    UNKNOWN_DEPARTMENT = "E_UNKNOWN_DEPARTMENT"
    # import batches
    COLUMNS_MISSING = "E_COLUMNS_MISSING"
    DUPLICATE_FILE = "E_DUPLICATE_FILE"
    NO_DATA_ROWS = "E_NO_DATA_ROWS"
    # calendar
    CALENDAR_YEAR_UNKNOWN = "E_CALENDAR_YEAR_UNKNOWN"
    # a warning: the record's publicity term follows the rules, not what the department wrote
    PUBLICITY_TERM_ADJUSTED = "W_PUBLICITY_TERM_ADJUSTED"
    # red and black lists, joint reward and punishment
    UNKNOWN_LIST = "E_UNKNOWN_LIST"
    UNKNOWN_MATTER = "E_UNKNOWN_MATTER"
    LIST_ENTRY_STATE = "E_LIST_ENTRY_STATE"
    NO_LEGAL_BASIS = "E_NO_LEGAL_BASIS"
    # permissions
    FORBIDDEN = "E_FORBIDDEN"
    # ownership: a decision another unit reported, an authority the department may not report for
    NOT_OWNER = "E_NOT_OWNER"
    AUTHORITY_NOT_ALLOWED = "E_AUTHORITY_NOT_ALLOWED"
    # review before publication: a batch not (or no longer) waiting for review
    REVIEW_STATE = "E_REVIEW_STATE"
    # accounts: a password that the policy refuses
    WEAK_PASSWORD = "E_WEAK_PASSWORD"
    # protection of the public pages and API
    RATE_LIMITED = "E_RATE_LIMITED"
    # the database is held by another writer (SQLite)
    DATABASE_BUSY = "E_DATABASE_BUSY"


class XinyongError(Exception):
    """A failure a user can act on: a stable code and a Chinese message."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __reduce__(self) -> tuple[type[XinyongError], tuple[ErrorCode, str]]:
        # Raised in a child process that checks an import, and handed back to the parent through a pipe.
        return (type(self), (self.code, self.message))

    def as_dict(self) -> dict[str, str]:
        return {"code": str(self.code), "message": self.message}
