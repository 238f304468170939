"""Forms of the community pages, one module per concern (cases, schedule, drug tests, …)."""
