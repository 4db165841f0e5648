"""Regression evals: cases as YAML, metrics, runs, baseline diffs and reports."""
