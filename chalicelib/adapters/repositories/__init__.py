"""Repositories: stored items in, domain objects out. Every call names the tenant."""
