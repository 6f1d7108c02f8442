from django.urls import path

from . import change_views, confirmation_views, notice_views, people_views, staff_views, texts_views, views
from .models import AccountActionKind

app_name = "facilities"

urlpatterns = [
    path("programs/<slug:slug>/", views.program_detail, name="program-detail"),
    path("programs/<slug:slug>/settings/", views.program_settings, name="program-settings"),
    path("programs/<slug:slug>/facilities/", views.facility_list, name="facility-list"),
    path("programs/<slug:slug>/notices/", notice_views.notice_inbox, name="notice-inbox"),
    path("facilities/<int:facility_pk>/", views.facility_detail, name="facility-detail"),
    path("programs/<slug:slug>/staff.csv", views.program_staff_csv, name="program-staff-csv"),
    path("facilities/<int:facility_pk>/ledger.csv", views.ledger_csv, name="ledger-csv"),
    path("facilities/<int:facility_pk>/ledger.pdf", views.ledger_pdf, name="ledger-pdf"),
    path("facilities/<int:facility_pk>/ledger/<uuid:ledger_file_pk>/", views.ledger_ready, name="ledger-ready"),
    path("facilities/<int:facility_pk>/staff/add/", views.staff_add_view, name="staff-add"),
    path("facilities/<int:facility_pk>/training/", views.training_list, name="training-list"),
    path("facilities/<int:facility_pk>/training/add/", views.training_add, name="training-add"),
    path("facilities/<int:facility_pk>/notices/", notice_views.facility_notices, name="facility-notices"),
    path("facilities/<int:facility_pk>/details/", change_views.facility_details_edit, name="facility-details-edit"),
    path("facilities/<int:facility_pk>/changes/", change_views.facility_changes, name="facility-changes"),
    path("programs/<slug:slug>/changes/", change_views.program_changes, name="program-changes"),
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
    path("notices/<int:notice_pk>/lines/add/", change_views.notice_line_add_view, name="notice-line-add"),
    path("notice-lines/<int:line_pk>/edit/", change_views.notice_line_edit, name="notice-line-edit"),
    path("notice-lines/<int:line_pk>/drop/", change_views.notice_line_drop_view, name="notice-line-drop"),
    path("notices/<int:notice_pk>/acknowledge/", notice_views.notice_acknowledge_view,
         name="notice-acknowledge"),
    path(
        "notices/<int:notice_pk>/request-correction/", notice_views.notice_request_correction_view,
        name="notice-request-correction",
    ),
]

urlpatterns += [
    path("programs/<slug:slug>/people/", people_views.people_list, name="people"),
    path("programs/<slug:slug>/people.csv", people_views.people_csv, name="people-csv"),
    path("programs/<slug:slug>/people/grant/", people_views.program_role_grant, name="people-grant"),
    path("programs/<slug:slug>/people/<int:user_pk>/two-factor-reset/", people_views.account_action,
         {"kind": AccountActionKind.TWO_FACTOR_RESET}, name="account-two-factor-reset"),
    path("programs/<slug:slug>/people/<int:user_pk>/deactivate/", people_views.account_action,
         {"kind": AccountActionKind.DEACTIVATE}, name="account-deactivate"),
    path("programs/<slug:slug>/people/<int:user_pk>/reactivate/", people_views.account_action,
         {"kind": AccountActionKind.REACTIVATE}, name="account-reactivate"),
    path("facilities/<int:facility_pk>/people/", people_views.facility_people, name="facility-people"),
    path("roles/<int:role_pk>/revoke/", people_views.role_revoke, name="role-revoke"),
    path("invitations/<int:invitation_pk>/resend/", people_views.invitation_resend, name="invitation-resend"),
    path("invitations/<int:invitation_pk>/cancel/", people_views.invitation_cancel, name="invitation-cancel"),
    path("invitation/<str:invitation_token>/", people_views.invitation_accept, name="invitation-accept"),
]

# The yearly confirmation (継続確認): the secretariat's campaigns, each facility's answer.
urlpatterns += [
    path("programs/<slug:slug>/confirmations/", confirmation_views.campaign_list, name="confirmation-campaigns"),
    path("confirmations/<int:yearly_campaign_pk>/", confirmation_views.campaign_detail, name="confirmation-campaign"),
    path("confirmations/<int:yearly_campaign_pk>/remind/", confirmation_views.campaign_remind_view,
         name="confirmation-remind"),
    path("confirmations/<int:yearly_campaign_pk>/answers.csv", confirmation_views.campaign_csv, name="confirmation-csv"),
    path("confirmation-answers/<int:confirmation_pk>/", confirmation_views.confirmation_answer,
         name="confirmation-answer"),
]
