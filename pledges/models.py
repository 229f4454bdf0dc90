"""Where Django finds the app's models: each part of the domain keeps its own in its folder."""

from pledges.accounts.models import Authenticator, LoginFailure, RecoveryCode, Role, User, UserManager
from pledges.donations.models import Donation, DonationQuerySet, DonationSummary, DonationSummaryByDueDate, DonationSummaryByMonth, DonationSummaryByMunicipality, Instalment, ReceivedSummary, ReceivedSummaryByMonth, Reminder
from pledges.equipment.models import (
    Category,
    Condition,
    EquipmentOffer,
    Fuel,
    Need,
    NeedQuerySet,
    OfferPhoto,
    OfferQuerySet,
    OfferStatus,
    OfferSummaryByCategory,
    OfferSummaryByDestination,
    OfferSummaryByMunicipality,
    OfferSummaryByMunicipalityAndDestination,
)
from pledges.finance.models import (
    AccountStatement,
    AnnualAccount,
    BankStatement,
    FinanceReport,
    HeldLine,
    Payment,
    PaymentQuerySet,
    StatementImport,
)
from pledges.history.models import Event
from pledges.logistics.models import ReceiptConfirmation, Shipment
from pledges.passports.models import CustodyPhoto, Unit
from pledges.recipients.models import RecipientOrganisation
from pledges.reference.models import (
    Appeal,
    Destination,
    KnownIban,
    Municipality,
    MunicipalityQuerySet,
    Population,
    Province,
)
from pledges.spreadsheets.models import ExportLog
from pledges.usage.models import UsageReport

__all__ = [
    "AccountStatement",
    "AnnualAccount",
    "Appeal",
    "Authenticator",
    "BankStatement",
    "Category",
    "Condition",
    "CustodyPhoto",
    "Destination",
    "Donation",
    "DonationQuerySet",
    "DonationSummary",
    "DonationSummaryByDueDate",
    "DonationSummaryByMonth",
    "DonationSummaryByMunicipality",
    "EquipmentOffer",
    "OfferSummaryByCategory",
    "OfferSummaryByDestination",
    "OfferSummaryByMunicipality",
    "OfferSummaryByMunicipalityAndDestination",
    "ReceivedSummary",
    "ReceivedSummaryByMonth",
    "Event",
    "ExportLog",
    "FinanceReport",
    "Instalment",
    "Fuel",
    "HeldLine",
    "KnownIban",
    "LoginFailure",
    "Municipality",
    "MunicipalityQuerySet",
    "Need",
    "NeedQuerySet",
    "OfferPhoto",
    "OfferQuerySet",
    "OfferStatus",
    "Payment",
    "Population",
    "PaymentQuerySet",
    "Province",
    "ReceiptConfirmation",
    "RecipientOrganisation",
    "RecoveryCode",
    "Reminder",
    "Role",
    "Shipment",
    "StatementImport",
    "Unit",
    "UsageReport",
    "User",
    "UserManager",
]
