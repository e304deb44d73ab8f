"""The sync service: a stateless HTTP front (``app``) over one store (``store``)."""
