"""Reads of intake for the pages and the API: the reviewer's queue and the rows a batch keeps for review."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Min, Q, QuerySet

from xinyong.core import clock, workdays
from xinyong.core.errors import XinyongError
from xinyong.intake.models import Batch, ReviewStatus, StagedRow, StagedRowStatus
from xinyong.org.models import Role
from xinyong.org.selectors import require_role, roles_of, units_for_role


@dataclass(frozen=True)
class ReviewItem:
    """A batch waiting for review, with what decides its urgency."""

    batch: Batch
    pending: int
    # The earliest deadline of its waiting rows (decision date + the category's cycle), if any has one.
    deadline: dt.date | None
    # Working days from today to that deadline: 0 is the last day, negative is already late. None: no deadline,
    # or the calendar lacks a year needed to count.
    workdays_left: int | None

    @property
    def overdue(self) -> bool:
        return self.workdays_left is not None and self.workdays_left < 0


def reviewer_scope(user: Any, roles: frozenset[str] | None = None) -> set[int] | None:
    """Departments whose batches the user reviews; None: every department (the credit office).

    `roles`, when the caller has read them already, saves a query."""
    held = roles if roles is not None else roles_of(user)
    if getattr(user, "is_superuser", False) or Role.CREDIT_ADMIN in held:
        return None
    return set(units_for_role(user, Role.REVIEWER).values_list("pk", flat=True))


def review_queue(*, user: Any, roles: frozenset[str] | None = None) -> list[ReviewItem]:
    """Waiting batches the user may review, most urgent first. Two queries, whatever the queue's length."""
    scope = reviewer_scope(user, roles)
    batches = Batch.objects.filter(review_status=ReviewStatus.PENDING).select_related(
        "category", "department", "submitted_by"
    )
    if scope is not None:
        batches = batches.filter(department_id__in=scope)
    pending = Q(staged_rows__status=StagedRowStatus.PENDING)
    annotated = batches.annotate(
        waiting=Count("staged_rows", filter=pending), earliest=Min("staged_rows__deadline", filter=pending)
    )
    today = clock.today()
    calendar = workdays.get_calendar()
    items = []
    for batch in annotated:
        deadline = batch.earliest
        left: int | None = None
        if deadline is not None:
            try:
                left = calendar.count_workdays(today, deadline)
            except XinyongError:
                left = None
        items.append(ReviewItem(batch, batch.waiting, deadline, left))
    far = dt.date.max
    return sorted(items, key=lambda i: (i.deadline or far, i.batch.submitted_at, i.batch.pk))


def may_review(user: Any, batch: Batch) -> bool:
    if batch.review_status != ReviewStatus.PENDING:
        return False
    try:
        require_role(user, Role.REVIEWER, batch.department)
    except XinyongError:
        return False
    return True


def staged_rows(*, batch: Batch) -> QuerySet[StagedRow]:
    return StagedRow.objects.filter(batch=batch).order_by("row_number", "id")
