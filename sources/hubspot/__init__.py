"""HubSpot CRM API (v3) connector: deals, pipelines, companies, contacts, owners and engagements
onto the contract's Salesforce-shaped objects (docs/connectors/hubspot.md, field by field)."""
