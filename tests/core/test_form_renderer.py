"""The form renderer writes labels and input widgets in Python: the same HTML as Django's own templates."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe

from pledges.core.fields import FormRenderer


class EveryInput(forms.Form):
    name = forms.CharField(label='Naam "officieel" <b>', initial='Gemeente "’s-Hertogenbosch" & <Co>')
    email = forms.EmailField(
        required=False, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True, "data-none": None})
    )
    amount = forms.DecimalField(initial=Decimal("1234.50"), widget=forms.NumberInput(attrs={"step": "0.01", "min": 0}))
    day = forms.DateField(initial=datetime.date(2026, 12, 7), widget=forms.DateInput(attrs={"type": "date"}))
    secret = forms.CharField(widget=forms.PasswordInput(render_value=False), initial="not shown")
    agree = forms.BooleanField(required=False, initial=True)
    disagree = forms.BooleanField(required=False, widget=forms.CheckboxInput(attrs={"disabled": False}))
    token = forms.CharField(widget=forms.HiddenInput, initial=mark_safe("a&amp;b"))
    photo = forms.FileField(required=False, help_text="JPEG of PNG")
    note = forms.CharField(required=False, widget=forms.Textarea)  # not written out: Django's template


def rendered(form: forms.Form) -> list[str]:
    return [
        *(str(field) for field in form),
        *(field.label_tag() for field in form),
        *(field.label_tag(attrs={"class": "wide", "data-x": 'a"b'}) for field in form),
        *(field.legend_tag() for field in form),
    ]


@pytest.mark.parametrize("data", [None, {"name": "x" * 3, "email": "not an address", "amount": "12,5", "agree": "on"}],
                         ids=["unbound", "bound with errors"])
@pytest.mark.parametrize("auto_id", ["id_%s", False], ids=["with ids", "without ids"])
def test_it_writes_the_html_djangos_templates_write(data, auto_id):
    ours = EveryInput(data, auto_id=auto_id, renderer=FormRenderer())
    django = EveryInput(data, auto_id=auto_id, renderer=DjangoTemplates())

    assert rendered(ours) == rendered(django)
    assert 'value="Gemeente &quot;’s-Hertogenbosch&quot; &amp; &lt;Co&gt;"' in str(ours["name"]) or data
    assert str(ours) == str(django)  # the whole form, through the layouts' templates


def test_it_is_the_sites_renderer():
    assert isinstance(get_default_renderer(), FormRenderer)
