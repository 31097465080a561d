"""The staff console: review conversations, correct the model, export training data.

It reads the tracker store the assistant writes (SQLite or PostgreSQL) and keeps its own tables
(`console_*`) in the same database.
"""
