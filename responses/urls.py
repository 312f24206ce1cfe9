from django.urls import path

from responses import views

app_name = "responses"

urlpatterns = [
    path("start/", views.response_start, name="response_start"),
    path("review/<slug:cycle_slug>/", views.review_queue, name="review_queue"),
    path("<int:pk>/", views.response_detail, name="response_detail"),
    path("<int:pk>/answers/<str:code>/", views.answer, name="answer"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
    path("<int:pk>/carried/confirm/", views.carried_confirm, name="carried_confirm"),
    path("<int:pk>/threads/<int:thread_id>/reply/", views.thread_reply, name="thread_reply"),
    path("<int:pk>/threads/<int:thread_id>/resolve/", views.thread_resolve, name="thread_resolve"),
    path("<int:pk>/submit/", views.response_submit, name="response_submit"),
    path("<int:pk>/amend/", views.response_amend, name="response_amend"),
    path("<int:pk>/versions/", views.version_list, name="version_list"),
    path("<int:pk>/versions/<int:number>/", views.version_detail, name="version_detail"),
    path("<int:pk>/versions/<int:number>/receipt.pdf", views.version_receipt, name="version_receipt"),
    path(
        "<int:pk>/versions/<int:number>/acknowledge/", views.version_acknowledge, name="version_acknowledge"
    ),
    path("<int:pk>/diff/", views.version_diff, name="version_diff"),
    path("<int:pk>/review/start/", views.review_start, name="review_start"),
    path("<int:pk>/review/accept/", views.review_accept, name="review_accept"),
    path("<int:pk>/review/clarify/", views.review_clarify, name="review_clarify"),
    path("<int:pk>/review/amend/", views.review_amend, name="review_amend"),
]
