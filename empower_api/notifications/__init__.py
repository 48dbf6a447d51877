"""Discreet in-app notifications, shared by every domain (``service.notify``)."""
