"""Layer 3: the ``obskit`` command line and the operator tools built on the lower layers."""
