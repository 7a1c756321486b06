from django.urls import path

from detoxdesk.controlled import views

app_name = "controlled"
urlpatterns = [
    path("controlled/", views.index, name="index"),
    path("controlled/log/", views.dispensing_log, name="log"),
    path("controlled/<uuid:facility_uuid>/receive/", views.receive, name="receive"),
    path("controlled/<uuid:facility_uuid>/record/<str:kind>/", views.record_entry, name="record"),
    path("controlled/<uuid:facility_uuid>/setup/", views.setup, name="setup"),
    path(
        "controlled/<uuid:facility_uuid>/products/<uuid:product_uuid>/",
        views.product_edit,
        name="product",
    ),
    path(
        "controlled/<uuid:facility_uuid>/products/<uuid:product_uuid>/<str:action>/",
        views.product_status,
        name="product_status",
    ),
    path(
        "controlled/<uuid:facility_uuid>/locations/<uuid:location_uuid>/",
        views.location_edit,
        name="location",
    ),
    path(
        "controlled/<uuid:facility_uuid>/locations/<uuid:location_uuid>/<str:action>/",
        views.location_status,
        name="location_status",
    ),
    path("controlled/<uuid:facility_uuid>/inventory/", views.inventory_new, name="inventory_new"),
    path("controlled/entries/<uuid:entry_uuid>/", views.entry_detail, name="entry"),
    path("controlled/locations/<uuid:location_uuid>/count/", views.count, name="count"),
    path("controlled/counts/<uuid:count_uuid>/", views.count_detail, name="count_detail"),
    path(
        "controlled/discrepancies/<uuid:discrepancy_uuid>/",
        views.discrepancy,
        name="discrepancy",
    ),
    path(
        "controlled/inventories/<uuid:inventory_uuid>/",
        views.inventory_detail,
        name="inventory",
    ),
]
