from django.apps import AppConfig


class TapersConfig(AppConfig):
    name = "detoxdesk.tapers"
    label = "tapers"
    verbose_name = "Taper plans and morphine milligram equivalents"

    def ready(self) -> None:
        from detoxdesk.audit.events import register
        from detoxdesk.tapers.events import EVENTS

        register(EVENTS)
