"""Monitoring (动态监测): watched subjects are re-screened whenever a list changes, and alerts appear for the
department that watches them — in the application, and by e-mail where `XINYONG_ALERT_EMAIL` is on.

A list change is an entry published (by the service or by an imported list file) or an entry leaving its list.
Only that entry is compared with the watches, so a change costs a few indexed queries, not a full re-screen.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet

from xinyong.audit.services import audit_record
from xinyong.core import clock
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.core.identifiers import normalize_code
from xinyong.lists import matching, screening
from xinyong.lists.models import Alert, AlertEvent, EntryStatus, ListEntry, Watch
from xinyong.lists.retrieval import Party, match_threshold
from xinyong.org.models import Unit, User
from xinyong.subjects.models import Subject

logger = logging.getLogger(__name__)
_FRAGMENT_LIMIT = 200
# Up to this many active watches, a list change is screened against all of them in memory.
WATCHES_IN_MEMORY = 20_000


def active_watches() -> QuerySet[Watch]:
    return Watch.objects.filter(ended_at__isnull=True)


def _watch_candidates(entry: ListEntry) -> list[Watch]:
    """The active watches an entry may concern, by the database (one query per path)."""
    cond = Q(pk__in=[])
    if entry.subject_id:
        cond |= Q(subject_id=entry.subject_id)
    for code in (entry.uscc, entry.person_id):
        if code:
            cond |= Q(code=code)
    fragment = ""
    if entry.name:
        keys, fragment = matching.lookup_keys(matching.name_form(entry.name))
        cond |= Q(name_key__in=keys)
    found = {w.pk: w for w in active_watches().filter(cond)}
    if len(fragment) >= 2:
        for watch in active_watches().filter(name_key__contains=fragment).exclude(pk__in=found)[:_FRAGMENT_LIMIT]:
            found[watch.pk] = watch
    return list(found.values())


class _WatchIndex:
    """The active watches held in memory, for many entries at once (a court file lists thousands): the same
    paths as `_watch_candidates`, without a query per entry."""

    def __init__(self, watches: list[Watch]) -> None:
        self.watches = watches
        self.by_subject: dict[int, list[Watch]] = {}
        self.by_code: dict[str, list[Watch]] = {}
        self.by_key: dict[str, list[Watch]] = {}
        for watch in watches:
            if watch.subject_id:
                self.by_subject.setdefault(watch.subject_id, []).append(watch)
            if watch.code:
                self.by_code.setdefault(watch.code, []).append(watch)
            self.by_key.setdefault(watch.name_key, []).append(watch)

    def candidates(self, entry: ListEntry) -> list[Watch]:
        found: dict[int, Watch] = {}
        groups = [self.by_subject.get(entry.subject_id or 0, [])]
        groups += [self.by_code.get(code, []) for code in (entry.uscc, entry.person_id) if code]
        fragment = ""
        if entry.name:
            keys, fragment = matching.lookup_keys(matching.name_form(entry.name))
            groups += [self.by_key.get(key, []) for key in keys]
        for group in groups:
            found.update((watch.pk, watch) for watch in group)
        if len(fragment) >= 2:
            near = [w for w in self.watches if w.pk not in found and fragment in w.name_key][:_FRAGMENT_LIMIT]
            found.update((watch.pk, watch) for watch in near)
        return list(found.values())


def _watch_index(entry_count: int) -> _WatchIndex | None:
    """The in-memory index when there are several entries and not too many watches; None: ask the database."""
    if entry_count < 2:
        return None
    watches = list(active_watches().order_by("pk")[: WATCHES_IN_MEMORY + 1])
    return None if len(watches) > WATCHES_IN_MEMORY else _WatchIndex(watches)


def _assess(watch: Watch, entry: ListEntry) -> tuple[float, list[dict[str, str]]] | None:
    if entry.subject_id and watch.subject_id == entry.subject_id:
        return 1.0, [{"code": "subject_linked", "text": "名单条目已关联该信用主体"}]
    if watch.code and entry.person_id == watch.code:
        return 1.0, [{"code": "person_id_equal", "text": "身份证件号码一致"}]
    result = matching.assess(
        matching.Query(name=watch.name, code=watch.code),
        matching.Entry(id=entry.pk, name=entry.name, uscc=entry.uscc),
        threshold=match_threshold(),
    )
    if not result.is_match:
        return None
    return result.score, [{"code": r.code, "text": r.text} for r in result.reasons]


def entries_changed(*, entries: Iterable[ListEntry]) -> list[Alert]:
    """Re-screen the watches against entries just published or just exited; returns the new alerts."""
    made: list[Alert] = []
    now = clock.now()
    entries = list(entries)
    if not active_watches().exists():
        return made
    index = _watch_index(len(entries))
    for entry in entries:
        if entry.status == EntryStatus.PUBLISHED:
            event = AlertEvent.LISTED
            watches = index.candidates(entry) if index is not None else _watch_candidates(entry)
        elif entry.status == EntryStatus.EXITED:
            # Only departments told of the listing are told of the exit.
            event = AlertEvent.EXITED
            watches = [
                alert.watch
                for alert in Alert.objects.filter(entry=entry, event=AlertEvent.LISTED, watch__ended_at__isnull=True)
                .select_related("watch")
            ]
        else:
            continue
        for watch in watches:
            assessed = _assess(watch, entry) if event == AlertEvent.LISTED else (1.0, [])
            if assessed is None:
                continue
            alert, created = Alert.objects.get_or_create(
                watch=watch,
                entry=entry,
                event=event,
                defaults={"score": assessed[0], "reasons": assessed[1], "created_at": now},
            )
            if created:
                made.append(alert)
    if made and getattr(settings, "XINYONG_ALERT_EMAIL", False):
        ids = [alert.pk for alert in made]
        transaction.on_commit(lambda: alerts_mail(alert_ids=ids))
    return made


def alerts_mail(*, alert_ids: Sequence[int]) -> int:
    """Mail each department's new alerts to its users who have an address; returns the messages sent."""
    alerts = list(
        Alert.objects.filter(pk__in=alert_ids, emailed_at__isnull=True).select_related("watch", "entry__kind")
    )
    by_unit: dict[int, list[Alert]] = {}
    for alert in alerts:
        by_unit.setdefault(alert.watch.department_id, []).append(alert)
    sent = 0
    for unit_id, group in by_unit.items():
        recipients = list(
            User.objects.filter(unit_id=unit_id, is_active=True).exclude(email="").values_list("email", flat=True)
        )
        if not recipients:
            continue
        lines = [
            f"{alert.watch.name}（{alert.watch.reason}）：{alert.get_event_display()}“{alert.entry.kind.name}”，"
            f"认定文书号{alert.entry.decision_document}"
            for alert in group
        ]
        try:
            send_mail(
                subject=f"【信用平台】关注主体名单变动预警（{len(group)}条）",
                message="\n".join(lines) + "\n\n请登录平台“名单预警”页面查看并处理。",
                from_email=None,
                recipient_list=recipients,
            )
        except OSError:
            logger.exception("alert mail to unit %s failed; the alerts stay unmailed", unit_id)
            continue
        Alert.objects.filter(pk__in=[a.pk for a in group]).update(emailed_at=clock.now())
        sent += 1
    return sent


@transaction.atomic
def watch_add(
    *, actor: Any, department: Unit, reason: str, name: str = "", code: str = ""
) -> tuple[Watch, list[Alert]]:
    """关注: start watching a subject for a department; it is screened at once against the current lists."""
    # Local import: the services import this module for their list-change hook.
    from xinyong.lists.services import _required, column_length

    reason = _required(reason, "关注事由", column_length(Watch, "reason"))
    code = normalize_code(code).replace("-", "") if code else ""
    name = (name or "").strip()
    if not code and not name:
        raise XinyongError(ErrorCode.REQUIRED, "请填写主体名称或统一社会信用代码（身份证件号码）。")
    subject: Subject | None = screening.resolve_subject(code, name)
    if not name and subject is not None:
        name = subject.name
    existing = active_watches().filter(department=department, code=code, name=name).first()
    if existing is not None:
        return existing, []
    watch = Watch.objects.create(
        department=department,
        subject=subject,
        name=name or code,
        name_key=matching.match_keys(name)[0] if name else "",
        code=code,
        reason=reason,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=clock.now(),
    )
    audit_record(
        actor=actor,
        action="lists.watch_added",
        obj=watch,
        summary=f"{department.name}关注：{watch.name}（{reason}）",
        after={"department": department.code, "name": watch.name, "code": code, "reason": reason},
    )
    hits = screening.screen([Party(code, name, subject)], None)[0].hits
    now = clock.now()
    alerts = [
        Alert.objects.get_or_create(
            watch=watch,
            entry=hit.entry,
            event=AlertEvent.LISTED,
            defaults={"score": hit.score, "reasons": hit.reasons, "created_at": now},
        )[0]
        for hit in hits
    ]
    return watch, alerts


@transaction.atomic
def watches_add(
    *, actor: Any, department: Unit, reason: str, rows: Sequence[tuple[str, str]]
) -> list[Watch]:
    """A list of (name, code) watched for one reason, e.g. every recipient of a fund."""
    return [
        watch_add(actor=actor, department=department, reason=reason, name=name, code=code)[0]
        for name, code in rows
        if (name or "").strip() or (code or "").strip()
    ]


@transaction.atomic
def watch_end(*, actor: Any, watch: Watch) -> Watch:
    watch = Watch.objects.select_for_update().get(pk=watch.pk)
    if watch.ended_at is None:
        watch.ended_at = clock.now()
        watch.save(update_fields=["ended_at"])
        audit_record(
            actor=actor, action="lists.watch_ended", obj=watch, summary=f"取消关注：{watch.name}", after={}
        )
    return watch


@transaction.atomic
def alert_mark_read(*, actor: Any, alert: Alert) -> Alert:
    if alert.read_at is None:
        alert.read_at = clock.now()
        alert.read_by = actor if getattr(actor, "pk", None) else None
        alert.save(update_fields=["read_at", "read_by"])
    return alert
