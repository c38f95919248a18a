"""No public page and no public API response ever carries a natural person's full identifier.

Persons with real-checksum ID numbers are parties of published penalties and licences, a company's legal
representative has an ID number, a clerk wrote an ID number into 违法事实 and 备注, and a 个体工商户 is known only by
its operator's number. The test then walks every public page it can reach from the home page (following links and
paging), runs searches for the persons' names and numbers, and calls every public API endpoint, and checks every
response body.
"""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client

from xinyong.core import clock
from xinyong.lists.services import entry_publish, entry_recognise, lists_load
from xinyong.portal.tests import data
from xinyong.records.models import Record

pytestmark = pytest.mark.django_db

API = "/api/v1/public"
_LINK = re.compile(r'href="([^"#]+)"')


def _check(url: str, body: str) -> None:
    for number in data.FULL_NUMBERS:
        for form in (number, number.lower()):
            assert form not in body, f"{url} shows a full identifier"


def _crawl(client: Client, start: list[str], limit: int = 400) -> set[str]:
    seen: set[str] = set()
    queue = deque(start)
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        body = response.content.decode()
        _check(url, body)
        for link in _LINK.findall(body):
            target = urljoin(url, link.replace("&amp;", "&"))
            if urlsplit(target).path.startswith("/public/") and target not in seen:
                queue.append(target)
    return seen


def test_no_public_page_or_api_response_shows_a_full_identifier(client: Client, officer: Any, tmp_path: Path) -> None:
    world = data.world(tmp_path, officer)
    # Persons on a list (a court defaulter by ID number, an operator) must not surface through the list pages.
    lists_load()
    for name, number in (("张三", data.PERSON_A), ("利港张记五金店", data.OPERATOR)):
        entry = entry_recognise(actor=None, kind="court_defaulter", name=name, person_id=number,
                                decision_document="（2026）苏0281执9号")
        entry_publish(actor=None, entry=entry, published_on=clock.today())
    searches = [
        "张三", "李四", "利港张记五金店", "张记", "恒远机械", "华新纺织", *data.FULL_NUMBERS,
        data.PERSON_A.lower(), data.PERSON_A[:10], data.uscc(1),
    ]
    start = ["/public/", "/public/records/", "/public/lists/", *(f"/public/search/?q={q}" for q in searches)]
    start += [f"/public/lists/?q={q}" for q in searches]
    start += [f"/public/records/?kind={kind}" for kind in ("罚款", "警告", "特许", "普通")]
    start += [f"/public/records/{r.pk}/" for r in Record.objects.all()]
    start += [f"/public/subjects/{s.pk}/" for s in world.values()]
    visited = _crawl(client, start)
    # The walk followed the links: category browsing from the home page, the subject pages from the searches.
    assert "/public/records/?category=admin_penalty" in visited
    assert f"/public/subjects/{world['textile'].pk}/" in visited
    assert len(visited) > len(set(start))
    masked = data.PERSON_A[:4] + "*" * 10 + data.PERSON_A[-4:]
    person_record = data.by_number("澄利综执罚〔2026〕6号").get()
    assert masked in client.get(f"/public/records/{person_record.pk}/").content.decode()

    api_calls = [f"{API}/ping", f"{API}/records?page_size=100", f"{API}/records?kind=罚款&page_size=100"]
    api_calls += [f"{API}/lists", *(f"{API}/lists?q={q}" for q in searches)]
    api_calls += [f"{API}/search?q={q}" for q in searches]
    api_calls += [f"{API}/subjects/{code}" for code in (*data.FULL_NUMBERS, data.uscc(1), data.uscc(2), data.uscc(3))]
    api_calls += [f"{API}/records/{r.pk}" for r in Record.objects.all()]
    api_calls += ["/api/v1/openapi.json"]
    shown_masked = False
    for url in api_calls:
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        body = response.content.decode()
        _check(url, body)
        shown_masked = shown_masked or masked in body
    assert shown_masked


def test_the_check_itself_catches_a_full_number(client: Client, officer: Any, tmp_path: Path) -> None:
    """The crawl fails when a public page shows a number in full: here a field the catalog forgot to mark."""
    data.world(tmp_path, officer)
    record = data.by_number("澄利综执罚〔2026〕6号").get()
    Record.objects.filter(pk=record.pk).update(data={**record.data, "BZ": f"证件{data.PERSON_A}号"})
    body = client.get(f"/public/records/{record.pk}/").content.decode()
    _check("masked by the free-text scrub", body)
    from xinyong.catalog.models import Field

    Field.objects.filter(code="CF_ZJHM").update(sensitive=False, type="text")
    Record.objects.filter(pk=record.pk).update(data={**record.data, "CF_ZJHM": f"A{data.PERSON_A}"})
    body = client.get(f"/public/records/{record.pk}/").content.decode()
    with pytest.raises(AssertionError):
        _check("an unmarked field", body)
