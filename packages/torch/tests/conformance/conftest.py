"""The harness modules here are run by test_conformance.py and report.py, not collected by
pytest (their imports need the tests folder on sys.path, which those two set up)."""

collect_ignore_glob = ["*.py"]
