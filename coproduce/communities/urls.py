"""Pages inside one community. Every view resolves the acting membership first (404 if none)."""

from django.urls import path

from coproduce.communities import views

app_name = "communities"
urlpatterns = [
    path("", views.community_home, name="home"),
    path("profile/", views.my_profile_edit, name="my_profile"),
    path("members/", views.member_list, name="member_list"),
    path("members/new/", views.member_register, name="member_register"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/profile/", views.member_profile_edit, name="member_profile_edit"),
    path("members/<int:pk>/roles/", views.member_roles_edit, name="member_roles_edit"),
    path("requests/", views.join_request_list, name="join_requests"),
    path("requests/<int:pk>/", views.join_request_decide, name="join_request_decide"),
    path("invitations/", views.invitation_list, name="invitations"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("organisations/", views.organisation_list, name="organisations"),
]
