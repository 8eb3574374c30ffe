"""Semantic validation rules (SPEC §11), one module per resource.

Each rule function takes a parsed model and the field path it sits at, and
returns every `FieldError` it finds; nothing here raises.
"""
