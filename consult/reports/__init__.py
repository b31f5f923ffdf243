"""Reports for staff: consultations by region, organisation, topic, lawyer and month, with charts."""
