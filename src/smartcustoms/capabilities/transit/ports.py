"""Ports the transit capability needs from others: none yet. A transit links to its customs declaration by the
declaration number string only; when the declarations capability publishes `queries`, the investigation page
can check the number against it (declared in `depends_on`)."""
