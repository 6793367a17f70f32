from tests.classification_model import installed, small_model  # noqa: F401  (fixtures)
