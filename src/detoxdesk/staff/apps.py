from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "detoxdesk.staff"
    label = "staff"
    verbose_name = "Staff administration and emergency access"
