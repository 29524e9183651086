"""A local, stateful emulation of the Asana REST API v1.0 for tests, benchmarks and demos."""
