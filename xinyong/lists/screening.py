"""Screening (比对): which registered subject a party is, which list entries it matches, with scores, reasons,
the measures for a matter and the dismissals that set a name match aside.

Set-based: every step takes all the parties of a check or a batch chunk at once, so a batch of ten thousand
names costs a few queries per five hundred names, and a single check is the same code with one party.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from xinyong.core.identifiers import is_valid_uscc
from xinyong.core.names import org_name_key
from xinyong.lists import matching, retrieval
from xinyong.lists.models import Dismissal, ListEntry, Measure
from xinyong.lists.results import CheckHit
from xinyong.lists.retrieval import Party, match_threshold
from xinyong.lists.selectors import measures_for
from xinyong.subjects.models import Subject

_IN = 500
_IDENTIFIER_REASONS = frozenset({"uscc_equal", "person_id_equal", "subject_linked"})


@dataclass
class Screened:
    hits: list[CheckHit]
    dismissed: list[CheckHit]


def resolve_subject(code: str, name: str) -> Subject | None:
    return resolve_subjects([(code, name)])[0]


def _chunks(values: Sequence[str]) -> list[list[str]]:
    ordered = sorted(set(values))
    return [ordered[start : start + _IN] for start in range(0, len(ordered), _IN)]


def resolve_subjects(queries: Sequence[tuple[str, str]]) -> list[Subject | None]:
    """The registered subject of each (code, name): by USCC, else by person id (a code that is no valid USCC),
    else by a name whose comparison key only one subject has."""
    by_uscc: dict[str, Subject] = {}
    for part in _chunks([code for code, _name in queries if code]):
        by_uscc.update((str(s.uscc), s) for s in Subject.objects.filter(uscc__in=part))
    by_id: dict[str, Subject] = {}
    for part in _chunks([code for code, _name in queries if code and code not in by_uscc and not is_valid_uscc(code)]):
        # The first registered (lowest id), as a single look-up's .first() would take.
        for s in Subject.objects.filter(id_number__in=part).order_by("-pk"):
            by_id[str(s.id_number)] = s
    keys = {
        name: org_name_key(name)
        for code, name in queries
        if name and not (code and (code in by_uscc or code in by_id))
    }
    holders: dict[str, list[int]] = defaultdict(list)
    for part in _chunks(list(keys.values())):
        for pk, key in Subject.objects.filter(name_key__in=part).values_list("pk", "name_key"):
            holders[key].append(pk)
    unique = {key: pks[0] for key, pks in holders.items() if len(pks) == 1}
    by_pk = Subject.objects.in_bulk(list(unique.values())) if unique else {}
    out: list[Subject | None] = []
    for code, name in queries:
        found = (by_uscc.get(code) or by_id.get(code)) if code else None
        if found is None and name and keys[name] in unique:
            found = by_pk.get(unique[keys[name]])
        out.append(found)
    return out


def query_keys(party: Party) -> list[str]:
    """What a dismissal is remembered under: the subject, the code and the name's first match key."""
    keys = []
    if party.subject is not None:
        keys.append(f"subject:{party.subject.pk}")
    if party.code:
        keys.append(f"code:{party.code}")
    if party.name.strip():
        keys.append(f"name:{matching.match_keys(party.name)[0]}")
    return keys


def decided_by_identifier(reasons: list[dict[str, str]]) -> bool:
    return any(reason.get("code") in _IDENTIFIER_REASONS for reason in reasons)


def _scored(party: Party, entries: list[ListEntry], threshold: float) -> dict[int, tuple[float, list[dict[str, str]]]]:
    query = matching.Query(name=party.name.strip(), code=party.code)
    scored: dict[int, tuple[float, list[dict[str, str]]]] = {}
    for found in matching.screen(
        query,
        (matching.Entry(id=e.pk, name=e.name, uscc=e.uscc) for e in entries),
        threshold=threshold,
    ):
        scored[int(str(found.entry.id))] = (found.score, [{"code": r.code, "text": r.text} for r in found.reasons])
    for entry in entries:
        # An entry recognised against the registered subject, or listing a person's id, is that party.
        if party.subject is not None and entry.subject_id == party.subject.pk:
            scored[entry.pk] = (1.0, [{"code": "subject_linked", "text": "名单条目已关联该信用主体"}])
        elif party.code and entry.person_id == party.code:
            scored[entry.pk] = (1.0, [{"code": "person_id_equal", "text": "身份证件号码一致"}])
    return scored


def _dismissals(entry_ids: set[int], keys: set[str]) -> dict[tuple[int, str], Dismissal]:
    found: dict[tuple[int, str], Dismissal] = {}
    ids = sorted(entry_ids)
    for start in range(0, len(ids), _IN):
        rows = Dismissal.objects.filter(entry_id__in=ids[start : start + _IN], query_key__in=sorted(keys))
        found.update(((d.entry_id, d.query_key), d) for d in rows.select_related("actor"))
    return found


def screen(parties: Sequence[Party], matter: str | None) -> list[Screened]:
    """The entries each party matches, split into hits and dismissed ones; `matter` None: no measures."""
    threshold = match_threshold()
    entries_of = retrieval.candidates_many(parties)
    scores = [_scored(party, entries, threshold) for party, entries in zip(parties, entries_of, strict=True)]
    by_id = {entry.pk: entry for entries in entries_of for entry in entries}
    hit_kinds = {by_id[pk].kind_id for scored in scores for pk in scored}
    measures: dict[int, list[Measure]] = measures_for(kind_ids=hit_kinds, matter=matter) if matter else {}
    keys_of = [query_keys(party) if scored else [] for party, scored in zip(parties, scores, strict=True)]
    hit_ids = {pk for scored in scores for pk in scored}
    dismissals = _dismissals(hit_ids, {key for keys in keys_of for key in keys}) if hit_ids else {}
    out: list[Screened] = []
    for scored, keys in zip(scores, keys_of, strict=True):
        result = Screened([], [])
        for entry_id, (score, reasons) in sorted(scored.items(), key=lambda item: -item[1][0]):
            entry = by_id[entry_id]
            # A dismissal sets aside a name match only: an identifier match decides alone.
            dismissal = None
            if not decided_by_identifier(reasons):
                dismissal = next((dismissals[(entry_id, k)] for k in keys if (entry_id, k) in dismissals), None)
            hit = CheckHit(entry, score, reasons, measures.get(entry.kind_id, []), dismissal)
            (result.dismissed if hit.dismissal else result.hits).append(hit)
        out.append(result)
    return out
