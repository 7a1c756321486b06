from django.urls import path

from detoxdesk.notes import portal_views, views

app_name = "notes"
urlpatterns = [
    path("episodes/<uuid:episode_uuid>/notes/", views.episode_notes, name="list"),
    path(
        "episodes/<uuid:episode_uuid>/notes/new/<slug:template_key>/",
        views.new_note,
        name="new",
    ),
    path("episodes/<uuid:episode_uuid>/golden-thread/", views.golden_thread, name="thread"),
    path("facilities/<uuid:facility_uuid>/group-note/", views.group_note, name="group"),
    path("notes/mine/", views.my_drafts, name="mine"),
    path("notes/cosign/", views.cosign_list, name="cosign_list"),
    path("notes/templates/", views.template_list, name="templates"),
    path("notes/templates/<slug:key>/", views.edit_template, name="template"),
    path("notes/templates/<slug:key>/use/", views.template_active, name="template_active"),
    path("notes/settings/", views.note_settings, name="settings"),
    path("notes/<uuid:note_uuid>/", views.note_detail, name="note"),
    path("notes/<uuid:note_uuid>/edit/", views.edit_note, name="edit"),
    path("notes/<uuid:note_uuid>/sign/", views.sign_note, name="sign"),
    path("notes/<uuid:note_uuid>/addendum/", views.add_addendum, name="addendum"),
    path("notes/<uuid:note_uuid>/cosign/", views.cosign_note, name="cosign"),
    path("notes/<uuid:note_uuid>/print/", views.print_note, name="print"),
    path("amendments/", views.amendments, name="amendments"),
    path("amendments/<uuid:request_uuid>/", views.amendment_detail, name="amendment"),
    path("amendments/<uuid:request_uuid>/accept/", views.accept_amendment, name="accept"),
    path("amendments/<uuid:request_uuid>/deny/", views.deny_amendment, name="deny"),
    path("my/amendments/", portal_views.my_amendments, name="my_amendments"),
    path("my/amendments/new/", portal_views.my_amendment_new, name="my_amendment_new"),
    path(
        "my/amendments/<uuid:request_uuid>/disagree/",
        portal_views.my_disagreement,
        name="my_disagreement",
    ),
]
