"""MITx Online emulation: REST reads, management commands and the Celery clone worker.

Entry points: ``schema.SCHEMA`` (tables), ``rest.handle`` (HTTP port),
``commands.run`` (``manage.py``) and ``worker.tick`` (asynchronous edX clones).
Behaviour follows ``docs/platforms/mitxonline.md``; what was observed wins.
"""
