"""URLs of "Audit my LinkedIn inbox"."""

from django.urls import path

from . import views

app_name = "audits"

urlpatterns = [
    path("audit/", views.audit_home, name="home"),
    path("audit/<uuid:run_id>/", views.audit_status, name="status"),
    path("audit/<uuid:run_id>/report.<str:fmt>", views.audit_download, name="download"),
    path("audit/<uuid:run_id>/keep/", views.audit_keep, name="keep"),
    path("audit/<uuid:run_id>/delete/", views.audit_delete, name="delete"),
]
