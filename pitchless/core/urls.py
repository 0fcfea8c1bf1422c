"""URLs of the core pages."""

from django.urls import path

from pitchless.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("try/", views.try_guard, name="try_guard"),
    path("healthz", views.healthz, name="healthz"),
]
