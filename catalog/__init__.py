"""Layer 1: the system description (catalog) as typed models, its loader and its validation."""
