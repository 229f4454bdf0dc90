"""The forms of the ledger, by area: fields (shared), donations, accounts, equipment, shipments, finance."""
