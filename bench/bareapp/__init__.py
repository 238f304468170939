"""The reference endpoint of the check-in benchmark: one view that does one insert.

Installed only by `bench.settings`, never by the project's settings: it exists so that the
check-in API's throughput can be read as a ratio against Django doing the least it can on the
same stack (gunicorn, the same middleware, the same PostgreSQL, the same multipart request).
"""
