"""Devices (machines): inventory, lifecycle, list/filter; storage facts in model.py."""
