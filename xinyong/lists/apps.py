from django.apps import AppConfig


class ListsConfig(AppConfig):
    name = "xinyong.lists"
    verbose_name = "红黑名单与联合奖惩"
