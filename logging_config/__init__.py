"""Layer 0: the runtime logging library every service imports."""
