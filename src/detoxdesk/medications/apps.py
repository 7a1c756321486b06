from django.apps import AppConfig


class MedicationsConfig(AppConfig):
    name = "detoxdesk.medications"
    label = "medications"
    verbose_name = "Orders, administrations and the safety engine"

    def ready(self) -> None:
        from detoxdesk.audit.events import register
        from detoxdesk.medications.events import EVENTS

        register(EVENTS)
