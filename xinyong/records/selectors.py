"""Reads of credit records. What the public may see is decided here, and only here."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from xinyong.catalog.models import Disclosure
from xinyong.core import clock
from xinyong.records.models import Record, RecordStatus


def published_records(on: dt.date | None = None) -> QuerySet[Record]:
    """Records in public view on a day (today by the platform clock).

    Evaluated at query time, so a record leaves public view the moment its period ends or it is revoked or
    repaired, not after a nightly job. The period's last day (`publicity_end`) is still public.
    """
    day = on or clock.today()
    return Record.objects.filter(
        status=RecordStatus.ACTIVE,
        publicity_end__isnull=False,
        publicity_end__gte=day,
        category__disclosure=Disclosure.PUBLIC,
    )
