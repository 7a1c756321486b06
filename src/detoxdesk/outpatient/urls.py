from django.urls import path

from detoxdesk.outpatient import views

app_name = "outpatient"
urlpatterns = [
    path("settings/outpatient/", views.program_settings, name="settings"),
    path("episodes/<uuid:episode_uuid>/outpatient/", views.episode_page, name="episode"),
    path("episodes/<uuid:episode_uuid>/outpatient/schedule/", views.set_schedule, name="schedule"),
    path("episodes/<uuid:episode_uuid>/outpatient/visits/new/", views.record_visit, name="visit"),
    path("episodes/<uuid:episode_uuid>/outpatient/review/", views.review, name="review"),
    path("episodes/<uuid:episode_uuid>/outpatient/take-home/", views.take_home, name="take_home"),
]
