from django.apps import AppConfig


class OutpatientConfig(AppConfig):
    name = "detoxdesk.outpatient"
    label = "outpatient"
    verbose_name = "Outpatient withdrawal management"

    def ready(self) -> None:
        from detoxdesk.audit.events import register
        from detoxdesk.outpatient.events import EVENTS

        register(EVENTS)
