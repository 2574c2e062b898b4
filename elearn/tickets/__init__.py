"""Support tickets: users ask, admins answer and close."""
