"""The benchmark suite: ``make bench`` (``python -m benchmarks``).

Measures the production server (gunicorn.conf.py) on a generated 200,000-student platform
in PostgreSQL with Redis: HTTP reads and writes under wrk against the ``/healthz`` floor
and the raw-SQL floor, cold and warm course analytics, 2,000 held WebSockets with live
events, both worker models, and EXPLAIN of the hot queries. Writes benchmarks/RESULTS.md.
"""
