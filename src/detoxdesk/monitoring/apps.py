from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "detoxdesk.monitoring"
    label = "monitoring"
    verbose_name = "Withdrawal scores and vital signs"
