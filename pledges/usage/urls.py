"""The usage pages. Included by pledges/urls.py under the `pledges` namespace."""

urlpatterns: list = []
