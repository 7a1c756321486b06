from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "detoxdesk.accounts"
    label = "accounts"
    verbose_name = "Accounts"
