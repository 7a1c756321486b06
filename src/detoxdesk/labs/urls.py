from django.urls import path

from detoxdesk.labs import views

app_name = "labs"
urlpatterns = [
    path("episodes/<uuid:episode_uuid>/results/", views.results, name="results"),
    path("episodes/<uuid:episode_uuid>/results/print/", views.print_results, name="print"),
    path("episodes/<uuid:episode_uuid>/results/new/<slug:panel>/", views.record, name="record"),
    path("results/<uuid:result_uuid>/", views.detail, name="detail"),
    path("import/", views.import_results, name="import"),
]
