"""The demo's recipient organisations (one per city, made up but well-formed) and the NBU rate of its shipments.

The EDRPOU codes are not the real organisations' codes: seven digits chosen here and the
check digit python-stdnum computes, so the form accepts them as it would a real one.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from stdnum.ua import edrpou

from pledges.accounts.models import User
from pledges.demo.errors import DemoDataRefused
from pledges.equipment.workflow import Actor
from pledges.logistics.models import Shipment
from pledges.logistics.services import set_exchange_rate
from pledges.recipients.forms import RecipientForm
from pledges.recipients.models import RecipientOrganisation
from pledges.recipients.services import save_recipient
from pledges.reference.models import Destination

# Per city (English name): the organisation as its extract of the register would name it.
ORGANISATIONS = {
    "Kyiv": {
        "legal_name_uk": "Виконавчий орган Київської міської ради (Київська міська державна адміністрація)",
        "legal_name_en": "Executive Body of the Kyiv City Council (Kyiv City State Administration)",
        "edrpou_base": "3618402",
        "address": "вул. Хрещатик, 36, м. Київ, 01044, Україна",
        "signatory_name": "Оксана Мельник",
        "signatory_position": "заступниця голови з питань гуманітарної допомоги",
        "contact_name": "Дмитро Бондаренко",
        "contact_email": "humanitarian@kyiv.demo.ua",
        "contact_phone": "+380 44 202 7000",
        "ahars_registration": "ГД-2024-000318",
        "ahars_registered_on": "2024-04-15",
    },
    "Kharkiv": {
        "legal_name_uk": "Виконавчий комітет Харківської міської ради",
        "legal_name_en": "Executive Committee of Kharkiv City Council",
        "edrpou_base": "3405924",
        "address": "майдан Конституції, 7, м. Харків, 61003, Україна",
        "signatory_name": "Олександр Петренко",
        "signatory_position": "перший заступник міського голови",
        "contact_name": "Ірина Савченко",
        "contact_email": "aid@kharkiv.demo.ua",
        "contact_phone": "+380 57 725 2010",
        "ahars_registration": "ГД-2024-000127",
        "ahars_registered_on": "2024-04-03",
    },
    "Dnipro": {
        "legal_name_uk": "Виконавчий комітет Дніпровської міської ради",
        "legal_name_en": "Executive Committee of Dnipro City Council",
        "edrpou_base": "3405262",
        "address": "просп. Дмитра Яворницького, 75, м. Дніпро, 49000, Україна",
        "signatory_name": "Наталія Кравець",
        "signatory_position": "заступниця міського голови",
        "contact_name": "Сергій Ткаченко",
        "contact_email": "aid@dnipro.demo.ua",
        "contact_phone": "+380 56 745 3000",
        "ahars_registration": "ГД-2024-000452",
        "ahars_registered_on": "2024-05-20",
    },
    "Odesa": {
        "legal_name_uk": "Комунальне підприємство «Одесміськелектротранс»",
        "legal_name_en": "Odesmiskelektrotrans municipal enterprise",
        "edrpou_base": "4378912",
        "address": "вул. Водопровідна, 1, м. Одеса, 65007, Україна",
        "signatory_name": "Віктор Коваль",
        "signatory_position": "директор",
        "contact_name": "Ірина Бондар",
        "contact_email": "gumdopomoga@odesa.demo.ua",
        "contact_phone": "+380 48 705 1000",
        "ahars_registration": "ГД-2024-000611",
        "ahars_registered_on": "2024-06-11",
    },
    "Mykolaiv": {
        "legal_name_uk": "Виконавчий комітет Миколаївської міської ради",
        "legal_name_en": "Executive Committee of Mykolaiv City Council",
        "edrpou_base": "4378913",
        "address": "вул. Адміральська, 20, м. Миколаїв, 54001, Україна",
        "signatory_name": "Тетяна Шевчук",
        "signatory_position": "заступниця міського голови",
        "contact_name": "Андрій Мельник",
        "contact_email": "gumdopomoga@mykolaiv.demo.ua",
        "contact_phone": "+380 51 237 2000",
        "ahars_registration": "ГД-2024-000702",
        "ahars_registered_on": "2024-07-02",
    },
}


def demo_recipient(destination: Destination, coordinator: User) -> RecipientOrganisation:
    """The city's organisation, added through the coordinator's form the first time a shipment needs it."""
    existing = destination.recipients.first()
    if existing is not None:
        return existing
    fields = dict(ORGANISATIONS[destination.name_en])
    base = fields.pop("edrpou_base")
    form = RecipientForm(fields | {"destination": destination.pk, "edrpou": base + edrpou.calc_check_digit(base)})
    if not form.is_valid():
        raise DemoDataRefused(form.errors.as_text())
    return save_recipient(form, coordinator)


def demo_rate(shipment: Shipment, coordinate: Actor) -> None:
    """The NBU rate of the day the shipment is planned, a little different for each (about 48 hryvnia)."""
    rate = Decimal("47.6500") + Decimal(shipment.pk % 9) * Decimal("0.1375")
    set_exchange_rate(shipment, rate, timezone.localdate(), coordinate)
