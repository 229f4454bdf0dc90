"""Who sees what: the single place where role scoping is decided.

Every view gets its objects through `visible_donations(user)` (or
`get_visible_or_404`), so another municipality's pledge is a 404, never a leak.
Every view also declares the roles it admits with `@allow(...)`; a test walks
the URL patterns and fails on a view without a rule.
"""


from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from pledges.accounts.models import Role, User
from pledges.reference.models import Municipality

M = TypeVar("M", bound=Model)

EVERYONE = frozenset(Role.values)
FUND_STAFF = frozenset({Role.COORDINATOR, Role.FINANCE, Role.ADMINISTRATOR})


def allow(*roles: str) -> Callable:
    """Admit only logged-in users with one of `roles`; others get 403."""
    admitted = frozenset(roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if request.user.role not in admitted:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = admitted  # read by the deny-by-default test
        return wrapped

    return decorator


def public(view: Callable) -> Callable:
    """Admit anyone, logged in or not: only for pages a signed link opens (the recipient's)
    and pages the fund publishes on purpose (the public appeal page, behind a setting).

    The view must check its own link or setting and show nothing without it; `public = True`
    tells the deny-by-default test that the missing role rule is on purpose.
    """
    view = login_not_required(view)
    view.public = True
    return view


def get_visible_or_404(queryset: QuerySet[M], **lookup) -> M:
    """Fetch one object from an already scoped queryset; anything else is a 404."""
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def visible_municipalities(user: User) -> QuerySet[Municipality]:
    """The municipalities whose contributions `user` may see: their own, or all for fund staff."""
    if user.is_fund_staff:
        return Municipality.objects.all()
    if user.is_municipal_staff and user.municipality_id:
        return Municipality.objects.filter(pk=user.municipality_id)
    return Municipality.objects.none()
