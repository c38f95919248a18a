"""Fixtures of the page tests: the bundled organisation and catalog, one user per role, two batches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from xinyong.core import clock
from xinyong.intake.models import Batch
from xinyong.org.models import User
from xinyong.web.tests import factories

# A fixed "now": Thursday 2026-11-26, inside the years the built-in calendar covers.
NOW = "2026-11-26T10:00:00+08:00"
DECIDED = dt.date(2026, 11, 2)


@pytest.fixture(autouse=True)
def _pinned_clock() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def reference(db: None) -> None:
    factories.load_reference()


@pytest.fixture
def users(reference: None) -> dict[str, User]:
    return {
        "admin": factories.make_user("admin", [("credit_admin", "ligang")], unit_code="jjfzk", name="周明"),
        "reporter": factories.make_user("reporter", [("reporter", "zhzfj")], name="钱立"),
        "reporter_hbk": factories.make_user("reporter_hbk", [("reporter", "hbk")], name="赵强"),
        "reviewer": factories.make_user("reviewer", [("reviewer", "hbk")], name="孙悦"),
        "handler": factories.make_user("handler", [("handler", "zwfwzx")], name="李敏"),
        "auditor": factories.make_user("auditor", [("auditor", "ligang")], unit_code="dzb-jjk", name="郑洁"),
        "norole": User.objects.create_user(username="norole", password=factories.PASSWORD, display_name="无角色"),
    }


@pytest.fixture
def batches(users: dict[str, User], tmp_path: Path) -> dict[str, Batch]:
    """Batch "zhzfj" (a company, a natural person and a bad row) and batch "hbk" (a company and a bad row)."""
    a = factories.good_and_bad_penalties(
        tmp_path, department=factories.unit("zhzfj"), actor=users["reporter"], decided=DECIDED, tag="A"
    )
    b = factories.good_and_bad_penalties(
        tmp_path,
        department=factories.unit("hbk"),
        actor=users["reporter_hbk"],
        decided=DECIDED,
        tag="B",
        with_person=False,
    )
    return {"zhzfj": Batch.objects.get(pk=a.batch), "hbk": Batch.objects.get(pk=b.batch)}


@pytest.fixture
def login(client: Client, users: dict[str, User]) -> Any:
    def as_user(name: str) -> Client:
        client.force_login(users[name])
        return client

    return as_user
