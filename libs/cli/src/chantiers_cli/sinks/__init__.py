"""Local stand-ins for external receivers: an SMTP sink and an OTLP trace sink."""
