"""Developer tools run by make: eval (extraction quality) and bench (speed); not shipped."""
