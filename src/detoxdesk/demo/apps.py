from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "detoxdesk.demo"
    label = "demo"
    verbose_name = "Demo data"
