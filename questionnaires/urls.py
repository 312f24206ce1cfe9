from django.urls import path

from questionnaires import views

app_name = "questionnaires"

urlpatterns = [
    path("instruments/", views.instrument_list, name="instrument_list"),
    path(
        "instruments/<str:code>/v<int:number>/",
        views.instrument_version_detail,
        name="instrument_version_detail",
    ),
    path(
        "instruments/<str:code>/v<int:number>/diff/",
        views.instrument_version_diff,
        name="instrument_version_diff",
    ),
    path(
        "instruments/<str:code>/v<int:number>/circulate/",
        views.instrument_version_circulate,
        name="instrument_version_circulate",
    ),
    path(
        "instruments/<str:code>/v<int:number>/approve/",
        views.instrument_version_approve,
        name="instrument_version_approve",
    ),
    path(
        "instruments/<str:code>/v<int:number>/comments/",
        views.instrument_comment_add,
        name="instrument_comment_add",
    ),
    path("cycles/", views.cycle_list, name="cycle_list"),
    path("cycles/new/", views.cycle_create, name="cycle_create"),
    path("cycles/<slug:slug>/", views.cycle_detail, name="cycle_detail"),
    path("cycles/<slug:slug>/open/", views.cycle_open, name="cycle_open"),
    path("cycles/<slug:slug>/close/", views.cycle_close, name="cycle_close"),
]
