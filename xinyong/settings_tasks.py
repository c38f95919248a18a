"""Settings of background work (django-tasks) and of the API docs page, imported at the end of settings.py.

Production (PostgreSQL) queues imports in the database for `xinyong db_worker`; the embedded mode (SQLite) and
the tests run them at once, in the process that submitted them. `XINYONG_TASKS_BACKEND` (database | immediate)
overrides the choice.
"""

from __future__ import annotations

import os

# django-ninja serves Swagger UI from its own static files only when it is an installed app (no CDN).
EXTRA_APPS = ["ninja", "django_tasks", "django_tasks_db"]

_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}


def _default_backend() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return "database" if url.startswith(("postgres", "pgsql")) else "immediate"


XINYONG_TASKS_BACKEND = (os.environ.get("XINYONG_TASKS_BACKEND") or _default_backend()).strip().lower()
if XINYONG_TASKS_BACKEND not in _BACKENDS:
    raise ValueError(
        f"XINYONG_TASKS_BACKEND must be one of {', '.join(_BACKENDS)}, not {XINYONG_TASKS_BACKEND!r}"
    )

TASKS = {"default": {"BACKEND": _BACKENDS[XINYONG_TASKS_BACKEND], "QUEUES": ["default"]}}

# Uploads larger than this are imported in the background, with progress; smaller ones while the page waits.
XINYONG_BACKGROUND_IMPORT_BYTES = int(os.environ.get("XINYONG_BACKGROUND_IMPORT_BYTES", str(2 * 1024 * 1024)))
# A background import silent this long was left behind by a dead worker and is marked failed.
XINYONG_IMPORT_STALE_SECONDS = int(os.environ.get("XINYONG_IMPORT_STALE_SECONDS", "300"))
