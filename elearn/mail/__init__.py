"""Email: every message is written to the outbox first, then a job delivers it (``outbox.py``)."""
