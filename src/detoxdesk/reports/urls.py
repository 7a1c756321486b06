from django.urls import path

from detoxdesk.reports import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.report, name="report"),
    path("reports/report.csv", views.report_csv, name="csv"),
    path("reports/episodes/", views.episodes, name="episodes"),
]
