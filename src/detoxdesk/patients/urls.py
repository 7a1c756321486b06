from django.urls import path

from detoxdesk.patients import views

app_name = "patients"
urlpatterns = [
    path("start/", views.staff_home, name="home"),
    path("census/", views.census, name="census"),
    path("patients/<uuid:patient_uuid>/", views.chart, name="chart"),
    path("episodes/<uuid:episode_uuid>/interval/", views.episode_interval, name="episode_interval"),
    path("settings/program/", views.program_settings, name="program_settings"),
]
