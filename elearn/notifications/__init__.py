"""Reaching learners and instructors outside the page: email copies of messages, reminders,
digests and badge notes, each kind something a user may turn off."""
