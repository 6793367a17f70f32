"""Business capabilities, one vertical slice each (see DESIGN.md §2)."""
