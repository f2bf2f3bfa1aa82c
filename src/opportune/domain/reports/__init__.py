"""Reports: definitions, periods and the pure builders that shape aggregated rows."""
