"""Exports for warehouses: every progress record and every activity row, streamed as files."""
