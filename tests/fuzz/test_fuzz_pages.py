"""Property-based fuzzing of the pages' GET parameters: no page answers 5xx, whatever the query string.

Every page URL of the staff pages, the check pages and the public portal is requested (Django's admin and the JSON
API are left out: the API has its own fuzzer from its OpenAPI description, the admin is Django's). Which GET
parameters a page reads is not written down here but observed: a first request with a recording `request.GET`
notes every name a view or its form asks for. Hypothesis then sends, for each page and each signed-in role,
values for those parameters: big, negative and zero integers, years, dates real and impossible, codes that exist,
garbage, unicode, NUL bytes, overlong strings, empty and repeated values, unknown parameters, and path ids that
exist or are far out of range. A page may refuse (4xx) or re-show its form; it may not fail.

Run time and reproducibility: each page gets `XINYONG_FUZZ_EXAMPLES` examples per role (default 30) under a
fixed seed derived from the page and `XINYONG_FUZZ_SEED` (default 0), so CI sends the same requests every run and
a failure seen there is replayed locally as it was. Raise both for a longer exploring run.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.http import HttpRequest, HttpResponse, QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import World
from tests.fuzz.tally import TALLY, describe
from tests.fuzz.values import edge_ints, edge_text

EXAMPLES = int(os.environ.get("XINYONG_FUZZ_EXAMPLES", "30"))
BASE_SEED = int(os.environ.get("XINYONG_FUZZ_SEED", "0"))
SUITE = "page fuzzing"
# Signed-in roles the staff pages are tried as (demo logins): credit-office admin, department reporter, handler.
STAFF = ("admin", "zhzfj", "jbr")
SKIPPED_PREFIXES = ("admin/", "api/v1/")


# -- which GET parameters a view reads ---------------------------------------------------------------------


class RecordingQueryDict(QueryDict):
    """A query dict that notes the names asked for (forms ask with `get`, views with `get` or `[]`)."""

    def __init__(self, *args: Any, seen: set[str] | None = None, **kwargs: Any) -> None:
        self.seen: set[str] = set()  # building the dict asks for its own keys: not the view's reads
        super().__init__(*args, **kwargs)
        self.seen = seen if seen is not None else set()

    def get(self, key: str, default: Any = None) -> Any:
        self.seen.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.seen.add(key)
        return super().__getitem__(key)

    def getlist(self, key: str, default: Any = None) -> list[Any]:
        self.seen.add(key)
        return super().getlist(key, default)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.seen.add(key)
        return super().__contains__(key)


SEEN: dict[str, set[str]] = {}


class RecordGetParameters:
    """Test-only middleware: swaps `request.GET` for a recording copy while the discovery pass runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        label = request.META.get("HTTP_X_FUZZ_DISCOVER")
        if label:
            seen = SEEN.setdefault(label, set())
            request.GET = RecordingQueryDict(request.META.get("QUERY_STRING", ""), seen=seen)
        return self.get_response(request)


# -- the pages ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str  # namespace:name
    route: str  # e.g. "records/<int:pk>/"
    converters: dict[str, str]  # path parameter → converter name

    @property
    def public(self) -> bool:
        return self.route.startswith("public/")


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Page]:
    for item in patterns:
        if isinstance(item, URLResolver):
            ns = item.namespace or namespace
            yield from _walk(item.url_patterns, prefix + str(item.pattern), ns)
        elif isinstance(item, URLPattern):
            route = prefix + str(item.pattern)
            if route.startswith(SKIPPED_PREFIXES) or not item.name:
                continue
            converters = {**getattr(item.pattern, "converters", {})}
            yield Page(f"{namespace}:{item.name}", route, {k: type(v).__name__ for k, v in converters.items()})


def all_pages() -> list[Page]:
    return sorted(_walk(get_resolver().url_patterns), key=lambda p: p.name)


# Existing values for each page's path parameters, so the fuzzer gets past "not found" into the view.
PATH_VALUES: dict[str, Callable[[World], dict[str, list[Any]]]] = {
    "web:category": lambda w: {"pk": w.categories},
    "web:category_template": lambda w: {"pk": w.categories},
    "web:batch": lambda w: {"pk": w.own_batches + w.other_batches},
    "web:batch_rejected": lambda w: {"pk": w.own_batches + w.other_batches},
    "web:batch_records": lambda w: {"pk": w.own_batches + w.other_batches},
    "web:row_correct": lambda w: {"batch_pk": [b for b, _ in w.rejected_rows], "row_pk": [r for _, r in w.rejected_rows]},
    "web:row_discard": lambda w: {"batch_pk": [b for b, _ in w.rejected_rows], "row_pk": [r for _, r in w.rejected_rows]},
    "web:intake_job": lambda w: {"pk": w.own_jobs},
    "web:record": lambda w: {"pk": w.own_records + w.other_records},
    "web:record_revoke": lambda w: {"pk": w.own_records},
    "web:record_transfer": lambda w: {"pk": w.own_records},
    "web:batch_approve": lambda w: {"pk": w.own_batches + w.other_batches},
    "web:batch_return": lambda w: {"pk": w.own_batches + w.other_batches},
    # No look-up is registered in the fuzz world: made-up ids only.
    "web:lookup_review": lambda w: {"pk": []},
    "web:subject": lambda w: {"pk": w.subjects},
    "lists:check_result": lambda w: {"pk": w.check_logs},
    "lists:check_outcome": lambda w: {"pk": w.check_logs},
    "lists:check_dismiss": lambda w: {"pk": w.check_logs},
    "lists:batch_result": lambda w: {"ref": w.batch_refs},
    "lists:batch_xlsx": lambda w: {"ref": w.batch_refs},
    "lists:watch_stop": lambda w: {"pk": w.watches},
    "lists:alert_read": lambda w: {"pk": w.alerts},
    "lists:entry": lambda w: {"pk": w.entries},
    "lists:entry_publish": lambda w: {"pk": w.entries},
    "lists:entry_exit": lambda w: {"pk": w.entries},
    "portal:subject": lambda w: {"pk": w.subjects},
    "portal:record": lambda w: {"pk": w.own_records + w.other_records},
}

# Parameters the discovery pass must find (a check that it observes what the views read).
KNOWN_PARAMETERS = {
    "lists:figures": {"year"},
    "web:quality": {"year"},
    "web:calendar": {"year"},
    "lists:entries": {"kind", "status", "q"},
    "portal:records": {"category", "department", "kind", "date_from", "date_to", "page"},
    "web:batches": {"department", "category", "page"},
}


def _path(page: Page, values: dict[str, Any]) -> str:
    path = "/" + page.route
    for name, converter in page.converters.items():
        for pattern in (f"<{_converter_key(converter)}:{name}>", f"<{name}>"):
            path = path.replace(pattern, str(values[name]))
    return path


def _converter_key(class_name: str) -> str:
    return {"IntConverter": "int", "SlugConverter": "slug", "StringConverter": "str", "PathConverter": "path"}.get(
        class_name, class_name.removesuffix("Converter").lower()
    )


# -- values ------------------------------------------------------------------------------------------------

def value_strategy(world: World) -> st.SearchStrategy[str]:
    known = [*world.category_codes, *world.units, *world.subject_codes, *world.person_codes, "black", "red", "watch"]
    return st.one_of(
        edge_ints().map(str),
        st.integers(min_value=1900, max_value=2200).map(str),
        st.dates().map(str),
        st.sampled_from(known),
        edge_text(),
    )


def query_strategy(world: World, names: list[str]) -> st.SearchStrategy[list[tuple[str, str]]]:
    value = value_strategy(world)
    known_name = st.sampled_from(names) if names else st.nothing()
    any_name = st.one_of(known_name, known_name, st.text(max_size=10), st.sampled_from(["page", "year", "q"]))
    return st.lists(st.tuples(any_name, value), max_size=6)


def path_strategy(world: World, page: Page) -> st.SearchStrategy[dict[str, Any]]:
    if not page.converters:
        return st.just({})
    existing = PATH_VALUES[page.name](world)
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for name, converter in page.converters.items():
        if converter == "IntConverter":
            made_up = st.one_of(st.sampled_from([0, 2**31, 2**63 - 1, 2**63, 2**64, 10**30]), st.integers(0, 10**25))
        else:
            made_up = st.from_regex(r"[-a-zA-Z0-9_]{1,60}", fullmatch=True)
        known = st.sampled_from(existing[name]) if existing.get(name) else made_up
        parts[name] = st.one_of(known, known, made_up)
    return st.fixed_dictionaries(parts)


# -- the run -----------------------------------------------------------------------------------------------


@pytest.fixture
def recording(settings: Any) -> None:
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.RecordGetParameters"]


def _client(user: str | None) -> Client:
    from xinyong.org.models import User

    client = Client(raise_request_exception=True)
    if user is not None:
        client.force_login(User.objects.get(username=user))
    return client


def _discover(pages: list[Page], clients: dict[str | None, Client], world: World) -> dict[str, list[str]]:
    """GET each page once per role with a probe parameter (so forms bind) and note what it reads."""
    found: dict[str, list[str]] = {}
    for page in pages:
        values = {name: (PATH_VALUES[page.name](world).get(name) or [1])[0] for name in page.converters}
        roles = [None] if page.public else list(STAFF)
        answered = False
        for role in roles:
            response = clients[role].get(_path(page, values), {"_probe": "1"}, HTTP_X_FUZZ_DISCOVER=page.name)
            TALLY.count(SUITE, response.status_code)
            answered = answered or response.status_code != 405
        if answered:
            found[page.name] = sorted(SEEN.get(page.name, set()) - {"_probe"})
    return found


def test_no_page_answers_a_server_error_whatever_its_query_parameters(world: World, recording: None) -> None:
    pages = all_pages()
    missing = [p.name for p in pages if p.converters and p.name not in PATH_VALUES]
    assert not missing, f"pages with path parameters but no known values in PATH_VALUES: {missing}"
    clients = {role: _client(role) for role in (None, *STAFF)}
    failures: list[str] = []
    with TALLY.timed(SUITE):
        parameters = _discover(pages, clients, world)
        for name, expected in KNOWN_PARAMETERS.items():
            assert expected <= set(parameters.get(name, [])), (name, parameters.get(name))
        for page in pages:
            if page.name not in parameters:
                continue  # POST only: no GET parameters to fuzz
            for role in [None] if page.public else list(STAFF):
                failure = _fuzz_page(page, role, clients[role], parameters[page.name], world)
                if failure:
                    failures.append(failure)
    assert not failures, "\n\n".join(failures)
    assert TALLY.server_errors[SUITE] == 0


def _fuzz_page(page: Page, role: str | None, client: Client, names: list[str], world: World) -> str | None:
    label = f"{page.name} as {role or 'anonymous'}"

    @seed(zlib.crc32(label.encode()) ^ BASE_SEED)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        path=path_strategy(world, page),
        query=query_strategy(world, names),
        htmx=st.booleans(),
    )
    def run(path: dict[str, Any], query: list[tuple[str, str]], htmx: bool) -> None:
        url = _path(page, path)
        extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        qs = urlencode(query)
        try:
            response = client.get(f"{url}?{qs}" if qs else url, **extra)
        except Exception:
            TALLY.count(SUITE, 500)
            raise
        TALLY.count(SUITE, response.status_code)
        assert response.status_code < 500, f"{response.status_code} for GET {url}?{qs}"

    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # one page's failure must not hide the others'
        return describe(label, exc)
    return None
