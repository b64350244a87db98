"""Local infrastructure for OpenFrame: install, run and inspect the real servers without Docker."""
