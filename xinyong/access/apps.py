from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "xinyong.access"
    verbose_name = "访问控制"
