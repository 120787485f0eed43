"""Coproduce: software for co-produced public services."""
