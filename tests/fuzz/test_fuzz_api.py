"""Property-based fuzzing of the JSON API from its own OpenAPI description (schemathesis): no 5xx, ever.

The description is read from the running app (`/api/v1/openapi.json`) and every operation is sent requests that
fit it and requests that do not (schemathesis' positive and negative generation modes), through Django's real WSGI
handler, on the real database of `world` (bundled reference data, demo data, a department token). Each generated
case is also sent with ids and codes that exist (own and other departments' records, batches, jobs, categories,
subject codes, a valid matter) so that requests get past "not found", and with edge values (integers past 2**63,
NUL bytes, text one past a column length) in one to three of its parameters. The token is sent with most
requests, a made-up one with about one in ten.

Schemathesis' public strategy API (`operation.as_strategy`) is used inside one test, with the world set up once,
rather than its pytest integration: the lazy `from_fixture` schema does not run under pytest 9.2 (it sets a node
attribute pytest no longer has), and one test per operation would build the world fifteen times.

Reproducible: derandomized Hypothesis (the same cases every run for the same code), `XINYONG_FUZZ_EXAMPLES` per
operation and mode (default 60); set it higher for a longer run.
"""

from __future__ import annotations

import json
import os
import zlib
from typing import Any
from urllib.parse import quote

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.fuzz.conftest import World
from tests.fuzz.tally import TALLY, describe
from tests.fuzz.values import edge_ints, edge_text
from xinyong.lists.models import Matter

EXAMPLES = int(os.environ.get("XINYONG_FUZZ_EXAMPLES", "60"))
SUITE = "API fuzzing (schemathesis)"


def _known(world: World, case: Any) -> st.SearchStrategy[Any]:
    """The generated case as it is, with ids and codes that exist, and/or with edge values in some parameters."""
    existing = _existing(world, case)
    # Edges first, then the ids and codes that exist: an edge value then lands where the request gets that far.
    edged = _edged(case, path=False).flatmap(lambda mutated: _existing(world, mutated))
    # Hypothesis leans to the first alternatives (they are the "simplest"): the ones that reach deepest come first.
    return st.one_of(edged, existing, _edged(case, path=True), st.just(case))


def _existing(world: World, case: Any) -> st.SearchStrategy[Any]:
    """The case with path ids and codes that exist (own and other departments'), the revoke body's record, and the
    check body's matter and code."""
    params = case.path_parameters or {}
    swaps: dict[str, st.SearchStrategy[Any]] = {}
    if "record_id" in params:
        swaps["record_id"] = _mostly(world.own_records, world.other_records)
    if "batch_id" in params:
        swaps["batch_id"] = _mostly(world.own_batches, world.other_batches)
    if "job_id" in params and world.own_jobs:
        swaps["job_id"] = st.sampled_from(world.own_jobs)
    if "category" in params:
        swaps["category"] = st.sampled_from([*world.category_codes, "admin_penalty", "admin_penalty"])
    if "code" in params:
        swaps["code"] = st.sampled_from(world.subject_codes + world.person_codes)
    if case.operation.path.endswith("/records/revoke") and isinstance(case.body, dict):
        return st.one_of(
            _mostly(world.own_records, world.other_records).map(
                lambda pk: _with(case, "body", record_id=pk)
            ),
            st.sampled_from(world.document_numbers).map(
                lambda key: _with(
                    case, "body", record_id=None, category=key[0], document_number=key[1], authority_code=key[2]
                )
            ),
        )
    if case.operation.path.endswith("/lists/check") and isinstance(case.body, dict):
        return st.tuples(st.sampled_from(Matter.values), st.sampled_from([None, *world.subject_codes])).map(
            lambda pair: _with(case, "body", matter=pair[0], code=pair[1])
        )
    if not swaps:
        return st.just(case)
    return st.fixed_dictionaries(swaps).map(lambda values: _with(case, "path_parameters", **values))


def _mostly(own: list[int], other: list[int]) -> st.SearchStrategy[int]:
    """The token's own department's ids two times in three (they lead further), another's the third time."""
    return st.one_of(st.sampled_from(own), st.sampled_from(own), st.sampled_from(other))


def _edged(case: Any, *, path: bool) -> st.SearchStrategy[Any]:
    """The case with one to three query (or path) parameters or top-level body fields set to edge values."""
    slots: list[tuple[str, str, str]] = []
    for parameter in case.operation.iter_parameters():
        if parameter.location.value == "query" or (path and parameter.location.value == "path"):
            kind = json.dumps(parameter.definition.get("schema", {}))
            slots.append((parameter.location.value, parameter.name, kind))
    if isinstance(case.body, dict):
        slots += [("body", name, json.dumps(type(value).__name__)) for name, value in case.body.items()]
    if not slots:
        return st.just(case)

    def edge(slot: tuple[str, str, str]) -> st.SearchStrategy[tuple[str, str, Any]]:
        where, name, kind = slot
        values = edge_ints() if "integer" in kind or '"int"' in kind else edge_text()
        if where == "path":  # sent as it is in the URL: quoted, as schemathesis quotes what it generates
            values = values.map(lambda value: quote(str(value), safe=""))
        return values.map(lambda value: (where, name, value))

    def apply(edges: list[tuple[str, str, Any]]) -> Any:
        for where, name, value in edges:
            _with(case, {"query": "query", "path": "path_parameters", "body": "body"}[where], **{name: value})
        return case

    # One slot or several at once: a value only hurts when the others let the request get that far.
    chosen = st.lists(st.sampled_from(slots), min_size=1, max_size=3, unique=True)
    return chosen.flatmap(lambda picked: st.tuples(*(edge(slot) for slot in picked))).map(lambda e: apply(list(e)))


def _with(case: Any, container: str, **values: Any) -> Any:
    setattr(case, container, {**(getattr(case, container) or {}), **values})
    return case


def test_no_api_operation_answers_a_server_error(world: World) -> None:
    from django.core.wsgi import get_wsgi_application

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, [op.label for op in operations]
    failures: list[str] = []
    with TALLY.timed(SUITE):
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                failure = _fuzz_operation(operation, mode, world)
                if failure:
                    failures.append(failure)
    assert not failures, "\n\n".join(failures)
    assert TALLY.server_errors[SUITE] == 0


def _fuzz_operation(operation: Any, mode: GenerationMode, world: World) -> str | None:
    strategy = operation.as_strategy(generation_mode=mode).flatmap(lambda case: _known(world, case))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        headers = {"Authorization": f"Bearer {world.token}"}
        # Now and then a made-up token: the answer must be 401, not a failure.
        if zlib.crc32(repr((case.path_parameters, case.query, case.body)).encode()) % 10 == 0:
            headers = {"Authorization": "Bearer xy_made-up-token"}
        response = case.call(headers=headers)
        TALLY.count(SUITE, response.status_code)
        case.validate_response(response, checks=[not_a_server_error])

    try:
        run()
    except Unsatisfiable:
        # Nothing can be sent that breaks the description (an operation without parameters or body).
        assert mode == GenerationMode.NEGATIVE and not operation.body and not list(operation.iter_parameters())
    except (Exception, BaseExceptionGroup) as exc:  # one operation's failure must not hide the others'
        return describe(f"{operation.label} ({mode.value})", exc)
    return None
