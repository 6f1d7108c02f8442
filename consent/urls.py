from django.urls import path

from . import erasure_views, log_views, template_views, views

app_name = "consent"

urlpatterns = [
    path("programs/<slug:slug>/patients/", views.patient_list, name="patient-list"),
    path("programs/<slug:slug>/patients/new/", views.patient_create, name="patient-create"),
    path("patients/<int:patient_pk>/", views.patient_detail, name="patient-detail"),
    path("patients/<int:patient_pk>/edit/", views.patient_update, name="patient-update"),
    path("patients/<int:patient_pk>/care-team/end/", views.care_team_end, name="care-team-end"),
    path("patients/<int:patient_pk>/consent-form.pdf", views.patient_consent_pdf, name="patient-consent-pdf"),
    path("patients/<int:patient_pk>/consents/new/", views.consent_create, name="consent-create"),
    path("consents/<int:consent_pk>/", views.consent_detail, name="consent-detail"),
    path("consents/<int:consent_pk>/consent.pdf", views.consent_pdf, name="consent-pdf"),
    path("consents/<int:consent_pk>/scan/", views.consent_scan, name="consent-scan"),
    path("consents/<int:consent_pk>/scan/attach/", views.consent_scan_attach, name="consent-scan-attach"),
    path("consents/<int:consent_pk>/withdraw/", views.consent_withdraw, name="consent-withdraw"),
    path("programs/<slug:slug>/consent-templates/", template_views.template_list, name="template-list"),
    path("programs/<slug:slug>/consent-templates/new/", template_views.template_draft, name="template-draft"),
    path("programs/<slug:slug>/reconsent/", template_views.reconsent, name="reconsent"),
    path("programs/<slug:slug>/consent-form.pdf", template_views.program_blank_pdf, name="program-blank-pdf"),
    path("consent-templates/<int:consent_template_pk>/", template_views.template_detail, name="template-detail"),
    path("consent-templates/<int:consent_template_pk>/blank.pdf", template_views.template_pdf, name="template-pdf"),
    path("consent-templates/<int:consent_template_pk>/edit/", template_views.template_edit, name="template-edit"),
    path("consent-templates/<int:consent_template_pk>/publish/", template_views.template_publish,
         name="template-publish"),
    path("programs/<slug:slug>/access-log/", log_views.access_log, name="access-log"),
    path("programs/<slug:slug>/access-log/users/<int:log_user_pk>/", log_views.user_access_log,
         name="user-access-log"),
    path("patients/<int:patient_pk>/access-log/", log_views.patient_access_log, name="patient-access-log"),
    path("programs/<slug:slug>/erasures/", erasure_views.erasure_list, name="erasure-list"),
    path("patients/<int:patient_pk>/erase/", erasure_views.patient_erase, name="patient-erase"),
]
