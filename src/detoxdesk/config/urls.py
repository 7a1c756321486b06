from django.urls import include, path

urlpatterns = [
    path("", include("detoxdesk.patients.public_urls")),
    path("accounts/", include("detoxdesk.accounts.urls")),
    path("", include("detoxdesk.patients.urls")),
    path("", include("detoxdesk.monitoring.urls")),
    path("audit/", include("detoxdesk.audit.urls")),
]
