"""Consents, releasing records through the disclosure door, emergencies and the accounting."""

from django.urls import path

from detoxdesk.disclosures import portal_views, views

app_name = "disclosures"
P = "patients/<uuid:patient_uuid>/"
C = "consents/<uuid:consent_uuid>/"
urlpatterns = [
    path(f"{P}consents/", views.consents, name="consents"),
    path(f"{P}consents/new/", views.consent_new, name="consent_new"),
    path(f"{P}release/", views.release, name="release"),
    path(f"{P}emergency-disclosure/", views.emergency, name="emergency"),
    path(f"{P}accounting/", views.accounting, name="accounting"),
    path(C, views.consent, name="consent"),
    path(f"{C}scan/", views.consent_scan, name="consent_scan"),
    path(f"{C}revoke/", views.revoke, name="revoke"),
    path("disclosures/emergencies/", views.emergencies, name="emergencies"),
    path("disclosures/<uuid:disclosure_uuid>/", views.disclosure, name="disclosure"),
    path("disclosures/<uuid:disclosure_uuid>/review/", views.review, name="review"),
    path("my/consents/", portal_views.my_consents, name="my_consents"),
    path(f"my/{C}", portal_views.my_consent, name="my_consent"),
    path(f"my/{C}revoke/", portal_views.my_revoke, name="my_revoke"),
    path("my/disclosures/", portal_views.my_accounting, name="my_accounting"),
]
