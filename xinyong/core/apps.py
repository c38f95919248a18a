from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xinyong.core"
    verbose_name = "基础"
