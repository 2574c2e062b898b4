"""Course analytics: the instructor dashboard's questions, answered by SQL aggregates.

The package reads other features' tables (courses, modules, enrollments, progress) and
never writes them.
"""
