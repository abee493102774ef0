"""What is not deployed as function code: the local stack, the CLI, seed data, deploy helpers."""
