from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "detoxdesk.audit"
    label = "audit"
    verbose_name = "Audit"
