from django.urls import path

from detoxdesk.patients import views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
]
