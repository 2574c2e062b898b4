"""Module progress: the seed's records, the activity log, and the rules that keep counts true."""
