"""What every CRM API connector shares: settings and secrets, the retrying HTTP client, value
formats, and the outbox that turns a dlt load into one atomic landing folder."""
