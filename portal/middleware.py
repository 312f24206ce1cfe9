from django.utils import translation
from django.utils.cache import add_never_cache_headers


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
