"""The embedded PostgreSQL server, the database when ``DATABASE_URL`` is unset: its lifecycle (``server``), the
Django backend that opens connections to it (``base``, the ``ENGINE`` ``config.embedded_postgres``) and
``manage.py embeddedpg`` to see or stop it."""
