"""Where Django finds the app's models: each part of the domain keeps its own in its folder."""

from pledges.accounts.models import Authenticator, LoginFailure, RecoveryCode, Role, User, UserManager
from pledges.donations.models import Donation, DonationQuerySet
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
)
from pledges.finance.models import (
    AnnualAccount,
    BankStatement,
    FinanceReport,
    Payment,
    PaymentQuerySet,
    StatementImport,
)
from pledges.history.models import Event
from pledges.logistics.models import ReceiptConfirmation, Shipment
from pledges.reference.models import Appeal, Destination, KnownIban, Municipality, MunicipalityQuerySet, Province
from pledges.spreadsheets.models import ExportLog

__all__ = [
    "AnnualAccount",
    "Appeal",
    "Authenticator",
    "BankStatement",
    "Category",
    "Condition",
    "Destination",
    "Donation",
    "DonationQuerySet",
    "EquipmentOffer",
    "Event",
    "ExportLog",
    "FinanceReport",
    "Fuel",
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
    "PaymentQuerySet",
    "Province",
    "ReceiptConfirmation",
    "RecoveryCode",
    "Role",
    "Shipment",
    "StatementImport",
    "User",
    "UserManager",
]
