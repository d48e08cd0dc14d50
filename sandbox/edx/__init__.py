"""Emulation of the Open edX LMS and Studio APIs (spec: edx-studio-api.md)."""
