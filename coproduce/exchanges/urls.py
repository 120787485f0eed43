"""Offers, requests and exchanges, under /c/<community>/exchange/."""

from django.urls import path

from coproduce.exchanges import views

app_name = "exchanges"
urlpatterns = [
    path("", views.search, name="search"),
    path("listings/new/", views.listing_create, name="listing_create"),
    path("listings/<int:pk>/", views.listing_detail, name="listing_detail"),
    path("listings/<int:pk>/edit/", views.listing_edit, name="listing_edit"),
    path("listings/<int:pk>/renew/", views.listing_renew, name="listing_renew"),
    path("listings/<int:pk>/close/", views.listing_close, name="listing_close"),
    path("mine/", views.mine, name="mine"),
    path("propose/", views.propose, name="propose"),
    path("exchanges/<int:pk>/", views.exchange_detail, name="exchange_detail"),
    path("exchanges/<int:pk>/message/", views.exchange_message, name="exchange_message"),
    path("exchanges/<int:pk>/agree/", views.exchange_agree, name="exchange_agree"),
    path("exchanges/<int:pk>/record/", views.exchange_record, name="exchange_record"),
    path("exchanges/<int:pk>/confirm/", views.exchange_confirm, name="exchange_confirm"),
    path("exchanges/<int:pk>/cancel/", views.exchange_cancel, name="exchange_cancel"),
    path("exchanges/<int:pk>/thank/", views.exchange_thank, name="exchange_thank"),
    path("exchanges/<int:pk>/concern/", views.exchange_concern, name="exchange_concern"),
    path("concerns/<int:pk>/dealt-with/", views.concern_resolve, name="concern_resolve"),
    path("coordinator/", views.coordinator, name="coordinator"),
    path("coordinator/record/", views.assisted_record, name="assisted_record"),
    path("coordinator/group/", views.group_record, name="group_record"),
]
