from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "detoxdesk.api"
    label = "api"
    verbose_name = "JSON API"
