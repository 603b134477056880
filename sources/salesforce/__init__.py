"""Salesforce REST API connector: SOQL over the contract's objects, deleted records included
(docs/connectors/salesforce.md)."""
