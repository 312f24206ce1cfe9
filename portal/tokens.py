"""API tokens in the profile: a person creates (or replaces) and revokes their own token.

One token per person (django-rest-knox: the database keeps a digest, never the key; operators
make tokens of service accounts with `manage.py create_api_token USERNAME`). A new token
replaces the old one. The key is shown once, on the page that creates it; the audit log
records the action, never the key. A token ends at its expiry, on revocation, a new
password, signing out (everywhere) and deactivation.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from knox.models import AuthToken

from portal.errors import ApplicationError
from portal.request import client_ip
from portal.services import api_token_create, api_token_revoke


@login_required
def token_page(request: HttpRequest) -> HttpResponse:
    token = AuthToken.objects.filter(user=request.user).first()
    return render(request, "portal/tokens.html", {"token": token, "new_key": None})


@never_cache
@login_required
@require_POST
def token_create_page(request: HttpRequest) -> HttpResponse:
    try:
        token, key = api_token_create(
            user=request.user,
            second_factor_verified=request.user.is_verified(),
            ip_address=client_ip(request),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(f"{reverse('two_factor_setup')}?next={reverse('api_tokens')}")
    return render(request, "portal/tokens.html", {"token": token, "new_key": key})


@login_required
@require_POST
def token_revoke_page(request: HttpRequest) -> HttpResponse:
    if api_token_revoke(user=request.user, ip_address=client_ip(request)):
        messages.success(request, _("Your API token has been revoked; it no longer works."))
    return redirect("api_tokens")
