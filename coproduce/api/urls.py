"""The account area's API token pages, under /account/tokens/."""

from django.urls import path

from coproduce.api import views

app_name = "api_tokens"
urlpatterns = [
    path("", views.api_token_list, name="list"),
    path("<int:pk>/revoke/", views.api_token_revoke, name="revoke"),
]
