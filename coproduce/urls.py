"""Every URL of Coproduce. Community pages live under /c/<community>/."""

from django.contrib import admin
from django.urls import include, path

from coproduce.api.api import api
from coproduce.communities import views as community_views
from coproduce.people import views as people_views

urlpatterns = [
    path("", community_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("account/", include("coproduce.people.urls")),
    path("account/tokens/", include("coproduce.api.urls")),
    path("communities/", include("coproduce.communities.urls_public")),
    path("c/<slug:community>/", include("coproduce.communities.urls")),
    path("c/<slug:community>/credits/", include("coproduce.ledger.urls")),
    path("c/<slug:community>/exchange/", include("coproduce.exchanges.urls")),
    path("c/<slug:community>/notifications/", include("coproduce.notifications.urls")),
    path("notifications/", include("coproduce.notifications.urls_public")),
    path("i18n/setlang/", people_views.language_set, name="set_language"),
    path("api/v1/", api.urls),
    # Before the admin's own: its sign-in form would skip the second step and the rate limits.
    path("operators/login/", people_views.operators_sign_in, name="operators_sign_in"),
    path("operators/", admin.site.urls),
]
