"""What every model stands on: the grid, field tables, the state over a field table, and
parameter specs."""
