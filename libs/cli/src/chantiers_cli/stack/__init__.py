"""The throwaway local stack: RabbitMQ, PostgreSQL, an SMTP sink and a trace sink, all on
loopback, all under ``.run/``."""
