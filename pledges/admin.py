"""Where Django finds the admin: each part of the domain registers its own."""

from pledges.accounts import admin as accounts_admin  # noqa: F401
from pledges.core import admin as core_admin  # noqa: F401  (the task queue: resend failed mails)
from pledges.donations import admin as donations_admin  # noqa: F401
from pledges.equipment import admin as equipment_admin  # noqa: F401
from pledges.history import admin as history_admin  # noqa: F401
from pledges.passports import admin as passports_admin  # noqa: F401
from pledges.recipients import admin as recipients_admin  # noqa: F401
from pledges.reference import admin as reference_admin  # noqa: F401
from pledges.usage import admin as usage_admin  # noqa: F401
