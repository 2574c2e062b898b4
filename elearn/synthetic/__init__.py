"""Synthetic platforms: ``flask seed-demo`` (a small, believable demo) and ``flask generate``
(millions of rows to measure against). Both walk their learners through courses the same
way (``learner.py``) and write every feature's tables directly, then set the counters."""
