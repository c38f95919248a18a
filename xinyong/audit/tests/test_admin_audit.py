from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from xinyong.audit.models import AuditEvent
from xinyong.audit.services import audit_verify
from xinyong.org.models import Unit, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in(reference_data: Any) -> Client:
    root = User.objects.create_superuser(username="root", password="a-Long-pass-9", email="")
    client = Client()
    # force_login: Client.login calls authenticate() without the request that django-axes' backend needs.
    client.force_login(root)
    return client


def test_admin_edit_of_a_unit_is_audited_with_before_and_after(admin_client_logged_in: Client) -> None:
    unit = Unit.objects.get(code="hbk")
    response = admin_client_logged_in.post(
        f"/admin/org/unit/{unit.pk}/change/",
        {
            "code": "hbk", "name": "环境保护科", "short_name": "环保科", "kind": "department",
            "parent": unit.parent_id, "uscc": unit.uscc, "duties": unit.duties, "duty_source": unit.duty_source,
            "sort_order": unit.sort_order, "is_active": "on",
            "liaisons-TOTAL_FORMS": "0", "liaisons-INITIAL_FORMS": "0", "liaisons-MIN_NUM_FORMS": "0",
            "liaisons-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="admin.changed", object_id=str(unit.pk))
    assert event.before is not None and event.before["name"] == "环保科"
    assert event.after is not None and event.after["name"] == "环境保护科"
    assert event.actor_label == "user:root"
    assert audit_verify() is None


def test_admin_user_changes_never_log_the_password(admin_client_logged_in: Client) -> None:
    response = admin_client_logged_in.post(
        "/admin/org/user/add/",
        {"username": "clerk", "password1": "c-Long-pass-7", "password2": "c-Long-pass-7", "usable_password": "true",
         "grants-TOTAL_FORMS": "0", "grants-INITIAL_FORMS": "0", "grants-MIN_NUM_FORMS": "0", "grants-MAX_NUM_FORMS": "1000"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="admin.created", object_type="org.User")
    assert event.after is not None and "password" not in event.after
    stored = User.objects.get(username="clerk").password
    assert stored and stored not in str(event.after) and stored.split("$")[-1] not in str(event.after)


@pytest.mark.parametrize("model", ["records/record", "intake/batch", "intake/rejectedrow", "audit/auditevent"])
def test_service_written_data_cannot_be_added_by_hand(admin_client_logged_in: Client, model: str) -> None:
    assert admin_client_logged_in.get(f"/admin/{model}/add/").status_code == 403
    assert admin_client_logged_in.get(f"/admin/{model}/").status_code == 200
