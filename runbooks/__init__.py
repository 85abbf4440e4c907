"""Layer 2: incident scenarios, the runbook renderer, the drill sandbox and runner."""
