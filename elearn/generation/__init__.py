"""Helpers of ``flask generate`` (elearn/generate.py): the synthetic platform's rows and
how they reach the database in bulk."""
