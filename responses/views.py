"""Pages of the responses domain."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from responses import selectors


@login_required
def response_detail(request: HttpRequest, pk: int) -> HttpResponse:
    response = selectors.response_get_for_user(user=request.user, pk=pk)
    return render(request, "responses/response_detail.html", {"response": response})
