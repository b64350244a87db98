"""API keys: management (create/list/get/update/regenerate/revoke/delete) and verification."""
