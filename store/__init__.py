"""Persistence: the one narrow boundary between promoflow and PostgreSQL.

Activities call the writing functions here; the API calls only the reads.
"""
