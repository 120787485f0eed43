"""Email choices inside a community, under /c/<community>/notifications/."""

from django.urls import path

from coproduce.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.preferences, name="preferences"),
    path("members/<int:pk>/", views.member_preferences, name="member_preferences"),
]
