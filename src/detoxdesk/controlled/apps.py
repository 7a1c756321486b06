from django.apps import AppConfig


class ControlledConfig(AppConfig):
    name = "detoxdesk.controlled"
    label = "controlled"
    verbose_name = "Controlled-substance ledger, counts and inventories"

    def ready(self) -> None:
        from detoxdesk.audit.events import register
        from detoxdesk.controlled.events import EVENTS

        register(EVENTS)
