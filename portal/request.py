from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as the server saw it. Behind a proxy, set the proxy to pass
    REMOTE_ADDR (e.g. gunicorn's --forwarded-allow-ips); we do not trust X-Forwarded-For."""
    return request.META.get("REMOTE_ADDR") or None
