from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "xinyong.ops"
    verbose_name = "运维"

    def ready(self) -> None:
        # Registers the deploy check on the demo's logins.
        from xinyong.ops import checks  # noqa: F401
