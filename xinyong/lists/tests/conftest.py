"""Fixtures of the lists tests: the shipped lists and memoranda, a handling officer and a few entries."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

from xinyong.core import clock
from xinyong.core.identifiers import make_uscc
from xinyong.lists.models import ListEntry
from xinyong.lists.services import entry_publish, entry_recognise, lists_load
from xinyong.org.models import User

NOW = "2026-11-26T10:00:00+08:00"
HENGYUAN = make_uscc("91", "320281", "7000001A")
DAFENG = make_uscc("91", "320281", "7000002B")
XINGDA = make_uscc("91", "320281", "7000003C")


@pytest.fixture(autouse=True)
def _pinned_clock() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


@pytest.fixture
def rules(db: None) -> None:
    lists_load()


@pytest.fixture
def handler(db: None) -> User:
    from xinyong.web.tests import factories

    factories.load_reference()
    return factories.make_user("handler", [("handler", "zwfwzx")], name="李敏")


def listed(
    kind: str, name: str, uscc: str = "", *, published: dt.date | None = dt.date(2026, 3, 1), **extra: Any
) -> ListEntry:
    """An entry recognised (and by default published) through the services."""
    with clock.frozen("2026-02-01T09:00:00+08:00"):
        entry = entry_recognise(
            actor=None,
            kind=kind,
            name=name,
            uscc=uscc,
            decision_document=f"（2026）苏0281执{zlib.crc32(name.encode()) % 9000 + 1000}号",
            **extra,
        )
    if published is not None:
        entry = entry_publish(actor=None, entry=entry, published_on=published)
    return entry


@pytest.fixture
def entries(rules: None) -> dict[str, ListEntry]:
    return {
        "hengyuan": listed("court_defaulter", "江阴市利港恒远机械有限公司", HENGYUAN),
        "dafeng": listed("major_tax_violation", "江阴大丰化工有限公司", DAFENG),
        "xingda_red": listed("tax_grade_a", "江阴兴达纺织有限公司", XINGDA),
        "pending": listed("work_safety", "江阴澄安建设工程有限公司", published=None),
    }
