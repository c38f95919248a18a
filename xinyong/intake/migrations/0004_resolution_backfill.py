"""Rows corrected, discarded or replaced before their resolution was kept on the row: read it back from the
audit trail, which recorded who, when, why and the record each correction became."""

from django.db import migrations


def _label(event, users):
    user = users.get(event.actor_id) if event.actor_id else None
    if user is not None:
        return (user.display_name or user.username)[:150]
    if event.actor_label == "system":
        return "系统"
    return event.actor_label.removeprefix("user:")[:150]


def backfill(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    RejectedRow = apps.get_model("intake", "RejectedRow")
    Batch = apps.get_model("intake", "Batch")
    Record = apps.get_model("records", "Record")
    User = apps.get_model("org", "User")
    events = list(
        AuditEvent.objects.filter(
            action__in=["intake.row_corrected", "intake.row_discarded", "intake.rows_replaced"]
        ).order_by("seq")
    )
    if not events:
        return
    users = {u.pk: u for u in User.objects.filter(pk__in={e.actor_id for e in events if e.actor_id})}
    records = set(
        Record.objects.filter(
            pk__in={(e.after or {}).get("record") for e in events if e.action == "intake.row_corrected"} - {None}
        ).values_list("pk", flat=True)
    )
    batches = {b.pk: b for b in Batch.objects.filter(
        pk__in={int(e.object_id) for e in events if e.action == "intake.rows_replaced" and e.object_id.isdigit()}
    )}
    batch_users = {u.pk: u for u in User.objects.filter(pk__in={b.submitted_by_id for b in batches.values()} - {None})}
    for event in events:
        after = event.after or {}
        if event.action == "intake.rows_replaced":
            batch = batches.get(int(event.object_id)) if event.object_id.isdigit() else None
            submitter = batch_users.get(batch.submitted_by_id) if batch and batch.submitted_by_id else None
            ids = [item.get("id") for item in after.get("replaced", []) if isinstance(item, dict)]
            RejectedRow.objects.filter(pk__in=[i for i in ids if i], resolved_at__isnull=True).update(
                resolved_at=event.occurred_at,
                resolved_by=submitter,
                resolved_by_label=(submitter.display_name or submitter.username)[:150] if submitter else "系统",
                replaced_by=batch,
            )
            continue
        if not event.object_id.isdigit():
            continue
        changes = {
            "resolved_at": event.occurred_at,
            "resolved_by_id": event.actor_id if event.actor_id in users else None,
            "resolved_by_label": _label(event, users),
        }
        if event.action == "intake.row_corrected" and after.get("record") in records:
            changes["record_id"] = after["record"]
        if event.action == "intake.row_discarded":
            changes["resolution_reason"] = str(after.get("reason", ""))[:300]
        RejectedRow.objects.filter(pk=int(event.object_id), resolved_at__isnull=True).update(**changes)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0003_resolution_heartbeat"),
        ("audit", "0001_initial"),
        ("org", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
