from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "xinyong.ops"
    verbose_name = "运维"
