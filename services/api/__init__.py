"""The api service: organizations, devices, tags and events (the core MSP domain)."""
