"""Salesforce compatibility rules: record ids, objects and their field mapping.

Pure: the services use these to serve Salesforce's REST shape over Opportune's records.
"""
