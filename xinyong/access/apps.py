from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "xinyong.access"
    verbose_name = "访问控制"

    def ready(self) -> None:
        from xinyong.access import login_audit

        login_audit.connect()
