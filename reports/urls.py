from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("cycles/<slug:slug>/", views.cycle_report, name="cycle_report"),
    path("cycles/<slug:slug>/compile/", views.report_compile, name="report_compile"),
    path("cycles/<slug:slug>/conclusions/", views.conclusions_edit, name="conclusions_edit"),
    path("cycles/<slug:slug>/answers.csv", views.answers_export, {"fmt": "csv"}, name="answers_csv"),
    path("cycles/<slug:slug>/answers.xlsx", views.answers_export, {"fmt": "xlsx"}, name="answers_xlsx"),
    path("<int:pk>/progress/", views.report_progress, name="report_progress"),
    path("<int:pk>/publish/", views.report_publish, name="report_publish"),
    path("documents/<int:pk>/<str:filename>", views.document_download, name="document_download"),
]
