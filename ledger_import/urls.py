from django.urls import path

from . import views

app_name = "ledger_import"

urlpatterns = [
    path("import/", views.import_programs, name="programs"),
    path("programs/<slug:slug>/import/", views.import_start, name="import"),
    path("programs/<slug:slug>/import/commit", views.import_commit, name="import-commit"),
    path("programs/<slug:slug>/import/template.xlsx", views.import_template, name="import-template"),
]
