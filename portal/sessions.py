"""Pages about a person's session: the sign-in page, which says why the last session ended
and holds back a spread-out guesser (portal.security.login_retry_after), and the current CSRF
token for a page that outlived its session.

The token is served as JSON rather than by making the CSRF cookie readable to scripts: the
cookie stays HttpOnly, and the answer also names who is signed in now, so the questionnaire
page saves what was waiting only for the person who typed it."""

from __future__ import annotations

from django.contrib.auth.views import LoginView
from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.request import client_ip
from portal.security import login_retry_after, session_end_message


class SignInView(LoginView):
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        wait = login_retry_after(username=request.POST.get("username", ""), ip_address=client_ip(request))
        if wait:
            response = render(request, "portal/locked_out.html", status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["session_ended"] = session_end_message(self.request, consume=True)
        return context


def session_ended_reply(request: HttpRequest, *, status: int = 401) -> JsonResponse:
    """What a script hears when its session has ended: why, and that its text is kept."""
    reason = session_end_message(request)
    if reason:
        message = _("%(reason)s Sign in again in another tab; your answer is kept here.") % {"reason": reason}
    else:
        message = _("Your session has ended. Sign in again in another tab; your answer is kept here.")
    return JsonResponse({"error": message, "code": "session_ended"}, status=status)


@require_GET
def session_token(request: HttpRequest) -> JsonResponse:
    """The signed-in person's current CSRF token (a sign-in in another tab rotates it) and
    who they are; 401 with the reason when no one is signed in."""
    if not request.user.is_authenticated:
        reply = session_ended_reply(request)
        reply.keeps_session_cookie = True  # see portal.middleware.KeepSessionCookieMiddleware
    else:
        reply = JsonResponse({"token": get_token(request), "user": request.user.pk})
    add_never_cache_headers(reply)
    return reply
