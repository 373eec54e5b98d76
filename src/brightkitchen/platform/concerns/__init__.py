"""Concerns the public reports about a site (群众反映), and the loop that answers them: received, handling, replied,
closed, each step recorded."""
