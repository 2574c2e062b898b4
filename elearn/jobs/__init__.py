"""Work done after the response: sending email, reminders, digests (``queue.py``)."""
