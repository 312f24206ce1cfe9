"""Session and access security: timeouts, ending a person's other sessions, the second
factor for the roles that need it, and a log line for every denied access."""

from __future__ import annotations

import logging
import math
import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy

from portal.request import client_ip

logger = logging.getLogger("portal.security")

SESSION_GENERATION = "portal_session_generation"
SESSION_STARTED = "portal_session_started"
SESSION_LAST_SEEN = "portal_session_last_seen"


def second_factor_required(user) -> bool:
    """Secretariat roles and administrators always; everyone when the setting says so."""
    if not user.is_authenticated:
        return False
    if getattr(settings, "PORTAL_REQUIRE_2FA_FOR_ALL", False):
        return True
    return user.is_secretariat or user.is_staff or user.is_superuser


@receiver(user_logged_in)
def _start_session(sender, request, user, **kwargs):
    from django.contrib.auth import get_user_model

    now = int(time.time())
    # Read from the database: the instance may predate a sign-out elsewhere.
    generation = (
        get_user_model().objects.filter(pk=user.pk).values_list("session_generation", flat=True).first()
    )
    request.session[SESSION_GENERATION] = generation or 0
    request.session[SESSION_STARTED] = now
    request.session[SESSION_LAST_SEEN] = now
    logger.info("login ok user=%s ip=%s", user.username, client_ip(request))


@receiver(user_login_failed)
def _log_failed_login(sender, credentials, request=None, **kwargs):
    logger.warning(
        "login failed user=%s ip=%s",
        credentials.get("username", ""),
        client_ip(request) if request is not None else None,
    )


@receiver(user_logged_out)
def _end_other_sessions(sender, request, user, **kwargs):
    """Signing out signs the person out everywhere."""
    if user is not None:
        end_all_sessions(user)
        logger.info("logout user=%s", user.username)


def end_all_sessions(user) -> None:
    """Signs the person out everywhere: every session and their API token."""
    from django.contrib.auth import get_user_model
    from django.db.models import F

    get_user_model().objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    end_api_tokens(user)


def end_api_tokens(user) -> None:
    from knox.models import AuthToken

    if AuthToken.objects.filter(user_id=user.pk).delete()[0]:
        logger.info("api token ended user=%s", user.username)


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def _end_api_tokens_on_new_password(sender, instance, update_fields=None, **kwargs):
    """A new password ends the API token, as it ends the other sessions: whoever stole the
    password (and made a token with it) loses both. Deactivation needs nothing here: knox
    refuses the tokens of inactive people."""
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    old = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if old is not None and old != instance.password:
        end_api_tokens(instance)


SESSION_END_REASON = "portal_session_end_reason"
SESSION_END_MESSAGES = {
    "signed_out_elsewhere": gettext_lazy("Your session ended because you signed out in another window."),
    "idle": gettext_lazy("Your session ended after a long time without activity."),
    "absolute": gettext_lazy("Your session reached its longest allowed duration and ended."),
}


def session_end_message(request, *, consume: bool = False) -> str:
    """Why the person's last session ended, if the middleware ended it; ``consume`` forgets it
    once the sign-in page has said it."""
    session = getattr(request, "session", None)
    if session is None:
        return ""
    reason = session.pop(SESSION_END_REASON, None) if consume else session.get(SESSION_END_REASON)
    return str(SESSION_END_MESSAGES.get(reason, ""))


class SessionSecurityMiddleware:
    """Ends a session that is idle too long, older than the absolute limit, or from before
    the person signed out elsewhere (their session generation moved on). The reason is kept
    in the new, anonymous session, so the sign-in page and the autosave can tell the person."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            now = int(time.time())
            started = session.get(SESSION_STARTED, now)
            last_seen = session.get(SESSION_LAST_SEEN, now)
            reason = None
            if session.get(SESSION_GENERATION, user.session_generation) != user.session_generation:
                reason = "signed_out_elsewhere"
            elif now - last_seen > settings.PORTAL_SESSION_IDLE_SECONDS:
                reason = "idle"
            elif now - started > settings.PORTAL_SESSION_ABSOLUTE_SECONDS:
                reason = "absolute"
            if reason:
                logger.info("session ended user=%s reason=%s", user.username, reason)
                # Not django.contrib.auth.logout's signal path: that would end the
                # person's other, still valid sessions too.
                request.session.flush()
                request.session[SESSION_END_REASON] = reason
                from django.contrib.auth.models import AnonymousUser

                request.user = AnonymousUser()
            else:
                # Signed in again: an earlier session's end is no longer news.
                session.pop(SESSION_END_REASON, None)
                if now - last_seen >= 60 or SESSION_LAST_SEEN not in session:
                    # At most one session write a minute: the idle timer needs no more.
                    session[SESSION_LAST_SEEN] = now
                session.setdefault(SESSION_STARTED, now)
                session.setdefault(SESSION_GENERATION, user.session_generation)
        return self.get_response(request)


# What a person who must pass the second factor reaches before passing it: signing in and
# out, a forgotten password, and what pages need to load. The setup and verify pages are
# decided in the middleware (setup only without a device). The API answers for itself, in its
# error shape (portal.api.SecondFactorVerified); its token pages and documentation are pages.
EXEMPT_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/password_reset/",
    "/accounts/reset/",
    "/static/",
    "/healthz",
    "/i18n/",
    "/api/v1/",
)


class SecondFactorMiddleware:
    """Pages need a verified second factor for the people who must have one: to set it up
    first if they have none, then to enter a code at each sign-in. Someone who has a device
    but has not entered its code reaches the verify page only: not the setup page, which
    would replace the device, nor the password change or the token pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and second_factor_required(user)
            and not user.is_verified()
            and not request.path.startswith(EXEMPT_PREFIXES)
        ):
            from django_otp import user_has_device

            target = reverse("two_factor_verify" if user_has_device(user) else "two_factor_setup")
            if request.path != target:
                return redirect(f"{target}?next={request.get_full_path()}")
        return self.get_response(request)


class DeniedAccessLogMiddleware:
    """Every refused request (401, 403, 404 on an authenticated request) leaves a log line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (401, 403) or (
            response.status_code == 404 and getattr(request, "user", None) and request.user.is_authenticated
        ):
            logger.warning(
                "access denied status=%s user=%s method=%s path=%s ip=%s",
                response.status_code,
                getattr(getattr(request, "user", None), "username", "") or "-",
                request.method,
                request.path,
                client_ip(request),
            )
        return response


def login_retry_after(*, username: str, ip_address: str | None) -> int:
    """Seconds this address must wait before trying this user name again (0: go ahead).

    The per-account ceiling against a guesser spread over many addresses (django-axes locks
    only a name and address pair): once the name has PORTAL_LOGIN_ACCOUNT_CEILING failures
    from any address within PORTAL_LOGIN_ACCOUNT_WINDOW_SECONDS, an address that itself
    failed for the name in that window gets one attempt per PORTAL_LOGIN_ACCOUNT_DELAY_SECONDS.
    An address that has not failed for the name is never slowed, so no attacker can lock
    the real person out; at worst a person who mistyped waits the delay between tries."""
    from datetime import timedelta

    from axes.models import AccessFailureLog
    from django.db.models import Max
    from django.utils import timezone

    if not username or ip_address is None:
        return 0
    now = timezone.now()
    failures = AccessFailureLog.objects.filter(
        username=username,
        attempt_time__gte=now - timedelta(seconds=settings.PORTAL_LOGIN_ACCOUNT_WINDOW_SECONDS),
    )
    if failures.count() < settings.PORTAL_LOGIN_ACCOUNT_CEILING:
        return 0
    last = failures.filter(ip_address=ip_address).aggregate(last=Max("attempt_time"))["last"]
    if last is None:
        return 0
    wait = settings.PORTAL_LOGIN_ACCOUNT_DELAY_SECONDS - (now - last).total_seconds()
    return max(0, math.ceil(wait))
