"""The admin's forms of our own models pass axe-core too (Django's own admin pages are Django's)."""

from playwright.sync_api import expect

from tests.browser.test_accessibility import AxeReport


def test_it_names_every_field_of_the_user_add_form(page, administrator, almere, log_in_as):
    """The municipality field too (the admin's autocomplete combobox had no accessible name)."""
    log_in_as(page.context, administrator)
    axe = AxeReport()

    page.goto("/admin/pledges/user/add/")
    expect(page.locator("#id_email")).to_be_visible()
    axe.check(page)
    page.get_by_role("combobox", name="Gemeente").select_option(label=str(almere))
    axe.check(page)

    axe.assert_clean()
