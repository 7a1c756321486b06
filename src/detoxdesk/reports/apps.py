from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "detoxdesk.reports"
    label = "reports"
    verbose_name = "Program quality reports"
