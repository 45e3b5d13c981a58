"""HTML pages of the charters app, by audience: leads (charter, reviews), staff, the overview."""
