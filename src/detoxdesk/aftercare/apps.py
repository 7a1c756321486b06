from django.apps import AppConfig


class AftercareConfig(AppConfig):
    name = "detoxdesk.aftercare"
    label = "aftercare"
    verbose_name = "Discharge, resource directory and follow-ups"

    def ready(self) -> None:
        from detoxdesk.aftercare.events import EVENTS
        from detoxdesk.audit.events import register

        register(EVENTS)
