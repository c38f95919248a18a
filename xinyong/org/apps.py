from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "xinyong.org"
    verbose_name = "组织机构"
