"""Layer 2: dashboard and alarm models, AWS-limit validation, CloudFormation output, alarm evaluation."""
