"""The words of the shipment papers in Ukrainian, English and Dutch, written once here.

Not gettext: these are the documents' own texts (headings, column names, field names), fixed
as the fund issues them, like the packing list's trilingual headers. Templates take them with
`{% term "consignor" %}` (the language of the {% language %} block around it) or
`{% both "consignor" %}` (every language of the document side by side: "Відправник / Consignor").
"""

from __future__ import annotations

TERMS: dict[str, dict[str, str]] = {
    "gift_letter": {"uk": "Дарчий лист", "en": "Gift letter", "nl": "Schenkingsbrief"},
    "act": {"uk": "Акт приймання-передачі гуманітарної допомоги", "en": "Act of acceptance-transfer of humanitarian aid",
            "nl": "Akte van overdracht en aanvaarding van humanitaire hulp"},
    "act_short": {"uk": "Акт приймання-передачі", "en": "Act of acceptance-transfer", "nl": "Akte van overdracht"},
    "cmr": {"uk": "Дані для міжнародної товарно-транспортної накладної CMR", "en": "CMR consignment note data",
            "nl": "Gegevens voor de CMR-vrachtbrief"},
    "dangerous_goods": {"uk": "Зведення про небезпечні вантажі (ДОПНВ)", "en": "Dangerous goods summary (ADR)",
                        "nl": "Overzicht gevaarlijke stoffen (ADR)"},
    "labels": {"uk": "Етикетки", "en": "Labels", "nl": "Etiketten"},
    "shipment": {"uk": "Відправлення", "en": "Shipment", "nl": "Transport"},
    "date": {"uk": "Дата", "en": "Date", "nl": "Datum"},
    "consignor": {"uk": "Відправник (дарувальник)", "en": "Consignor (donor)", "nl": "Afzender (schenker)"},
    "consignee": {"uk": "Отримувач", "en": "Consignee (recipient)", "nl": "Ontvanger"},
    "name": {"uk": "Найменування", "en": "Name", "nl": "Naam"},
    "legal_name": {"uk": "Повне найменування", "en": "Legal name", "nl": "Statutaire naam"},
    "address": {"uk": "Адреса", "en": "Address", "nl": "Adres"},
    "edrpou": {"uk": "Код ЄДРПОУ", "en": "EDRPOU code", "nl": "EDRPOU-code"},
    "ahars": {"uk": "Реєстрація отримувача в AHARS", "en": "AHARS recipient registration",
              "nl": "Registratie van de ontvanger in AHARS"},
    "ahars_on": {"uk": "дата реєстрації", "en": "registered on", "nl": "geregistreerd op"},
    "carrier": {"uk": "Перевізник", "en": "Carrier", "nl": "Vervoerder"},
    "reference": {"uk": "Номер перевізника", "en": "Carrier's reference", "nl": "Referentie vervoerder"},
    "departure": {"uk": "Запланована дата відправлення", "en": "Planned departure", "nl": "Gepland vertrek"},
    "departed": {"uk": "Дата відправлення", "en": "Departure", "nl": "Vertrek"},
    "total_weight": {"uk": "Загальна вага брутто", "en": "Total gross weight", "nl": "Totaal brutogewicht"},
    "total_value": {"uk": "Загальна вартість", "en": "Total value", "nl": "Totale waarde"},
    "destination": {"uk": "Місце призначення", "en": "Destination", "nl": "Bestemming"},
    "no": {"uk": "№", "en": "No.", "nl": "Nr."},
    "offer": {"uk": "Позиція", "en": "Item", "nl": "Aanbod"},
    "category": {"uk": "Категорія", "en": "Category", "nl": "Categorie"},
    "description": {"uk": "Опис", "en": "Description", "nl": "Omschrijving"},
    "quantity": {"uk": "Кількість, од.", "en": "Quantity (units)", "nl": "Aantal (stuks)"},
    "unit_value": {"uk": "Вартість за од., EUR", "en": "Value per unit, EUR", "nl": "Waarde per stuk, EUR"},
    "line_value": {"uk": "Вартість, EUR", "en": "Value, EUR", "nl": "Waarde, EUR"},
    "unit_uah": {"uk": "Вартість за од., грн", "en": "Value per unit, UAH", "nl": "Waarde per stuk, UAH"},
    "line_uah": {"uk": "Вартість, грн", "en": "Value, UAH", "nl": "Waarde, UAH"},
    "total": {"uk": "Усього", "en": "Total", "nl": "Totaal"},
    "packages": {"uk": "Кількість місць", "en": "Packages", "nl": "Colli"},
    "gross_weight": {"uk": "Вага брутто, кг", "en": "Gross weight, kg", "nl": "Brutogewicht, kg"},
    "dangerous": {"uk": "Небезпечний вантаж", "en": "Dangerous goods", "nl": "Gevaarlijke stoffen"},
    "none": {"uk": "немає", "en": "none", "nl": "geen"},
    "yes": {"uk": "так", "en": "yes", "nl": "ja"},
    "taking_over": {"uk": "Місце і дата прийняття вантажу", "en": "Place and date of taking over the goods",
                    "nl": "Plaats en datum van inontvangstneming"},
    "delivery": {"uk": "Місце доставки", "en": "Place of delivery", "nl": "Plaats van aflevering"},
    "un_number": {"uk": "Номер ООН", "en": "UN number", "nl": "UN-nummer"},
    "proper_name": {"uk": "Належне відвантажувальне найменування", "en": "Proper shipping name",
                    "nl": "Officiële vervoersnaam"},
    "class": {"uk": "Клас", "en": "Class", "nl": "Klasse"},
    "units": {"uk": "Одиниць", "en": "Units", "nl": "Stuks"},
    "items": {"uk": "Позиції", "en": "Items", "nl": "Aanbod"},
    "fuel_in_tank": {"uk": "Пальне в баку", "en": "Fuel in tank", "nl": "Brandstof in tank"},
    "lithium": {"uk": "Літієві батареї", "en": "Lithium batteries", "nl": "Lithiumbatterijen"},
    "fuel_litres": {"uk": "Загальна кількість пального в баках, л (заповнює відправник)",
                    "en": "Total fuel in the tanks, litres (filled in by the consignor)",
                    "nl": "Totaal brandstof in de tanks, liter (in te vullen door de afzender)"},
    "fuel": {"uk": "Пальне", "en": "Fuel", "nl": "Brandstof"},
    "unit": {"uk": "Одиниця", "en": "Unit", "nl": "Eenheid"},
    "from": {"uk": "Від", "en": "From", "nl": "Van"},
    "to": {"uk": "До", "en": "To", "nl": "Naar"},
    "scan": {"uk": "Скануйте: паспорт виробу", "en": "Scan: the item's passport", "nl": "Scan: het paspoort"},
    "signature": {"uk": "підпис", "en": "signature", "nl": "handtekening"},
}

CURRENCIES = {"UAH": {"uk": "грн", "en": "UAH", "nl": "UAH"}, "EUR": {"uk": "EUR", "en": "EUR", "nl": "EUR"}}


def term(key: str, language: str) -> str:
    words = TERMS[key]
    return words.get(language) or words["en"]
