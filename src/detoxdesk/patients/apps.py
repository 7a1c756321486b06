from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "detoxdesk.patients"
    label = "patients"
    verbose_name = "Patients, episodes and beds"

    def ready(self) -> None:
        from detoxdesk.audit.events import register
        from detoxdesk.patients.events import EVENTS

        register(EVENTS)
