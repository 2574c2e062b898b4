"""Users, sign-in (browser sessions and API tokens) and the shared role check."""
