"""Emulation of the Open edX LMS and Studio APIs (spec: docs/platforms/edx.md)."""
