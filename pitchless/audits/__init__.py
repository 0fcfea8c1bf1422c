"""The website's "Audit my LinkedIn inbox": upload an export, get the audit's reports."""
