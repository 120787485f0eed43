"""The one-click unsubscribe link from every email, under /notifications/. No sign-in needed."""

from django.urls import path

from coproduce.notifications import views

app_name = "emails"
urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
