"""The public REST API: thin servicers that check the key's scope and forward to the owning service."""
