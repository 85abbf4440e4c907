"""Two tiny scheduled jobs for the sandbox's tests, with the hooks the sandbox looks for
(``faults.set_fault`` / ``clear_faults`` / ``set_sleeper``); no events, no workflow."""
