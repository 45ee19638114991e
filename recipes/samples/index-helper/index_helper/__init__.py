"""Served by the test's package index only."""

VERSION = "2.0.0"
