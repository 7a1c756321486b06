from django.urls import URLPattern

app_name = "medications"
urlpatterns: list[URLPattern] = []
