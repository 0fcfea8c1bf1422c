"""The site's URL table: each app brings its own ``urls`` module."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("pitchless.api.urls")),
    path("", include("pitchless.members.urls")),
    path("", include("pitchless.network.urls")),
    path("", include("pitchless.exchange.urls")),
    path("", include("pitchless.moderation.urls")),
    path("", include("pitchless.audits.urls")),
    path("", include("pitchless.core.urls")),
]

#: 503 while the database is unreachable, a plain 500 otherwise (see ``core/errors.py``)
handler500 = "pitchless.core.errors.server_error"
