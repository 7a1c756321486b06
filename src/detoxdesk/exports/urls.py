from django.urls import path

from detoxdesk.exports import views

app_name = "exports"
urlpatterns = [
    path("episodes/<uuid:episode_uuid>/fhir/", views.fhir_release, name="fhir"),
]
