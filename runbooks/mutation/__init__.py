"""Runbook mutation testing: break each runnable step the way an operator could, run the drill.

A mutant is the scenario with one step changed (dropped, pointed at the wrong resource, rule,
target or region, given the wrong replay window, or swapped with its neighbour). Its drill runs
exactly as ``obskit drill run`` runs the real one; a mutant whose drill still passes *survives*
(the drill cannot tell that runbook from the right one), a failing drill *kills* it.

``operators`` makes the mutants of one step, ``mutants`` all of a scenario's, ``run`` runs them
(in parallel, on the saved sandbox set-up), ``report`` scores them and writes JSON, Markdown and
HTML, ``harmless`` reads the documented list of survivors that do no harm.
"""

from runbooks.mutation.mutants import Mutant, generate_mutants
from runbooks.mutation.report import MutationReport, Outcome
from runbooks.mutation.run import run_mutants

__all__ = ["Mutant", "MutationReport", "Outcome", "generate_mutants", "run_mutants"]
