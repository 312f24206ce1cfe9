"""The secretariat's pages across responses: the cycle dashboard and the answer search."""

from django.urls import path

from responses import dashboard, search

app_name = "secretariat"

urlpatterns = [
    path("cycles/<slug:slug>/", dashboard.cycle_dashboard, name="cycle_dashboard"),
    path("cycles/<slug:slug>/reminders/", dashboard.cycle_reminders_send, name="cycle_reminders_send"),
    path("search/", search.answer_search_page, name="answer_search"),
]
