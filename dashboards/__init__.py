"""Layer 2: dashboard and alarm models, AWS-limit validation, CloudFormation output, alarm evaluation.

Entry points (import the modules; this package imports nothing so each tool pays only for what it
uses):
- ``dashboards.build.build_monitoring(catalog) -> Monitoring``: alarms, composite alarms and
  dashboards for a catalog, overrides applied, every validator run.
- ``dashboards.aws_shapes``: ``put_metric_alarm_kwargs`` / ``put_composite_alarm_kwargs``.
- ``dashboards.output_files.render_output(catalog)``: the files ``obskit generate`` writes.
- ``dashboards.deploy_aws``: ``deploy_catalog``, ``deploy``, ``diff`` with boto3 (``obskit
  deploy`` / ``obskit diff`` and the sandbox).
- ``dashboards.emf_names``: the workflow metrics (namespace, names, dimensions) services emit.
- ``dashboards.alarm_eval``: CloudWatch alarm semantics, for the sandbox.
"""
