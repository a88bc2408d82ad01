"""Weights & Biases collector: active runs and runs finished, crashed or failed over 7 days, from the GraphQL API."""
