from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "xinyong.intake"
    verbose_name = "信息报送"
