from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "detoxdesk.portal"
    label = "portal"
    verbose_name = "The patient portal"

    def ready(self) -> None:
        from detoxdesk.audit.events import register
        from detoxdesk.portal.events import EVENTS

        register(EVENTS)
