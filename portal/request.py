import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind PROXY_COUNT trusted proxies the address
    the outermost of them saw, which is the PROXY_COUNT-th entry of X-Forwarded-For counted
    from the right (each proxy appends the address it received the request from).

    Entries further left were written by the client and prove nothing, so they are never
    read. A request with fewer entries than proxies did not come through them all (a health
    check on the host, a misconfigured proxy): its REMOTE_ADDR is the address we know.
    Used by django-axes (AXES_CLIENT_IP_CALLABLE), the audit log and every log line.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    hops = settings.PROXY_COUNT
    if not hops:
        return remote
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < hops or not forwarded[-hops]:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-hops]))
    except ValueError:
        return remote
