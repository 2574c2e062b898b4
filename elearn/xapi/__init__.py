"""xAPI: every progress change as an xAPI 1.0.3 statement, served and sent to an LRS."""
