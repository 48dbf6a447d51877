"""Consents: what each survivor allows the service to do with their data, with history."""
