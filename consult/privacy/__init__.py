"""Members' rights over their data: export, erasure on request, and retention of old consultations."""
