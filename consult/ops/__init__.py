"""Operations: Prometheus metrics and the worker heartbeats they read."""
