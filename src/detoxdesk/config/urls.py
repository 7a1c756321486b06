from django.urls import include, path

from detoxdesk.api.urls import api
from detoxdesk.board import urls as board_urls
from detoxdesk.patients import urls as patients_urls

urlpatterns = [
    # The API first: its addresses share one prefix, so a device's call is matched at once
    # instead of after every page's pattern.
    path("api/v1/", api.urls),
    path("", include("detoxdesk.intake.public_urls")),
    path("accounts/", include("detoxdesk.accounts.urls")),
    # The census and the chart (board) keep their ``patients:`` names beside the record's pages.
    path("", include((board_urls.urlpatterns + patients_urls.urlpatterns, "patients"))),
    path("", include("detoxdesk.monitoring.urls")),
    path("", include("detoxdesk.intake.urls")),
    path("", include("detoxdesk.beds.urls")),
    path("", include("detoxdesk.medications.urls")),
    path("", include("detoxdesk.controlled.urls")),
    path("", include("detoxdesk.tapers.urls")),
    path("labs/", include("detoxdesk.labs.urls")),
    path("", include("detoxdesk.outpatient.urls")),
    path("", include("detoxdesk.notes.urls")),
    path("", include("detoxdesk.aftercare.urls")),
    path("", include("detoxdesk.directory.urls")),
    path("", include("detoxdesk.portal.urls")),
    path("", include("detoxdesk.disclosures.urls")),
    path("", include("detoxdesk.exports.urls")),
    path("audit/", include("detoxdesk.audit.urls")),
    path("staff/api-tokens/", include("detoxdesk.api.page_urls")),
    path("staff/", include("detoxdesk.staff.urls")),
    path("", include("detoxdesk.reports.urls")),
]

handler404 = "detoxdesk.api.problems.not_found"
