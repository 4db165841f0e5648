"""Regression evals: cases as YAML (suites/) and MultiHop-RAG (data/), metrics, runs,
baseline diffs and reports. The metrics grade what the product shows with their own rules,
never with the component they measure.

May import: the core and the stages (index, ingest, check, answer, news); not the service or a
front end.
"""
