"""The audit key: one secret, kept outside the database, from which the events' HMAC key and the anchors'
Ed25519 signing key are derived.

Where it comes from, first found wins:
1. `XINYONG_AUDIT_KEY` (the secret itself, at least 32 characters);
2. the file `XINYONG_AUDIT_KEY_FILE`, by default `$XINYONG_DATA_DIR/audit_key`, generated once (mode 0600) when it
   does not exist yet, as the embedded mode does for SECRET_KEY.
Production keeps it off the database server and out of the data folder (a file only the application's user reads,
or a secret manager's variable): whoever holds it can re-hash the chain.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from xinyong.audit.chain import EventMac

MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class AuditKey:
    key_id: str
    public_key: bytes
    source: str
    mac: EventMac
    signer: Ed25519PrivateKey

    @property
    def public_key_hex(self) -> str:
        return self.public_key.hex()


def _derived(secret: bytes, purpose: str) -> bytes:
    # Domain separation: the events' MAC key and the signing key never coincide, and neither is the secret itself.
    return hmac.new(secret, f"xinyong/audit/{purpose}".encode(), hashlib.sha256).digest()


def key_id_of(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


def derive(secret: str, *, source: str) -> AuditKey:
    """The keys of one secret (pure: the same secret gives the same keys on every machine)."""
    if len(secret) < MIN_SECRET_LENGTH:
        raise ImproperlyConfigured(f"审计密钥（{source}）太短：至少需要 {MIN_SECRET_LENGTH} 个字符")
    raw = secret.encode("utf-8")
    signer = Ed25519PrivateKey.from_private_bytes(_derived(raw, "anchor-ed25519/v1"))
    public = signer.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return AuditKey(
        key_id=key_id_of(public),
        public_key=public,
        source=source,
        mac=EventMac(_derived(raw, "event-mac/v1")),
        signer=signer,
    )


def key_file() -> Path:
    return Path(settings.XINYONG_AUDIT_KEY_FILE)


def from_environment() -> bool:
    return bool(settings.XINYONG_AUDIT_KEY)


def new_secret() -> str:
    return secrets.token_urlsafe(48)


def write_key_file(path: Path, secret: str) -> bool:
    """Write a key file once (mode 0600); False when one already exists. Safe when several server processes
    start together: the file appears whole or not at all, and the first one wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secret + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)
        return True
    except FileExistsError:
        return False
    finally:
        temporary.unlink(missing_ok=True)


@functools.lru_cache(maxsize=8)
def _derived_cached(secret: str, source: str) -> AuditKey:
    return derive(secret, source=source)


def _read_file(path: Path) -> AuditKey:
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ImproperlyConfigured(f"无法读取审计密钥文件 {path}：{exc.strerror}") from exc
    return _derived_cached(secret, f"密钥文件 {path}")


def configured_key() -> AuditKey | None:
    """The configured key, or None when it is to be generated but does not exist yet (nothing is created)."""
    if from_environment():
        return _derived_cached(settings.XINYONG_AUDIT_KEY, "环境变量 XINYONG_AUDIT_KEY")
    path = key_file()
    return _read_file(path) if path.exists() else None


def audit_key() -> AuditKey:
    """The key events are hashed and anchors signed with; generated into its file on first use."""
    key = configured_key()
    if key is not None:
        return key
    path = key_file()
    try:
        write_key_file(path, new_secret())
    except OSError as exc:
        raise ImproperlyConfigured(f"无法生成审计密钥文件 {path}：{exc.strerror}") from exc
    return _read_file(path)
