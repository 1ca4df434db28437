"""Order documents (invoice, delivery note) as PDF: pages."""
