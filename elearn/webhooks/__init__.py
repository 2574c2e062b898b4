"""Webhooks: elearn's events POSTed, signed, to the endpoints admins register."""
