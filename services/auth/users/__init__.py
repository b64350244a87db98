"""Users of a tenant: CRUD, roles (one OWNER per tenant), enable/disable."""
