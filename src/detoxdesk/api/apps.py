from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "detoxdesk.api"
    label = "api"
    verbose_name = "JSON API"

    def ready(self) -> None:
        from detoxdesk.api.events import EVENTS
        from detoxdesk.audit.events import register

        register(EVENTS)
