from django.apps import AppConfig


class ControlledConfig(AppConfig):
    name = "detoxdesk.controlled"
    label = "controlled"
    verbose_name = "Controlled-substance ledger, counts and inventories"
