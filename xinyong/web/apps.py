from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "xinyong.web"
    verbose_name = "页面"
