"""The account area: my communities, API tokens."""

from django.urls import path

from coproduce.people import views

app_name = "people"
urlpatterns = [
    path("", views.account_overview, name="account"),
    path("tokens/", views.api_token_list, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]
