from django.urls import include, path

from detoxdesk.api.urls import api

urlpatterns = [
    path("", include("detoxdesk.intake.public_urls")),
    path("accounts/", include("detoxdesk.accounts.urls")),
    path("", include("detoxdesk.patients.urls")),
    path("", include("detoxdesk.monitoring.urls")),
    path("", include("detoxdesk.intake.urls")),
    path("", include("detoxdesk.medications.urls")),
    path("", include("detoxdesk.controlled.urls")),
    path("", include("detoxdesk.tapers.urls")),
    path("", include("detoxdesk.aftercare.urls")),
    path("", include("detoxdesk.directory.urls")),
    path("", include("detoxdesk.portal.urls")),
    path("audit/", include("detoxdesk.audit.urls")),
    path("staff/", include("detoxdesk.staff.urls")),
    path("", include("detoxdesk.reports.urls")),
    path("api/v1/", api.urls),
]

handler404 = "detoxdesk.api.problems.not_found"
