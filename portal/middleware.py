from django.conf import settings
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from portal.views import healthz

HEALTH_PATH = "/healthz"


class HealthCheckMiddleware:
    """Answer the container's health check before host validation and the HTTPS redirect.

    The check asks ``http://127.0.0.1:8000/healthz`` from inside the container, with a Host
    that production never allows and over plain HTTP: further down the stack it would get
    400 (DisallowedHost) or a redirect to https. Only this one path, only GET, and nothing
    from the request but its path is used, so no other page loses either protection."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTH_PATH and request.method == "GET":
            return healthz(request)
        return self.get_response(request)


class UserLanguageMiddleware:
    """Serve a signed-in person in the language they chose in their profile."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class NoStoreMiddleware:
    """Nothing a signed-in person is shown, and nothing of the API, is kept by a browser,
    a shared computer's cache or a proxy: pages, receipts, attachments and exports are
    confidential. Placed after authentication; static files are served (cacheable) by
    WhiteNoise before this runs. A file download passes through here like any response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response


class KeepSessionCookieMiddleware:
    """A page that outlived its session asks every few seconds whether its person has signed
    in again (portal.sessions.session_token). Such a request still carries the old cookie;
    if a sign-in in another tab replaces that cookie while the request is on its way,
    Django's answer ("delete the cookie of an empty session") would delete the new one and
    sign the person out again. Answers marked ``keeps_session_cookie`` never delete it.

    Placed before SessionMiddleware, so that it sees the answer after SessionMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        cookie = response.cookies.get(settings.SESSION_COOKIE_NAME)
        if getattr(response, "keeps_session_cookie", False) and cookie is not None and not cookie.value:
            del response.cookies[settings.SESSION_COOKIE_NAME]
        return response
