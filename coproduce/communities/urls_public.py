"""Pages about communities before you belong to one: the directory, asking to join, invitations."""

from django.urls import path

from coproduce.communities import views

app_name = "directory"
urlpatterns = [
    path("", views.directory, name="list"),
    path("<slug:community>/join/", views.join_request, name="join"),
    # Tokens are URL-safe base64 (secrets.token_urlsafe), the slug alphabet: anything else is
    # not found before it reaches the database.
    path("invitations/<slug:token>/", views.invitation_accept, name="invitation_accept"),
]
