from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "xinyong.audit"
    verbose_name = "审计留痕"

    def ready(self) -> None:
        from xinyong.audit import checks  # noqa: F401  (registers the deployment checks)
