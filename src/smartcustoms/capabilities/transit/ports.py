"""Ports the transit capability needs from others: none. A transit links to its customs declaration by the
declaration number string only; the investigation from a manifest reads the declarations capability's published
`queries` (declared in `depends_on`)."""
