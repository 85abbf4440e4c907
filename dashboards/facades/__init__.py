"""One facade per AWS resource type; each yields its alarms and its widgets together.

A facade is the only place that knows which metrics matter for its resource, so the graph an
operator looks at and the alarm that pages them always watch the same metric with the same stat.
"""
