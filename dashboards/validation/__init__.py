"""Our own validators of AWS limits and syntax that cfn-lint does not check.

cfn-lint treats a DashboardBody as an opaque string and knows nothing of metric-math or composite
rule syntax, so a template can lint clean and still be rejected at deploy time. Every check here
returns ``Issue``s naming the dashboard / widget / alarm and field, so one run reports them all.
"""

from dashboards.validation.issues import Issue, MonitoringValidationError

__all__ = ["Issue", "MonitoringValidationError"]
