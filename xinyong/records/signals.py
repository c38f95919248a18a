"""What other apps hear about records: the lists app turns list records into list entries (issue 5).

Sent inside the writing transaction, so a receiver's writes land or roll back with the records.
"""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: category_code (str), batch (an intake Batch, when a whole batch landed, else None),
# record_ids (list[int] when single records changed, else None), actor.
records_changed = Signal()
