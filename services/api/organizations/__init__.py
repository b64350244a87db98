"""Organizations: the MSP's customers. servicer (proto ↔ domain) → service (rules) → repository (MongoDB)."""
