"""Event records: the platform's events (alerts, notices) about devices and organizations."""
