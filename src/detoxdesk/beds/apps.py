from django.apps import AppConfig


class BedsConfig(AppConfig):
    name = "detoxdesk.beds"
    label = "beds"
    verbose_name = "Bed board: reservations, cleaning and transfers"

    def ready(self) -> None:
        from detoxdesk.audit.events import register
        from detoxdesk.beds.events import EVENTS

        register(EVENTS)
