from django.urls import path

from detoxdesk.tapers import views

app_name = "tapers"
urlpatterns = [
    path("mme/", views.mme, name="mme"),
]
