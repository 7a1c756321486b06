from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "detoxdesk.labs"
    label = "labs"
    verbose_name = "Drug tests and other results"

    def ready(self) -> None:
        from detoxdesk.audit.events import register
        from detoxdesk.labs.events import EVENTS

        register(EVENTS)
