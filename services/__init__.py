"""OpenFrame services: one package per service, plus ``kit``, the runtime they all share."""
