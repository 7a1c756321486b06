from django.apps import AppConfig


class TapersConfig(AppConfig):
    name = "detoxdesk.tapers"
    label = "tapers"
    verbose_name = "Taper plans and morphine milligram equivalents"
