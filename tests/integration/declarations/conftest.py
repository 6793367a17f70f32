from tests.reference_data import reference_data  # noqa: F401  (fixture)
