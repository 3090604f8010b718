"""Activities: the only code that writes. Each call appends exactly one event, at the
seq the workflow assigned, with its projections, in one transaction."""
