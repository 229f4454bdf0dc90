"""The 90-day follow-up: the recipient's report on the use of the aid after receipt."""
