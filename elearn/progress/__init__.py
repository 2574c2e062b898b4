"""Module progress: each learner's records, the activity log, and the rules that keep counts true."""
