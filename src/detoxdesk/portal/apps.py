from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "detoxdesk.portal"
    label = "portal"
    verbose_name = "The patient portal"
