"""Writes of the portal: the register of internal look-ups by government systems (查询使用登记).

A departmental system whose token carries the look-up scope may see all records of a subject and full
identifiers, but only for a lawful purpose from the configured list and with a case reference; the look-up is
registered (and audited) before anything is shown.
"""

from __future__ import annotations

from typing import Final

from xinyong.access.api import require_scope
from xinyong.access.models import ApiToken, Lookup, TokenScope
from xinyong.access.services import lookup_register
from xinyong.subjects.models import Subject
from xinyong.subjects.selectors import mask_identifier

INTERNAL_LOOKUP_ACTION: Final = "portal.internal_lookup"


def internal_lookup(*, token: ApiToken, subject: Subject, purpose_code: str, case_reference: str) -> Lookup:
    """Register that a government system looks at a subject's internal view, and why. Call before showing it."""
    require_scope(token, TokenScope.LOOKUP)
    return lookup_register(
        actor=token,
        token=token,
        unit=token.department,
        subject_id=subject.pk,
        subject_name=subject.name,
        subject_kind=subject.kind,
        subject_code_masked=subject.uscc or mask_identifier(subject.id_number),
        what="接口查询信用主体内部信息",
        purpose_code=purpose_code,
        case_reference=case_reference,
        action=INTERNAL_LOOKUP_ACTION,
    )
