from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "detoxdesk.monitoring"
    label = "monitoring"
    verbose_name = "Withdrawal scores and vital signs"

    def ready(self) -> None:
        from detoxdesk.audit.events import register
        from detoxdesk.monitoring.events import EVENTS

        register(EVENTS)
