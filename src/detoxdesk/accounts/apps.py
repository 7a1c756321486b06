from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "detoxdesk.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from detoxdesk.accounts.events import EVENTS
        from detoxdesk.audit.events import register

        register(EVENTS)
