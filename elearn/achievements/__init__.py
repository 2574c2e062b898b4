"""Achievements: badges earned by completing modules and courses and by daily streaks."""
