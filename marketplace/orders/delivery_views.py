"""The buyer companies' delivery addresses and the sentras' delivery tariffs: pages."""
