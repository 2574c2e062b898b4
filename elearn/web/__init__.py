"""Pieces shared by the HTML and JSON surfaces."""
