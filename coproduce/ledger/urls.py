"""Time-credit pages, under /c/<community>/credits/."""

from django.urls import path

from coproduce.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.statement, name="statement"),
    path("statement.csv", views.statement_csv, name="statement_csv"),
    path("give/", views.give, name="give"),
    path("coordinator/", views.coordinator, name="coordinator"),
    path("record/", views.transfer_record, name="transfer_record"),
    path("accounts/<int:pk>/", views.account_statement, name="account_statement"),
    path(
        "accounts/<int:pk>/statement.csv", views.account_statement_csv, name="account_statement_csv"
    ),
    path("accounts/<int:pk>/limits/", views.account_limits, name="account_limits"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer_detail"),
    path("transfers/<int:pk>/reverse/", views.transfer_reverse, name="transfer_reverse"),
    path("transfers/<int:pk>/<str:action>/", views.transfer_resolve, name="transfer_resolve"),
    path("rules/", views.rules, name="rules"),
    path("links/", views.links, name="links"),
    path("links/<int:pk>/give/", views.link_give, name="link_give"),
    path("links/<int:pk>/<str:action>/", views.link_action, name="link_action"),
]
