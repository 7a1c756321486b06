from django.urls import path

from detoxdesk.staff import facility_views, views

app_name = "staff"
urlpatterns = [
    path("", views.staff_list, name="list"),
    path("invite/", views.invite, name="invite"),
    path(
        "invitations/<uuid:invitation_uuid>/withdraw/",
        views.revoke_invitation,
        name="revoke_invitation",
    ),
    path("accept/<str:token>/", views.accept, name="accept"),
    path("people/<uuid:staff_uuid>/", views.person, name="person"),
    path("people/<uuid:staff_uuid>/roles/", views.assign_role, name="assign_role"),
    path(
        "people/<uuid:staff_uuid>/roles/<uuid:facility_uuid>/",
        views.change_role,
        name="change_role",
    ),
    path(
        "people/<uuid:staff_uuid>/roles/<uuid:facility_uuid>/remove/",
        views.remove_role,
        name="remove_role",
    ),
    path("people/<uuid:staff_uuid>/<slug:action>/", views.account_action, name="account_action"),
    path("facilities/", facility_views.facility_list, name="facilities"),
    path("facilities/new/", facility_views.facility_new, name="facility_new"),
    path("facilities/<uuid:facility_uuid>/", facility_views.facility, name="facility"),
    path("facilities/<uuid:facility_uuid>/units/", facility_views.unit_new, name="unit_new"),
    path("facilities/<uuid:facility_uuid>/beds/", facility_views.bed_new, name="bed_new"),
    path("facilities/<uuid:facility_uuid>/beds/<str:label>/", facility_views.bed, name="bed"),
    path(
        "facilities/<uuid:facility_uuid>/beds/<str:label>/delete/",
        facility_views.bed_delete,
        name="bed_delete",
    ),
    path(
        "facilities/<uuid:facility_uuid>/<slug:action>/",
        facility_views.facility_action,
        name="facility_action",
    ),
    path("units/<uuid:unit_uuid>/", facility_views.unit, name="unit"),
    path("emergency/", views.emergency_access, name="emergency"),
    path("emergency/review/", views.emergency_review, name="emergency_review"),
]
