"""Tags: keys with allowed values and colors per entity type; assignment to devices."""
