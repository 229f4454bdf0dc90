"""Every URL pattern of the project, walked, so a page added later is checked without anyone listing it."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Django's own account pages that every logged-in user may use, whatever the role.
ACCOUNT_PAGES = {"logout", "password_change", "password_change_done"}


@dataclass(frozen=True)
class Route:
    route: str
    name: str
    callback: object

    @property
    def kwargs(self) -> list[str]:
        return re.findall(r"<(?:\w+:)?(\w+)>", self.route)

    def url(self, value: int) -> str:
        return reverse(self.name, kwargs={kwarg: value for kwarg in self.kwargs})

    def __str__(self) -> str:
        return self.name


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}".strip(":") if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}".strip(":") if pattern.name else ""
            yield Route(prefix + str(pattern.pattern), name, pattern.callback)


def project_routes() -> list[Route]:
    """Every URL of the project except the Django admin, which guards itself."""
    return [route for route in _walk(get_resolver().url_patterns) if not route.route.startswith("admin/")]


def is_public(route: Route) -> bool:
    return getattr(route.callback, "login_required", True) is False
