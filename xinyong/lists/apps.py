from django.apps import AppConfig


class ListsConfig(AppConfig):
    name = "xinyong.lists"
    verbose_name = "红黑名单与联合奖惩"

    def ready(self) -> None:
        # List files come through the intake path; their records become list entries in the same transaction.
        from xinyong.lists.imports import on_records_changed
        from xinyong.records.signals import records_changed

        records_changed.connect(on_records_changed, dispatch_uid="lists.entries_from_records")
