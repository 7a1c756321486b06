from django.urls import path

from detoxdesk.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path(
        "episodes/<uuid:episode_uuid>/assessments/<slug:scale_slug>/new/",
        views.record_assessment,
        name="record_assessment",
    ),
    path("episodes/<uuid:episode_uuid>/vitals/new/", views.record_vitals, name="record_vitals"),
]
