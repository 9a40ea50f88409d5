"""The member page: the card on the phone, points, personal offers, receipts and profile, under ``/me``."""
