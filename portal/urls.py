from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import sessions, two_factor, views
from portal.forms import OutboxPasswordResetForm

handler500 = "portal.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("profile/", views.profile, name="profile"),
    path("respondents/", views.respondent_list, name="respondent_list"),
    path("respondents/<str:code>/", views.respondent_detail, name="respondent_detail"),
    path(
        "respondents/<str:code>/correspondents/",
        views.correspondent_designate,
        name="correspondent_designate",
    ),
    path("respondents/<str:code>/focal-point/", views.focal_point_register, name="focal_point_register"),
    path(
        "respondents/<str:code>/designations/<int:pk>/withdraw/",
        views.designation_withdraw,
        name="designation_withdraw",
    ),
    path(
        "respondents/<str:code>/designations/<int:pk>/authorise/",
        views.designation_authorise,
        name="designation_authorise",
    ),
    path("invitations/<str:token>/", views.designation_invitation, name="designation_invitation"),
    path("accounts/login/", sessions.SignInView.as_view(), name="login"),
    path("session/token/", sessions.session_token, name="session_token"),
    path("accounts/2fa/setup/", two_factor.setup, name="two_factor_setup"),
    path("accounts/2fa/verify/", two_factor.verify, name="two_factor_verify"),
    path("accounts/2fa/disable/", two_factor.disable, name="two_factor_disable"),
    path("accounts/2fa/recovery-codes/", two_factor.recovery_codes, name="two_factor_recovery_codes"),
    # Before Django's own routes, which it replaces: its mail goes through the outbox.
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=OutboxPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("questionnaires/", include("questionnaires.urls")),
    path("responses/", include("responses.urls")),
    path("reports/", include("reports.urls")),
    path("secretariat/", include("responses.secretariat_urls")),
    path("api/", include("portal.api_urls")),
    path("admin/", admin.site.urls),
]
