"""The account area: my communities (the API token pages are the api app's)."""

from django.urls import path

from coproduce.people import views

app_name = "people"
urlpatterns = [
    path("", views.account_overview, name="account"),
]
