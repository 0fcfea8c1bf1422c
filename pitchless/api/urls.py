"""The API's URLs, mounted under ``/api/`` by the site's URL table."""

from pitchless.api.main import api

app_name = "api"
urlpatterns = api.urls[0]
