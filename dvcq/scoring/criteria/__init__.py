"""Criteria versions (bộ tiêu chí): import/export, validation, viewing and comparing versions."""
