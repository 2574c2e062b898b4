"""The audit log: security events and admin actions, for admins to review."""
