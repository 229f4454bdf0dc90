"""Middleware of the ledger: pages and downloads that no cache may keep."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


def may_be_cached(view: Callable) -> Callable:
    """Mark a view whose page is the same for every visitor without login (the public appeal page)."""
    view.may_be_cached = True
    return view


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response of the app's own views, unless it may be cached.

    Pages and downloads carry IBANs, contact data, amounts and whole ledgers: neither the
    browser's cache (a shared computer at the town hall) nor a proxy may keep a copy. Only a
    page marked `may_be_cached`, seen without login, is left to the usual rules; static files
    never get here (WhiteNoise answers them first).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        shared = match is not None and getattr(match.func, "may_be_cached", False)
        if request.user.is_authenticated or not shared:
            patch_cache_control(response, no_store=True)
        return response
