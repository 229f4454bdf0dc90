"""The ledger's data, one module per concern; import models from here."""

from pledges.models.donations import MAX_PLEDGE_CENTS, Donation, DonationQuerySet
from pledges.models.equipment import (
    Category,
    Condition,
    EquipmentOffer,
    Fuel,
    Need,
    NeedQuerySet,
    OfferPhoto,
    OfferQuerySet,
    OfferStatus,
    ReceiptConfirmation,
    Shipment,
)
from pledges.models.exports import ExportLog
from pledges.models.history import Event
from pledges.models.payments import BankStatement, Payment, PaymentQuerySet
from pledges.models.people import Authenticator, LoginFailure, RecoveryCode, Role, User, UserManager
from pledges.models.reference import (
    Appeal,
    Destination,
    KnownIban,
    Municipality,
    MunicipalityQuerySet,
    Province,
)

__all__ = [
    "MAX_PLEDGE_CENTS",
    "Category",
    "Condition",
    "EquipmentOffer",
    "Fuel",
    "Need",
    "OfferPhoto",
    "OfferStatus",
    "ReceiptConfirmation",
    "Shipment",
    "Appeal",
    "BankStatement",
    "Destination",
    "Donation",
    "DonationQuerySet",
    "Event",
    "ExportLog",
    "KnownIban",
    "Authenticator",
    "LoginFailure",
    "RecoveryCode",
    "Municipality",
    "MunicipalityQuerySet",
    "NeedQuerySet",
    "OfferQuerySet",
    "Payment",
    "PaymentQuerySet",
    "Province",
    "Role",
    "User",
    "UserManager",
]
