"""Services behind the Salesforce-compatible API."""
