from django.urls import path

from responses import views

app_name = "responses"

urlpatterns = [
    path("<int:pk>/", views.response_detail, name="response_detail"),
]
