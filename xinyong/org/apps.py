from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "xinyong.org"
    verbose_name = "组织机构"

    def ready(self) -> None:
        from xinyong.org import login_audit

        login_audit.connect()
