from tests.inspection_alone import directory  # noqa: F401  (autouse fixture)
from tests.reference_data import reference_data  # noqa: F401  (fixture)
