"""The admin's pages: platform analytics, user analytics, users, every progress record."""
