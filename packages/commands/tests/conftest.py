from zerograd.core.pytest_fixtures import device  # noqa: F401  (a fixture of these tests)
