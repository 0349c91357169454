"""Flows as data: the YAML schema, its loader with line numbers, validation and the live registry."""
