from django.urls import path

from . import notice_views, staff_views, texts_views, views

app_name = "facilities"

urlpatterns = [
    path("programs/<slug:slug>/", views.program_detail, name="program-detail"),
    path("programs/<slug:slug>/facilities/", views.facility_list, name="facility-list"),
    path("programs/<slug:slug>/notices/", notice_views.notice_inbox, name="notice-inbox"),
    path("facilities/<int:facility_pk>/", views.facility_detail, name="facility-detail"),
    path("programs/<slug:slug>/staff.csv", views.program_staff_csv, name="program-staff-csv"),
    path("facilities/<int:facility_pk>/ledger.csv", views.ledger_csv, name="ledger-csv"),
    path("facilities/<int:facility_pk>/ledger.pdf", views.ledger_pdf, name="ledger-pdf"),
    path("facilities/<int:facility_pk>/staff/add/", views.staff_add_view, name="staff-add"),
    path("facilities/<int:facility_pk>/training/", views.training_list, name="training-list"),
    path("facilities/<int:facility_pk>/training/add/", views.training_add, name="training-add"),
    path("facilities/<int:facility_pk>/notices/", notice_views.facility_notices, name="facility-notices"),
    path("staff/<int:staff_pk>/", staff_views.staff_detail, name="staff-detail"),
    path("staff/<int:staff_pk>/edit/", staff_views.staff_edit, name="staff-edit"),
    path("staff/<int:staff_pk>/activate/", staff_views.staff_activate_view, name="staff-activate"),
    path("staff/<int:staff_pk>/remove/", staff_views.staff_remove_view, name="staff-remove"),
    path("staff/<int:staff_pk>/pledge/", staff_views.staff_pledge, name="staff-pledge"),
    path("staff/<int:staff_pk>/pledge.pdf", staff_views.staff_pledge_pdf, name="staff-pledge-pdf"),
    path("programs/<slug:slug>/pledge-texts/", texts_views.pledge_text_list, name="pledge-text-list"),
    path("programs/<slug:slug>/pledge-texts/<str:kind>/new/", texts_views.pledge_text_new, name="pledge-text-new"),
    path("pledge-texts/<int:pledge_text_pk>/text.pdf", texts_views.pledge_text_pdf, name="pledge-text-pdf"),
    path("programs/<slug:slug>/repledge/", texts_views.repledge_program, name="repledge-program"),
    path("facilities/<int:facility_pk>/repledge/", texts_views.repledge_facility, name="repledge-facility"),
    path("notices/<int:notice_pk>/", notice_views.notice_detail, name="notice-detail"),
    path("notices/<int:notice_pk>/notice.pdf", notice_views.notice_pdf, name="notice-pdf"),
    path("notices/<int:notice_pk>/file/", notice_views.notice_file_view, name="notice-file"),
    path("notices/<int:notice_pk>/acknowledge/", notice_views.notice_acknowledge_view,
         name="notice-acknowledge"),
    path(
        "notices/<int:notice_pk>/request-correction/", notice_views.notice_request_correction_view,
        name="notice-request-correction",
    ),
]
